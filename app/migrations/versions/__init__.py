"""Migration scripts, applied in order by `app.db.migrate`."""
