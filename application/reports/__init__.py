"""Accountability reports computed from the read models."""
