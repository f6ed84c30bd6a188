"""An Apple Health export of a chosen size imported through `habitual serve`: time and peak RSS.

    .venv/bin/python bench/fitness_import.py --megabytes 200 \
        --postgres-url postgresql+asyncpg://postgres@127.0.0.1:5432/test

Writes an export.xml shaped like Apple's (its DTD, `Me`, records of steps and distance from a
watch and a phone every ten minutes, heart rate every five minutes - a type Habitual skips, as
most of a real export is -, energy, sleep and weight, `MetadataEntry` children), zips it as
Apple does (`apple_health_export/export.xml`), registers a user on a fresh server (one
process, no worker), sends the zip to `POST /api/v1/fitness/imports`, and polls the import to
its end. Prints the file's size, records, samples stored, the wall time, samples per second
and the server's peak RSS (VmHWM) before and after. Target: RSS under 250 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from generate import SECRET_KEY, drop_database, scratch_database
from load import BIN, HOST, clean_env, free_port, log, running

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>
<!ATTLIST HealthData locale CDATA #REQUIRED>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate value CDATA #REQUIRED>
<!ELEMENT Me EMPTY>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record
  type          CDATA #REQUIRED
  unit          CDATA #IMPLIED
  value         CDATA #IMPLIED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!ELEMENT MetadataEntry EMPTY>
<!ATTLIST MetadataEntry key CDATA #REQUIRED value CDATA #REQUIRED>
]>
<HealthData locale="en_GB">
 <ExportDate value="2026-11-30 20:00:00 +0000"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1990-01-01"/>
"""
DEVICE = "&lt;&lt;HKDevice: 0x283c8c8c0&gt;, name:Apple Watch, manufacturer:Apple Inc.&gt;"


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S +0000")


def record(kind: str, unit: str, value: str, source: str, start: datetime, end: datetime) -> str:
    return (
        f' <Record type="{kind}" sourceName="{source}" sourceVersion="10.1" '
        f'device="{DEVICE}" unit="{unit}" creationDate="{stamp(end)}" '
        f'startDate="{stamp(start)}" endDate="{stamp(end)}" value="{value}">\n'
        '  <MetadataEntry key="HKMetadataKeySyncVersion" value="2"/>\n </Record>\n'
    )


def write_export(path: Path, megabytes: int) -> int:
    """An export.xml of about `megabytes`; the number of records in it."""
    rng = random.Random(7)  # noqa: S311 - made-up data, not secrets
    target = megabytes * 1_000_000
    written = 0
    records = 0
    moment = datetime(2020, 1, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8") as out:
        out.write(HEAD)
        while written < target:
            lines = []
            for minute in range(0, 1440, 10):
                start = moment + timedelta(minutes=minute)
                end = start + timedelta(minutes=10)
                steps = rng.randint(0, 900)
                for source in ("Ann's Apple Watch", "Ann's iPhone"):
                    lines.append(
                        record(
                            "HKQuantityTypeIdentifierStepCount",
                            "count",
                            str(steps),
                            source,
                            start,
                            end,
                        )
                    )
                    lines.append(
                        record(
                            "HKQuantityTypeIdentifierDistanceWalkingRunning",
                            "km",
                            f"{steps * 0.00075:.4f}",
                            source,
                            start,
                            end,
                        )
                    )
                for offset in (0, 5):
                    beat = start + timedelta(minutes=offset)
                    lines.append(
                        record(
                            "HKQuantityTypeIdentifierHeartRate",
                            "count/min",
                            str(rng.randint(55, 120)),
                            "Ann's Apple Watch",
                            beat,
                            beat,
                        )
                    )
                lines.append(
                    record(
                        "HKQuantityTypeIdentifierActiveEnergyBurned",
                        "kcal",
                        f"{rng.uniform(0, 40):.2f}",
                        "Ann's Apple Watch",
                        start,
                        end,
                    )
                )
            lines.append(
                record(
                    "HKQuantityTypeIdentifierBodyMass",
                    "kg",
                    f"{rng.uniform(68, 72):.1f}",
                    "Scale",
                    moment + timedelta(hours=7),
                    moment + timedelta(hours=7),
                )
            )
            text = "".join(lines)
            out.write(text)
            written += len(text)
            records += len(lines)
            moment += timedelta(days=1)
        out.write("</HealthData>\n")
    return records


async def run(database_url: str, megabytes: int, workdir: Path) -> None:
    xml = workdir / "export.xml"
    log(f"writing an export of about {megabytes} MB")
    records = write_export(xml, megabytes)
    archive = workdir / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        out.write(xml, "apple_health_export/export.xml")
    xml.unlink()
    port = free_port()
    env = clean_env() | {
        "HABITUAL_DATABASE_URL": database_url,
        "HABITUAL_SECRET_KEY": SECRET_KEY,
        "HABITUAL_WORKER_EMBEDDED": "false",
        "HABITUAL_LOG_LEVEL": "warning",
        "HABITUAL_RATE_LIMIT_USER": "off",
        "HABITUAL_AUTO_MIGRATE": "true",
    }
    command = [str(BIN / "habitual"), "serve", "--host", HOST, "--port", str(port)]
    base = f"http://{HOST}:{port}/api/v1"
    with running(command, env, workdir, 1) as server:
        server.wait_ready(f"http://{HOST}:{port}/readyz")
        rss_before = max(server.peak_rss_mib())
        async with httpx.AsyncClient(base_url=base, timeout=600) as client:
            name = f"bench{uuid.uuid4().hex[:8]}"
            password = "correct horse battery staple"  # noqa: S105 - a throwaway account
            answer = await client.post(
                "/auth/register",
                json={"email": f"{name}@example.com", "username": name, "password": password},
            )
            answer.raise_for_status()
            answer = await client.post("/auth/token", data={"username": name, "password": password})
            answer.raise_for_status()
            client.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
            started = time.perf_counter()
            with archive.open("rb") as file:
                answer = await client.post(
                    "/fitness/imports",
                    data={"format": "apple_health"},
                    files={"file": ("export.zip", file, "application/zip")},
                )
            answer.raise_for_status()
            import_id = answer.json()["id"]
            while True:
                state = (await client.get(f"/fitness/imports/{import_id}")).json()
                if state["status"] in ("done", "failed"):
                    break
                await asyncio.sleep(0.5)
            seconds = time.perf_counter() - started
        rss_after = max(server.peak_rss_mib())
    stored = state["accepted"] + state["updated"]
    print(
        f"export.xml {megabytes} MB ({archive.stat().st_size / 1e6:.0f} MB zipped), "
        f"{records:,} records; status {state['status']}, samples read {state['samples_read']:,}, "
        f"stored {stored:,}, duplicates {state['duplicates']:,}, rejected {state['rejected']:,}\n"
        f"time {seconds:.1f} s ({state['samples_read'] / seconds:,.0f} samples/s); "
        f"server peak RSS {rss_before:.0f} MiB before, {rss_after:.0f} MiB after"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--postgres-url", help="default: a SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="habitual-import-bench-") as tmp:
        workdir = Path(tmp)
        if args.postgres_url:
            url, name = asyncio.run(scratch_database(args.postgres_url, workdir))
        else:
            url, name = f"sqlite+aiosqlite:///{workdir / 'bench.db'}", None
        try:
            asyncio.run(run(url, args.megabytes, workdir))
        finally:
            if name:
                asyncio.run(drop_database(args.postgres_url, name))


if __name__ == "__main__":
    main()
