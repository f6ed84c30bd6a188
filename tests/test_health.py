from __future__ import annotations

from habitual.db import head_revision


async def test_livez_answers_ok(client):
    response = await client.get("/livez")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_the_database_at_head(client):
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "migration": head_revision()}


async def test_readyz_is_503_when_the_database_is_unreachable(app_factory, tmp_path):
    missing = tmp_path / "no-such-dir" / "x" / "db.sqlite"
    async with app_factory(database_url=f"sqlite+aiosqlite:///{missing}") as other:
        response = await other.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
