"""The login throttle holds across gunicorn workers: a real gunicorn with two
workers on loopback, the counters in the database both share.

Which worker takes a connection is the kernel's choice, so the test makes
sure both get attempts: it starts one request with ``Expect: 100-continue``
and holds its body back - the worker that answers "100 Continue" is busy
with it until the body comes - and sends the next attempt meanwhile, which
only the other worker can take. The access log (pid per request) proves it.
"""

from __future__ import annotations

import os
import selectors
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.builders import make_user

ROOT = Path(__file__).resolve().parents[3]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
DEADLINE_SECONDS = 60


class Gunicorn:
    def __init__(self, database_url: str, access_log: Path) -> None:
        env = os.environ | {
            "HELPDESK_ENV": "testing",
            "TEST_DATABASE_URL": database_url,
        }
        self.process = subprocess.Popen(
            [
                GUNICORN,
                "--workers",
                "2",
                "--bind",
                "127.0.0.1:0",
                "--access-logfile",
                str(access_log),
                "--access-logformat",
                "%(p)s %(s)s %(r)s",
                "app:create_app()",
            ],
            cwd=ROOT,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.port = self._wait_until_serving()

    def _wait_until_serving(self) -> int:
        """The port once both workers have booted, read from gunicorn's log."""
        port, workers = None, 0
        selector = selectors.DefaultSelector()
        selector.register(self.process.stderr, selectors.EVENT_READ)
        deadline = time.monotonic() + DEADLINE_SECONDS
        while port is None or workers < 2:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(timeout=left):
                raise RuntimeError("gunicorn did not start")
            line = self.process.stderr.readline()
            if not line:
                raise RuntimeError("gunicorn exited")
            if "Listening at: http://127.0.0.1:" in line:
                port = int(line.rsplit(":", 1)[1].split()[0])
            workers += "Booting worker with pid" in line
        selector.close()
        return port

    def stop(self) -> None:
        self.process.terminate()
        self.process.communicate(timeout=DEADLINE_SECONDS)


@pytest.fixture
def gunicorn(app, migrated_url, tmp_path):
    server = Gunicorn(migrated_url, tmp_path / "access.log")
    yield server
    server.stop()


def _request_head(port: int, body: bytes, *, expect: bool) -> bytes:
    return (
        "POST /login HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n"
        + ("Expect: 100-continue\r\n" if expect else "")
        + "Connection: close\r\n\r\n"
    ).encode()


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _read_head(sock: socket.socket) -> bytes:
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        chunk = sock.recv(1)
        assert chunk, head
        head += chunk
    return head


def _status(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def _attempts_on_both_workers(port: int, body: bytes) -> list[bytes]:
    """Two attempts, one on each worker: the answers, in the order counted."""
    held = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE_SECONDS)
    quick = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE_SECONDS)
    with held, quick:
        held.sendall(_request_head(port, body, expect=True))
        assert _read_head(held).startswith(b"HTTP/1.1 100 Continue")  # a worker has it
        quick.sendall(_request_head(port, body, expect=False) + body)
        first = _read_all(quick)  # the other worker's answer
        held.sendall(body)
        second = _read_all(held)
    return [first, second]


def test_the_sixth_wrong_password_in_a_minute_gets_429_across_two_workers(
    given, gunicorn, tmp_path
):
    user = given(make_user)
    body = urlencode({"email": user.email, "password": "not-the-password"}).encode()

    answers = [
        answer
        for _ in range(3)
        for answer in _attempts_on_both_workers(gunicorn.port, body)
    ]

    assert [_status(a) for a in answers] == [401] * 5 + [429]
    head = answers[-1].split(b"\r\n\r\n", 1)[0].decode().lower()
    assert "retry-after: 60" in head or "retry-after: 59" in head
    gunicorn.stop()  # the access log is complete
    lines = (tmp_path / "access.log").read_text().splitlines()
    served_by = {line.split()[0] for line in lines if " 401 " in line}
    assert len(served_by) == 2, lines  # both workers took wrong passwords
