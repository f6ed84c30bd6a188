"""What Heroku, Render and other platforms set: DATABASE_URL as postgres://..., and PORT."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import make_url, text

from habitual.cli import build_parser
from habitual.config import Settings
from habitual.db import create_database

TEST_DATABASE_URL = os.environ.get("HABITUAL_TEST_DATABASE_URL")


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("HABITUAL_DATABASE_URL", "DATABASE_URL", "PORT"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize(
    ("given", "taken"),
    [
        ("postgres://u:p@db.example:5432/app", "postgresql+asyncpg://u:p@db.example:5432/app"),
        ("postgresql://u@db.example/app", "postgresql+asyncpg://u@db.example/app"),
        ("POSTGRES://u@db.example/app", "postgresql+asyncpg://u@db.example/app"),
        ("postgresql+asyncpg://u@db.example/app", "postgresql+asyncpg://u@db.example/app"),
        ("sqlite+aiosqlite:///./x.db", "sqlite+aiosqlite:///./x.db"),
    ],
)
def test_a_platforms_database_url_is_taken_as_is(clean_environment, given, taken):
    clean_environment.setenv("DATABASE_URL", given)

    assert Settings(_env_file=None).database_url == taken
    assert Settings(_env_file=None, database_url=given).database_url == taken


def test_habituals_own_database_url_wins_over_the_platforms(clean_environment):
    clean_environment.setenv("DATABASE_URL", "postgres://platform@db/app")
    clean_environment.setenv("HABITUAL_DATABASE_URL", "postgres://ours@db/app")

    assert Settings(_env_file=None).database_url == "postgresql+asyncpg://ours@db/app"


def test_without_either_the_database_is_sqlite_beside_the_process(clean_environment):
    assert Settings(_env_file=None).database_url == "sqlite+aiosqlite:///./habitual.db"


def test_serve_binds_the_port_the_platform_gives(clean_environment):
    assert build_parser().parse_args(["serve"]).port == 8000
    clean_environment.setenv("PORT", "5123")
    assert build_parser().parse_args(["serve"]).port == 5123


@pytest.mark.skipif(TEST_DATABASE_URL is None, reason="needs HABITUAL_TEST_DATABASE_URL")
async def test_a_postgres_url_as_heroku_gives_it_connects(clean_environment):
    assert TEST_DATABASE_URL is not None
    plain = make_url(TEST_DATABASE_URL).set(drivername="postgres")
    clean_environment.setenv("DATABASE_URL", plain.render_as_string(hide_password=False))
    database = create_database(Settings(_env_file=None))
    try:
        async with database.engine.connect() as connection:
            assert (await connection.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        await database.dispose()
