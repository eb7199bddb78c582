"""A real SMTP server on loopback for tests (aiosmtpd), restartable on its port."""

from __future__ import annotations

import email
import email.policy

from aiosmtpd.controller import Controller


class CollectingHandler:
    """aiosmtpd handler that keeps every message it accepts and refuses the
    recipients in ``refused``."""

    def __init__(self) -> None:
        self.envelopes: list = []
        self.refused: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, options) -> str:
        if address in self.refused:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append(envelope)
        return "250 OK"

    def messages(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(e.original_content, policy=email.policy.default)
            for e in self.envelopes
        ]


class _PortZeroController(Controller):
    """aiosmtpd 1.4's Controller cannot bind port 0 by itself: ``start()``
    connects to ``self.port`` to check the server is up. Read the port the OS
    chose before that check."""

    def _trigger_server(self) -> None:
        if self.port == 0:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class LoopbackSMTP:
    """An SMTP server on 127.0.0.1 that can be stopped and started again on
    the same port (an aiosmtpd Controller closes its event loop on stop, so
    each start takes a new one)."""

    def __init__(self) -> None:
        self.handler = CollectingHandler()
        self.port = 0
        self._controller: Controller | None = None

    def start(self) -> None:
        controller = _PortZeroController(
            self.handler, hostname="127.0.0.1", port=self.port
        )
        controller.start()
        self._controller, self.port = controller, controller.port

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
