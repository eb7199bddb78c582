"""A throwaway IMAP server (Debian's dovecot-imapd) on loopback for tests.

Everything lives in one temporary directory: the configuration, the runtime
sockets, a passwd-file with one user and that user's Maildir. Plain-text
logins are allowed (loopback only, no TLS). Dovecot refuses to run its mail
processes as root, so as root it runs them as the ``dovecot`` system user
(created by Debian's package), in a directory that user owns.
"""

from __future__ import annotations

import contextlib
import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

DOVECOT = "/usr/sbin/dovecot"
_CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
info_log_path = {base}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{base}/mail/%u
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = {uid}
last_valid_uid = {uid}
first_valid_gid = {gid}
last_valid_gid = {gid}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {base}/passwd
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-reader {{
    user = {user}
  }}
  unix_listener stats-writer {{
    user = {user}
  }}
}}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ImapServer:
    """``start()`` it, ``append()`` messages, read ``folder()``; ``stop()``."""

    user = "helpdesk@example.test"
    password = "imap-secret"

    def __init__(self) -> None:
        if not os.path.exists(DOVECOT):
            raise RuntimeError(
                "dovecot is not installed: run scripts/install-system-deps"
            )
        # Not under pytest's tmp dir: that one is private to root, and the
        # server's processes may run as the dovecot user.
        self.base_dir = Path(tempfile.mkdtemp(prefix="helpdesk-imap-"))
        self.port = _free_port()
        self._process: subprocess.Popen | None = None
        account = pwd.getpwnam("dovecot") if os.geteuid() == 0 else None
        self._account = account or pwd.getpwuid(os.geteuid())

    def start(self) -> ImapServer:
        base, account = self.base_dir, self._account
        for sub in ("run", "state", "mail"):
            (base / sub).mkdir()
        (base / "passwd").write_text(
            f"{self.user}:{{PLAIN}}{self.password}:{account.pw_uid}:"
            f"{account.pw_gid}::{base}/mail/{self.user}\n"
        )
        (base / "dovecot.conf").write_text(
            _CONFIG.format(
                base=base,
                port=self.port,
                user=account.pw_name,
                group=_group_name(account.pw_gid),
                uid=account.pw_uid,
                gid=account.pw_gid,
            )
        )
        for path in (base, base / "state", base / "mail"):
            shutil.chown(path, account.pw_uid, account.pw_gid)
        with open(base / "stderr.log", "wb") as stderr:
            self._process = subprocess.Popen(
                [DOVECOT, "-F", "-c", str(base / "dovecot.conf")],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        self._wait_until_listening()
        return self

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def settings(self, **overrides) -> dict:
        """The app settings that point ``flask mail poll`` here."""
        return {
            "MAIL_IMAP_HOST": "127.0.0.1",
            "MAIL_IMAP_PORT": self.port,
            "MAIL_IMAP_TLS": False,
            "MAIL_IMAP_USER": self.user,
            "MAIL_IMAP_PASSWORD": self.password,
            "MAIL_IMAP_FOLDER": "INBOX",
            "MAIL_IMAP_DONE_FOLDER": None,
        } | overrides

    def connect(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        imap.login(self.user, self.password)
        return imap

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        imap = self.connect()
        try:
            status, data = imap.append(folder, None, None, raw)
            assert status == "OK", data
        finally:
            imap.logout()

    def folder(self, name: str = "INBOX") -> dict[int, set[str]]:
        """Each message's UID and flags in folder ``name``."""
        imap = self.connect()
        try:
            status, data = imap.select(f'"{name}"', readonly=True)
            assert status == "OK", data
            status, data = imap.uid("FETCH", "1:*", "(UID FLAGS)")
            assert status == "OK", data
            return dict(_uid_and_flags(line) for line in data if line)
        finally:
            imap.logout()

    def clear(self, name: str = "INBOX") -> None:
        """Delete every message of a folder (between tests)."""
        imap = self.connect()
        try:
            status, data = imap.select(f'"{name}"')
            if status == "OK" and int(data[0]) > 0:
                imap.store("1:*", "+FLAGS.SILENT", "(\\Deleted)")
                imap.expunge()
            if status == "OK":
                imap.close()
        finally:
            imap.logout()

    def _wait_until_listening(self, timeout: float = 15.0) -> None:
        # Elapsed real time: the server's start-up, not domain time.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self._log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                # Not listening yet: wait a moment on the process itself, so a
                # dovecot that exits is noticed at once.
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._process.wait(timeout=0.05)
        raise RuntimeError(f"dovecot did not listen in {timeout}s: {self._log()}")

    def _log(self) -> str:
        logs = (self.base_dir / name for name in ("stderr.log", "dovecot.log"))
        return "".join(log.read_text() for log in logs if log.exists())


def _group_name(gid: int) -> str:
    return grp.getgrgid(gid).gr_name


def _uid_and_flags(line: bytes) -> tuple[int, set[str]]:
    text = line.decode()
    uid = int(text.split("UID ", 1)[1].split()[0].rstrip(")"))
    flags = text.split("FLAGS (", 1)[1].split(")", 1)[0]
    return uid, set(flags.split())
