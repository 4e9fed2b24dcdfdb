"""The accounts service: sign-up, log-in, password changes, operators; argon2 password hashes
(pwdlib) computed in a small executor of their own.

Used by the pages and by `gyrus user`. Emails are compared case-insensitively and stored
lower-cased, so `Ada@Example.org` and `ada@example.org` are one account.

A hash costs ~0.3 s of CPU. The pages hash through `PasswordHashing`, a bounded executor
separate from the thread pool that does database work, so a flood of log-ins waits (or is
refused with `HashingBusy`) there and never holds the threads every page needs. The CLI hashes
in its own thread.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import TypeVar

from anyio import to_thread
from pwdlib import PasswordHash
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import models as orm
from app import signins
from app.db import UnitOfWork, is_duplicate

MIN_PASSWORD = 10
MAX_PASSWORD = 1024
"""Argon2 hashes anything, but a megabyte password would only cost CPU."""
COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")
"""Passwords refused as too common (one a line, `#` comments), compared lower-cased."""
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_hasher = PasswordHash.recommended()
_DUMMY_HASH = _hasher.hash("not a real password")
"""Verified against when the email is unknown, so both cases take the same time."""

T = TypeVar("T")


class AccountError(ValueError):
    """A form that cannot go through; the message is shown to the learner."""


class HashingBusy(RuntimeError):
    """Every password-hash slot is taken: the page answers 503 and asks to retry shortly."""

    retry_after = 5


class PasswordHashing:
    """At most `workers` hashes at once and `waiting` more queued, process-wide; beyond that
    `HashingBusy` at once, so a flood costs a bounded amount of CPU and memory."""

    def __init__(self, workers: int = 2, waiting: int = 8) -> None:
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="argon2")
        self._slots = threading.BoundedSemaphore(workers + waiting)

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """`fn(*args)` in the executor, awaited without holding any other thread."""
        if not self._slots.acquire(blocking=False):
            raise HashingBusy()
        try:
            future = self._executor.submit(fn, *args)
        except BaseException:
            self._slots.release()
            raise
        future.add_done_callback(lambda _done: self._slots.release())
        return await asyncio.wrap_future(future)


HASHING = PasswordHashing()
"""The one hashing executor of this process (the pages use it; tests may replace it)."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


@cache
def _common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and line[0] != "#")


def check_password(password: str) -> None:
    """AccountError saying why a new password is too easy to guess (or too long)."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"The password needs at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"The password may have at most {MAX_PASSWORD} characters.")
    if len(set(password)) == 1:
        raise AccountError("The password cannot be one character repeated.")
    if password.strip().lower() in _common_passwords():
        raise AccountError("This password is one of the most common ones, which are guessed "
                           "first; choose another.")


def check_new_account(email: str, password: str) -> str:
    """The normalised email, or AccountError saying what is wrong with the form."""
    email = normalise_email(email)
    if not _EMAIL.match(email) or len(email) > 320:
        raise AccountError("Enter a valid email address.")
    check_password(password)
    return email


def create_user(uow: UnitOfWork, email: str, password: str, *, operator: bool = False) -> int:
    """Store a new account, hashing in this thread (the CLI); AccountError when the form is
    wrong or the email is taken."""
    email = check_new_account(email, password)
    return _add_user(uow, email, _hasher.hash(password), operator)


async def sign_up(uow: UnitOfWork, email: str, password: str) -> int:
    """`create_user` for the pages: the hash in `HASHING` (HashingBusy when full), the write
    in the database threads."""
    email = check_new_account(email, password)
    password_hash = await HASHING.run(_hasher.hash, password)
    return await to_thread.run_sync(_add_user, uow, email, password_hash, False)


def _add_user(uow: UnitOfWork, email: str, password_hash: str, operator: bool) -> int:
    with uow:
        user = orm.User(email=email, password_hash=password_hash, is_operator=operator)
        uow.session.add(user)
        try:
            uow.commit()
        except IntegrityError as error:
            if not is_duplicate(error):
                raise
            raise AccountError("An account with this email already exists; log in.") from error
        return user.id


async def log_in(uow: UnitOfWork, email: str, password: str) -> int | None:
    """The user id when email and password match, else None (same cost either way)."""
    if len(password) > MAX_PASSWORD:
        return None
    found = await to_thread.run_sync(_stored_hash, uow, normalise_email(email))
    user_id, stored = found or (None, _DUMMY_HASH)
    valid, new_hash = await HASHING.run(_hasher.verify_and_update, password, stored)
    if not valid or user_id is None:
        return None
    if new_hash is not None:  # the recommended parameters changed: upgrade the hash
        await to_thread.run_sync(_store_hash, uow, user_id, new_hash)
    return user_id


def _stored_hash(uow: UnitOfWork, email: str) -> tuple[int, str] | None:
    with uow.reading():
        row = uow.session.execute(select(orm.User.id, orm.User.password_hash)
                                  .where(orm.User.email == email)).first()
    return (row[0], row[1]) if row else None


def _store_hash(uow: UnitOfWork, user_id: int, password_hash: str) -> None:
    with uow:
        user = uow.session.get(orm.User, user_id)
        if user is not None:
            user.password_hash = password_hash
            uow.commit()


async def change_password(uow: UnitOfWork, user_id: int, current: str, new: str,
                          keep_sign_in: str | None) -> None:
    """The learner's own change (Account page): needs the current password; ends every
    sign-in of theirs but `keep_sign_in` (the id hash of the one making the change)."""
    check_password(new)
    found = await to_thread.run_sync(_stored_hash_of, uow, user_id)
    if found is None or len(current) > MAX_PASSWORD:
        raise AccountError("The current password is not right.")
    valid, _ = await HASHING.run(_hasher.verify_and_update, current, found)
    if not valid:
        raise AccountError("The current password is not right.")
    password_hash = await HASHING.run(_hasher.hash, new)
    await to_thread.run_sync(_replace_hash, uow, user_id, password_hash, keep_sign_in)


def _stored_hash_of(uow: UnitOfWork, user_id: int) -> str | None:
    with uow.reading():
        return uow.session.scalar(select(orm.User.password_hash).where(orm.User.id == user_id))


def _replace_hash(uow: UnitOfWork, user_id: int, password_hash: str, keep: str | None) -> None:
    """The new hash and the end of the other sign-ins, in one transaction."""
    with uow:
        user = uow.session.get(orm.User, user_id)
        if user is None:
            return
        user.password_hash = password_hash
        signins.end_all_in(uow.session, user_id, keep=keep)
        uow.commit()


def reset_password(uow: UnitOfWork, email: str, password: str) -> int | None:
    """An operator's reset (`gyrus user password`): sets the password and ends every sign-in
    of the account; its id, or None when there is no such account."""
    check_password(password)
    with uow.reading():
        user_id = uow.session.scalar(
            select(orm.User.id).where(orm.User.email == normalise_email(email)))
    if user_id is None:
        return None
    _replace_hash(uow, user_id, _hasher.hash(password), None)
    return user_id


def set_operator(uow: UnitOfWork, email: str, operator: bool) -> int | None:
    """Make the account of `email` an operator (or a plain learner again); its id, or None
    when there is no such account."""
    with uow:
        user = uow.session.scalars(
            select(orm.User).where(orm.User.email == normalise_email(email))
        ).one_or_none()
        if user is None:
            return None
        user.is_operator = operator
        uow.commit()
        return user.id
