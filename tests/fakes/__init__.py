"""Faithful fakes of services the tests cannot run for real."""
