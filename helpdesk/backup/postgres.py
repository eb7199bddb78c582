"""PostgreSQL: ``pg_dump`` in custom format, its checks, and ``pg_restore``.

The row counts of the manifest and the dump come from one snapshot: a
REPEATABLE READ transaction exports its snapshot, counts the rows in it, and
``pg_dump --snapshot`` dumps exactly that snapshot while the app goes on
writing. ``verify`` reads the dump back with ``pg_restore`` (its table of
contents, then its data as SQL text, counting the rows of each COPY block), so
checking a backup needs no scratch database.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from pathlib import Path

import sqlalchemy as sa

_COPY = re.compile(r'^COPY (?:"?public"?\.)?"?([^" (]+)"? \(([^)]*)\) FROM stdin;$')


def binary(name: str, bin_dir: str | None) -> str:
    """``pg_dump``/``pg_restore``: from ``bin_dir`` when set, else Debian's
    newest /usr/lib/postgresql/*/bin (a dump needs a client at least as new as
    the server), else the PATH."""
    if bin_dir:
        return str(Path(bin_dir) / name)
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(re.search(r"/(\d+)/bin/", p)[1]),
    )
    found = candidates[-1] if candidates else shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} not found: install the PostgreSQL client")
    return found


def libpq_env(url: sa.engine.URL) -> dict[str, str]:
    """The connection as libpq environment variables: the password never
    appears on a command line (``ps`` shows those to everyone)."""
    env = dict(os.environ)
    host = url.query.get("host") or url.host
    for key, value in (
        ("PGHOST", host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value is not None:
            env[key] = str(value)
    return env


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(
            f"{Path(command[0]).name} failed: {(result.stderr or result.stdout)[-2000:]}"
        )
    return result


def _describe(connection: sa.Connection) -> dict:
    tables = connection.scalars(
        sa.text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "ORDER BY tablename"
        )
    ).all()
    counts = {
        name: connection.scalar(sa.text(f'SELECT count(*) FROM "{name}"'))
        for name in tables
    }
    revision = None
    if "alembic_version" in counts:
        revision = connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
    attachments = {"count": 0, "bytes": 0}
    if "attachments" in counts:
        count, size = connection.execute(
            sa.text("SELECT count(*), coalesce(sum(size_bytes), 0) FROM attachments")
        ).one()
        attachments = {"count": count, "bytes": int(size)}
    return {"revision": revision, "tables": counts, "attachments": attachments}


def dump_database(engine: sa.Engine, target: Path, *, bin_dir: str | None) -> dict:
    """``pg_dump -Fc`` of one exported snapshot into ``target``; returns what
    that snapshot holds (revision, row counts, attachments)."""
    with (
        engine.connect().execution_options(
            isolation_level="REPEATABLE READ"
        ) as connection,
        connection.begin(),
    ):
        connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        snapshot = connection.scalar(sa.text("SELECT pg_export_snapshot()"))
        description = _describe(connection)
        # The transaction stays open until pg_dump has taken its snapshot.
        _run(
            [
                binary("pg_dump", bin_dir),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={target}",
            ],
            libpq_env(engine.url),
        )
    return description


def check_dump(dump_file: Path, *, bin_dir: str | None) -> tuple[list[str], dict]:
    """``pg_restore --list`` (the archive's table of contents is readable),
    then its data read back: the revision, row counts and attachments."""
    env = dict(os.environ)
    _run([binary("pg_restore", bin_dir), "--list", str(dump_file)], env)
    command = [binary("pg_restore", bin_dir), "--data-only", "--file=-", str(dump_file)]
    with subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        description = _read_copy_blocks(process.stdout)
        errors = process.stderr.read()
    problems = [] if process.returncode == 0 else [f"pg_restore: {errors[-2000:]}"]
    return problems, description


def _read_copy_blocks(lines) -> dict:
    """Count the rows of each ``COPY ... FROM stdin;`` block of pg_restore's
    SQL text (COPY escapes newlines, so one row is one line); also the
    alembic revision and the attachments' bytes."""
    counts: dict[str, int] = {}
    revision, size_index, attachment_bytes = None, None, 0
    table = None
    for line in lines:
        line = line.rstrip("\n")
        if table is None:
            match = _COPY.match(line)
            if match:
                table = match[1]
                counts[table] = 0
                columns = [c.strip().strip('"') for c in match[2].split(",")]
                size_index = (
                    columns.index("size_bytes") if table == "attachments" else None
                )
            continue
        if line == "\\.":
            table = None
            continue
        counts[table] += 1
        values = line.split("\t")
        if table == "alembic_version":
            revision = values[0]
        elif size_index is not None:
            attachment_bytes += int(values[size_index])
    attachments = {"count": counts.get("attachments", 0), "bytes": attachment_bytes}
    return {"revision": revision, "tables": counts, "attachments": attachments}


def describe_live(engine: sa.Engine) -> dict:
    with engine.connect() as connection:
        return _describe(connection)


def restore_dump(dump_file: Path, engine: sa.Engine, *, bin_dir: str | None) -> None:
    """``pg_restore --clean`` in a single transaction: the live tables are
    dropped and recreated with the dump's rows, or nothing changes."""
    _run(
        [
            binary("pg_restore", bin_dir),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={engine.url.database}",
            str(dump_file),
        ],
        libpq_env(engine.url),
    )
