"""Accord's HTTP API."""
