"""Reading a file someone uploaded without trusting it: a zip's members, text and CSV rows,
each within the bounds of `Limits`, so that a zip bomb, a CSV of a million columns or a file
in the wrong encoding is a `BadFile` with its reason, in bounded time and memory."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator

from habitual.imports.model import BadFile, Limits

ZIP_MAGIC = b"PK\x03\x04"
UTF8_BOM = "\ufeff"


class BoundedZip:
    """A zip archive whose members are read only within the limits: how many there are, how
    large each one unpacks (checked as it unpacks, not by what the archive claims) and how
    much all of them unpack to together."""

    def __init__(self, data: bytes, limits: Limits):
        if not data.startswith(ZIP_MAGIC):
            raise BadFile("The file is not a zip archive.")
        try:
            self._archive = zipfile.ZipFile(io.BytesIO(data))
            members = self._archive.infolist()
        except (zipfile.BadZipFile, ValueError, EOFError) as error:
            raise BadFile(f"The zip archive cannot be read ({error}).") from None
        if len(members) > limits.max_members:
            raise BadFile(f"The zip archive has more than {limits.max_members} entries.")
        self._limits = limits
        self._unpacked = 0
        self.names = [member.filename for member in members if not member.is_dir()]

    def read(self, name: str) -> bytes:
        """A member's bytes; a member that unpacks beyond the limits is a BadFile."""
        limit = min(self._limits.max_bytes, self._limits.max_unpacked_bytes - self._unpacked)
        try:
            with self._archive.open(name) as member:
                data = member.read(limit + 1)
        except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError) as error:
            raise BadFile(f"{name} in the zip archive cannot be read ({error}).") from None
        except RuntimeError as error:  # an encrypted member
            raise BadFile(f"{name} in the zip archive cannot be read ({error}).") from None
        if len(data) > limit:
            raise BadFile(
                f"{name} unpacks to more than the import takes "
                f"({self._limits.max_unpacked_bytes // 1_000_000} MB in all)."
            )
        self._unpacked += len(data)
        return data


def text_of(data: bytes, what: str) -> str:
    """UTF-8 text (a byte-order mark dropped); anything else is a BadFile saying so."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadFile(
            f"{what} is not UTF-8 text (byte {error.start} cannot be read); export it again "
            "as UTF-8."
        ) from None
    if "\0" in text:
        raise BadFile(f"{what} is not a text file.")
    return text.removeprefix(UTF8_BOM)


def csv_rows(text: str, what: str, limits: Limits) -> Iterator[list[str]]:
    """The CSV rows of `text`, one at a time, none wider than `max_columns` fields or with a
    field longer than `max_field_chars`: the width is counted on the lines as the reader takes
    them, so a row of a million columns is refused before it is built."""
    lines = io.StringIO(text, newline="")
    pending = [0]  # separators read since the last row was made

    def counted() -> Iterator[str]:
        for line in lines:
            pending[0] += line.count(",")
            if pending[0] >= limits.max_columns:
                raise BadFile(f"{what} has a row of more than {limits.max_columns} columns.")
            if len(line) > limits.max_field_chars * 2:
                raise BadFile(f"{what} has a line longer than the import takes.")
            yield line

    reader = csv.reader(counted(), strict=False)
    try:
        for row in reader:
            pending[0] = 0
            if any(len(cell) > limits.max_field_chars for cell in row):
                raise BadFile(
                    f"{what} has a field longer than {limits.max_field_chars} characters "
                    f"(line {reader.line_num})."
                )
            yield row
    except csv.Error as error:
        raise BadFile(f"{what} is not a readable CSV file ({error}).") from None
