"""Sessions are never signed with a fixed, published key."""

from __future__ import annotations

import stat
import subprocess

import config

ROOT = config.BASE_DIR


def test_the_environment_wins(monkeypatch, tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text("from-file\n")
    monkeypatch.setattr(config, "SECRET_KEY_FILE", key_file)
    monkeypatch.setenv("SECRET_KEY", "from-env")
    assert config._secret_key() == "from-env"


def test_the_instance_file_is_read_when_the_environment_has_none(monkeypatch, tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text("from-file\n")
    monkeypatch.setattr(config, "SECRET_KEY_FILE", key_file)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    assert config._secret_key() == "from-file"


def test_without_either_the_key_is_random_never_a_fixed_string(monkeypatch, tmp_path):
    monkeypatch.setattr(config, "SECRET_KEY_FILE", tmp_path / "missing")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first, second = config._secret_key(), config._secret_key()
    assert first != second and len(first) >= 64
    assert "dev-only" not in config.Config.SECRET_KEY


def _make_key(folder):
    # -C runs the rule in a throwaway folder: its target is instance/secret_key.
    subprocess.run(
        [
            "make",
            "-s",
            "-f",
            str(ROOT / "Makefile"),
            "-C",
            str(folder),
            f"PYTHON={ROOT / '.venv/bin/python'}",
            "instance/secret_key",
        ],
        check=True,
        capture_output=True,
    )


def test_make_generates_the_key_once_readable_by_the_owner_only(tmp_path):
    target = tmp_path / "instance" / "secret_key"
    _make_key(tmp_path)
    key = target.read_text().strip()
    assert len(key) == 64
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    _make_key(tmp_path)
    assert target.read_text().strip() == key  # generated once, then kept
