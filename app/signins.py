"""The sign-ins service: one row per log-in, named by a random id only the learner's cookie
holds (the table keeps its SHA-256, so a database read hands out no live cookie).

Ending a sign-in deletes its row, so every copy of its cookie stops working at once: Log out
ends one, Log out everywhere and a password change end several. A sign-in unused for
`max_age` counts as ended and is deleted at the next log-in of anyone.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session

from app import models as orm
from app.db import UnitOfWork

TOUCH_EVERY = timedelta(minutes=5)
"""`last_seen_at` moves at most this often: a write per request would cost every page."""
MAX_USER_AGENT = 200
RAW_LENGTH = 43
"""Characters of a raw id (`secrets.token_urlsafe(32)`); a cookie of any other shape names
nothing and is not looked up."""
_URLSAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@dataclass(frozen=True)
class Current:
    """The live sign-in a cookie names, with its learner, as plain data."""

    key: str
    """The row's id: the SHA-256 of the cookie's raw id."""
    user_id: int
    email: str
    is_operator: bool
    data: dict[str, Any]
    stale: bool
    """Last seen more than `TOUCH_EVERY` ago: `touch` it (and refresh the cookie)."""


@dataclass(frozen=True)
class Listed:
    """One of a learner's sign-ins, for the Account page."""

    created_at: datetime
    last_seen_at: datetime
    user_agent: str
    current: bool

    @property
    def browser(self) -> str:
        """"Firefox on Windows": what a learner recognises of the browser's User-Agent."""
        agent = self.user_agent
        name = next((n for token, n in _BROWSERS if token in agent), "A browser")
        system = next((s for token, s in _SYSTEMS if token in agent), "")
        if name == "A browser" and not system:
            return agent[:60] or "Unknown browser"
        return f"{name} on {system}" if system else name


_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"),
             ("Chrome/", "Chrome"), ("Safari/", "Safari"), ("curl/", "curl"))
"""(token, name) in the order to test them: Edge and Opera also say Chrome, Chrome says Safari."""
_SYSTEMS = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"),
            ("Windows", "Windows"), ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"),
            ("Linux", "Linux"))


def key_of(raw: str) -> str:
    """The row id of a raw sign-in id."""
    return hashlib.sha256(raw.encode()).hexdigest()


def well_formed(raw: str) -> bool:
    return len(raw) == RAW_LENGTH and _URLSAFE.issuperset(raw)


def _aware(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def begin(uow: UnitOfWork, user_id: int, user_agent: str, max_age: timedelta) -> str:
    """A new sign-in of `user_id`; returns its raw id, for the cookie and nowhere else."""
    raw = secrets.token_urlsafe(32)
    now = orm.utcnow()
    with uow:
        uow.session.execute(delete(orm.SignIn).where(orm.SignIn.last_seen_at < now - max_age))
        uow.session.add(orm.SignIn(id=key_of(raw), user_id=user_id, created_at=now,
                                   last_seen_at=now, user_agent=user_agent[:MAX_USER_AGENT],
                                   data={}))
        uow.commit()
    return raw


_FIND = (select(orm.SignIn.id, orm.SignIn.user_id, orm.User.email, orm.User.is_operator,
                orm.SignIn.data, orm.SignIn.last_seen_at)
         .join(orm.User, orm.User.id == orm.SignIn.user_id)
         .where(orm.SignIn.id == bindparam("key")))


def find(uow: UnitOfWork, raw: str, max_age: timedelta) -> Current | None:
    """The live sign-in of a cookie's raw id, or None (ended, expired, or never was)."""
    if not well_formed(raw):
        return None
    with uow.reading():
        row = uow.execute(_FIND, {"key": key_of(raw)}).first()
    if row is None:
        return None
    key, user_id, email, is_operator, data, last_seen = row
    idle = orm.utcnow() - _aware(last_seen)
    if idle > max_age:
        return None
    return Current(key, user_id, email, is_operator, dict(data or {}), idle > TOUCH_EVERY)


def touch(uow: UnitOfWork, key: str) -> None:
    """The sign-in was used now."""
    with uow:
        uow.session.execute(update(orm.SignIn).where(orm.SignIn.id == key)
                            .values(last_seen_at=orm.utcnow()))
        uow.commit()


_DATA = select(orm.SignIn.data).where(orm.SignIn.id == bindparam("key"))
_SAVE_DATA = update(orm.SignIn).where(orm.SignIn.id == bindparam("key")).values(
    data=bindparam("data", type_=orm.SignIn.data.type))


def save_data(uow: UnitOfWork, key: str, changed: dict[str, Any], removed: set[str]) -> None:
    """Apply one request's changes to the sign-in's data (keys set, keys removed), merged into
    what is stored now, so two requests of one learner do not undo each other's keys."""
    with uow:
        row = uow.execute(_DATA, {"key": key}).first()
        if row is None:  # ended meanwhile
            return
        data = {k: v for k, v in (row.data or {}).items() if k not in removed}
        uow.execute(_SAVE_DATA, {"key": key, "data": {**data, **changed}})
        uow.commit()


def end(uow: UnitOfWork, key: str) -> None:
    """Log out: this sign-in ends, and every copy of its cookie with it."""
    with uow:
        uow.session.execute(delete(orm.SignIn).where(orm.SignIn.id == key))
        uow.commit()


def end_all(uow: UnitOfWork, user_id: int) -> None:
    """Log out everywhere: every sign-in of the learner ends."""
    with uow:
        end_all_in(uow.session, user_id)
        uow.commit()


def end_all_in(session: Session, user_id: int, keep: str | None = None) -> None:
    """Within a caller's transaction (a password change): end the learner's sign-ins, but
    the one whose key is `keep`."""
    query = delete(orm.SignIn).where(orm.SignIn.user_id == user_id)
    if keep is not None:
        query = query.where(orm.SignIn.id != keep)
    session.execute(query)


def listed(uow: UnitOfWork, user_id: int, current_key: str, max_age: timedelta) -> list[Listed]:
    """The learner's live sign-ins, most recently seen first."""
    with uow.reading():
        rows = uow.session.execute(
            select(orm.SignIn.id, orm.SignIn.created_at, orm.SignIn.last_seen_at,
                   orm.SignIn.user_agent)
            .where(orm.SignIn.user_id == user_id,
                   orm.SignIn.last_seen_at >= orm.utcnow() - max_age)
            .order_by(orm.SignIn.last_seen_at.desc())).all()
    return [Listed(_aware(created), _aware(seen), agent or "", key == current_key)
            for key, created, seen, agent in rows]
