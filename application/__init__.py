"""Accord's application services: commands and queries over the ledger."""
