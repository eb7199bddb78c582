"""A fresh peer database (``PEER_DB``): migrated, django-helpdesk's mail
templates loaded, one queue, and an agent allowed to use its ticket API
(``IsAdminUser``: staff). Prints the agent's token.

Run with the peer's own virtualenv, from ``bench/peer``."""

import os

import django
from django.core.management import call_command

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_site.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from helpdesk.models import Queue  # noqa: E402

call_command("migrate", verbosity=0)
call_command("loaddata", "emailtemplate.json", verbosity=0)
agent = get_user_model().objects.create_superuser(
    "agent", "agent@example.com", "bench-peer"
)
queue = Queue.objects.create(
    title="Support", slug="support", email_address="support@example.com"
)
assert queue.id == 1, "bench/peer/intake_bodies.jsonl posts to queue 1"
print(Token.objects.create(user=agent).key)
