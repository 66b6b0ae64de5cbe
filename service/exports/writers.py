"""File formats for exports, each in bounded memory whatever the number of rows.

Rows come in as batches (lists of tuples whose values are str, int, float, Decimal, bool,
timezone-aware datetime or None), as the queries stream them from a server-side cursor.

- CSV: a generator of byte chunks, one per batch, starting with a UTF-8 BOM (so that Excel
  reads the Chinese as UTF-8) and the header line; CRLF line ends (RFC 4180).
- XLSX: written as a stream too (service/exports/xlsx.py).
- GeoJSON: a generator of byte chunks of one FeatureCollection.

Cells that a spreadsheet would take for a formula (CSV values starting with = + - @ or a
tab/CR, "CSV injection") are prefixed with an apostrophe; XLSX text is never a formula.
"""
import csv
import io
import json
from datetime import datetime
from urllib.parse import quote

from service.schema_base import TOWN_TIME_ZONE

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GEOJSON = "application/geo+json"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def town_iso(value: datetime | None) -> str | None:
    """RFC 3339 in the town's time (+08:00), to the second."""
    return None if value is None else value.astimezone(TOWN_TIME_ZONE).replace(
        microsecond=0).isoformat()


def inert(text: str) -> str:
    """Text a spreadsheet shows as text, not as a formula (CSV injection)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_cell(value):
    kind = type(value)
    if kind is str:
        return inert(value)
    if value is None:
        return ""
    if kind is bool:
        return "是" if value else "否"
    if kind is datetime:
        return town_iso(value)
    return value  # int, float, Decimal: written as numbers


def csv_chunks(header, batches):
    """UTF-8 (with BOM) CSV bytes: the header line, then one chunk per batch."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    for batch in batches:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([_csv_cell(value) for value in row] for row in batch)
        if buffer.tell():
            yield buffer.getvalue().encode("utf-8")


def geojson_chunks(features):
    """A FeatureCollection's bytes; ``features`` yields batches of Feature dicts."""
    yield b'{"type":"FeatureCollection","features":['
    first = True
    for batch in features:
        if not batch:
            continue
        text = ",".join(json.dumps(item, ensure_ascii=False, separators=(",", ":"))
                        for item in batch)
        yield (text if first else "," + text).encode("utf-8")
        first = False
    yield b"]}"


def content_disposition(ascii_name: str, name: str) -> str:
    """``attachment`` with an ASCII ``filename`` for old clients and the UTF-8 name as
    ``filename*`` (RFC 6266 / RFC 5987)."""
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
