"""The schema comes from the migrations alone; they must say what the models say."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from habitual.models import Base


async def test_models_and_migrations_agree(runtime):
    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with runtime.database.engine.connect() as connection:
        diff = await connection.run_sync(differences)
    assert diff == []
