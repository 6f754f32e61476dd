"""Interchange on the sector's standards: publiccode.yml, OCDS and CSV, read and written.

Every module here is pure: it takes bytes or typed facts and returns typed facts, problems or
text, touching no database and no network. Parsing and validating are CPU-bound and may take
tens of milliseconds on a large file, so callers on the event loop run them in a worker thread
(`anyio.to_thread.run_sync`); the CLI calls them directly.

- `publiccode`: read and validate publiccode.yml per the version it declares, and write it.
- `ocds`: read OCDS packages, records and releases into framework facts, and write a release.
- `csv_out`: stream rows as CSV with formula-injection neutralised.
- `orgids`: recognise and normalise org-id.guide organisation identifiers.
"""
