"""The README documents every setting, the Makefile every target it names, and
docs/security.md names only tests that exist."""

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


def security_references() -> list[tuple[str, str]]:
    """(file, test) for every test docs/security.md names: `tests/x.py::test_y`, or `::test_y`
    for another test of the file named last in the same cell."""
    references = []
    for line in (ROOT / "docs" / "security.md").read_text().splitlines():
        for cell in line.split("|"):
            path = ""
            for reference in re.findall(r"`(tests/[^`]*|::[^`]*)`", cell):
                named, _, test = reference.partition("::")
                path = named or path
                references.append((path, test.rstrip("*")))
    return references


def test_docs_security_names_only_tests_that_exist():
    references = security_references()
    assert len(references) > 40
    missing = []
    for path, test in references:
        target = ROOT / path
        if not target.exists() or (test != "" and f"def {test}" not in target.read_text()):
            missing.append(f"{path}::{test}")
    assert missing == []
