"""Schemathesis over the whole OpenAPI schema: no 5xx, no response the schema does not describe.

The fuzzed app is a fresh one: schemathesis runs ASGI apps on an event loop thread of its own,
and an engine must stay on the loop that opened it. The accounts the fuzzer acts as are made on
a third loop, over a Runtime of their own, straight through the services.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from anyio.from_thread import BlockingPortal, start_blocking_portal
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from pydantic import SecretStr
from schemathesis.core.result import Ok
from schemathesis.python.asgi import shutdown_lifespans

from habitual.app import create_app
from habitual.config import Settings
from habitual.login.service import login_service
from habitual.models import Role
from habitual.runtime import Runtime
from habitual.users.service import user_service
from tests.factories import PASSWORD

# Operations that end the caller's own login or account; fuzzed with fresh credentials per example
# so that one example cannot log out every example after it.
SELF_DESTRUCTIVE = [
    "DELETE /api/v1/users/me",
    "POST /api/v1/auth/logout-all",
    "PUT /api/v1/users/me/password",
]
# Small and fixed: a reproducible CI run of well under a minute, not an exhaustive search.
FUZZ_SETTINGS = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    # The app and the accounts are meant to be shared by every example of one operation.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_numbers = itertools.count(1)
FuzzCase = schemathesis.Case[Any]


class FuzzAccounts:
    """Accounts to fuzz as, made the way `habitual create-admin` makes one, then logged in."""

    def __init__(self, portal: BlockingPortal, runtime: Runtime):
        self.portal = portal
        self.runtime = runtime

    def auth(self, role: Role = Role.user) -> dict[str, str]:
        """The Authorization header of a new account with `role`."""
        access_token = self.portal.call(self._create_and_log_in, role)
        return {"Authorization": f"Bearer {access_token}"}

    async def _create_and_log_in(self, role: Role) -> str:
        username = f"fuzz{role.value}{next(_numbers)}"
        async with self.runtime.database.unit() as uow:
            await user_service.create(
                uow,
                self.runtime.passwords,
                username=username,
                email=f"{username}@example.com",
                password=PASSWORD,
                role=role,
            )
            tokens = await login_service.login(
                uow,
                self.runtime,
                identifier=username,
                password=PASSWORD,
                client_address="fuzz-setup",
                user_agent=None,
            )
        return tokens.access_token


@pytest.fixture
def fuzz_app(settings: Settings, runtime: Runtime) -> Iterator[FastAPI]:
    """A fresh app; `runtime` is asked for so that the tables are emptied afterwards.

    Schemathesis runs the app's lifespan, which on SQLite would start the embedded worker: it is
    switched off, as nothing here waits for deliveries. Private webhook addresses are allowed,
    which also skips resolving the random hosts the fuzzer makes up: no DNS lookups. A metrics
    token is set, so that `GET /metrics` is served and answers its documented 401s.
    """
    changed = {
        "worker_embedded": False,
        "webhook_allow_private": True,
        "metrics_token": SecretStr("fuzz-metrics-token-" + "f" * 16),
    }
    yield create_app(settings.model_copy(update=changed))
    # Runs the lifespan exit of every app schemathesis started, which disposes their engines on
    # the loop that opened them.
    shutdown_lifespans()


@pytest.fixture
def fuzz_accounts(settings: Settings, runtime: Runtime) -> Iterator[FuzzAccounts]:
    setup_runtime = Runtime.build(settings)
    with start_blocking_portal() as portal:
        yield FuzzAccounts(portal, setup_runtime)
        portal.call(setup_runtime.database.dispose)


@pytest.fixture
def user_auth(fuzz_accounts: FuzzAccounts) -> dict[str, str]:
    return fuzz_accounts.auth()


def _openapi_document() -> dict[str, Any]:
    """The schema, read at collection: it depends on the routes only, not on the settings.

    The database of this app is never opened.
    """
    unused_database = Path(tempfile.gettempdir()) / "habitual-openapi-unused.db"
    settings = Settings(
        _env_file=None, database_url=f"sqlite+aiosqlite:///{unused_database}", secret_key="x" * 32
    )
    return create_app(settings).openapi()


# `schemathesis.pytest.from_fixture` would load it from `fuzz_app`, but breaks on pytest 9.2
# (it sets `Function._nodeid`, which pytest no longer has).
schema = schemathesis.openapi.from_dict(_openapi_document())
lasting = schema.exclude(name=SELF_DESTRUCTIVE)
self_destructive = schema.include(name=SELF_DESTRUCTIVE)


def _call_and_validate(case: FuzzCase, app: FastAPI, auth: dict[str, str]) -> None:
    # positive_data_acceptance would have every schema-valid body accepted, but the API checks
    # facts a JSON Schema cannot state and answers them with its documented 422: that a time zone
    # exists, that `expires_at` is in the future, that a birth date is in the past.
    case.call_and_validate(
        app=app, headers=auth, excluded_checks=[schemathesis.checks.positive_data_acceptance]
    )


@lasting.parametrize()
@FUZZ_SETTINGS
def test_as_a_user(case: FuzzCase, fuzz_app: FastAPI, user_auth: dict[str, str]) -> None:
    _call_and_validate(case, fuzz_app, user_auth)


@lasting.parametrize()
@FUZZ_SETTINGS
def test_as_an_admin(case: FuzzCase, fuzz_app: FastAPI, fuzz_accounts: FuzzAccounts) -> None:
    # A new admin each time: an example may demote, deactivate or delete the admin it acts as.
    _call_and_validate(case, fuzz_app, fuzz_accounts.auth(Role.admin))


@self_destructive.parametrize()
@FUZZ_SETTINGS
def test_self_destructive_as_a_new_user(
    case: FuzzCase, fuzz_app: FastAPI, fuzz_accounts: FuzzAccounts
) -> None:
    _call_and_validate(case, fuzz_app, fuzz_accounts.auth())


def _labels(operations: schemathesis.BaseSchema) -> set[str]:
    labels = set()
    for result in operations.get_all_operations():
        assert isinstance(result, Ok), result.err()
        labels.add(result.ok().label)
    return labels


def test_every_operation_is_fuzzed() -> None:
    assert _labels(self_destructive) == set(SELF_DESTRUCTIVE)
    assert _labels(lasting) | _labels(self_destructive) == _labels(schema)
