"""Talking to the company directory (LDAP, Active Directory) with ldap3.

No Flask and no database here: the settings come in as a ``DirectorySettings``
and what the directory says comes out as a ``DirectoryPerson``. Every call
opens its own connection, with the timeout of the settings on connecting and
on each answer, and closes it. Passwords are never logged; every value put
into a search filter is escaped (RFC 4515).
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from ldap3 import BASE, NONE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException, LDAPInvalidDnError
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import parse_dn

from helpdesk.vocabulary import Role

log = logging.getLogger(__name__)

_INVALID_CREDENTIALS = 49
_NO_SUCH_OBJECT = 32
# Active Directory's binary ids, kept in hex.
_BINARY_IDS = frozenset({"objectguid", "objectsid"})


class DirectoryUnreachable(Exception):
    """The directory did not answer in time, or refused the service account."""


@dataclass(frozen=True)
class DirectorySettings:
    """The ``LDAP_*`` settings (config.py), checked once."""

    url: str
    start_tls: bool
    ca_cert_file: str | None
    bind_dn: str
    bind_password: str
    user_base: str
    user_filter: str
    required_group: str | None  # normalised DN
    group_roles: tuple[tuple[str, Role], ...]  # (normalised group DN, role), in order
    default_role: Role
    member_of_attribute: str
    group_base: str
    group_filter: str
    name_attribute: str
    email_attribute: str
    phone_attribute: str
    id_attribute: str
    timeout_seconds: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> DirectorySettings | None:
        """The settings, or None when the directory login is off (no
        ``LDAP_URL``). Raises ``ValueError`` naming a setting that is wrong."""
        url = (config.get("LDAP_URL") or "").strip()
        if not url:
            return None
        if not url.startswith(("ldap://", "ldaps://")):
            raise ValueError("LDAP_URL must start with ldap:// or ldaps://")
        if not config.get("LDAP_USER_BASE"):
            raise ValueError("LDAP_USER_BASE must be set when LDAP_URL is")
        if "{" not in config["LDAP_USER_FILTER"]:
            raise ValueError("LDAP_USER_FILTER must contain {login} or {username}")
        required = config.get("LDAP_REQUIRED_GROUP") or ""
        return cls(
            url=url,
            start_tls=bool(config.get("LDAP_START_TLS")),
            ca_cert_file=config.get("LDAP_CA_CERT_FILE") or None,
            bind_dn=config.get("LDAP_BIND_DN") or "",
            bind_password=config.get("LDAP_BIND_PASSWORD") or "",
            user_base=config["LDAP_USER_BASE"],
            user_filter=config["LDAP_USER_FILTER"],
            required_group=normalise_dn(required) if required.strip() else None,
            group_roles=tuple(
                (normalise_dn(dn), _role("LDAP_GROUP_ROLES", role))
                for dn, role in (config.get("LDAP_GROUP_ROLES") or {}).items()
            ),
            default_role=_role("LDAP_DEFAULT_ROLE", config["LDAP_DEFAULT_ROLE"]),
            member_of_attribute=config["LDAP_MEMBER_OF_ATTRIBUTE"],
            group_base=config.get("LDAP_GROUP_BASE") or "",
            group_filter=config["LDAP_GROUP_FILTER"],
            name_attribute=config["LDAP_NAME_ATTRIBUTE"],
            email_attribute=config["LDAP_EMAIL_ATTRIBUTE"],
            phone_attribute=config["LDAP_PHONE_ATTRIBUTE"],
            id_attribute=config["LDAP_ID_ATTRIBUTE"],
            timeout_seconds=int(config["LDAP_TIMEOUT_SECONDS"]),
        )

    def role_for(self, groups: frozenset[str]) -> Role:
        """The role of the first mapped group the person is in."""
        for group, role in self.group_roles:
            if group in groups:
                return role
        return self.default_role

    def admits(self, groups: frozenset[str]) -> bool:
        return self.required_group is None or self.required_group in groups


def _role(setting: str, value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise ValueError(f"{setting}: {value!r} is not a role ({roles})") from None


def normalise_dn(dn: str) -> str:
    """A DN compared as directories do: attribute names and values in any
    case, spaces around the separators ignored."""
    try:
        parts = parse_dn(dn.strip(), escape=False, strip=True)
    except LDAPInvalidDnError:
        return dn.strip().lower()
    return ",".join(f"{name.lower()}={value.lower()}" for name, value, _sep in parts)


@dataclass(frozen=True)
class DirectoryPerson:
    """A person as the directory has them."""

    dn: str
    directory_id: str
    name: str | None
    email: str | None
    phone: str | None
    groups: frozenset[str]  # normalised DNs of the groups they are in


def find_person(settings: DirectorySettings, login: str) -> DirectoryPerson | None:
    """The one person the user filter finds for ``login``, as the service
    account sees them; None for nobody, or more than one (logged)."""
    with _service_connection(settings) as conn:
        entries = _search(
            conn,
            settings.user_base,
            user_filter(settings, login),
            _attributes(settings),
            limit=2,
        )
        if len(entries) != 1:
            if entries:
                log.warning("directory.ambiguous_login entries=%s", len(entries))
            return None
        return _person(conn, settings, entries[0])


def people_by_id(
    settings: DirectorySettings, directory_ids: Iterable[str]
) -> dict[str, DirectoryPerson | None]:
    """Each id's person as the directory has them now, None for an entry
    that is gone (an id this id attribute cannot have is left out); one
    connection for all. Raises ``DirectoryUnreachable``
    (also for a search base that does not exist: that is a wrong setting,
    not everybody gone)."""
    found: dict[str, DirectoryPerson | None] = {}
    with _service_connection(settings) as conn:
        for directory_id in directory_ids:
            if "=" in directory_id:  # the DN, for a directory that sent no id
                entries = _search(
                    conn,
                    directory_id,
                    "(objectClass=*)",
                    _attributes(settings),
                    limit=1,
                    scope=BASE,
                    missing_ok=True,
                )
            else:
                try:
                    filter_ = id_filter(settings, directory_id)
                except ValueError:  # written under another LDAP_ID_ATTRIBUTE
                    continue
                entries = _search(
                    conn,
                    settings.user_base,
                    filter_,
                    _attributes(settings),
                    limit=2,
                )
            found[directory_id] = (
                _person(conn, settings, entries[0]) if len(entries) == 1 else None
            )
    return found


def id_filter(settings: DirectorySettings, directory_id: str) -> str:
    """The filter that finds the entry with ``directory_id`` (as
    ``_identifier`` wrote it: a binary id byte by byte from its hex)."""
    attribute = settings.id_attribute
    if attribute.lower() in _BINARY_IDS:
        value = "".join(f"\\{byte:02x}" for byte in bytes.fromhex(directory_id))
    else:
        value = escape_filter_chars(directory_id)
    return f"({attribute}={value})"


def _attributes(settings: DirectorySettings) -> list[str]:
    attributes = [
        settings.name_attribute,
        settings.email_attribute,
        settings.phone_attribute,
        settings.id_attribute,
    ]
    if not settings.group_base:
        attributes.append(settings.member_of_attribute)
    return attributes


def _person(
    conn: Connection, settings: DirectorySettings, entry: dict
) -> DirectoryPerson:
    return DirectoryPerson(
        dn=entry["dn"],
        directory_id=_identifier(settings, entry),
        name=_text(_first(entry, settings.name_attribute)),
        email=_text(_first(entry, settings.email_attribute)),
        phone=_text(_first(entry, settings.phone_attribute)),
        groups=_groups(conn, settings, entry),
    )


def password_matches(settings: DirectorySettings, dn: str, password: str) -> bool:
    """Whether the directory accepts ``password`` for ``dn`` (a simple bind)."""
    if not password:
        # An empty password is an "unauthenticated bind", which LDAP servers
        # answer with success: never a way in.
        return False
    with _connection(settings, dn, password) as conn:
        return conn is not None


def user_filter(settings: DirectorySettings, login: str) -> str:
    """The user filter with ``{login}`` (what was typed) and ``{username}``
    (its part before "@") put in, escaped."""
    login = login.strip()
    return (
        settings.user_filter.replace("{login}", escape_filter_chars(login))
        .replace("{email}", escape_filter_chars(login))
        .replace("{username}", escape_filter_chars(login.split("@", 1)[0]))
    )


@contextmanager
def _service_connection(settings: DirectorySettings) -> Iterator[Connection]:
    with _connection(settings, settings.bind_dn, settings.bind_password) as conn:
        if conn is None:
            log.error("directory.service_bind_refused bind_dn=%s", settings.bind_dn)
            raise DirectoryUnreachable("the directory refused the service account")
        yield conn


@contextmanager
def _connection(
    settings: DirectorySettings, user: str, password: str
) -> Iterator[Connection | None]:
    """A connection bound as ``user``; None if the directory refuses the
    credentials. Raises ``DirectoryUnreachable`` when it does not answer."""
    conn = None
    try:
        conn = Connection(
            _server(settings),
            user=user or None,
            password=password or None,
            receive_timeout=settings.timeout_seconds,
            auto_referrals=False,
            raise_exceptions=False,
        )
        conn.open()
        if settings.start_tls:
            conn.start_tls()
        if not conn.bind():
            code = conn.result.get("result")
            if code != _INVALID_CREDENTIALS:
                log.info("directory.bind_refused result=%s", code)
            yield None
            return
        yield conn
    except LDAPException as err:
        # ldap3's messages name sockets and certificates, never a password.
        log.warning(
            "directory.unreachable url=%s error=%s: %s",
            settings.url,
            type(err).__name__,
            err,
        )
        raise DirectoryUnreachable(str(err)) from None
    finally:
        if conn is not None:
            if not conn.closed:
                with suppress(LDAPException):
                    conn.unbind()
            # ldap3 leaves the socket of a failed connect open.
            if conn.socket is not None:
                with suppress(OSError):
                    conn.socket.close()


def _server(settings: DirectorySettings) -> Server:
    tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=settings.ca_cert_file)
    return Server(
        settings.url,
        use_ssl=settings.url.startswith("ldaps://"),
        tls=tls,
        get_info=NONE,  # no schema read at every login
        connect_timeout=settings.timeout_seconds,
    )


def _search(
    conn: Connection,
    base: str,
    filter_: str,
    attributes: list[str],
    *,
    limit: int,
    scope: str = SUBTREE,
    missing_ok: bool = False,
) -> list[dict]:
    conn.search(
        base, filter_, scope, attributes=attributes, size_limit=limit, time_limit=0
    )
    code = conn.result.get("result")
    if code == _NO_SUCH_OBJECT and missing_ok:
        return []
    # 4: sizeLimitExceeded - more matches than asked for, still an answer.
    if code not in (0, 4):
        # 32, noSuchObject: the base is not there, a wrong setting.
        log.warning("directory.search_failed base=%s result=%s", base, code)
        raise DirectoryUnreachable(f"search failed: {conn.result.get('description')}")
    return [e for e in conn.response or [] if e.get("type") == "searchResEntry"]


def _groups(
    conn: Connection, settings: DirectorySettings, entry: dict
) -> frozenset[str]:
    if not settings.group_base:
        values = _values(entry, settings.member_of_attribute)
        return frozenset(normalise_dn(_text(v) or "") for v in values)
    filter_ = settings.group_filter.replace("{dn}", escape_filter_chars(entry["dn"]))
    groups = _search(conn, settings.group_base, filter_, [], limit=0)
    return frozenset(normalise_dn(group["dn"]) for group in groups)


def _values(entry: dict, attribute: str) -> list[bytes]:
    # Attribute names are case-insensitive; raw values keep binary ids intact.
    for name, values in entry["raw_attributes"].items():
        if name.lower() == attribute.lower():
            return list(values)
    return []


def _first(entry: dict, attribute: str) -> bytes | None:
    values = _values(entry, attribute)
    return values[0] if values else None


def _text(value: bytes | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    return value.strip() or None


def _identifier(settings: DirectorySettings, entry: dict) -> str:
    """The entry's stable id as text: entryUUID as it is, a binary id
    (objectGUID) in hex; the DN when the directory sends no id (logged: a
    renamed entry then looks like a new one)."""
    value = _first(entry, settings.id_attribute)
    if value is None:
        log.warning(
            "directory.no_id attribute=%s dn=%s: set LDAP_ID_ATTRIBUTE",
            settings.id_attribute,
            entry["dn"],
        )
        return normalise_dn(entry["dn"])[:255]
    if settings.id_attribute.lower() in _BINARY_IDS:
        return value.hex()
    return value.decode("utf-8", errors="replace").strip()[:255]
