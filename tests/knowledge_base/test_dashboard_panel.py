"""The manager dashboard shows the knowledge base's rates for its period."""

from __future__ import annotations

from helpdesk.vocabulary import Role
from tests.builders import make_user


def test_sla_dashboard_shows_deflection_and_first_contact_rates(client, given, login):
    login(given(make_user, role=Role.MANAGER))
    page = client.get("/sla").get_data(as_text=True)
    assert "Deflection rate" in page
    assert "First-contact resolution" in page
