"""The accounts service: sign-up, log-in, operators; argon2 password hashes (pwdlib).

Used by the pages and by `gyrus user`. Emails are compared case-insensitively and stored
lower-cased, so `Ada@Example.org` and `ada@example.org` are one account.
"""

from __future__ import annotations

import re

from pwdlib import PasswordHash
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import models as orm
from app.db import UnitOfWork, is_duplicate

MIN_PASSWORD = 8
MAX_PASSWORD = 1024
"""Argon2 hashes anything, but a megabyte password would only cost CPU."""
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_hasher = PasswordHash.recommended()
_DUMMY_HASH = _hasher.hash("not a real password")
"""Verified against when the email is unknown, so both cases take the same time."""


class AccountError(ValueError):
    """A sign-up that cannot go through; the message is shown to the learner."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_new_account(email: str, password: str) -> str:
    """The normalised email, or AccountError saying what is wrong with the form."""
    email = normalise_email(email)
    if not _EMAIL.match(email) or len(email) > 320:
        raise AccountError("Enter a valid email address.")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"The password needs at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"The password may have at most {MAX_PASSWORD} characters.")
    return email


def create_user(uow: UnitOfWork, email: str, password: str, *, operator: bool = False) -> int:
    """Store a new account; AccountError when the form is wrong or the email is taken."""
    email = check_new_account(email, password)
    with uow:
        user = orm.User(email=email, password_hash=_hasher.hash(password), is_operator=operator)
        uow.session.add(user)
        try:
            uow.commit()
        except IntegrityError as error:
            if not is_duplicate(error):
                raise
            raise AccountError("An account with this email already exists; log in.") from error
        return user.id


def authenticate(uow: UnitOfWork, email: str, password: str) -> int | None:
    """The user id when email and password match, else None (same cost either way)."""
    if len(password) > MAX_PASSWORD:
        return None
    with uow:
        user = uow.session.scalars(
            select(orm.User).where(orm.User.email == normalise_email(email))
        ).one_or_none()
        if user is None:
            _hasher.verify(password, _DUMMY_HASH)
            return None
        valid, new_hash = _hasher.verify_and_update(password, user.password_hash)
        if not valid:
            return None
        if new_hash is not None:  # the recommended parameters changed: upgrade the hash
            user.password_hash = new_hash
            uow.commit()
        return user.id



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
