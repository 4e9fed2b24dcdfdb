"""Alembic migrations, inside the package so an installed app can migrate itself."""
