"""Tests of the update sources (directory and Kubernetes)."""
