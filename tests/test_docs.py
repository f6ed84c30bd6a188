"""The README documents every setting, and the Makefile every target it names."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from habitual.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_readme_documents_every_setting():
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"`HABITUAL_([A-Z0-9_]+)`", readme))
    settings = {name.upper() for name in Settings.model_fields}
    assert settings - documented == set()


def test_readme_documents_no_setting_that_does_not_exist():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration")[1].split("\n## ")[0]
    documented = set(re.findall(r"^\| `HABITUAL_([A-Z0-9_]+)`", table, re.MULTILINE))
    settings = {name.upper() for name in Settings.model_fields}
    assert documented - settings == set()


def test_make_help_lists_the_two_commands_of_the_readme():
    output = subprocess.run(
        ["make", "--no-print-directory", "help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "make run" in output
    assert "make test" in output
