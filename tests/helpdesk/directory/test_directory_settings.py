"""The directory's settings, filters and DNs (no server), and the migration
of the directory users' columns."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from config import TestingConfig
from helpdesk.directory.client import (
    DirectorySettings,
    id_filter,
    normalise_dn,
    user_filter,
)
from helpdesk.extensions import db
from helpdesk.vocabulary import Role


def _config(**overrides) -> dict:
    settings = {k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()}
    return (
        settings
        | {
            "LDAP_URL": "ldap://directory.example.test",
            "LDAP_USER_BASE": "ou=people,dc=example,dc=test",
        }
        | overrides
    )


def test_the_directory_login_is_off_without_a_url():
    assert DirectorySettings.from_config(_config(LDAP_URL="")) is None
    assert DirectorySettings.from_config(_config()) is not None


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"LDAP_URL": "http://directory"}, "LDAP_URL"),
        ({"LDAP_USER_BASE": ""}, "LDAP_USER_BASE"),
        ({"LDAP_USER_FILTER": "(mail=ann@example.test)"}, "LDAP_USER_FILTER"),
        ({"LDAP_GROUP_ROLES": {"cn=x,dc=test": "boss"}}, "LDAP_GROUP_ROLES"),
        ({"LDAP_DEFAULT_ROLE": "root"}, "LDAP_DEFAULT_ROLE"),
    ],
)
def test_a_wrong_setting_is_named_at_start_up(overrides, named):
    with pytest.raises(ValueError, match=named):
        DirectorySettings.from_config(_config(**overrides))


def test_filter_values_are_escaped():
    settings = DirectorySettings.from_config(
        _config(LDAP_USER_FILTER="(|(mail={login})(sAMAccountName={username}))")
    )

    assert user_filter(settings, " *)(uid=*@x ") == (
        r"(|(mail=\2a\29\28uid=\2a@x)(sAMAccountName=\2a\29\28uid=\2a))"
    )


def test_an_active_directory_binary_id_is_searched_byte_by_byte():
    guid = DirectorySettings.from_config(_config(LDAP_ID_ATTRIBUTE="objectGUID"))
    uuid = DirectorySettings.from_config(_config())

    assert id_filter(guid, "0a1bff") == r"(objectGUID=\0a\1b\ff)"
    assert id_filter(uuid, "e204c020-*") == r"(entryUUID=e204c020-\2a)"
    with pytest.raises(ValueError):
        id_filter(guid, "e204c020-82d3")  # an id kept under another attribute


def test_group_dns_compare_as_directories_do_and_the_first_mapped_group_wins():
    settings = DirectorySettings.from_config(
        _config(
            LDAP_GROUP_ROLES={
                "CN=Admins, OU=Groups,DC=example,DC=test": "admin",
                "cn=line1,ou=groups,dc=example,dc=test": "line1",
            },
            LDAP_REQUIRED_GROUP="cn=Helpdesk,ou=Groups,dc=example,dc=test",
        )
    )
    groups = frozenset(
        normalise_dn(dn)
        for dn in (
            "cn=line1,ou=groups,dc=example,dc=test",
            "cn=admins,ou=groups,dc=example,dc=test",
            "CN=HELPDESK,OU=GROUPS,DC=EXAMPLE,DC=TEST",
        )
    )

    assert settings.role_for(groups) == Role.ADMIN
    assert settings.role_for(frozenset()) == Role.CUSTOMER
    assert settings.admits(groups) and not settings.admits(frozenset())


def test_the_migration_matches_the_directory_columns(app):
    include_name = app.extensions["migrate"].configure_args["include_name"]
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": include_name, "compare_type": True}
        )
        diffs = compare_metadata(context, db.metadata)
    assert [
        d for d in diffs if "auth_source" in repr(d) or "directory_id" in repr(d)
    ] == []
