"""Settings, read from environment variables here and nowhere else.

One class per environment; ``create_app`` picks one from ``HELPDESK_ENV``
(development by default) unless a class is passed in.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_json_object(name: str) -> dict:
    value = os.environ.get(name, "").strip()
    if not value:
        return {}
    parsed = json.loads(value)
    if not isinstance(parsed, dict):
        raise RuntimeError(f"{name} must be a JSON object")
    return parsed


SECRET_KEY_FILE = INSTANCE_DIR / "secret_key"


def _secret_key() -> str:
    """SECRET_KEY from the environment, else the one `make run` wrote once
    into instance/secret_key (mode 0600), else a random key for this process
    only (sessions then do not survive a restart nor cross workers; never a
    fixed, published string anyone could sign an admin session with)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    try:
        key = SECRET_KEY_FILE.read_text().strip()
    except OSError:
        key = ""
    return key or secrets.token_hex(32)


class Config:
    SECRET_KEY = _secret_key()
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'helpdesk.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # SQLite: how long a write waits for another writer before the request
    # answers 503 (sqlite3's connect timeout, i.e. SQLite's busy timeout).
    SQLITE_BUSY_TIMEOUT_MS = _env_int("SQLITE_BUSY_TIMEOUT_MS", 5000)
    # A write that still finds the lock taken after the busy timeout is run
    # again from the start this many times, then answered 503 + Retry-After.
    SQLITE_LOCK_RETRIES = _env_int("SQLITE_LOCK_RETRIES", 2)
    # Attachments are stored in the database, so a backup holds everything.
    MAX_ATTACHMENT_BYTES = _env_int("MAX_ATTACHMENT_BYTES", 5 * 1024 * 1024)
    MAX_CONTENT_LENGTH = MAX_ATTACHMENT_BYTES + 256 * 1024
    API_TOKEN_TTL_DAYS = _env_int("API_TOKEN_TTL_DAYS", 90)
    # Customers may create API tokens (profile panel, POST /api/v1/auth/token)
    # only when this is on; staff always may.
    API_TOKENS_FOR_CUSTOMERS = _env_bool("API_TOKENS_FOR_CUSTOMERS", False)
    # How long a "reset your password" link and an invitation's "set your
    # password" link work (each works once).
    PASSWORD_RESET_MAX_AGE_SECONDS = _env_int("PASSWORD_RESET_MAX_AGE_SECONDS", 3600)
    INVITATION_MAX_AGE_SECONDS = _env_int("INVITATION_MAX_AGE_SECONDS", 7 * 86400)
    # Throttling (helpdesk/signin/throttle.py), as Flask-Limiter's limit
    # strings ("5 per minute;30 per hour"). LOGIN: wrong passwords, codes and
    # token requests per account and per client address; MAIL: reset requests
    # and sign-ups. The counters are shared by every worker: in the database
    # (helpdesk-db://, the default) or in Redis (redis://host:6379/0, needs
    # the redis package).
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "helpdesk-db://")
    RATELIMIT_LOGIN_ACCOUNT = os.environ.get(
        "RATELIMIT_LOGIN_ACCOUNT", "5 per minute;30 per hour"
    )
    RATELIMIT_LOGIN_ADDRESS = os.environ.get(
        "RATELIMIT_LOGIN_ADDRESS", "30 per minute;300 per hour"
    )
    RATELIMIT_MAIL_ACCOUNT = os.environ.get("RATELIMIT_MAIL_ACCOUNT", "5 per hour")
    RATELIMIT_MAIL_ADDRESS = os.environ.get("RATELIMIT_MAIL_ADDRESS", "30 per hour")
    # Sessions (helpdesk/signin/sessions.py): "last seen" is written at most
    # this often; a session unseen for SESSION_IDLE_DAYS has ended.
    SESSION_TOUCH_SECONDS = _env_int("SESSION_TOUCH_SECONDS", 300)
    SESSION_IDLE_DAYS = _env_int("SESSION_IDLE_DAYS", 30)
    # Two-factor login: the name the authenticator app shows, and how long
    # the code step waits after the password.
    TWO_FACTOR_ISSUER = os.environ.get("TWO_FACTOR_ISSUER", "Tiered Helpdesk")
    TWO_FACTOR_STEP_SECONDS = _env_int("TWO_FACTOR_STEP_SECONDS", 600)
    # The scheduler's signin-prune job: ended rate-limit windows, idle sessions.
    SIGNIN_PRUNE_SECONDS = _env_int("SIGNIN_PRUNE_SECONDS", 3600)
    PAGE_SIZE = 25
    # The largest file the import page takes (100,000 tickets with comments
    # as CSV are about 60 MB).
    IMPORT_MAX_BYTES = _env_int("IMPORT_MAX_BYTES", 200 * 1024 * 1024)
    # "thread": a confirmed import runs beside the request (the page shows its
    # progress); "inline": within the request (tests, where a thread writing
    # after the response would race the next test).
    IMPORT_RUNNER = "thread"
    # The scheduler's import-watch job (every IMPORT_WATCH_SECONDS) fails the
    # imports whose process ended mid-way (a crash, a restart), and any import
    # still unfinished IMPORT_MAX_RUNNING_SECONDS after it started.
    IMPORT_WATCH_SECONDS = _env_int("IMPORT_WATCH_SECONDS", 300)
    IMPORT_MAX_RUNNING_SECONDS = _env_int("IMPORT_MAX_RUNNING_SECONDS", 6 * 3600)
    MAX_PAGE_SIZE = 100
    # The region of phone numbers dialled without a country code (ISO 3166
    # code as libphonenumber knows it): "8 495 123-45-67" is Moscow in "RU".
    PHONE_DEFAULT_REGION = os.environ.get("PHONE_DEFAULT_REGION", "RU").upper()
    # Ticket search ranks the newest this many matches of its words (and
    # filters); more matches than this are found by narrowing the search.
    TICKET_SEARCH_WINDOW = _env_int("TICKET_SEARCH_WINDOW", 250)
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "helpdesk" / "translations")
    LANGUAGES = ("en", "ru")
    # The language of the demo's rules, replies, policies and holidays
    # (flask demo load); unset: BABEL_DEFAULT_LOCALE.
    DEMO_LOCALE = os.environ.get("DEMO_LOCALE") or None
    # Where links in e-mails point.
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
    SLA_SWEEP_SECONDS = _env_int("SLA_SWEEP_SECONDS", 30)
    # The sweep commits after every this many clocks (3-7 ms each). On SQLite
    # a batch holds the one write lock, so small batches let tickets be
    # registered between them instead of waiting out the sweep (a sweep of a
    # few clocks is one batch: the pause below is for the rare mass breach).
    SLA_SWEEP_BATCH = _env_int("SLA_SWEEP_BATCH", 10)
    # On SQLite the sweep leaves the write lock free this long between two
    # batches: a request waiting to write tries again every 100 ms at most
    # (SQLite's busy handler), so without the pause the next batch took the
    # lock first, batch after batch, and tickets waited out the whole sweep.
    SLA_SWEEP_PAUSE_MS = _env_int("SLA_SWEEP_PAUSE_MS", 120)
    # /healthz answers 503 when a scheduler job has not finished for this many
    # of its intervals (and when it never ran, if a scheduler is expected).
    SCHEDULER_LATE_INTERVALS = _env_int("SCHEDULER_LATE_INTERVALS", 3)
    SCHEDULER_EXPECTED = _env_bool("SCHEDULER_EXPECTED", True)
    ROUTING_SWEEP_SECONDS = _env_int("ROUTING_SWEEP_SECONDS", 60)
    # The reports' daily roll-ups are brought up to date this often
    # (reports/service/rollups.py); summary e-mails are looked for as often.
    REPORTS_ROLLUP_SECONDS = _env_int("REPORTS_ROLLUP_SECONDS", 300)
    REPORTS_MAIL_SECONDS = _env_int("REPORTS_MAIL_SECONDS", 300)
    # Backups (helpdesk/backup/): one .tar per backup in BACKUP_DIR
    # (instance/backups when unset). The scheduler looks every
    # BACKUP_CHECK_SECONDS and backs up when the newest is
    # BACKUP_EVERY_SECONDS old, keeping the newest BACKUP_KEEP.
    BACKUP_DIR = os.environ.get("BACKUP_DIR") or None
    BACKUP_KEEP = _env_int("BACKUP_KEEP", 14)
    BACKUP_EVERY_SECONDS = _env_int("BACKUP_EVERY_SECONDS", 24 * 3600)
    BACKUP_CHECK_SECONDS = _env_int("BACKUP_CHECK_SECONDS", 3600)
    # pg_dump/pg_restore's folder; unset: Debian's newest, else the PATH.
    PG_BIN_DIR = os.environ.get("PG_BIN_DIR") or None
    # /healthz fails when the newest backup is older than this (and when
    # there is none, if backups are expected).
    BACKUP_MAX_AGE_SECONDS = _env_int("BACKUP_MAX_AGE_SECONDS", 2 * 24 * 3600)
    BACKUP_EXPECTED = _env_bool("BACKUP_EXPECTED", True)
    # Undo (helpdesk/undo/): how long a status change, assignment, move to
    # another line, merge or bulk action can be undone - and its mail waits
    # in the outbox meanwhile; a public reply's mail waits REPLY_UNDO_SECONDS
    # ("Undo send"). 0 turns undo off.
    UNDO_SECONDS = _env_int("UNDO_SECONDS", 30)
    REPLY_UNDO_SECONDS = _env_int("REPLY_UNDO_SECONDS", 10)
    # The scheduler's undo-prune job (every UNDO_PRUNE_SECONDS) deletes undo
    # records UNDO_KEEP_SECONDS after their window ended.
    UNDO_PRUNE_SECONDS = _env_int("UNDO_PRUNE_SECONDS", 3600)
    UNDO_KEEP_SECONDS = _env_int("UNDO_KEEP_SECONDS", 24 * 3600)
    # The ticket page tells who else has it open: its script reports every
    # PRESENCE_HEARTBEAT_SECONDS; a viewer unheard of for
    # PRESENCE_TIMEOUT_SECONDS has left.
    PRESENCE_HEARTBEAT_SECONDS = _env_int("PRESENCE_HEARTBEAT_SECONDS", 15)
    PRESENCE_TIMEOUT_SECONDS = _env_int("PRESENCE_TIMEOUT_SECONDS", 45)
    # A queue page asks every QUEUE_REFRESH_SECONDS whether its rows changed
    # (an ETag: unchanged rows answer 304) and swaps them in, so a ticket
    # another agent took leaves it without a reload.
    QUEUE_REFRESH_SECONDS = _env_int("QUEUE_REFRESH_SECONDS", 15)
    # /healthz fails when a message has waited in the outbox this long.
    OUTBOX_MAX_PENDING_SECONDS = _env_int("OUTBOX_MAX_PENDING_SECONDS", 3600)
    # /metrics (helpdesk/metrics/): answered to a request bearing METRICS_TOKEN
    # ("Authorization: Bearer ...") or coming from METRICS_ALLOWED_NETWORKS
    # (CIDRs, comma separated; loopback by default); 404 to anyone else.
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN") or None
    METRICS_ALLOWED_NETWORKS = os.environ.get(
        "METRICS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128"
    )
    # Set: every process (web workers, the scheduler) writes its counters into
    # this folder and /metrics adds them up (prometheus_client's multiprocess
    # mode, which reads the variable itself; ops/gunicorn.conf.py sets it up).
    PROMETHEUS_MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
    # "json": one JSON object per log line (helpdesk/logs.py); else plain text.
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower()
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").strip().upper()
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # "https": cookies are Secure and responses carry HSTS (helpdesk/security.py);
    # a request that arrives over HTTPS gets both anyway.
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
    HSTS_SECONDS = _env_int("HSTS_SECONDS", 365 * 24 * 3600)
    # Behind a reverse proxy: how many proxies set X-Forwarded-For, -Proto,
    # -Host, -Port, -Prefix (Werkzeug's ProxyFix). 0 ignores the header: a
    # client could forge it. Typical nginx in front: FOR=1, PROTO=1.
    PROXY_FIX_X_FOR = _env_int("PROXY_FIX_X_FOR", 0)
    PROXY_FIX_X_PROTO = _env_int("PROXY_FIX_X_PROTO", 0)
    PROXY_FIX_X_HOST = _env_int("PROXY_FIX_X_HOST", 0)
    PROXY_FIX_X_PORT = _env_int("PROXY_FIX_X_PORT", 0)
    PROXY_FIX_X_PREFIX = _env_int("PROXY_FIX_X_PREFIX", 0)
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    # Outbox delivery (helpdesk/outbox/): SMTP, optional webhook, retries.
    SMTP_HOST = os.environ.get("SMTP_HOST", "127.0.0.1")
    SMTP_PORT = _env_int("SMTP_PORT", 25)
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME")  # no login when unset
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD")
    SMTP_STARTTLS = _env_bool("SMTP_STARTTLS")
    SMTP_TIMEOUT_SECONDS = _env_int("SMTP_TIMEOUT_SECONDS", 10)
    MAIL_FROM = os.environ.get("MAIL_FROM", "helpdesk@localhost")
    # The mailbox replies go to (read by mail in); MAIL_FROM's address when unset.
    # Mails about a ticket answer to its plus-address: support+HD-000123@...
    MAIL_REPLY_TO = os.environ.get("MAIL_REPLY_TO")
    # When set, the SLA engine also queues a webhook message for its alerts.
    WEBHOOK_URL = os.environ.get("WEBHOOK_URL")
    WEBHOOK_TIMEOUT_SECONDS = _env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
    OUTBOX_DELIVERY_SECONDS = _env_int("OUTBOX_DELIVERY_SECONDS", 30)  # job interval
    OUTBOX_BATCH = _env_int("OUTBOX_BATCH", 100)
    OUTBOX_MAX_ATTEMPTS = _env_int("OUTBOX_MAX_ATTEMPTS", 10)
    OUTBOX_RETRY_BASE_SECONDS = _env_int("OUTBOX_RETRY_BASE_SECONDS", 30)
    OUTBOX_RETRY_MAX_SECONDS = _env_int("OUTBOX_RETRY_MAX_SECONDS", 3600)
    # How long a claimed batch belongs to one worker; see deliver_due_messages.
    OUTBOX_LEASE_SECONDS = _env_int("OUTBOX_LEASE_SECONDS", 300)
    # Recording a send (or its "sending" mark) when the database is locked or
    # read-only: tries, and the first pause in seconds (doubled each time).
    OUTBOX_RECORD_ATTEMPTS = _env_int("OUTBOX_RECORD_ATTEMPTS", 4)
    OUTBOX_RECORD_RETRY_SECONDS = 0.1
    # Mail in (helpdesk/inbound/): `flask mail ingest` reads a message piped by
    # the mail server; `flask mail poll` and the scheduler read an IMAP folder.
    MAIL_IMAP_HOST = os.environ.get("MAIL_IMAP_HOST")  # unset: no polling job
    MAIL_IMAP_PORT = _env_int("MAIL_IMAP_PORT", 993)
    MAIL_IMAP_TLS = _env_bool("MAIL_IMAP_TLS", True)  # off: plain IMAP (loopback)
    MAIL_IMAP_USER = os.environ.get("MAIL_IMAP_USER")
    MAIL_IMAP_PASSWORD = os.environ.get("MAIL_IMAP_PASSWORD")
    MAIL_IMAP_FOLDER = os.environ.get("MAIL_IMAP_FOLDER", "INBOX")
    # Processed messages move here; unset: they stay, flagged as processed.
    MAIL_IMAP_DONE_FOLDER = os.environ.get("MAIL_IMAP_DONE_FOLDER") or None
    MAIL_IMAP_TIMEOUT_SECONDS = _env_int("MAIL_IMAP_TIMEOUT_SECONDS", 30)
    MAIL_POLL_SECONDS = _env_int("MAIL_POLL_SECONDS", 60)  # job interval
    MAIL_POLL_BATCH = _env_int("MAIL_POLL_BATCH", 50)
    # A larger message is quarantined with its headers only.
    MAIL_MAX_BYTES = _env_int("MAIL_MAX_BYTES", 25 * 1024 * 1024)
    # Unknown senders become customers; off: they get a polite refusal.
    MAIL_CREATE_REQUESTERS = _env_bool("MAIL_CREATE_REQUESTERS", True)
    # The category code of tickets opened by mail; unset: the first active one.
    MAIL_DEFAULT_CATEGORY = os.environ.get("MAIL_DEFAULT_CATEGORY") or None
    # The language of mail to senders the helpdesk does not know.
    MAIL_DEFAULT_LOCALE = os.environ.get("MAIL_DEFAULT_LOCALE", "en")
    # Company directory login (helpdesk/directory/): LDAP or Active Directory.
    # Off while LDAP_URL is empty. ldap://host:389 (with LDAP_START_TLS) or
    # ldaps://host:636; the service account searches, each user binds with
    # their own password.
    LDAP_URL = os.environ.get("LDAP_URL", "").strip()
    LDAP_START_TLS = _env_bool("LDAP_START_TLS")
    # The CA that signed the directory's certificate; unset: the system's.
    LDAP_CA_CERT_FILE = os.environ.get("LDAP_CA_CERT_FILE") or None
    LDAP_BIND_DN = os.environ.get("LDAP_BIND_DN", "")
    LDAP_BIND_PASSWORD = os.environ.get("LDAP_BIND_PASSWORD", "")
    # Where people are searched, and how: {login} is what was typed in the
    # e-mail field, {username} its part before "@" (sAMAccountName={username}).
    LDAP_USER_BASE = os.environ.get("LDAP_USER_BASE", "")
    LDAP_USER_FILTER = os.environ.get(
        "LDAP_USER_FILTER", "(&(objectClass=inetOrgPerson)(mail={login}))"
    )
    # Only members of this group log in (empty: whoever the filter finds).
    LDAP_REQUIRED_GROUP = os.environ.get("LDAP_REQUIRED_GROUP", "")
    # {"<group DN>": "<role>", ...}: the first listed group the user is in
    # gives the role; LDAP_DEFAULT_ROLE for members of none of them.
    LDAP_GROUP_ROLES = _env_json_object("LDAP_GROUP_ROLES")
    LDAP_DEFAULT_ROLE = os.environ.get("LDAP_DEFAULT_ROLE", "customer")
    # Group membership: the user's memberOf attribute (Active Directory, the
    # OpenLDAP memberof overlay), or - when LDAP_GROUP_BASE is set - groups
    # under it matching LDAP_GROUP_FILTER ({dn} is the user's DN).
    LDAP_MEMBER_OF_ATTRIBUTE = os.environ.get("LDAP_MEMBER_OF_ATTRIBUTE", "memberOf")
    LDAP_GROUP_BASE = os.environ.get("LDAP_GROUP_BASE", "")
    LDAP_GROUP_FILTER = os.environ.get(
        "LDAP_GROUP_FILTER", "(|(member={dn})(uniqueMember={dn}))"
    )
    # The attributes copied at each login; the id never changes (AD: objectGUID).
    LDAP_NAME_ATTRIBUTE = os.environ.get("LDAP_NAME_ATTRIBUTE", "cn")
    LDAP_EMAIL_ATTRIBUTE = os.environ.get("LDAP_EMAIL_ATTRIBUTE", "mail")
    LDAP_PHONE_ATTRIBUTE = os.environ.get("LDAP_PHONE_ATTRIBUTE", "telephoneNumber")
    LDAP_ID_ATTRIBUTE = os.environ.get("LDAP_ID_ATTRIBUTE", "entryUUID")
    # Connecting and each answer; past it the directory counts as unreachable.
    LDAP_TIMEOUT_SECONDS = _env_int("LDAP_TIMEOUT_SECONDS", 5)
    # The scheduler's directory-sync job: how often every directory user is
    # held against the directory (gone or out of the group: deactivated).
    LDAP_SYNC_SECONDS = _env_int("LDAP_SYNC_SECONDS", 3600)


class DevelopmentConfig(Config):
    pass


class TestingConfig(Config):
    TESTING = True
    IMPORT_RUNNER = "inline"
    # Tests post forms without tokens; tests/security and the browser tests
    # switch CSRF back on to prove it guards every form.
    WTF_CSRF_ENABLED = False
    # Tests sweep a few clocks at a time on one connection: no one to let in.
    SLA_SWEEP_PAUSE_MS = 0
    SECRET_KEY = "test"
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "TEST_DATABASE_URL", "sqlite:///" + str(INSTANCE_DIR / "test.sqlite3")
    )
    MAX_ATTACHMENT_BYTES = 64 * 1024
    MAX_CONTENT_LENGTH = MAX_ATTACHMENT_BYTES + 64 * 1024
    # Never the environment's mail server: tests start their own SMTP server
    # on loopback and pass its port in; tests/conftest.py replaces this port
    # with one where nothing listens (not make run's sink on 8025).
    SMTP_HOST = "127.0.0.1"
    SMTP_PORT = 8025
    SMTP_USERNAME = None
    SMTP_PASSWORD = None
    SMTP_STARTTLS = False
    MAIL_FROM = "helpdesk@example.test"
    WEBHOOK_URL = None
    # No scheduler process runs beside the tests (they call the jobs).
    SCHEDULER_EXPECTED = False
    BACKUP_EXPECTED = False
    # Tests start their own IMAP server and pass it in.
    MAIL_IMAP_HOST = None
    MAIL_IMAP_USER = None
    MAIL_IMAP_PASSWORD = None
    MAIL_IMAP_DONE_FOLDER = None
    MAIL_MAX_BYTES = 512 * 1024
    MAIL_CREATE_REQUESTERS = True
    MAIL_DEFAULT_CATEGORY = None
    MAIL_DEFAULT_LOCALE = "en"
    API_TOKENS_FOR_CUSTOMERS = False
    DEMO_LOCALE = None
    METRICS_TOKEN = None
    METRICS_ALLOWED_NETWORKS = "127.0.0.0/8,::1/128"
    LOG_FORMAT = "text"
    # Tests start their own slapd and pass it in.
    LDAP_URL = ""


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True

    @classmethod
    def check(cls) -> None:
        """Fail fast: production never runs on the development defaults."""
        if "SECRET_KEY" not in os.environ:
            raise RuntimeError("SECRET_KEY must be set in production")
        if "DATABASE_URL" not in os.environ:
            raise RuntimeError("DATABASE_URL must be set in production")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    return CONFIGS[os.environ.get("HELPDESK_ENV", "development")]
