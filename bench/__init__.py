"""Benchmarks of the dataplane under cluster churn, with baselines and a summary."""
