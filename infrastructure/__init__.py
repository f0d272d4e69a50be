"""Accord's recorders: the library's SQLite, PostgreSQL and in-memory recorders plus Accord's tables."""
