"""Logging in with the company directory, and keeping its users in step.

``authenticate`` is the one entry point of the login page and of
``POST /api/v1/auth/token``: local accounts log in with their own password
as before; a directory user, or anyone the helpdesk does not know, is asked
of the directory (helpdesk.directory.client). A successful directory login
creates or updates the local user (name, e-mail, phone, role by group) and
marks it as a directory user, who has no local password. Someone the
directory no longer lets in (out of the required group) is deactivated here
and their sessions and tokens end; an administrator reactivates them.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from helpdesk.audit import record_audit
from helpdesk.directory.client import (
    DirectoryPerson,
    DirectorySettings,
    DirectoryUnreachable,
    find_person,
    password_matches,
    people_by_id,
)
from helpdesk.errors import DomainError
from helpdesk.extensions import db
from helpdesk.models import User
from helpdesk.service import accounts
from helpdesk.vocabulary import AuthSource

log = logging.getLogger(__name__)

# A local account costs a password hash; asking the directory costs about as
# much with this one, so timing does not tell local accounts from the others.
_DUMMY_HASH = generate_password_hash("not-a-password")


class DirectoryError(DomainError):
    """A directory login that cannot go on; ``reason`` goes to the audit log."""

    def __init__(self, message: str, *, login: str, reason: str):
        super().__init__(message)
        self.login = login
        self.reason = reason


class DirectoryUnavailable(DirectoryError):
    status = 503
    code = "directory_unavailable"


class DirectoryRefused(DirectoryError):
    """The password was right, but the directory or the helpdesk says no."""

    status = 403
    code = "directory_refused"


_UNAVAILABLE = _l(
    "The company directory cannot be reached, so company accounts cannot log "
    "in right now. Please try again in a few minutes; accounts of the helpdesk "
    "itself still log in."
)
_NOT_IN_GROUP = _l(
    "Your company account is not allowed to use the helpdesk. Ask your "
    "administrator to add you to its group."
)
_DEACTIVATED = _l("Your helpdesk account has been deactivated. Ask an administrator.")
_LOCAL_ACCOUNT = _l(
    "The helpdesk already has an account with your e-mail that logs in with "
    "its own password. Log in with that password, or ask an administrator."
)
_NO_EMAIL = _l(
    "Your company account has no e-mail address the helpdesk can use (it is "
    "missing, or another account has it). Ask your administrator."
)


def authenticate(
    login: str, password: str, *, settings: Mapping[str, Any], now: datetime
) -> User | None:
    """The user ``login`` (an e-mail, or a directory user name) and
    ``password`` let in, or None for a wrong login or password.

    Local accounts are checked locally, whether the directory is on or not.
    Raises ``DirectoryUnavailable`` when the directory must answer and does
    not, ``DirectoryRefused`` when it accepts the password but the person
    may not log in here (the local user is then deactivated where that is
    the reason). Only flushes: the caller commits, also after an error.

    Someone the directory does not find is not deactivated: they may have
    typed the e-mail they had before the directory changed it."""
    directory = DirectorySettings.from_config(settings)
    local = accounts.find_user_by_email(login)
    if directory is None or (local is not None and not local.from_directory):
        return accounts.authenticate(login, password)
    check_password_hash(_DUMMY_HASH, password)
    try:
        person = find_person(directory, login)
        if person is None:
            return None
        user = _local_user(person)
        if not directory.admits(person.groups):
            if user is not None and user.from_directory:
                _deactivate(user, reason="not_in_group")
            if password_matches(directory, person.dn, password):
                raise DirectoryRefused(
                    _NOT_IN_GROUP, login=login, reason="not_in_group"
                )
            return None
        if not password_matches(directory, person.dn, password):
            return None
    except DirectoryUnreachable:
        raise DirectoryUnavailable(
            _UNAVAILABLE, login=login, reason="directory_unavailable"
        ) from None
    return _synchronise(user, person, directory, login=login, now=now)


def sweep_directory_users(*, settings: Mapping[str, Any]) -> Counter[str]:
    """Hold every active directory user against the directory as it is now
    (the scheduler's ``directory-sync`` job, ``flask directory sync``):
    someone gone from it or out of the required group is deactivated and
    their sessions and tokens end; a changed group changes the role. Name,
    e-mail and phone follow at the next login. Idempotent; only flushes.
    Raises ``DirectoryUnreachable`` and then changes nothing."""
    directory = DirectorySettings.from_config(settings)
    counts: Counter[str] = Counter()
    if directory is None:
        return counts
    users = list(
        db.session.scalars(
            sa.select(User)
            .where(User.auth_source == AuthSource.DIRECTORY, User.active.is_(True))
            .order_by(User.id)
        )
    )
    people = people_by_id(directory, [u.directory_id for u in users if u.directory_id])
    for user in users:
        if user.directory_id not in people:
            counts["unchecked"] += 1
            continue
        person = people[user.directory_id]
        if person is None or not directory.admits(person.groups):
            _deactivate(
                user, reason="not_in_directory" if person is None else "not_in_group"
            )
            counts["deactivated"] += 1
            continue
        role = directory.role_for(person.groups)
        counts["role_changed" if role != user.role else "unchanged"] += 1
        user.role = role
    db.session.flush()
    return counts


def _local_user(person: DirectoryPerson) -> User | None:
    """The helpdesk's user for ``person``: by the directory's id, else by
    e-mail (the first login, or an entry made anew in the directory)."""
    user = db.session.scalar(
        sa.select(User).where(User.directory_id == person.directory_id)
    )
    if user is None and person.email:
        user = accounts.find_user_by_email(person.email)
    return user


def _synchronise(
    user: User | None,
    person: DirectoryPerson,
    directory: DirectorySettings,
    *,
    login: str,
    now: datetime,
) -> User:
    """Create or update the local user from the directory's entry."""
    email = accounts.normalise_email(person.email or "")
    if not email or len(email) > 254 or "@" not in email:
        log.warning("directory.no_email dn=%s", person.dn)
        raise DirectoryRefused(_NO_EMAIL, login=login, reason="no_email")
    if user is not None and not user.from_directory:
        # Never taken over: the account keeps its own password (an admin's
        # way in while the directory is down, a customer's own account).
        log.warning("directory.local_account_exists user_id=%s", user.id)
        raise DirectoryRefused(_LOCAL_ACCOUNT, login=login, reason="local_account")
    if user is not None and not user.active:
        raise DirectoryRefused(_DEACTIVATED, login=login, reason="deactivated")
    holder = accounts.find_user_by_email(email)
    if holder is not None and (user is None or holder.id != user.id):
        log.warning("directory.email_taken user_id=%s dn=%s", holder.id, person.dn)
        raise DirectoryRefused(_NO_EMAIL, login=login, reason="email_taken")
    name = (person.name or email.split("@", 1)[0])[:120]
    role = directory.role_for(person.groups)
    if user is None:
        user = accounts.create_user(
            {"email": email, "name": name, "phone": person.phone, "role": role},
            now=now,
        )
        log.info("directory.user_created user_id=%s", user.id)
    else:
        user.email, user.name, user.role = email, name, role
        user.phone = accounts.normalise_phone(person.phone)
        accounts.refresh_lookup(user)
    user.auth_source = AuthSource.DIRECTORY
    user.directory_id = person.directory_id
    user.password_hash = None
    db.session.flush()
    return user


def _deactivate(user: User, *, reason: str) -> None:
    """The directory no longer lets ``user`` in: so neither does the
    helpdesk, from now on and in every session and token already open."""
    if not user.active:
        return
    user.active = False
    accounts.end_sessions(user)
    record_audit(
        "user.deactivated_by_directory",
        target_type="user",
        target_id=user.id,
        data={"email": user.email, "reason": reason},
    )
    log.info("directory.user_deactivated user_id=%s reason=%s", user.id, reason)
