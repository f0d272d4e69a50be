"""Renderers of the accountability report: CSV tables, a Markdown paper and one HTML file.

Each renderer takes the report as `ledger.reports.accountability_report` returns it (or its JSON
round trip) and an optional map of extra names; none of them reads the ledger.
"""
