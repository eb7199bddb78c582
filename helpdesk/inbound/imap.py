"""Polling an IMAP folder: each new message is handed over, then marked as
processed on the server so it is never fetched again.

Processed means: the ``$HelpdeskProcessed`` keyword and ``\\Seen`` are set,
then the message moves to ``MAIL_IMAP_DONE_FOLDER`` when one is configured.
The search asks for messages without the keyword, so a person reading the
mailbox with a mail client (which sets ``\\Seen``) hides nothing from the
helpdesk. A server that takes no keywords gets ``\\Seen`` alone.

No database here: ``handle`` ingests and commits one message; only after it
returned is the message marked, so a crash in between means a second fetch,
which the Message-ID record turns into a no-op.
"""

from __future__ import annotations

import imaplib
import logging
import re
import ssl
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

log = logging.getLogger(__name__)

PROCESSED_KEYWORD = "$HelpdeskProcessed"
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")

# (raw bytes, the message's real size) -> the outcome's name
Handler = Callable[[bytes, int], str]


class ImapError(RuntimeError):
    """The server refused a command; the message stays for the next poll."""


def poll_mailbox(*, settings: Mapping[str, Any], handle: Handler) -> Counter[str]:
    """Hand every unprocessed message of ``MAIL_IMAP_FOLDER`` (at most
    ``MAIL_POLL_BATCH``, oldest first) to ``handle`` and mark it processed.
    A message over ``MAIL_MAX_BYTES`` is handed over as its header block
    with its real size. Answers how many messages had each outcome."""
    counts: Counter[str] = Counter()
    with ImapFolder(settings) as folder:
        for uid in folder.unprocessed(limit=settings["MAIL_POLL_BATCH"]):
            size = folder.size(uid)
            raw = folder.fetch(uid, headers_only=size > settings["MAIL_MAX_BYTES"])
            outcome = handle(raw, size)
            log.info(
                "mail_in.imap uid=%s size=%s outcome=%s", uid.decode(), size, outcome
            )
            counts[outcome] += 1
            folder.mark_processed(uid)
    return counts


class ImapFolder:
    """One session on the configured folder: plain IMAP or IMAP over TLS."""

    def __init__(self, settings: Mapping[str, Any]) -> None:
        self._settings = settings
        self._imap: imaplib.IMAP4 | None = None
        self._keywords = False
        self._capabilities: set[str] = set()
        self._done_folder_ready = False

    def __enter__(self) -> ImapFolder:
        s = self._settings
        timeout = s["MAIL_IMAP_TIMEOUT_SECONDS"]
        if s["MAIL_IMAP_TLS"]:
            imap = imaplib.IMAP4_SSL(
                s["MAIL_IMAP_HOST"],
                s["MAIL_IMAP_PORT"],
                ssl_context=ssl.create_default_context(),
                timeout=timeout,
            )
        else:
            imap = imaplib.IMAP4(
                s["MAIL_IMAP_HOST"], s["MAIL_IMAP_PORT"], timeout=timeout
            )
        self._imap = imap
        try:
            imap.login(s["MAIL_IMAP_USER"] or "", s["MAIL_IMAP_PASSWORD"] or "")
            # Servers announce more (MOVE, UIDPLUS) once logged in.
            answer = _ok(imap.capability(), "CAPABILITY")
            self._capabilities = set(b" ".join(answer).decode().upper().split())
            _ok(imap.select(_quoted(s["MAIL_IMAP_FOLDER"])), "SELECT")
            _name, flags = imap.response("PERMANENTFLAGS")
            self._keywords = any(b"\\*" in (f or b"") for f in flags)
        except BaseException:
            self._close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._close()

    def unprocessed(self, *, limit: int) -> list[bytes]:
        criteria = ("UNKEYWORD", PROCESSED_KEYWORD) if self._keywords else ("UNSEEN",)
        data = _ok(self._session.uid("SEARCH", *criteria), "SEARCH")
        uids = sorted((data[0] or b"").split(), key=int)
        return uids[:limit]

    def size(self, uid: bytes) -> int:
        data = _ok(self._session.uid("FETCH", uid, "(RFC822.SIZE)"), "FETCH")
        found = _SIZE.search(b" ".join(_flatten(data)))
        if found is None:
            raise ImapError(f"no size for uid {uid.decode()}")
        return int(found.group(1))

    def fetch(self, uid: bytes, *, headers_only: bool = False) -> bytes:
        """The message as the server holds it, without setting ``\\Seen``."""
        section = "BODY.PEEK[HEADER]" if headers_only else "BODY.PEEK[]"
        data = _ok(self._session.uid("FETCH", uid, f"({section})"), "FETCH")
        literals = [item[1] for item in data if isinstance(item, tuple)]
        if not literals:
            raise ImapError(f"no message for uid {uid.decode()}")
        return literals[0]

    def mark_processed(self, uid: bytes) -> None:
        flags = f"(\\Seen {PROCESSED_KEYWORD})" if self._keywords else "(\\Seen)"
        _ok(self._session.uid("STORE", uid, "+FLAGS.SILENT", flags), "STORE")
        done_folder = self._settings["MAIL_IMAP_DONE_FOLDER"]
        if done_folder:
            self._move(uid, done_folder)

    def _move(self, uid: bytes, folder: str) -> None:
        imap = self._session
        if not self._done_folder_ready:
            # "Already exists" is a NO answer too; the move below tells.
            imap.create(_quoted(folder))
            self._done_folder_ready = True
        if "MOVE" in self._capabilities:
            _ok(imap.uid("MOVE", uid, _quoted(folder)), "MOVE")
            return
        _ok(imap.uid("COPY", uid, _quoted(folder)), "COPY")
        _ok(imap.uid("STORE", uid, "+FLAGS.SILENT", "(\\Deleted)"), "STORE")
        if "UIDPLUS" in self._capabilities:
            _ok(imap.uid("EXPUNGE", uid), "EXPUNGE")
        else:
            imap.expunge()

    @property
    def _session(self) -> imaplib.IMAP4:
        if self._imap is None:
            raise ImapError("not connected")
        return self._imap

    def _close(self) -> None:
        if self._imap is None:
            return
        imap, self._imap = self._imap, None
        try:
            if imap.state == "SELECTED":
                imap.close()
            imap.logout()
        except (imaplib.IMAP4.error, OSError):
            imap.shutdown()


def _ok(answer: tuple[str, list], command: str) -> list:
    status, data = answer
    if status != "OK":
        raise ImapError(f"{command} answered {status}: {data!r}")
    return data


def _flatten(data: list) -> list[bytes]:
    return [
        part
        for item in data
        for part in (item if isinstance(item, tuple) else (item,))
        if isinstance(part, bytes)
    ]


def _quoted(name: str) -> str:
    """A mailbox name as an IMAP quoted string (imaplib sends it as given)."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
