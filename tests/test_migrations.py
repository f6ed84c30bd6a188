"""The schema comes from the migrations alone; they must say what the models say."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from habitual.config import Settings
from habitual.db import alembic_config, create_database
from habitual.kit.secrets import SecretBox
from habitual.kit.types import UTCDateTime
from habitual.models import Base
from tests.conftest import RUN_ID, TEST_DATABASE_URL, make_settings

# The revision before the inbox moved onto the notifications (2026_11_29).
BEFORE_THE_INBOX = "a7e76007c474"
CREATED_AT = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)

# The tables as the migrations under test know them, whatever the models say today.
users = sa.table(
    "users",
    *map(sa.column, ["id", "username", "username_key", "email", "email_key", "password_hash"]),
    *map(sa.column, ["role", "is_active", "timezone", "week_start", "day_start"]),
    sa.column("created_at", UTCDateTime()),
    sa.column("updated_at", UTCDateTime()),
)
notifications = sa.table(
    "notifications",
    *map(sa.column, ["id", "user_id", "event", "dedupe_key", "title", "body"]),
    sa.column("data", sa.JSON()),
    sa.column("created_at", UTCDateTime()),
)
deliveries = sa.table(
    "deliveries",
    *map(sa.column, ["notification_id", "channel", "status", "attempts"]),
    sa.column("next_attempt_at", UTCDateTime()),
    sa.column("created_at", UTCDateTime()),
)


async def test_models_and_migrations_agree(runtime):
    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, Base.metadata))

    async with runtime.database.engine.connect() as connection:
        diff = await connection.run_sync(differences)
    assert diff == []


# --- data migrations, on a database of their own -----------------------------------------------


@pytest.fixture
async def empty_database(tmp_path: Path) -> AsyncIterator[tuple[AsyncEngine, str]]:
    """An engine and URL of a database without tables, to migrate step by step. The engine is
    the app's, as `habitual migrate` uses it (on SQLite: with foreign keys enforced)."""
    if not TEST_DATABASE_URL:
        url = f"sqlite+aiosqlite:///{tmp_path / 'steps.db'}"
        database = create_database(make_settings(url, tmp_path))
        yield database.engine, url
        await database.dispose()
        return
    admin_url = make_url(TEST_DATABASE_URL)
    name = f"habitual_test_{RUN_ID}_steps"
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    database = create_database(make_settings(url, tmp_path))
    try:
        yield database.engine, url
    finally:
        await database.dispose()
        async with admin.connect() as connection:
            await connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def migrate(
    engine: AsyncEngine,
    url: str,
    revision: str,
    *,
    down: bool = False,
    settings: Settings | None = None,
) -> None:
    config = alembic_config(url)

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        config.attributes["settings"] = settings
        (command.downgrade if down else command.upgrade)(config, revision)

    async with engine.connect() as connection:
        await connection.run_sync(run)
        await connection.commit()


async def add_account(connection: AsyncConnection) -> None:
    """Account 1, alice."""
    await connection.execute(
        users.insert().values(
            id=1,
            username="alice",
            username_key="alice",
            email="alice@example.com",
            email_key="alice@example.com",
            password_hash="x",
            role="user",
            is_active=True,
            timezone="UTC",
            week_start=0,
            day_start=0,
            created_at=CREATED_AT,
            updated_at=CREATED_AT,
        )
    )


async def add_notifications(connection: AsyncConnection, count: int) -> None:
    """An account (id 1) with notifications 1..count."""
    await add_account(connection)
    await connection.execute(
        notifications.insert(),
        [
            {
                "id": number,
                "user_id": 1,
                "event": "reminder",
                "dedupe_key": f"reminder:{number}",
                "title": "Reminder: Read",
                "body": "Time for Read.",
                "data": {},
                "created_at": CREATED_AT,
            }
            for number in range(1, count + 1)
        ],
    )


def delivery(notification_id: int, channel: str, status: str = "pending") -> dict[str, Any]:
    return {
        "notification_id": notification_id,
        "channel": channel,
        "status": status,
        "attempts": 0,
        "next_attempt_at": CREATED_AT,
        "created_at": CREATED_AT,
    }


async def test_every_notification_with_an_in_app_delivery_moves_into_the_inbox(empty_database):
    engine, url = empty_database
    await migrate(engine, url, BEFORE_THE_INBOX)
    async with engine.begin() as connection:
        await add_notifications(connection, 5)
        # 1 was delivered in-app, 2 was still waiting for a worker; 3 to 5 were not for the inbox.
        await connection.execute(
            deliveries.insert(),
            [
                delivery(1, "inapp", "delivered"),
                delivery(2, "inapp"),
                delivery(2, "email"),
                delivery(3, "email"),
                delivery(4, "webhook"),
            ],
        )

    await migrate(engine, url, "head")

    async with engine.connect() as connection:
        rows = await connection.execute(sa.text("SELECT id, in_inbox FROM notifications"))
        assert {row.id: bool(row.in_inbox) for row in rows} == {
            1: True,
            2: True,
            3: False,
            4: False,
            5: False,
        }
        rows = await connection.execute(sa.text("SELECT notification_id, channel FROM deliveries"))
        assert sorted(tuple(row) for row in rows) == [(2, "email"), (3, "email"), (4, "webhook")]
    with pytest.raises(sa.exc.IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(deliveries.insert().values(delivery(5, "inapp")))


async def test_going_back_makes_the_in_app_deliveries_of_the_inbox_again(empty_database):
    engine, url = empty_database
    await migrate(engine, url, "head")
    async with engine.begin() as connection:
        await add_notifications(connection, 2)
        await connection.execute(sa.text("UPDATE notifications SET in_inbox = (id = 1)"))
        await connection.execute(deliveries.insert().values(delivery(2, "email")))

    await migrate(engine, url, BEFORE_THE_INBOX, down=True)

    async with engine.connect() as connection:
        rows = await connection.execute(
            sa.text("SELECT notification_id, channel, status FROM deliveries")
        )
        assert sorted(tuple(row) for row in rows) == [
            (1, "inapp", "delivered"),
            (2, "email", "pending"),
        ]


async def test_a_new_delivery_is_pending_without_attempts_by_the_schemas_default(empty_database):
    engine, url = empty_database
    await migrate(engine, url, "head")
    async with engine.begin() as connection:
        await add_notifications(connection, 1)
        await connection.execute(
            deliveries.insert().values(
                notification_id=1,
                channel="email",
                next_attempt_at=CREATED_AT,
                created_at=CREATED_AT,
            )
        )

    async with engine.connect() as connection:
        rows = await connection.execute(sa.text("SELECT status, attempts FROM deliveries"))
        assert [tuple(row) for row in rows] == [("pending", 0)]


# --- the rule's defaults in the database (2026_11_29) -------------------------------------------

BEFORE_THE_RULE_DEFAULTS = "eee8660d20d0"
RULE = {
    "frequency": "weekly",
    "times_per_period": 3,
    "target_days": 127,
    "every_n_days": 1,
    "goal_value": 5.0,
    "goal_type": "at_most",
}
habits = sa.table(
    "habits",
    *map(sa.column, ["id", "user_id", "name", "name_key", "kind", "start_date", "position"]),
    *map(sa.column, RULE),
    sa.column("created_at", UTCDateTime()),
    sa.column("updated_at", UTCDateTime()),
)
habit_rules = sa.table(
    "habit_rules",
    *map(sa.column, ["id", "habit_id", "effective_from", *RULE]),
    sa.column("created_at", UTCDateTime()),
)
checkins = sa.table(
    "checkins",
    *map(sa.column, ["id", "habit_id", "user_id", "local_date", "status", "value"]),
    sa.column("created_at", UTCDateTime()),
    sa.column("updated_at", UTCDateTime()),
)


def habit_row(habit_id: int, **columns: Any) -> dict[str, Any]:
    return {
        "id": habit_id,
        "user_id": 1,
        "name": f"Habit {habit_id}",
        "name_key": f"habit {habit_id}",
        "kind": "measurable",
        "start_date": CREATED_AT.date(),
        "created_at": CREATED_AT,
        "updated_at": CREATED_AT,
        **columns,
    }


async def add_a_ruled_habit(connection: AsyncConnection) -> None:
    """Habit 1 of account 1, with every column given, a rule version and two check-ins."""
    await add_account(connection)
    await connection.execute(habits.insert().values(habit_row(1, position=4, **RULE)))
    await connection.execute(
        habit_rules.insert().values(
            id=1, habit_id=1, effective_from=CREATED_AT.date(), created_at=CREATED_AT, **RULE
        )
    )
    await connection.execute(
        checkins.insert(),
        [
            {
                "id": number,
                "habit_id": 1,
                "user_id": 1,
                "local_date": CREATED_AT.date().replace(day=number),
                "status": "done",
                "value": 4.0,
                "created_at": CREATED_AT,
                "updated_at": CREATED_AT,
            }
            for number in (1, 2)
        ],
    )


async def ruled_habit_rows(connection: AsyncConnection) -> list[tuple[object, ...]]:
    rule = ", ".join(RULE)
    found = [
        *await connection.execute(sa.text(f"SELECT position, {rule} FROM habits")),  # noqa: S608
        *await connection.execute(sa.text(f"SELECT {rule} FROM habit_rules")),  # noqa: S608
        *await connection.execute(sa.text("SELECT habit_id, local_date FROM checkins")),
    ]
    return [tuple(row) for row in found]


async def test_a_raw_insert_takes_the_rule_defaults_and_no_row_is_lost(empty_database):
    engine, url = empty_database
    await migrate(engine, url, BEFORE_THE_RULE_DEFAULTS)
    async with engine.begin() as connection:
        await add_a_ruled_habit(connection)
        before = await ruled_habit_rows(connection)

    await migrate(engine, url, "head")

    async with engine.begin() as connection:
        # SQLite copied both tables: the check-ins under them are all still there.
        assert await ruled_habit_rows(connection) == before
        await connection.execute(habits.insert().values(habit_row(2, kind="boolean")))
        await connection.execute(
            sa.text(
                "INSERT INTO habit_rules (id, habit_id, effective_from, created_at) "
                "VALUES (2, 2, :day, :now)"
            ),
            {"day": CREATED_AT.date(), "now": CREATED_AT},
        )
        rule = ", ".join(RULE)
        defaults = (
            "daily",
            1,
            127,
            1,
            None,
            "at_least",
        )
        habit = await connection.execute(
            sa.text(f"SELECT position, {rule} FROM habits WHERE id = 2")  # noqa: S608
        )
        assert tuple(habit.one()) == (0, *defaults)
        version = await connection.execute(
            sa.text(f"SELECT {rule} FROM habit_rules WHERE id = 2")  # noqa: S608
        )
        assert tuple(version.one()) == defaults
    # The copies keep their checks, habits now the one on target_days too, and foreign keys
    # are enforced again once the migration is done.
    for statement in (
        habits.insert().values(habit_row(3, target_days=0)),
        habits.insert().values(habit_row(3, frequency="yearly")),
        habit_rules.insert().values(
            id=3, habit_id=1, effective_from=CREATED_AT.date(), created_at=CREATED_AT, target_days=0
        ),
        habit_rules.insert().values(
            id=3, habit_id=99, effective_from=CREATED_AT.date(), created_at=CREATED_AT
        ),
    ):
        with pytest.raises(sa.exc.IntegrityError):
            async with engine.begin() as connection:
                await connection.execute(statement)


async def test_going_back_drops_the_rule_defaults_and_keeps_the_rows(empty_database):
    engine, url = empty_database
    await migrate(engine, url, "head")
    async with engine.begin() as connection:
        await add_a_ruled_habit(connection)
        before = await ruled_habit_rows(connection)

    await migrate(engine, url, BEFORE_THE_RULE_DEFAULTS, down=True)

    async with engine.begin() as connection:
        assert await ruled_habit_rows(connection) == before
    with pytest.raises(sa.exc.IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(habits.insert().values(habit_row(2, kind="boolean")))


# --- webhook secrets sealed (2026_12_03) ---------------------------------------------------------

BEFORE_THE_SEALED_SECRETS = "ea21864da6ba"
PLAIN_SECRETS = {1: "whsec_" + "A" * 43 + "=", 2: "whsec_" + "B" * 43 + "="}


async def add_plain_webhooks(connection: AsyncConnection) -> None:
    """Webhooks 1 and 2 of account 1, their secrets in plain text as they were kept."""
    await add_account(connection)
    for webhook_id, secret in PLAIN_SECRETS.items():
        await connection.execute(
            sa.text(
                "INSERT INTO webhooks (id, user_id, url, events, secret, active, created_at, "
                "updated_at) VALUES (:id, 1, 'https://example.com/hook', '[\"reminder\"]', "
                ":secret, :active, :now, :now)"
            ),
            {"id": webhook_id, "secret": secret, "active": True, "now": CREATED_AT},
        )


async def test_existing_webhook_secrets_are_sealed_under_the_servers_key(empty_database, tmp_path):
    engine, url = empty_database
    settings = make_settings(url, tmp_path)
    await migrate(engine, url, BEFORE_THE_SEALED_SECRETS)
    async with engine.begin() as connection:
        await add_plain_webhooks(connection)

    await migrate(engine, url, "head", settings=settings)

    async with engine.connect() as connection:
        rows = (await connection.execute(sa.text("SELECT * FROM webhooks ORDER BY id"))).all()
    box = SecretBox.for_settings(settings)
    assert {row.id: box.open(row.sealed_secret) for row in rows} == PLAIN_SECRETS
    for row in rows:
        assert not any(secret in str(value) for secret in PLAIN_SECRETS.values() for value in row)


async def test_going_back_opens_the_sealed_secrets_again(empty_database, tmp_path):
    engine, url = empty_database
    settings = make_settings(url, tmp_path)
    await migrate(engine, url, BEFORE_THE_SEALED_SECRETS)
    async with engine.begin() as connection:
        await add_plain_webhooks(connection)
    await migrate(engine, url, "head", settings=settings)

    await migrate(engine, url, BEFORE_THE_SEALED_SECRETS, down=True, settings=settings)

    async with engine.connect() as connection:
        rows = await connection.execute(sa.text("SELECT id, secret FROM webhooks"))
        assert dict(tuple(row) for row in rows) == PLAIN_SECRETS


# --- account recovery (2026_12_03) --------------------------------------------------------------

BEFORE_ACCOUNT_RECOVERY = "c2b6f1c8e302"


async def test_existing_accounts_start_unverified_and_keep_everything_they_own(empty_database):
    engine, url = empty_database
    await migrate(engine, url, BEFORE_ACCOUNT_RECOVERY)
    async with engine.begin() as connection:
        await add_a_ruled_habit(connection)
        before = await ruled_habit_rows(connection)

    await migrate(engine, url, "head")

    async with engine.connect() as connection:
        rows = await connection.execute(sa.text("SELECT id, email_verified FROM users"))
        assert [(row.id, bool(row.email_verified)) for row in rows] == [(1, False)]
        # The column was added in place: nothing under the account was cascaded away.
        assert await ruled_habit_rows(connection) == before


async def test_going_back_from_account_recovery_keeps_the_accounts(empty_database):
    engine, url = empty_database
    await migrate(engine, url, "head")
    async with engine.begin() as connection:
        await add_a_ruled_habit(connection)
        await connection.execute(sa.text("UPDATE users SET email_verified = true"))
        await connection.execute(
            sa.text(
                "INSERT INTO one_time_tokens (token_hash, purpose, user_id, email, created_at, "
                "expires_at) VALUES (:hash, 'password_reset', 1, 'alice@example.com', :now, :now)"
            ),
            {"hash": "0" * 64, "now": CREATED_AT},
        )
        before = await ruled_habit_rows(connection)

    await migrate(engine, url, BEFORE_ACCOUNT_RECOVERY, down=True)

    async with engine.connect() as connection:
        assert await ruled_habit_rows(connection) == before
        columns = list((await connection.execute(sa.text("SELECT * FROM users"))).keys())
        assert "email_verified" not in columns
        assert "one_time_tokens" not in await connection.run_sync(
            lambda sync: sa.inspect(sync).get_table_names()
        )
