"""Our own mail address (``MAIL_FROM``) and the forms of it that thread a
reply: ``helpdesk+HD-000123@domain`` and Message-IDs ``<ticket-N@domain>``.
Pure: no Flask, no database."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Mailbox:
    """Our own address, from ``MAIL_FROM``: ``local@domain``."""

    local: str
    domain: str

    @classmethod
    def of(cls, settings: Mapping[str, Any]) -> Mailbox:
        local, _at, domain = settings["MAIL_FROM"].strip().lower().rpartition("@")
        return cls(local or "helpdesk", domain or "localhost")

    def owns(self, address: str) -> bool:
        """``helpdesk@domain`` and its ``helpdesk+tag@domain`` forms."""
        local, _at, domain = address.lower().rpartition("@")
        return domain == self.domain and (
            local == self.local or local.startswith(self.local + "+")
        )

    def tag(self, address: str) -> str | None:
        local, _at, domain = address.lower().rpartition("@")
        if domain != self.domain or not local.startswith(self.local + "+"):
            return None
        return local.removeprefix(self.local + "+")

    def is_own_message_id(self, message_id: str | None) -> bool:
        return bool(message_id) and bool(
            re.fullmatch(
                rf"(?:outbox|ticket)-\d+@{re.escape(self.domain)}",
                message_id,
                re.IGNORECASE,
            )
        )

    def ticket_id_in(self, message_id: str) -> int | None:
        found = re.fullmatch(
            rf"ticket-(\d+)@{re.escape(self.domain)}", message_id, re.IGNORECASE
        )
        return int(found.group(1)) if found else None
