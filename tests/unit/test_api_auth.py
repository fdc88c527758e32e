"""API keys: hashed storage, authentication, revocation, and the role rules."""

from __future__ import annotations

import sqlite3

import pytest

from ui.api.auth import KeyStore, Principal
from ui.commands import run_keys_create  # noqa: F401  (the CLI handlers import)


@pytest.fixture
def keys(settings) -> KeyStore:
    return KeyStore.from_settings(settings)


def test_created_key_authenticates_with_its_role_and_user(keys):
    raw = keys.create("shopper", user_id="u1", label="phone")
    principal = keys.authenticate(raw)
    assert principal is not None
    assert (principal.role, principal.user_id) == ("shopper", "u1")
    assert principal.key_id in raw


def test_only_a_salted_hash_is_stored(keys, settings):
    raw_a = keys.create("admin")
    raw_b = keys.create("admin")
    db = sqlite3.connect(settings.home / "profiles.sqlite")
    rows = db.execute("select salt, digest from api_keys").fetchall()
    dump = "\n".join(db.iterdump())
    for raw in (raw_a, raw_b):
        secret = raw.split("_", 2)[2]
        assert secret not in dump and raw not in dump
    assert len({salt for salt, _ in rows}) == 2          # per-key salt


@pytest.mark.parametrize("bad", ["", "nonsense", "swk_000000000000_x", "Bearer x" * 50])
def test_unknown_or_malformed_keys_are_refused(keys, bad):
    keys.create("admin")
    assert keys.authenticate(bad) is None
    assert keys.authenticate(None) is None


def test_a_wrong_secret_for_a_real_key_id_is_refused(keys):
    raw = keys.create("agent")
    assert keys.authenticate(raw[:-2] + ("AA" if not raw.endswith("AA") else "BB")) is None


def test_revoked_key_stops_working(keys):
    raw = keys.create("agent")
    key_id = keys.authenticate(raw).key_id
    assert keys.revoke(key_id) is True
    assert keys.authenticate(raw) is None
    assert keys.revoke(key_id) is False
    assert [k.revoked for k in keys.list()] == [True]


def test_shopper_key_needs_a_user_and_roles_are_checked(keys):
    with pytest.raises(ValueError, match="user id"):
        keys.create("shopper")
    with pytest.raises(ValueError, match="role"):
        keys.create("root")


def test_list_never_shows_secrets(keys):
    raw = keys.create("shopper", user_id="u9", label="x")
    [info] = keys.list()
    assert raw.split("_", 2)[2] not in repr(info)
    assert (info.role, info.user_id, info.label, info.revoked) == ("shopper", "u9", "x", False)


def test_delete_for_user_removes_their_keys_only(keys):
    own = keys.create("shopper", user_id="u1")
    other = keys.create("shopper", user_id="u2")
    assert keys.authenticate(own) is not None              # its row is now kept in memory
    assert keys.delete_for_user("u1") == 1
    assert keys.authenticate(own) is None and keys.authenticate(other) is not None
    assert all(record.user_id != "u1" for _, record in keys._rows.values())


def test_a_key_revoked_by_another_process_stops_within_the_row_ttl(tmp_path):
    url = f"sqlite:///{tmp_path / 'keys.sqlite'}"
    server, cli = KeyStore.from_url(url), KeyStore.from_url(url)
    raw = server.create("agent")
    assert server.authenticate(raw) is not None
    cli.revoke(raw.split("_")[1])
    assert server.authenticate(raw) is not None            # kept row, younger than row_ttl_s
    server.row_ttl_s = 0.0                                  # (time passes)
    assert server.authenticate(raw) is None


def test_role_rules():
    shopper = Principal("k1", "shopper", "u1")
    agent = Principal("k2", "agent")
    admin = Principal("k3", "admin")
    assert shopper.can_read_user("u1") and not shopper.can_read_user("u2")
    assert shopper.can_change_user("u1") and not shopper.can_change_user("u2")
    assert shopper.can_erase("u1") and not shopper.can_erase("u2")
    assert agent.can_read_user("u2") and agent.can_change_user("u2") and not agent.can_erase("u2")
    assert admin.can_read_user("u2") and admin.can_change_user("u2") and admin.can_erase("u2")
    assert not shopper.is_staff and agent.is_staff and admin.is_staff
    with pytest.raises(ValueError):
        Principal("k", "shopper", None)


def test_keys_cli_create_list_revoke(tmp_path, capsys):
    from shopwise.cli import main

    home = str(tmp_path / "h")
    assert main(["--home", home, "keys", "create", "--role", "shopper", "--user", "u1"]) == 0
    raw = capsys.readouterr().out.strip()
    assert raw.startswith("swk_")
    assert main(["--home", home, "keys", "list"]) == 0
    listing = capsys.readouterr().out
    key_id = raw.split("_")[1]
    assert key_id in listing and raw.split("_", 2)[2] not in listing
    assert main(["--home", home, "keys", "revoke", key_id]) == 0
    assert main(["--home", home, "keys", "revoke", key_id]) == 2
    assert main(["--home", home, "keys", "create", "--role", "shopper"]) == 2
