"""File formats for exports, each in bounded memory whatever the number of rows.

Rows come in as batches (lists of tuples whose values are str, int, float, Decimal, bool,
timezone-aware datetime or None), as the queries stream them from a server-side cursor.

- CSV: a generator of byte chunks, one per batch, starting with a UTF-8 BOM (so that Excel
  reads the Chinese as UTF-8) and the header line; CRLF line ends (RFC 4180).
- XLSX: openpyxl's write-only workbook (rows go to a temporary file as they are appended),
  saved into a spooled temporary file (in memory up to SPOOL_MEMORY, on disk beyond).
- GeoJSON: a generator of byte chunks of one FeatureCollection.

Cells that a spreadsheet would take for a formula (CSV values starting with = + - @ or a
tab/CR, "CSV injection") are prefixed with an apostrophe; XLSX cells are always written as
text, and characters XML cannot carry are dropped.
"""
import csv
import io
import json
import tempfile
from datetime import datetime
from decimal import Decimal
from urllib.parse import quote

from service.schema_base import TOWN_TIME_ZONE

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GEOJSON = "application/geo+json"
SPOOL_MEMORY = 8 * 1024 * 1024
XLSX_MAX_ROWS = 1_048_576  # per sheet, header included; more rows continue on a new sheet
XLSX_MAX_CELL = 32_767  # characters Excel keeps in one cell
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def town_iso(value: datetime | None) -> str | None:
    """RFC 3339 in the town's time (+08:00), to the second."""
    return None if value is None else value.astimezone(TOWN_TIME_ZONE).replace(
        microsecond=0).isoformat()


def _csv_cell(value):
    kind = type(value)
    if kind is str:
        return "'" + value if value.startswith(_FORMULA_START) else value
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


def _xlsx_value(value):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        # Excel has no time zones: the town's wall-clock time (UTC+8), as a real date cell.
        return value.astimezone(TOWN_TIME_ZONE).replace(tzinfo=None, microsecond=0)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)[:XLSX_MAX_CELL]
    return value


def xlsx_file(sheet_title, header, widths, batches):
    """The workbook in a spooled temporary file, positioned at its start; with its size."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)

    def new_sheet(number):
        sheet = workbook.create_sheet(sheet_title if number == 1 else f"{sheet_title}（{number}）")
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        cells = []
        for title in header:
            cell = WriteOnlyCell(sheet, title)
            cell.font = bold
            cells.append(cell)
        sheet.append(cells)
        return sheet

    def text_cell(sheet, value):
        # openpyxl takes a text starting with "=" for a formula: mark it as text.
        if not value.startswith("="):
            return value
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"
        return cell

    sheets, sheet = 1, new_sheet(1)
    rows = 1
    for batch in batches:
        for row in batch:
            if rows == XLSX_MAX_ROWS:
                sheets += 1
                sheet, rows = new_sheet(sheets), 1
            values = [_xlsx_value(value) for value in row]
            sheet.append([text_cell(sheet, value) if isinstance(value, str) else value
                          for value in values])
            rows += 1
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)
    workbook.save(out)
    size = out.tell()
    out.seek(0)
    return out, size


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
