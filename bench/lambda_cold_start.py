"""What a Lambda cold start costs Habitual: importing `habitual.aws.handler`, and the first
invocation (building the app, its engine, the first request), each in a fresh interpreter.

    .venv/bin/python bench/lambda_cold_start.py [--runs 5] [--database URL]

Import time is `python -X importtime`'s cumulative figure for the module (target < 1.5 s
here); the first invocation is timed inside the fresh process, from before the import to the
answer of a `GET /readyz` REST API event (so it includes a database round trip and the check
of the migration head). Default database: a migrated SQLite file in a scratch directory
(allowed for the measure with HABITUAL_LAMBDA_ALLOW_SQLITE); pass a PostgreSQL URL to measure
that driver's import and connection instead.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

FIRST_CALL = """
import time
started = time.perf_counter()
from habitual.aws import handler
imported = time.perf_counter()
event = {
    "resource": "/{proxy+}", "path": "/readyz", "httpMethod": "GET",
    "headers": {"Host": "bench"}, "multiValueHeaders": {"Host": ["bench"]},
    "queryStringParameters": None, "multiValueQueryStringParameters": None,
    "requestContext": {"stage": "prod", "path": "/prod/readyz", "httpMethod": "GET",
                       "identity": {"sourceIp": "203.0.113.1"}, "requestId": "bench"},
    "body": None, "isBase64Encoded": False,
}
response = handler.handler(event, None)
answered = time.perf_counter()
assert response["statusCode"] == 200, response
again = time.perf_counter()
handler.handler(event, None)
warm = time.perf_counter() - again
print(f"{imported - started:.4f} {answered - started:.4f} {warm:.4f}")
"""


def import_seconds(environment: dict[str, str]) -> float:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import habitual.aws.handler"],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    match = re.search(r"\|\s*(\d+) \| habitual\.aws\.handler$", done.stderr, re.MULTILINE)
    assert match, done.stderr[-2000:]
    return int(match[1]) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database", help="a postgresql+asyncpg:// URL at the migration head")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("HABITUAL_")}
        environment |= {"HABITUAL_SECRET_KEY": "b" * 48, "HABITUAL_LOG_LEVEL": "warning"}
        if args.database:
            environment["HABITUAL_DATABASE_URL"] = args.database
        else:
            database = Path(scratch) / "habitual.db"
            environment |= {
                "HABITUAL_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
                "HABITUAL_LAMBDA_ALLOW_SQLITE": "true",
            }
            subprocess.run(
                [sys.executable, "-m", "habitual.cli", "migrate"],
                env=environment,
                check=True,
                capture_output=True,
            )
        imports = [import_seconds(environment) for _ in range(args.runs)]
        firsts = []
        for _ in range(args.runs):
            done = subprocess.run(  # noqa: S603
                [sys.executable, "-c", FIRST_CALL],
                env=environment,
                capture_output=True,
                text=True,
                check=True,
            )
            firsts.append(tuple(float(x) for x in done.stdout.split()))
    print(f"{args.runs} fresh interpreters, {'PostgreSQL' if args.database else 'SQLite'}")
    print(
        f"import habitual.aws.handler (-X importtime): median {statistics.median(imports):.3f} s,"
        f" slowest {max(imports):.3f} s (target < 1.5 s)"
    )
    print(
        f"import, timed in-process:                    median "
        f"{statistics.median(f[0] for f in firsts):.3f} s"
    )
    print(
        f"import + first invocation (GET /readyz):     median "
        f"{statistics.median(f[1] for f in firsts):.3f} s, "
        f"slowest {max(f[1] for f in firsts):.3f} s"
    )
    print(
        f"a warm invocation after it:                  median "
        f"{statistics.median(f[2] for f in firsts) * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
