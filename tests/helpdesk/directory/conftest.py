"""The directory tests' slapd (one per pytest-xdist worker, started once) and
the app pointed at it.

The tree keeps its entries between tests (only the database is emptied), so
every test adds people of its own, with names no other test uses.
"""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest

from tests.ldap_server import GROUPS, LdapServer

PASSWORD = "directory-pass"
HELPDESK = f"cn=helpdesk,{GROUPS}"
LINE2 = f"cn=support-line2,{GROUPS}"
MANAGERS = f"cn=helpdesk-managers,{GROUPS}"
_GROUPS = {"helpdesk": HELPDESK, "line2": LINE2, "managers": MANAGERS}
_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def ldap_server():
    server = LdapServer().start()
    # groupOfNames needs a member: the groups start with a founder in each.
    founder = server.add_person("founder", "Founder", password="founder-pass")
    for dn in _GROUPS.values():
        server.add_group(dn.split(",", 1)[0].removeprefix("cn="), [founder])
    yield server
    server.stop()


class Directory:
    """The test's view of the directory: people in groups, and changes."""

    def __init__(self, server: LdapServer) -> None:
        self.server = server

    def person(
        self,
        first_name: str,
        *,
        groups: tuple[str, ...] = ("helpdesk",),
        phone: str | None = "+7 495 123-45-67",
        password: str = PASSWORD,
    ) -> SimpleNamespace:
        """A new person (``ann`` becomes uid ``ann7``, mail ``ann7@...``) in
        ``groups`` (helpdesk, line2, managers)."""
        uid = f"{first_name}{next(_numbers)}"
        name = f"{first_name.title()} Directory"
        dn = self.server.add_person(uid, name, password=password, phone=phone)
        for group in groups:
            self.server.add_member(_GROUPS[group], dn)
        return SimpleNamespace(
            dn=dn, uid=uid, name=name, email=f"{uid}@example.test", password=password
        )

    def leave(self, person, group: str) -> None:
        self.server.remove_member(_GROUPS[group], person.dn)

    def join(self, person, group: str) -> None:
        self.server.add_member(_GROUPS[group], person.dn)

    def change(self, person, **attributes) -> None:
        self.server.modify(person.dn, **attributes)


@pytest.fixture
def directory(ldap_server, app, monkeypatch) -> Directory:
    """The app logs in against the test slapd (``LDAP_*`` settings)."""
    for key, value in ldap_server.settings().items():
        monkeypatch.setitem(app.config, key, value)
    return Directory(ldap_server)


def log_in(client, login: str, password: str = PASSWORD):
    return client.post("/login", data={"email": login, "password": password})
