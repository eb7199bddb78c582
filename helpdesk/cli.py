"""Commands: ``flask users create|token|list``, ``flask demo load``,
``flask scheduler``, ``flask mail ingest|poll``, ``flask search reindex``."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask, current_app, g
from flask.cli import AppGroup

from helpdesk.clock import get_clock
from helpdesk.demo import (
    DEMO_CONTACTS,
    DEMO_LANGUAGES,
    DEMO_USERS,
    load_demo_people,
    load_demo_tickets,
)
from helpdesk.extensions import db
from helpdesk.hooks import demo_loaders
from helpdesk.inbound.cli import mail_cli
from helpdesk.models import User
from helpdesk.scheduler import scheduler_command
from helpdesk.service import accounts
from helpdesk.vocabulary import Role

users_cli = AppGroup("users", help="Manage users and API tokens.")
demo_cli = AppGroup("demo", help="Demo data.")
search_cli = AppGroup("search", help="Ticket search.")


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default="customer")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_user(email: str, name: str, role: str, password: str) -> None:
    """Create a user with a password."""
    user = accounts.create_user(
        {"email": email, "name": name, "role": Role(role), "password": password},
        now=get_clock().now(),
    )
    db.session.commit()
    click.echo(f"created user id={user.id} email={user.email} role={user.role}")


@users_cli.command("token")
@click.argument("email")
@click.option("--name", default="cli")
def create_token(email: str, name: str) -> None:
    """Print a new bearer token for EMAIL (shown once; only its digest is kept)."""
    user = accounts.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"no user with e-mail {email}")
    raw, token = accounts.issue_token(
        user,
        name=name,
        now=get_clock().now(),
        ttl_days=current_app.config["API_TOKEN_TTL_DAYS"],
    )
    db.session.commit()
    click.echo(raw)


@users_cli.command("list")
def list_users() -> None:
    """Print every user's e-mail and role."""
    for user in db.session.scalars(sa.select(User).order_by(User.id)):
        click.echo(
            f"{user.id}\t{user.email}\t{user.role}\t{'active' if user.active else 'inactive'}"
        )


@demo_cli.command("load")
@click.option(
    "--locale",
    type=click.Choice(DEMO_LANGUAGES),
    default=None,
    help="Language of the demo's rules, replies, policies and holidays "
    "(default: DEMO_LOCALE, else the default locale).",
)
def load_demo(locale: str | None) -> None:
    """Load demo users, categories and tickets; running it again changes nothing."""
    if locale:
        g.demo_locale = locale  # this command's app context only
    now = get_clock().now()
    created = load_demo_people(now=now)
    # Other packages' demo data, between the core's people and its tickets.
    for load in demo_loaders():
        load(now)
    load_demo_tickets(now=now)
    db.session.commit()
    click.echo(
        f"demo data loaded ({created} new users); every demo password is 'demo':"
    )
    for email, _name, role, _phone, organisation, _locale in DEMO_USERS:
        contact = (
            f"  ({organisation}'s designated contact)" if email in DEMO_CONTACTS else ""
        )
        click.echo(f"  {role.value:<9} {email}{contact}")


@search_cli.command("reindex")
def reindex_tickets() -> None:
    """Rebuild the ticket search words of every ticket (after a bulk import)."""
    from helpdesk.search import index

    count = index.reindex_all()
    db.session.commit()
    click.echo(f"Indexed {count} tickets.")


def register(app: Flask) -> None:
    app.cli.add_command(search_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(mail_cli)
