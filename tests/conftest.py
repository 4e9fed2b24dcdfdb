"""Shared by every test folder: this file makes pytest put tests/ on sys.path, so helpers kept
here (`pg`, the PostgreSQL databases) can be imported from any folder's tests."""
