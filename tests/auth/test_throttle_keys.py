"""What the login limits count by: the account, not the name typed; a client by its network."""

from __future__ import annotations

from habitual.auth.throttle import account_key, client_network


def test_an_account_is_keyed_by_its_id_and_an_unknown_name_by_a_digest_of_it():
    assert account_key(7, "alice") == account_key(7, "alice@example.com") == "user:7"
    assert account_key(None, " Nobody ") == account_key(None, "nobody")
    assert "nobody" not in account_key(None, "nobody")


def test_client_networks():
    assert client_network("203.0.113.7") == "203.0.113.7"
    assert client_network("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert client_network("::ffff:203.0.113.7") == "203.0.113.7"
    assert client_network("unknown") == "unknown"
