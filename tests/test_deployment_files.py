"""The files that deploy Habitual (Dockerfile, compose.yaml, Procfile, render.yaml) are checked
with the tools of their formats, their commands are commands `habitual` has, and the image's
install step (deploy/install-runtime) is run here for real."""

from __future__ import annotations

import os
import shlex
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # only here: no stubs worth a dependency

from habitual.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def run(*command: str | Path, **options: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        **options,
    )


def habitual_arguments(command: str) -> list[str]:
    """The arguments of a `habitual ...` command line (whatever path leads to the script)."""
    words = shlex.split(command)
    assert Path(words[0]).name == "habitual", command
    return words[1:]


def assert_a_habitual_command(arguments: list[str]) -> None:
    try:
        build_parser().parse_args(arguments)
    except SystemExit as error:  # argparse's way of saying no
        raise AssertionError(f"`habitual {' '.join(arguments)}` is no valid command") from error


def test_the_dockerfile_passes_hadolint():
    result = run(BIN / "hadolint", "--failure-threshold", "style", ROOT / "Dockerfile")
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_yaml_follows_the_compose_specification():
    result = run(
        BIN / "check-jsonschema",
        "--builtin-schema",
        "vendor.compose-spec",
        ROOT / "compose.yaml",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_installs_with_the_script_that_make_run_uses_and_runs_habitual():
    dockerfile = (ROOT / "Dockerfile").read_text()
    runs = [line for line in dockerfile.splitlines() if line.startswith("RUN ")]
    assert "RUN deploy/install-runtime /opt/habitual" in runs
    assert 'ENTRYPOINT ["habitual"]' in dockerfile
    assert "HEALTHCHECK" in dockerfile
    assert "/livez" in dockerfile
    assert "USER 10001:10001" in dockerfile
    [command] = [line for line in dockerfile.splitlines() if line.startswith("CMD ")]
    assert_a_habitual_command(yaml.safe_load(command.removeprefix("CMD ")))
    makefile = (ROOT / "Makefile").read_text()
    assert "deploy/install-runtime $(VENV) --editable" in makefile


def test_compose_runs_habitual_commands_and_migrates_first():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {"api", "worker", "migrate", "db", "redis", "mail"} <= set(services)
    for name in ("api", "worker", "migrate"):
        assert_a_habitual_command(services[name]["command"])
    for name in ("api", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    assert services["migrate"]["restart"] == "no"


def test_the_procfile_and_render_yaml_run_habitual_commands():
    procfile = dict(
        line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )
    assert set(procfile) == {"release", "web", "worker"}
    for command in procfile.values():
        assert_a_habitual_command(habitual_arguments(command))

    render = yaml.safe_load((ROOT / "render.yaml").read_text())
    kinds = {service["type"] for service in render["services"]}
    assert kinds == {"web", "worker", "keyvalue"}
    for service in render["services"]:
        if service["type"] == "keyvalue":
            continue
        assert service["buildCommand"] == "deploy/install-runtime .venv"
        assert_a_habitual_command(habitual_arguments(service["startCommand"]))
        if "preDeployCommand" in service:
            assert_a_habitual_command(habitual_arguments(service["preDeployCommand"]))


@pytest.mark.skipif(
    "HABITUAL_TEST_DATABASE_URL" in os.environ,
    reason="installs a virtual environment: once per CI run is enough (the SQLite run)",
)
def test_the_runtime_install_serves_without_the_development_tools(tmp_path):
    """What the image does, outside a container: deploy/install-runtime into a new virtual
    environment (not editable), then migrate a database from another directory: the migrations
    travel inside the package."""
    venv = tmp_path / "venv"
    installed = run(
        ROOT / "deploy" / "install-runtime", venv, env=os.environ | {"PYTHON": sys.executable}
    )
    assert installed.returncode == 0, installed.stderr

    database = tmp_path / "elsewhere" / "habitual.db"
    database.parent.mkdir()
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("HABITUAL_")
    } | {"HABITUAL_DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
    migrated = run(venv / "bin" / "habitual", "migrate", cwd=database.parent, env=environment)
    without_tools = run(
        venv / "bin" / "python",
        "-c",
        "import importlib.util as u; print([m for m in ('pytest', 'mypy', 'ruff', 'hypothesis') "
        "if u.find_spec(m)])",
    )

    assert migrated.returncode == 0, migrated.stderr
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)
    assert without_tools.stdout.strip() == "[]", without_tools.stderr


@pytest.mark.parametrize("unit", ["habitual.service", "habitual-worker.service"])
def test_the_systemd_units_run_habitual_commands(unit):
    lines = (ROOT / "deploy" / "systemd" / unit).read_text().splitlines()
    commands = [
        line.split("=", 1)[1] for line in lines if line.startswith(("ExecStart", "ExecStartPre"))
    ]
    assert commands
    for command in commands:
        assert_a_habitual_command(habitual_arguments(command))


class _CloudFormationLoader(yaml.SafeLoader):  # type: ignore[misc]  # yaml has no stubs here
    """YAML with CloudFormation's short forms (`!Ref`, `!Sub` ...) read as plain values."""


_CloudFormationLoader.add_multi_constructor(
    "!",
    lambda loader, suffix, node: (
        loader.construct_scalar(node)
        if isinstance(node, yaml.ScalarNode)
        else loader.construct_sequence(node)
        if isinstance(node, yaml.SequenceNode)
        else loader.construct_mapping(node)
    ),
)
SAM_TEMPLATE = ROOT / "deploy" / "aws" / "template.yaml"


def test_the_sam_template_passes_cfn_lint():
    result = run(BIN / "cfn-lint", SAM_TEMPLATE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_sam_template_runs_the_handlers_with_a_schedule_a_dead_letter_queue_and_traces():
    import habitual.aws.handler as handlers

    template = yaml.load(SAM_TEMPLATE.read_text(), Loader=_CloudFormationLoader)  # noqa: S506
    resources = template["Resources"]
    functions = {
        name: resource["Properties"]
        for name, resource in resources.items()
        if resource["Type"] == "AWS::Serverless::Function"
    }
    for properties in functions.values():
        module, _, name = properties["Handler"].rpartition(".")
        assert module == "habitual.aws.handler"
        assert callable(getattr(handlers, name))
    api, worker = functions["ApiFunction"], functions["WorkerFunction"]
    assert {event["Properties"]["Path"] for event in api["Events"].values()} == {"/", "/{proxy+}"}
    assert worker["Events"]["EveryMinute"]["Properties"]["Schedule"] == "rate(1 minute)"
    assert worker["DeadLetterQueue"]["Type"] == "SQS"
    assert template["Globals"]["Function"]["Tracing"] == "Active"
    assert resources["Api"]["Properties"]["TracingEnabled"] is True
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert "secretsmanager" in variables["HABITUAL_DATABASE_URL"]
    retention = [r for r in resources.values() if r["Type"] == "AWS::Logs::LogGroup"]
    assert len(retention) == 2
    assert all(group["Properties"]["RetentionInDays"] == "LogRetentionDays" for group in retention)
