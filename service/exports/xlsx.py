"""Excel workbooks written as a stream: the parts of the .xlsx go into a zip whose bytes are
sent batch by batch, while the rows are still being read.

A spreadsheet library keeps a sheet until it saves the workbook (a million rows took minutes
before the first byte). This writes the SpreadsheetML itself: text as inline strings (never
formulas), numbers, times as date cells in the town's wall-clock time, a bold header row with
the sheet frozen below it, and the column widths. A sheet that reaches Excel's row limit
continues on a new one. Memory holds one batch and the compressor's buffers.
"""
import re
import zipfile
from datetime import datetime
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from service.schema_base import TOWN_TIME_ZONE

MAX_ROWS = 1_048_576  # per sheet, header included; more rows continue on a new sheet
MAX_CELL = 32_767  # characters Excel keeps in one cell
EXCEL_EPOCH = datetime(1899, 12, 30)
# Characters XML 1.0 cannot carry.
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
HEADER_STYLE, DATE_STYLE = 1, 2
STYLES = (XML_HEAD + f'<styleSheet xmlns="{MAIN_NS}">'
          '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
          '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
          '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
          '<fills count="2"><fill><patternFill patternType="none"/></fill>'
          '<fill><patternFill patternType="gray125"/></fill></fills>'
          '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
          '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
          '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
          '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
          '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
          '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
          '</cellStyles></styleSheet>')


class _Pending:
    """Where the zip is written: an unseekable file whose bytes wait here to be sent."""

    def __init__(self):
        self.chunks = []

    def write(self, data):
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self):
        pass

    def take(self):
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


def _column_letters(count):
    letters = []
    for index in range(1, count + 1):
        name = ""
        while index:
            index, remainder = divmod(index - 1, 26)
            name = chr(65 + remainder) + name
        letters.append(name)
    return letters


def _cell(ref, value, style=0):
    kind = type(value)
    if value is None:
        return ""
    if kind is datetime:
        wall = value.astimezone(TOWN_TIME_ZONE).replace(tzinfo=None, microsecond=0)
        serial = (wall - EXCEL_EPOCH).total_seconds() / 86400
        return f'<c r="{ref}" s="{DATE_STYLE}"><v>{serial!r}</v></c>'
    if kind in (int, float, Decimal):
        return f'<c r="{ref}"><v>{float(value) if kind is Decimal else value!r}</v></c>'
    if kind is bool:
        value = "是" if value else "否"
    text = escape(ILLEGAL.sub("", str(value))[:MAX_CELL])
    styled = f' s="{style}"' if style else ""
    return f'<c r="{ref}" t="inlineStr"{styled}><is><t xml:space="preserve">{text}</t></is></c>'


def _row(number, letters, values, style=0):
    cells = "".join(_cell(f"{letter}{number}", value, style)
                    for letter, value in zip(letters, values))
    return f'<row r="{number}">{cells}</row>'


def _sheet_start(letters, header, widths):
    columns = "".join(f'<col min="{i}" max="{i}" width="{width}" customWidth="1"/>'
                      for i, width in enumerate(widths, start=1))
    return (XML_HEAD + f'<worksheet xmlns="{MAIN_NS}"><sheetViews><sheetView workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            f'</sheetView></sheetViews><cols>{columns}</cols><sheetData>'
            + _row(1, letters, header, HEADER_STYLE))


def _package_parts(titles):
    sheets = range(1, len(titles) + 1)
    content_types = (
        XML_HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.styles+xml"/>'
        + "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
                  f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for n in sheets)
        + '</Types>')
    package_rels = (XML_HEAD + f'<Relationships xmlns="{PACKAGE_REL_NS}"><Relationship Id="rId1" '
                    f'Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    workbook = (XML_HEAD + f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>'
                + "".join(f'<sheet name={quoteattr(title)} sheetId="{n}" r:id="rId{n}"/>'
                          for n, title in zip(sheets, titles))
                + '</sheets></workbook>')
    workbook_rels = (XML_HEAD + f'<Relationships xmlns="{PACKAGE_REL_NS}">'
                     + "".join(f'<Relationship Id="rId{n}" Type="{REL_NS}/worksheet" '
                               f'Target="worksheets/sheet{n}.xml"/>' for n in sheets)
                     + f'<Relationship Id="rId{len(titles) + 1}" Type="{REL_NS}/styles" '
                       'Target="styles.xml"/></Relationships>')
    return {"xl/workbook.xml": workbook, "xl/_rels/workbook.xml.rels": workbook_rels,
            "xl/styles.xml": STYLES, "_rels/.rels": package_rels,
            "[Content_Types].xml": content_types}


def xlsx_chunks(sheet_title, header, widths, batches):
    """The bytes of an .xlsx workbook, a chunk after each batch of rows."""
    pending = _Pending()
    letters = _column_letters(len(header))
    package = zipfile.ZipFile(pending, "w", compression=zipfile.ZIP_DEFLATED)
    titles, sheet, rows = [], None, MAX_ROWS

    def new_sheet():
        titles.append(sheet_title if not titles else f"{sheet_title}（{len(titles) + 1}）")
        opened = package.open(f"xl/worksheets/sheet{len(titles)}.xml", "w", force_zip64=True)
        opened.write(_sheet_start(letters, header, widths).encode("utf-8"))
        return opened

    def end_sheet():
        sheet.write(b"</sheetData></worksheet>")
        sheet.close()

    try:
        for batch in batches:
            for values in batch:
                if rows == MAX_ROWS:
                    if sheet is not None:
                        end_sheet()
                    sheet, rows = new_sheet(), 1
                rows += 1
                sheet.write(_row(rows, letters, values).encode("utf-8"))
            yield pending.take()
    except GeneratorExit:  # the download was abandoned: nothing more to write
        return
    if sheet is None:  # no rows: the header alone
        sheet = new_sheet()
    end_sheet()
    for name, text in _package_parts(titles).items():
        package.writestr(name, text)
    package.close()
    yield pending.take()
