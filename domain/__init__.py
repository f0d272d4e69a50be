"""Accord's domain model: governance records as event-sourced aggregates."""
