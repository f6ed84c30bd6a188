"""Reading wearables' exports as samples: Apple Health, Health Connect and a plain CSV.

Each reader is a generator over a binary file that yields `Parsed` items: a sample in our
units, or a warning. It reads as a stream (an Apple export is often hundreds of megabytes, with
millions of records): memory stays flat whatever the file's size. Nothing here touches the
database; the importer feeds the samples to the same ingestion as `POST /fitness/samples`, so
the same identity rules make a re-import add nothing.

Apple Health records carry no id of their own, so a sample is identified by its source, metric,
start and end (the rule for samples without `external_id`). Health Connect records carry
`metadata.id` (our `external_id`) and `metadata.clientRecordVersion` (our `version`).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import IO, Any
from zoneinfo import ZoneInfo

import ijson
from defusedxml.ElementTree import iterparse

APPLE_DATE = "%Y-%m-%d %H:%M:%S %z"

METRICS = frozenset(
    {
        "steps",
        "distance_m",
        "active_energy_kcal",
        "exercise_minutes",
        "weight_kg",
        "sleep_minutes",
        "resting_heart_rate",
    }
)


@dataclass(frozen=True)
class Sample:
    """One sample as `POST /fitness/samples` takes it, in our units."""

    metric: str
    value: float
    start: datetime
    end: datetime | None
    source: str
    external_id: str | None = None
    version: int | None = None


@dataclass(frozen=True)
class Note:
    """Something in the file that was not read, said once per kind with how often it occurred."""

    text: str


Parsed = Sample | Note

# --- Apple Health ---

# Factors from a unit to ours, per metric; a unit not listed is skipped with a warning.
APPLE_QUANTITIES: dict[str, tuple[str, dict[str, float]]] = {
    "HKQuantityTypeIdentifierStepCount": ("steps", {"count": 1.0}),
    "HKQuantityTypeIdentifierDistanceWalkingRunning": (
        "distance_m",
        {"m": 1.0, "km": 1000.0, "cm": 0.01, "mi": 1609.344, "ft": 0.3048, "yd": 0.9144},
    ),
    "HKQuantityTypeIdentifierActiveEnergyBurned": (
        "active_energy_kcal",
        {"kcal": 1.0, "Cal": 1.0, "cal": 0.001, "kJ": 1 / 4.184, "J": 1 / 4184},
    ),
    "HKQuantityTypeIdentifierAppleExerciseTime": (
        "exercise_minutes",
        {"min": 1.0, "s": 1 / 60, "hr": 60.0},
    ),
    "HKQuantityTypeIdentifierBodyMass": (
        "weight_kg",
        {"kg": 1.0, "g": 0.001, "lb": 0.45359237, "st": 6.35029318},
    ),
    "HKQuantityTypeIdentifierRestingHeartRate": ("resting_heart_rate", {"count/min": 1.0}),
}
APPLE_SLEEP = "HKCategoryTypeIdentifierSleepAnalysis"
# Asleep in any stage counts; in bed and awake do not.
APPLE_ASLEEP = frozenset(
    {
        "HKCategoryValueSleepAnalysisAsleep",
        "HKCategoryValueSleepAnalysisAsleepUnspecified",
        "HKCategoryValueSleepAnalysisAsleepCore",
        "HKCategoryValueSleepAnalysisAsleepDeep",
        "HKCategoryValueSleepAnalysisAsleepREM",
    }
)


def open_apple_export(file: IO[bytes]) -> IO[bytes]:
    """`export.xml` itself, or the member `.../export.xml` of Apple's `export.zip`."""
    head = file.read(4)
    file.seek(0)
    if head != b"PK\x03\x04":
        return file
    archive = zipfile.ZipFile(file)
    for name in archive.namelist():
        if name == "export.xml" or name.endswith("/export.xml"):
            return archive.open(name)
    raise ValueError("The zip file holds no export.xml: is it Apple Health's export?")


def _apple_sample(attributes: dict[str, str], skipped: Counter[str]) -> Sample | None:
    kind = attributes.get("type", "")
    source = attributes.get("sourceName") or "apple_health"
    start = datetime.strptime(attributes["startDate"], APPLE_DATE)
    end = datetime.strptime(attributes["endDate"], APPLE_DATE)
    if kind == APPLE_SLEEP:
        if attributes.get("value") not in APPLE_ASLEEP:
            return None
        minutes = (end - start).total_seconds() / 60
        return Sample("sleep_minutes", minutes, start, end, source)
    known = APPLE_QUANTITIES.get(kind)
    if known is None:
        skipped[f"records of type {kind or '(none)'}"] += 1
        return None
    metric, factors = known
    unit = attributes.get("unit", "")
    factor = factors.get(unit)
    if factor is None:
        skipped[f"{kind} records in the unit {unit!r}"] += 1
        return None
    value = float(attributes["value"]) * factor
    instant = metric in ("weight_kg", "resting_heart_rate")
    return Sample(metric, value, start, None if instant else end, source)


def read_apple_health(file: IO[bytes]) -> Iterator[Parsed]:
    """The `Record`s of an Apple Health export (the zip or its export.xml), streamed.

    Only records directly under `HealthData` count: a `Correlation` repeats records that also
    stand on their own. Each element is dropped from the tree once read."""
    skipped: Counter[str] = Counter()
    broken = 0
    depth = 0
    root: Any = None
    for event, element in iterparse(open_apple_export(file), events=("start", "end")):
        if event == "start":
            if root is None:
                root = element
            depth += 1
            continue
        depth -= 1
        if depth != 1:
            continue
        if element.tag == "Record":
            try:
                sample = _apple_sample(element.attrib, skipped)
            except (KeyError, ValueError):
                broken += 1
                sample = None
            if sample is not None:
                yield sample
        root.clear()
    if broken:
        yield Note(f"{broken} records with a missing or unreadable date or value were skipped.")
    for what, count in sorted(skipped.items()):
        yield Note(f"{count} {what} were skipped: Habitual does not read them.")


# --- Health Connect ---

HEALTH_CONNECT_SLEEPING = frozenset({2, 4, 5, 6})  # sleeping, light, deep, REM


def _offset(value: Any) -> timezone | None:
    """A zone offset as Health Connect writes it: "+02:00", "Z", seconds, or {totalSeconds}."""
    if value is None:
        return None
    if isinstance(value, dict):
        value = value.get("totalSeconds")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timezone(timedelta(seconds=int(value)))
    if isinstance(value, str):
        if value in ("Z", "z"):
            return UTC
        parsed = datetime.fromisoformat(f"2000-01-01T00:00:00{value}").tzinfo
        if isinstance(parsed, timezone):
            return parsed
    raise ValueError(f"unreadable zone offset {value!r}")


def _instant(text: Any, offset: Any) -> datetime:
    if not isinstance(text, str):
        raise ValueError("a time is missing")
    moment = datetime.fromisoformat(text)
    zone = _offset(offset)
    if moment.tzinfo is None:
        if zone is None:
            raise ValueError(f"the time {text!r} has no offset")
        return moment.replace(tzinfo=zone)
    return moment.astimezone(zone) if zone is not None else moment


def _amount(value: Any, *units: tuple[str, float]) -> float:
    """A number, or Health Connect's unit object such as {"inMeters": 1200.0}."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, dict):
        for key, factor in units:
            if isinstance(value.get(key), int | float):
                return float(value[key]) * factor
    raise ValueError(f"unreadable amount {value!r}")


def _record_type(record: dict[str, Any], key: str | None) -> str:
    kind = record.get("recordType") or record.get("type") or key or ""
    if not kind and "count" in record:
        kind = "Steps"
    kind = str(kind)
    return kind[: -len("Record")] if kind.endswith("Record") else kind


def _health_connect_sample(record: dict[str, Any], key: str | None) -> Sample | None:
    kind = _record_type(record, key)
    metadata = record.get("metadata") or {}
    origin = metadata.get("dataOrigin")
    if isinstance(origin, dict):
        origin = origin.get("packageName")
    source = str(origin or "health_connect")
    external_id = str(metadata["id"]) if metadata.get("id") else None
    version = metadata.get("clientRecordVersion")
    version = int(version) if isinstance(version, int | float) and version > 0 else None

    def sample(metric: str, value: float, start: datetime, end: datetime | None) -> Sample:
        return Sample(metric, value, start, end, source, external_id, version)

    if kind in ("Weight", "RestingHeartRate"):
        at = _instant(record.get("time"), record.get("zoneOffset"))
        if kind == "Weight":
            weight = _amount(record.get("weight"), ("inKilograms", 1.0), ("inGrams", 0.001))
            return sample("weight_kg", weight, at, None)
        return sample("resting_heart_rate", _amount(record.get("beatsPerMinute")), at, None)
    start = _instant(record.get("startTime"), record.get("startZoneOffset"))
    end = _instant(record.get("endTime"), record.get("endZoneOffset"))
    if kind == "Steps":
        return sample("steps", _amount(record.get("count")), start, end)
    if kind == "Distance":
        distance = _amount(record.get("distance"), ("inMeters", 1.0), ("inKilometers", 1000.0))
        return sample("distance_m", distance, start, end)
    if kind in ("ActiveCaloriesBurned", "ActiveEnergyBurned"):
        energy = _amount(record.get("energy"), ("inKilocalories", 1.0), ("inCalories", 0.001))
        return sample("active_energy_kcal", energy, start, end)
    if kind == "ExerciseSession":
        return sample("exercise_minutes", (end - start).total_seconds() / 60, start, end)
    if kind == "SleepSession":
        stages = record.get("stages")
        if isinstance(stages, list) and stages:
            seconds = sum(
                (
                    _instant(stage.get("endTime"), None) - _instant(stage.get("startTime"), None)
                ).total_seconds()
                for stage in stages
                if stage.get("stage") in HEALTH_CONNECT_SLEEPING
            )
        else:
            seconds = (end - start).total_seconds()
        return sample("sleep_minutes", seconds / 60, start, end)
    return None


def read_health_connect(file: IO[bytes]) -> Iterator[Parsed]:
    """Health Connect records as JSON, streamed: a list of records, `{"records": [...]}`, or
    records grouped by type (`{"StepsRecord": [...], "WeightRecord": [...]}`). A record's type
    is its `recordType` (or `type`) field, else the group it is in; a record with only a
    `count` is steps."""
    skipped: Counter[str] = Counter()
    broken = 0
    builder: Any = None
    depth = 0
    key: str | None = None
    for prefix, event, value in ijson.parse(file, use_float=True):
        if builder is None:
            if event != "start_map":
                continue
            head, _, rest = prefix.partition(".")
            if prefix == "item" or prefix == "records.item":
                key = None
            elif rest == "item" and head:
                key = head
            else:
                continue
            builder = ijson.ObjectBuilder()
            depth = 0
        builder.event(event, value)
        if event in ("start_map", "start_array"):
            depth += 1
        elif event in ("end_map", "end_array"):
            depth -= 1
        if depth:
            continue
        record, builder = builder.value, None
        try:
            sample = _health_connect_sample(record, key)
        except (KeyError, TypeError, ValueError):
            broken += 1
            continue
        if sample is None:
            skipped[_record_type(record, key) or "(none)"] += 1
        else:
            yield sample
    if broken:
        yield Note(f"{broken} records with a missing or unreadable time or value were skipped.")
    for kind, count in sorted(skipped.items()):
        yield Note(f"{count} records of type {kind} were skipped: Habitual does not read them.")


# --- CSV: date,metric,value ---


def day_bounds(day: date, zone: ZoneInfo, day_start_hour: int) -> tuple[datetime, datetime]:
    """The instants a local day runs between, for a person whose day starts at that hour."""
    start = datetime.combine(day, datetime.min.time(), zone) + timedelta(hours=day_start_hour)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
    return start, end + timedelta(hours=day_start_hour)


def read_csv(file: IO[bytes], zone: ZoneInfo, day_start_hour: int) -> Iterator[Parsed]:
    """Rows of `date,metric,value` (a header line; an optional `source` column): one sample per
    row spanning that local day, from source `csv` unless the row names one. A row that cannot
    be read is skipped with a warning naming its line."""
    text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
    reader = csv.DictReader(text)
    fields = {name.strip().lower() for name in reader.fieldnames or []}
    if not {"date", "metric", "value"} <= fields:
        raise ValueError("The CSV file needs a header line with date, metric and value.")
    bad: list[int] = []
    for row in reader:
        cells = {(name or "").strip().lower(): (cell or "").strip() for name, cell in row.items()}
        try:
            metric = cells["metric"]
            if metric not in METRICS:
                raise ValueError(metric)
            value = float(cells["value"])
            start, end = day_bounds(date.fromisoformat(cells["date"]), zone, day_start_hour)
        except (KeyError, ValueError):
            bad.append(reader.line_num)
            continue
        yield Sample(metric, value, start, end, cells.get("source") or "csv")
    if bad:
        lines = ", ".join(str(line) for line in bad[:10]) + (" …" if len(bad) > 10 else "")
        yield Note(f"{len(bad)} rows could not be read (lines {lines}).")
