"""GET /exports/disputes and /exports/incidents: the caller's cases as CSV, Excel or GeoJSON."""
from flask import Response, stream_with_context
from flask_jwt_extended import current_user
from flask_smorest import Blueprint

from service.auth.current import caller_scope, login_required
from service.exports import queries
from service.exports.schemas import DisputeExportQuerySchema, IncidentExportQuerySchema
from service.exports.writers import (CSV, GEOJSON, XLSX, content_disposition, csv_chunks,
                                     geojson_chunks)
from service.exports.xlsx import xlsx_chunks
from service.geography.queries import the_town
from service.models.types import utcnow
from service.reads.record import note_read
from service.schema_base import town_time
from service.stats.views import village_in_scope

blp = Blueprint("exports", __name__, url_prefix="/api/v1",
                description="导出：纠纷台账与事件清单（CSV、Excel、GeoJSON），限本人范围")

BINARY = {"schema": {"type": "string", "format": "binary"}}
TEXT = {"schema": {"type": "string"}}
DISPOSITION_HEADER = {"Content-Disposition": {
    "description": "attachment，含 ASCII 文件名与 RFC 5987 的中文文件名（filename*）",
    "schema": {"type": "string"}}}
TIMES_NOTE = ("时间为镇所在时区（UTC+8）：CSV 中为带 +08:00 的 RFC 3339 文本，"
              "Excel 中为北京时间的日期单元格。")


def _doc(description, content):
    return {"responses": {"200": {"description": description, "content": content,
                                  "headers": DISPOSITION_HEADER}}}


def _file_name(what_zh, what_en, args, extension):
    town = the_town()
    start, end = args.get("from_"), args.get("to")
    today = town_time(utcnow()).date()
    if start or end:
        stamp = f"{start:%Y%m%d}" if start else "起"
        stamp += "-" + (f"{end:%Y%m%d}" if end else f"{today:%Y%m%d}")
    else:
        stamp = f"{today:%Y%m%d}"
    ascii_stamp = stamp.replace("起", "start")
    return (f"{town.code}-{what_en}-{ascii_stamp}.{extension}",
            f"{town.name}{what_zh}_{stamp}.{extension}")


def _check_village(scope, args):
    if args.get("village_id") is not None:
        village_in_scope(scope, args["village_id"])


def _streamed(chunks, mimetype, names):
    response = Response(stream_with_context(chunks), mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(*names)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _spreadsheet(sheet, columns, batches, names):
    chunks = xlsx_chunks(sheet, [title for title, _ in columns], [w for _, w in columns], batches)
    return _streamed(chunks, XLSX, names)


@blp.route("/exports/disputes")
@login_required
@blp.arguments(DisputeExportQuerySchema, location="query")
@blp.response(200, description="纠纷台账文件", content_type=CSV)
@blp.doc(**_doc("纠纷台账：每件一行；多名当事人在同一格中以“；”分隔。" + TIMES_NOTE,
                {CSV: TEXT, XLSX: BINARY}))
@blp.alt_response(404, response="NOT_FOUND", description="village_id 不存在或不在本人范围")
def export_disputes(args):
    """导出纠纷台账（CSV 或 Excel）：本人可见范围，最新在前；当事人电话、身份证号按查看权限逐件掩码

    与 GET /disputes/{id} 相同的规则：被指派的调解员、该调委会主任、第一级网格长、综治中心与管理员
    看到完整号码，其余一律掩码（如 138****5678、441403********1234）。CSV 与 Excel 都以流式输出。
    """
    scope = caller_scope()
    _check_village(scope, args)
    user = current_user._get_current_object()
    batches = queries.dispute_batches(user, scope, args)
    shown = queries.disputes_with_numbers_shown(user, scope, args)
    if shown:
        note_read(user, "export", detail=f"纠纷台账（{args['format']}）：{shown} 件的当事人号码未掩码")
    names = _file_name("纠纷台账", "disputes", args, args["format"])
    if args["format"] == "xlsx":
        return _spreadsheet("纠纷台账", queries.DISPUTE_COLUMNS, batches, names)
    header = [title for title, _ in queries.DISPUTE_COLUMNS]
    return _streamed(csv_chunks(header, batches), f"{CSV}; charset=utf-8", names)


@blp.route("/exports/incidents")
@login_required
@blp.arguments(IncidentExportQuerySchema, location="query")
@blp.response(200, description="事件清单文件", content_type=CSV)
@blp.doc(**_doc("事件清单：每件一行；geojson 为点要素集合（FeatureCollection，无定位的上报 geometry "
                "为 null）。" + TIMES_NOTE,
                {CSV: TEXT, XLSX: BINARY,
                 GEOJSON: {"schema": {"type": "object",
                                      "description": "GeoJSON FeatureCollection（RFC 7946），点要素"}}}))
@blp.alt_response(404, response="NOT_FOUND", description="village_id 不存在或不在本人范围")
def export_incidents(args):
    """导出事件清单（CSV、Excel 或 GeoJSON）：本人可见范围，最新在前；可按类别、状态、村、日期筛选

    三种格式都以流式输出（服务器端游标，每批 1000 行），边读边发送。
    """
    scope = caller_scope()
    _check_village(scope, args)
    user = current_user._get_current_object()
    extension = "geojson" if args["format"] == "geojson" else args["format"]
    names = _file_name("事件清单", "incidents", args, extension)
    if args["format"] == "geojson":
        return _streamed(geojson_chunks(queries.incident_feature_batches(user, scope, args)),
                         GEOJSON, names)
    batches = queries.incident_batches(user, scope, args)
    if args["format"] == "xlsx":
        return _spreadsheet("事件清单", queries.INCIDENT_COLUMNS, batches, names)
    header = [title for title, _ in queries.INCIDENT_COLUMNS]
    return _streamed(csv_chunks(header, batches), f"{CSV}; charset=utf-8", names)
