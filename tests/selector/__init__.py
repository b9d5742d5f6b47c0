"""Tests for the Calico selector language."""
