"""A throwaway OpenLDAP server (Debian's slapd) on loopback for tests.

Everything lives in one temporary directory: a generated ``slapd.conf``, the
database (back-mdb) and the pid file. slapd runs as the current user in the
foreground (``-d 0``), listening on ``ldap://127.0.0.1:<free port>`` only.
The memberof overlay keeps ``memberOf`` on people, as Active Directory does;
the entries are added over LDAP after the start, since ``slapadd`` bypasses
overlays. The access rules are a real directory's: anonymous clients may only
bind, so the helpdesk must search as its service account. StartTLS works with
a self-signed certificate for 127.0.0.1 (``ca_cert_file``), made by openssl.

Under pytest-xdist every worker starts its own server on its own port.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from ldap3 import MODIFY_ADD, MODIFY_DELETE, MODIFY_REPLACE, Connection, Server

SLAPD = "/usr/sbin/slapd"
SCHEMA_DIR = "/etc/ldap/schema"
MODULE_DIR = "/usr/lib/ldap"

BASE = "dc=example,dc=test"
PEOPLE = f"ou=people,{BASE}"
GROUPS = f"ou=groups,{BASE}"
ROOT_DN = f"cn=admin,{BASE}"
ROOT_PASSWORD = "root-secret"
SERVICE_DN = f"cn=helpdesk,ou=services,{BASE}"
SERVICE_PASSWORD = "service-secret"

_CONFIG = """\
include {schema}/core.schema
include {schema}/cosine.schema
include {schema}/inetorgperson.schema
include {schema}/nis.schema
modulepath {modules}
moduleload back_mdb
moduleload memberof
pidfile {base}/slapd.pid
argsfile {base}/slapd.args
TLSCertificateFile {base}/cert.pem
TLSCertificateKeyFile {base}/key.pem

database mdb
maxsize 16777216
suffix "{suffix}"
rootdn "{rootdn}"
rootpw {rootpw}
directory {base}/data
index objectClass eq
index mail,uid eq
index member eq
overlay memberof

access to attrs=userPassword
  by anonymous auth
  by * none
access to *
  by users read
  by anonymous auth
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def person(uid: str, name: str, *, password: str, phone: str | None = None) -> dict:
    """The attributes of an inetOrgPerson under ou=people."""
    attributes = {
        "objectClass": ["inetOrgPerson"],
        "uid": uid,
        "cn": name,
        "sn": name.split()[-1],
        "mail": f"{uid}@example.test",
        "userPassword": password,
    }
    if phone:
        attributes["telephoneNumber"] = phone
    return attributes


class LdapServer:
    """``start()`` it, ``add_person``/``add_group``/``modify`` entries, ``stop()``."""

    def __init__(self) -> None:
        if not shutil.which(SLAPD):
            raise RuntimeError(
                "slapd is not installed: run scripts/install-system-deps"
            )
        self.base_dir = Path(tempfile.mkdtemp(prefix="helpdesk-ldap-"))
        self.port = free_port()
        self._process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    @property
    def ca_cert_file(self) -> str:
        """The server's self-signed certificate, for StartTLS (its own CA)."""
        return str(self.base_dir / "cert.pem")

    def start(self) -> LdapServer:
        (self.base_dir / "data").mkdir()
        self._make_certificate()
        (self.base_dir / "slapd.conf").write_text(
            _CONFIG.format(
                schema=SCHEMA_DIR,
                modules=MODULE_DIR,
                base=self.base_dir,
                suffix=BASE,
                rootdn=ROOT_DN,
                rootpw=ROOT_PASSWORD,
            )
        )
        # The free port can be taken before slapd binds it (another xdist
        # worker starting its own server): then try the next free port.
        for attempt in range(3):
            try:
                self._start_slapd()
                break
            except RuntimeError:
                if attempt == 2:
                    raise
                self.port = free_port()
        self._add_tree()
        return self

    def _make_certificate(self) -> None:
        """A self-signed certificate for 127.0.0.1 (an EC key: quick to make)."""
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
                "-keyout",
                str(self.base_dir / "key.pem"),
                "-out",
                self.ca_cert_file,
            ],
            check=True,
            capture_output=True,
        )

    def _start_slapd(self) -> None:
        with open(self.base_dir / "stderr.log", "wb") as stderr:
            self._process = subprocess.Popen(
                [
                    SLAPD,
                    "-d",
                    "0",
                    "-f",
                    str(self.base_dir / "slapd.conf"),
                    "-h",
                    f"{self.url}/",
                ],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        try:
            self._wait_until_listening()
        except RuntimeError:
            self._end_process()
            raise

    def stop(self) -> None:
        self._end_process()
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def _end_process(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None

    def settings(self, **overrides) -> dict:
        """The app settings that point the directory login here: people of
        cn=helpdesk may log in; line-2 agents and managers by group."""
        return {
            "LDAP_URL": self.url,
            "LDAP_BIND_DN": SERVICE_DN,
            "LDAP_BIND_PASSWORD": SERVICE_PASSWORD,
            "LDAP_USER_BASE": PEOPLE,
            "LDAP_USER_FILTER": "(&(objectClass=inetOrgPerson)(mail={login}))",
            "LDAP_REQUIRED_GROUP": f"cn=helpdesk,{GROUPS}",
            "LDAP_GROUP_ROLES": {
                f"cn=helpdesk-managers,{GROUPS}": "manager",
                f"cn=support-line2,{GROUPS}": "line2",
            },
            "LDAP_DEFAULT_ROLE": "customer",
            "LDAP_GROUP_BASE": "",
            "LDAP_GROUP_FILTER": "(|(member={dn})(uniqueMember={dn}))",
            "LDAP_MEMBER_OF_ATTRIBUTE": "memberOf",
            "LDAP_NAME_ATTRIBUTE": "cn",
            "LDAP_EMAIL_ATTRIBUTE": "mail",
            "LDAP_PHONE_ATTRIBUTE": "telephoneNumber",
            "LDAP_ID_ATTRIBUTE": "entryUUID",
            "LDAP_START_TLS": False,
            "LDAP_CA_CERT_FILE": None,
            "LDAP_TIMEOUT_SECONDS": 5,
        } | overrides

    # --- the tree ------------------------------------------------------------------

    @contextlib.contextmanager
    def connect(self) -> Iterator[Connection]:
        """A connection bound as the directory's administrator (rootdn)."""
        conn = Connection(
            Server(self.url, connect_timeout=5),
            user=ROOT_DN,
            password=ROOT_PASSWORD,
            auto_bind=True,
            receive_timeout=5,
            raise_exceptions=True,
        )
        try:
            yield conn
        finally:
            conn.unbind()

    def _add_tree(self) -> None:
        with self.connect() as conn:
            conn.add(
                BASE, ["dcObject", "organization"], {"o": "Example", "dc": "example"}
            )
            for ou in ("people", "groups", "services"):
                conn.add(f"ou={ou},{BASE}", ["organizationalUnit"], {"ou": ou})
            conn.add(
                SERVICE_DN,
                ["applicationProcess", "simpleSecurityObject"],
                {"cn": "helpdesk", "userPassword": SERVICE_PASSWORD},
            )

    def add_person(self, uid: str, name: str, **fields) -> str:
        dn = f"uid={uid},{PEOPLE}"
        with self.connect() as conn:
            conn.add(dn, attributes=person(uid, name, **fields))
        return dn

    def add_group(self, cn: str, members: list[str]) -> str:
        dn = f"cn={cn},{GROUPS}"
        with self.connect() as conn:
            conn.add(dn, ["groupOfNames"], {"cn": cn, "member": members})
        return dn

    def modify(self, dn: str, **replace) -> None:
        """Replace attributes of an entry (``telephoneNumber="..."``)."""
        with self.connect() as conn:
            conn.modify(dn, {k: [(MODIFY_REPLACE, [v])] for k, v in replace.items()})

    def add_member(self, group_dn: str, member_dn: str) -> None:
        with self.connect() as conn:
            conn.modify(group_dn, {"member": [(MODIFY_ADD, [member_dn])]})

    def remove_member(self, group_dn: str, member_dn: str) -> None:
        with self.connect() as conn:
            conn.modify(group_dn, {"member": [(MODIFY_DELETE, [member_dn])]})

    def delete(self, dn: str) -> None:
        with self.connect() as conn:
            conn.delete(dn)

    def _wait_until_listening(self, timeout: float = 15.0) -> None:
        # Elapsed real time: the server's start-up, not domain time.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"slapd exited: {self._log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                # Not listening yet: wait a moment on the process itself, so a
                # slapd that exits is noticed at once.
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._process.wait(timeout=0.05)
        raise RuntimeError(f"slapd did not listen in {timeout}s: {self._log()}")

    def _log(self) -> str:
        log = self.base_dir / "stderr.log"
        return log.read_text(errors="replace") if log.exists() else ""
