"""POST /fitness/imports end to end: each format into daily figures, a re-import adding nothing."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from typing import Any

from sqlalchemy import update

from habitual.kit.clock import utcnow
from habitual.models import FitnessImport
from tests.factories import API
from tests.fitness_imports.test_formats import apple_export, record

IMPORTS = f"{API}/fitness/imports"
DAILY = f"{API}/fitness/daily"


async def send(
    client: Any, account: Any, name: str, data: bytes, import_format: str
) -> dict[str, Any]:
    response = await client.post(
        IMPORTS,
        data={"format": import_format},
        files={"file": (name, data, "application/octet-stream")},
        headers=account.auth,
    )
    assert response.status_code == 202, response.text
    assert response.headers["location"] == f"/api/v1/fitness/imports/{response.json()['id']}"
    # The file is read after the answer; the test client returns once the app is done.
    answer = await client.get(f"{IMPORTS}/{response.json()['id']}", headers=account.auth)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


async def daily(client: Any, account: Any, metric: str, first: str, last: str) -> dict[str, float]:
    response = await client.get(
        DAILY, params={"metric": metric, "from": first, "to": last}, headers=account.auth
    )
    assert response.status_code == 200, response.text
    return {item["date"]: item["value"] for item in response.json()["items"]}


def apple_zip() -> bytes:
    records = []
    for hour in (8, 12, 18):
        for source, steps in (("Ann's Apple Watch", 1000), ("Ann's iPhone", 900)):
            records.append(
                record(
                    "HKQuantityTypeIdentifierStepCount",
                    str(steps),
                    f"2026-03-29 {hour:02}:00:00 +0200",
                    f"2026-03-29 {hour:02}:30:00 +0200",
                    "count",
                    source,
                )
            )
    # 23:30 local on the 28th (+01:00, before the change): the 28th, not the 29th.
    records.append(
        record(
            "HKQuantityTypeIdentifierStepCount",
            "250",
            "2026-03-28 23:30:00 +0100",
            "2026-03-28 23:45:00 +0100",
            "count",
            "Ann's iPhone",
        )
    )
    records.append(
        record(
            "HKQuantityTypeIdentifierBodyMass",
            "70.2",
            "2026-03-29 07:00:00 +0200",
            "2026-03-29 07:00:00 +0200",
            "kg",
            "Scale",
        )
    )
    records.append(
        record(
            "HKQuantityTypeIdentifierHeartRate",
            "60",
            "2026-03-29 08:00:00 +0200",
            "2026-03-29 08:00:00 +0200",
            "count/min",
        )
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("apple_health_export/export.xml", apple_export(*records))
    return buffer.getvalue()


async def test_apple_export_imported_twice_adds_nothing_the_second_time(client, accounts):
    ann = await accounts.create(timezone="Europe/Berlin")
    first = await send(client, ann, "export.zip", apple_zip(), "apple_health")

    assert first["status"] == "done", first
    assert (first["samples_read"], first["accepted"], first["duplicates"]) == (8, 8, 0)
    assert first["rejected"] == 0
    assert first["warnings"] == [
        "1 records of type HKQuantityTypeIdentifierHeartRate were skipped: "
        "Habitual does not read them."
    ]
    # Watch and phone counted the same walks: the day is the larger source, not the sum.
    assert await daily(client, ann, "steps", "2026-03-28", "2026-03-29") == {
        "2026-03-28": 250,
        "2026-03-29": 3000,
    }

    again = await send(client, ann, "export.zip", apple_zip(), "apple_health")
    assert (again["accepted"], again["updated"], again["duplicates"]) == (0, 0, 8)
    assert await daily(client, ann, "weight_kg", "2026-03-29", "2026-03-29") == {"2026-03-29": 70.2}
    assert await daily(client, ann, "steps", "2026-03-29", "2026-03-29") == {"2026-03-29": 3000}


async def test_health_connect_versions_replace(client, accounts):
    ann = await accounts.create(timezone="UTC")

    def document(count: int, version: int) -> bytes:
        records = [
            {
                "startTime": "2026-05-01T10:00:00Z",
                "endTime": "2026-05-01T10:30:00Z",
                "count": count,
                "metadata": {
                    "id": "hc-1",
                    "dataOrigin": {"packageName": "com.fit"},
                    "clientRecordVersion": version,
                },
            }
        ]
        return json.dumps({"StepsRecord": records}).encode()

    first = await send(client, ann, "hc.json", document(4000, 1), "health_connect")
    newer = await send(client, ann, "hc.json", document(4500, 2), "health_connect")
    older = await send(client, ann, "hc.json", document(1, 1), "health_connect")

    assert (first["accepted"], newer["updated"], older["duplicates"]) == (1, 1, 1)
    assert await daily(client, ann, "steps", "2026-05-01", "2026-05-01") == {"2026-05-01": 4500}


async def test_csv_import_and_refused_rows(client, accounts):
    ann = await accounts.create(timezone="America/New_York")
    data = b"date,metric,value\n2026-06-01,weight_kg,71.5\n2026-06-02,steps,-5\n2026-06-02,x,1\n"

    result = await send(client, ann, "days.csv", data, "csv")

    assert result["status"] == "done"
    assert (result["accepted"], result["rejected"]) == (1, 1)
    assert result["warnings"][0] == "1 rows could not be read (lines 4)."
    assert result["warnings"][1].startswith("A steps sample from csv at 2026-06-02")
    assert await daily(client, ann, "weight_kg", "2026-06-01", "2026-06-02") == {"2026-06-01": 71.5}


async def test_a_file_not_of_its_format_is_refused_at_once(client, accounts):
    ann = await accounts.create()
    for name, data, import_format in (
        ("export.zip", b'{"records": []}', "apple_health"),
        ("hc.json", b"<HealthData/>", "health_connect"),
        ("empty.csv", b"", "csv"),
    ):
        response = await client.post(
            IMPORTS,
            data={"format": import_format},
            files={"file": (name, data, "application/octet-stream")},
            headers=ann.auth,
        )
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
    listed = await client.get(IMPORTS, headers=ann.auth)
    assert listed.json()["total"] == 0


async def test_an_unreadable_file_fails_with_a_reason(client, accounts):
    ann = await accounts.create()
    result = await send(client, ann, "export.xml", b"<HealthData><Record", "apple_health")
    assert result["status"] == "failed"
    assert result["error"].startswith("The file could not be read")


async def test_imports_are_private_and_listed_newest_first(client, accounts, runtime):
    ann, bob = await accounts.create(), await accounts.create()
    data = b"date,metric,value\n2026-06-01,steps,100\n"
    first = await send(client, ann, "a.csv", data, "csv")
    second = await send(client, ann, "b.csv", data, "csv")

    listed = (await client.get(IMPORTS, headers=ann.auth)).json()
    assert [item["id"] for item in listed["items"]] == [second["id"], first["id"]]
    assert (await client.get(f"{IMPORTS}/{first['id']}", headers=bob.auth)).status_code == 404
    assert (await client.get(IMPORTS, headers=bob.auth)).json()["total"] == 0

    # An import whose process stopped mid-file reads as failed once it stands still.
    async with runtime.database.unit() as uow:
        await uow.session.execute(
            update(FitnessImport)
            .where(FitnessImport.id == first["id"])
            .values(status="processing", updated_at=utcnow() - timedelta(minutes=11))
        )
    stalled = (await client.get(f"{IMPORTS}/{first['id']}", headers=ann.auth)).json()
    assert stalled["status"] == "failed"
    assert "Send the file again" in stalled["error"]


async def test_an_import_larger_than_other_bodies_is_taken(client, accounts, runtime):
    """Other bodies stop at HABITUAL_MAX_BODY_BYTES; an import may be far larger."""
    ann = await accounts.create(timezone="UTC")
    limit = runtime.settings.max_body_bytes
    rows = [f"2026-01-{day:02},steps,{day}" for day in range(1, 29)]
    padding = "\n".join(f"2025-01-01,steps,{n}" for n in range(limit // 20))
    data = ("date,metric,value\n" + "\n".join(rows) + "\n" + padding + "\n").encode()
    assert len(data) > limit

    result = await send(client, ann, "big.csv", data, "csv")

    assert result["status"] == "done"
    assert result["size_bytes"] == len(data)
