"""``flask directory check LOGIN``: try the ``LDAP_*`` settings without
logging anyone in - the service account's bind, the search, what the helpdesk
would take from the entry and the role it would give. ``flask directory
sync``: one run of the scheduler's ``directory-sync`` job."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from helpdesk.directory.client import (
    DirectorySettings,
    DirectoryUnreachable,
    find_person,
    user_filter,
)
from helpdesk.directory.jobs import sync_once

directory_cli = AppGroup("directory", help="Company directory login (LDAP).")


@directory_cli.command("check")
@click.argument("login")
def check(login: str) -> None:
    """Show what the directory answers for LOGIN (an e-mail or user name);
    exit 1 when the login is off, the directory unreachable or LOGIN not found."""
    settings = DirectorySettings.from_config(current_app.config)
    if settings is None:
        raise click.ClickException("the directory login is off (LDAP_URL is empty)")
    tls = " with StartTLS" if settings.start_tls else ""
    click.echo(f"directory {settings.url}{tls}, searching {settings.user_base}")
    click.echo(f"filter {user_filter(settings, login)}")
    try:
        person = find_person(settings, login)
    except DirectoryUnreachable as err:
        raise click.ClickException(f"unreachable: {err}") from None
    if person is None:
        raise click.ClickException("nobody found (or more than one entry)")
    admitted = "yes" if settings.admits(person.groups) else "no (not in the group)"
    for label, value in (
        ("entry", person.dn),
        ("id", person.directory_id),
        ("name", person.name),
        ("e-mail", person.email),
        ("phone", person.phone),
        ("groups", ", ".join(sorted(person.groups)) or "-"),
        ("may log in", admitted),
        ("role", settings.role_for(person.groups).value),
    ):
        click.echo(f"  {label}: {value or '-'}")


@directory_cli.command("sync")
def sync() -> None:
    """Deactivate directory users who left the directory or its group (their
    sessions and tokens end) and bring roles in line with groups."""
    try:
        counts = sync_once(settings=current_app.config)
    except DirectoryUnreachable as err:
        raise click.ClickException(f"unreachable: {err}") from None
    click.echo(" ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "no users")
