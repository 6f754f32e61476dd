"""Keeping the search index in step with the database (filled in by the search work)."""
