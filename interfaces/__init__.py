"""Accord's interfaces: HTTP API, command line, settings and the composition root."""
