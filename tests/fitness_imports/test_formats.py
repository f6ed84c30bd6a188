"""The readers of wearables' exports, on files shaped as Apple and Health Connect write them."""

from __future__ import annotations

import io
import json
import tracemalloc
import zipfile
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from habitual.fitness.formats import (
    Note,
    Sample,
    day_bounds,
    read_apple_health,
    read_csv,
    read_health_connect,
)
from habitual.kit.timezones import local_date

# The head of a real export.xml: an internal DTD that declares elements and attributes only.
APPLE_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>
<!ATTLIST HealthData locale CDATA #REQUIRED>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record
  type          CDATA #REQUIRED
  unit          CDATA #IMPLIED
  value         CDATA #IMPLIED
  sourceName    CDATA #REQUIRED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
]>
<HealthData locale="en_GB">
 <ExportDate value="2026-11-30 20:00:00 +0100"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth=""/>
"""


def record(
    kind: str, value: str, start: str, end: str, unit: str = "", source: str = "iPhone"
) -> str:
    unit_attribute = f' unit="{unit}"' if unit else ""
    return (
        f' <Record type="{kind}" sourceName="{source}"{unit_attribute} '
        f'creationDate="{end}" startDate="{start}" endDate="{end}" value="{value}">\n'
        '  <MetadataEntry key="HKWasUserEntered" value="0"/>\n </Record>\n'
    )


def apple_export(*records: str, tail: str = "") -> bytes:
    return (APPLE_HEAD + "".join(records) + tail + "</HealthData>\n").encode()


def samples(items: list[Sample | Note]) -> list[Sample]:
    return [item for item in items if isinstance(item, Sample)]


def notes(items: list[Sample | Note]) -> list[str]:
    return [item.text for item in items if isinstance(item, Note)]


def test_apple_records_become_samples_in_our_units() -> None:
    data = apple_export(
        record(
            "HKQuantityTypeIdentifierStepCount",
            "532",
            "2026-03-29 08:00:00 +0200",
            "2026-03-29 08:10:00 +0200",
            "count",
            "Ann's Apple Watch",
        ),
        record(
            "HKQuantityTypeIdentifierDistanceWalkingRunning",
            "1.5",
            "2026-03-29 08:00:00 +0200",
            "2026-03-29 08:10:00 +0200",
            "km",
        ),
        record(
            "HKQuantityTypeIdentifierDistanceWalkingRunning",
            "1",
            "2026-03-29 09:00:00 +0200",
            "2026-03-29 09:10:00 +0200",
            "mi",
        ),
        record(
            "HKQuantityTypeIdentifierBodyMass",
            "154",
            "2026-03-29 07:00:00 +0200",
            "2026-03-29 07:00:00 +0200",
            "lb",
        ),
        record(
            "HKQuantityTypeIdentifierActiveEnergyBurned",
            "418.4",
            "2026-03-29 08:00:00 +0200",
            "2026-03-29 09:00:00 +0200",
            "kJ",
        ),
        record(
            "HKCategoryTypeIdentifierSleepAnalysis",
            "HKCategoryValueSleepAnalysisAsleepCore",
            "2026-03-28 23:30:00 +0100",
            "2026-03-29 06:30:00 +0200",
        ),
        record(
            "HKCategoryTypeIdentifierSleepAnalysis",
            "HKCategoryValueSleepAnalysisInBed",
            "2026-03-28 23:00:00 +0100",
            "2026-03-29 07:00:00 +0200",
        ),
    )
    read = list(read_apple_health(io.BytesIO(data)))
    got = samples(read)
    assert notes(read) == []
    steps, km, miles, weight, energy, sleep = got
    assert steps == Sample(
        "steps",
        532.0,
        datetime(2026, 3, 29, 6, 0, tzinfo=UTC),
        datetime(2026, 3, 29, 6, 10, tzinfo=UTC),
        "Ann's Apple Watch",
    )
    assert km.value == 1500.0
    assert miles.value == pytest.approx(1609.344)
    assert weight.metric == "weight_kg"
    assert weight.value == pytest.approx(69.853225, abs=1e-6)
    assert weight.end is None
    assert energy.value == pytest.approx(100.0)
    # Across the spring change: 23:30 +01:00 to 06:30 +02:00 is six hours asleep.
    assert sleep.metric == "sleep_minutes"
    assert sleep.value == 360.0


def test_apple_correlations_and_unknown_types_are_not_counted_twice() -> None:
    inner = record(
        "HKQuantityTypeIdentifierStepCount",
        "100",
        "2026-01-01 10:00:00 +0000",
        "2026-01-01 10:05:00 +0000",
        "count",
    )
    correlation = (
        ' <Correlation type="HKCorrelationTypeIdentifierFood" sourceName="x" '
        'startDate="2026-01-01 10:00:00 +0000" endDate="2026-01-01 10:05:00 +0000">\n'
        f"{inner} </Correlation>\n"
    )
    data = apple_export(
        inner,
        record(
            "HKQuantityTypeIdentifierHeartRate",
            "71",
            "2026-01-01 10:00:00 +0000",
            "2026-01-01 10:00:00 +0000",
            "count/min",
        ),
        record(
            "HKQuantityTypeIdentifierStepCount",
            "oops",
            "2026-01-01 10:00:00 +0000",
            "2026-01-01 10:05:00 +0000",
            "count",
        ),
        tail=correlation,
    )
    read = list(read_apple_health(io.BytesIO(data)))
    assert [sample.value for sample in samples(read)] == [100.0]
    assert notes(read) == [
        "1 records with a missing or unreadable date or value were skipped.",
        "1 records of type HKQuantityTypeIdentifierHeartRate were skipped: "
        "Habitual does not read them.",
    ]


def test_apple_export_zip_is_read_from_its_export_xml() -> None:
    data = apple_export(
        record(
            "HKQuantityTypeIdentifierStepCount",
            "7",
            "2026-01-01 10:00:00 +0000",
            "2026-01-01 10:05:00 +0000",
            "count",
        )
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("apple_health_export/export_cda.xml", "<ClinicalDocument/>")
        archive.writestr("apple_health_export/export.xml", data)
    buffer.seek(0)
    assert [sample.value for sample in samples(list(read_apple_health(buffer)))] == [7.0]


def test_apple_entities_are_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE HealthData [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><HealthData>&b;</HealthData>'
    )
    with pytest.raises(Exception, match="Entit"):
        list(read_apple_health(io.BytesIO(bomb)))


def test_apple_reading_keeps_no_tree() -> None:
    """Each record is dropped once read: memory stays flat however long the file (20,000
    records kept as elements would take over 10 MB)."""
    one = record(
        "HKQuantityTypeIdentifierStepCount",
        "1",
        "2026-01-01 10:00:00 +0000",
        "2026-01-01 10:05:00 +0000",
        "count",
    )
    data = io.BytesIO(apple_export(*[one] * 20_000))
    tracemalloc.start()
    try:
        seen = sum(1 for _ in read_apple_health(data))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == 20_000
    assert peak < 2_000_000


def health_connect_steps(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "startTime": "2026-03-29T06:00:00Z",
        "startZoneOffset": "+02:00",
        "endTime": "2026-03-29T06:10:00Z",
        "endZoneOffset": "+02:00",
        "count": 812,
        "metadata": {
            "id": "a1b2",
            "dataOrigin": {"packageName": "com.google.android.apps.fitness"},
            "clientRecordVersion": 3,
        },
    }
    base.update(overrides)
    return base


@pytest.mark.parametrize(
    "document",
    [
        [health_connect_steps()],
        {"records": [health_connect_steps()]},
        {"StepsRecord": [health_connect_steps()]},
        [health_connect_steps(recordType="StepsRecord")],
    ],
    ids=["list", "records", "grouped", "typed"],
)
def test_health_connect_shapes(document: object) -> None:
    read = list(read_health_connect(io.BytesIO(json.dumps(document).encode())))
    assert read == [
        Sample(
            "steps",
            812.0,
            datetime(2026, 3, 29, 8, 0, tzinfo=timezone(timedelta(hours=2))),
            datetime(2026, 3, 29, 8, 10, tzinfo=timezone(timedelta(hours=2))),
            "com.google.android.apps.fitness",
            "a1b2",
            3,
        )
    ]


def test_health_connect_other_records() -> None:
    document = {
        "WeightRecord": [
            {
                "time": "2026-03-29T07:00:00",
                "zoneOffset": {"totalSeconds": 7200},
                "weight": {"inKilograms": 70.5},
                "metadata": {"id": "w1", "dataOrigin": "scale"},
            }
        ],
        "DistanceRecord": [
            {
                "startTime": "2026-03-29T06:00:00Z",
                "endTime": "2026-03-29T06:30:00Z",
                "distance": {"inKilometers": 2.5},
                "metadata": {"id": "d1"},
            }
        ],
        "SleepSessionRecord": [
            {
                "startTime": "2026-03-28T22:00:00Z",
                "endTime": "2026-03-29T06:00:00Z",
                "stages": [
                    {
                        "startTime": "2026-03-28T22:00:00Z",
                        "endTime": "2026-03-28T22:30:00Z",
                        "stage": 1,
                    },
                    {
                        "startTime": "2026-03-28T22:30:00Z",
                        "endTime": "2026-03-29T02:30:00Z",
                        "stage": 4,
                    },
                    {
                        "startTime": "2026-03-29T02:30:00Z",
                        "endTime": "2026-03-29T06:00:00Z",
                        "stage": 6,
                    },
                ],
                "metadata": {"id": "s1"},
            }
        ],
        "HeartRateRecord": [
            {"startTime": "2026-03-29T06:00:00Z", "endTime": "2026-03-29T06:00:01Z"}
        ],
        "StepsRecord": [health_connect_steps(startTime="2026-03-29T06:00:00")],
    }
    read = list(read_health_connect(io.BytesIO(json.dumps(document).encode())))
    weight, distance, sleep, steps = samples(read)
    assert weight.metric == "weight_kg"
    assert weight.value == 70.5
    assert weight.start == datetime(2026, 3, 29, 5, 0, tzinfo=UTC)
    assert weight.source == "scale"
    assert distance.value == 2500.0
    assert distance.source == "health_connect"
    assert sleep.value == 450.0  # 7.5 h asleep; the half hour awake does not count
    # a local start time with its zone offset beside it is an instant too
    assert steps.start == datetime(2026, 3, 29, 4, 0, tzinfo=UTC)
    assert notes(read) == ["1 records of type HeartRate were skipped: Habitual does not read them."]


def test_health_connect_time_without_offset_is_skipped() -> None:
    document = [health_connect_steps(startTime="2026-03-29T06:00:00", startZoneOffset=None)]
    read = list(read_health_connect(io.BytesIO(json.dumps(document).encode())))
    assert read == [Note("1 records with a missing or unreadable time or value were skipped.")]


def test_csv_rows_span_the_local_day() -> None:
    data = (
        b"date,metric,value,source\n2026-03-29,steps,9000,\n2026-03-30,weight_kg,70.2,scale\n"
        b"x,steps,1,\n2026-03-31,pushups,3,\n"
    )
    zone = ZoneInfo("Europe/Berlin")
    read = list(read_csv(io.BytesIO(data), zone, 4))
    steps, weight = samples(read)
    assert steps.start == datetime(2026, 3, 29, 4, 0, tzinfo=zone)
    assert steps.end == datetime(2026, 3, 30, 4, 0, tzinfo=zone)
    assert steps.source == "csv"
    assert weight.source == "scale"
    assert notes(read) == ["2 rows could not be read (lines 4, 5)."]


def test_csv_without_header_is_refused() -> None:
    with pytest.raises(ValueError, match="header"):
        list(read_csv(io.BytesIO(b"2026-03-29,steps,9000\n"), ZoneInfo("UTC"), 0))


@given(
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31)),
    zone=st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC"]),
    day_start=st.integers(0, 23),
)
def test_day_bounds_are_that_local_day(day: date, zone: str, day_start: int) -> None:
    start, end = day_bounds(day, ZoneInfo(zone), day_start)
    assert local_date(start, zone, day_start) == day
    assert local_date(end - timedelta(microseconds=1), zone, day_start) == day
    assert local_date(end, zone, day_start) == day + timedelta(days=1)
