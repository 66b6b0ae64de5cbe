"""Incident endpoints (事件上报): report, list and sync, nearby, workflow actions, case record, photos."""
from flask import request, url_for
from flask_jwt_extended import current_user
from flask_smorest import Blueprint

from service.auth.current import caller_scope, key_or_token_required, login_required
from service.deadlines import is_overdue
from service.dumping import dumper, json_response, page_response
from service.incidents import actions, photos, queries, steps
from service.incidents.presenters import (duplicate_item, incident_item, person, photo_item,
                                          view_of)
from service.incidents.schemas import (ActionSchema, EventPageSchema, IncidentPageSchema,
                                       IncidentQuerySchema, IncidentSchema, NearbyPageSchema,
                                       NearbyQuerySchema, PhotoQuerySchema, PhotoSchema,
                                       PhotoUploadSchema, ReportAnswerSchema, ReportSchema)
from service.incidents.workflow import ACTIONS, RECORD_ACTION_NAMES
from service.models.types import utcnow
from service.schema_base import IF_MATCH_DOC, KEY_BUDGET_DOC, PageQuerySchema
from service.uploads import image_response, uploaded_bytes
from service.versions import variant_etag

blp = Blueprint("incidents", __name__, url_prefix="/api/v1", description="事件上报与处置")
# Incident answers are dumped like their schemas without marshmallow's per-field machinery
# (service/dumping.py): reports and sync pages are the busiest calls of the service.
dump_incident_page = dumper(IncidentPageSchema())
dump_incident = dumper(IncidentSchema())
dump_report_answer = dumper(ReportAnswerSchema())


def answer_etag(incident, overdue):
    return variant_etag(actions.etag_value(incident), overdue=overdue)


def with_etag(dump, body, incident, status=200, headers=None):
    """The incident's answer (dumped like its schema) with its ETag."""
    etag = f'"{answer_etag(incident, body["overdue"])}"'
    return json_response(dump, body), status, {"ETag": etag, **(headers or {})}


@blp.route("/incidents", methods=["POST"])
@login_required
@blp.arguments(ReportSchema())  # an instance: webargs builds a class anew on every request
@blp.response(201, ReportAnswerSchema)
@blp.alt_response(200, schema=ReportAnswerSchema, description="重发：同一 client_id、同一内容，返回已保存的事件")
def report(payload):
    """上报事件：由定位找到网格，生成案件编号；同一 client_id 重发只保存一次"""
    view, created, duplicates = actions.report_checked(current_user, caller_scope(), payload)
    body = incident_item(view, [] if created else queries.photos_of(view.id))
    body["possible_duplicates"] = [duplicate_item(row) for row in duplicates]
    location = url_for("incidents.incident", incident_id=view.id)
    return with_etag(dump_report_answer, body, view, 201 if created else 200,
                     {"Location": location})


@blp.route("/incidents", methods=["GET"])
@login_required
@blp.arguments(IncidentQuerySchema(), location="query")
@blp.response(200, IncidentPageSchema)
@blp.alt_response(304, description="本页未变化（If-None-Match 命中）")
def incidents(args):
    """事件列表：本人可见范围，最新在前；带 updated_after 时按变更顺序增量同步；每页带 ETag

    可按状态、类别、渠道、村、网格、逾期（overdue）、待办（awaiting：待答复、待回访、待出具复查复核意见）
    和本人处置（assigned_to=me）筛选。
    """
    if args["updated_after"] is None:
        rows, next_cursor = queries.list_page(current_user, caller_scope(), args, args["limit"],
                                              args["cursor"])
        page = {"next_cursor": next_cursor}
    else:
        scope = caller_scope()
        rows, removed, next_cursor, sync_cursor = queries.sync_page(
            current_user, scope, args, args["limit"], args["cursor"])
        page = {"next_cursor": next_cursor, "sync_cursor": sync_cursor, "removed": removed,
                "scope_tag": scope.tag()}
    now = utcnow()
    return page_response(dump_incident_page,
                         {"items": [incident_item(row, now=now) for row in rows], **page})


@blp.route("/incidents/nearby", methods=["GET"])
@login_required
@blp.arguments(NearbyQuerySchema, location="query")
@blp.response(200, NearbyPageSchema)
def nearby(args):
    """附近未办结事件（查重），由近及远"""
    rows = queries.nearby(current_user, caller_scope(), args["lon"], args["lat"], args["radius_m"],
                          args["category"], limit=args["limit"])
    return {"items": [duplicate_item(row) for row in rows], "next_cursor": None}


@blp.route("/incidents/<int:incident_id>", methods=["GET"])
@login_required
@blp.response(200, IncidentSchema)
@blp.alt_response(304, description="未变化（If-None-Match 命中）")
def incident(incident_id):
    """事件详情（含照片列表）；支持 ETag / If-None-Match"""
    row = queries.get_view(current_user, caller_scope(), incident_id)
    # If-None-Match compares weakly (RFC 9110): W/"…" as sent back by a proxy matches too.
    etag = answer_etag(row, is_overdue(row.due_at))
    if request.if_none_match.contains_weak(etag):
        return "", 304, {"ETag": f'"{etag}"'}
    return with_etag(dump_incident, incident_item(row, queries.photos_of(row.id)), row)


@blp.route("/incidents/<int:incident_id>/events", methods=["GET"])
@login_required
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, EventPageSchema)
def events(args, incident_id):
    """案卷记录：每一步谁、何时、做了什么，从早到晚"""
    queries.require_visible(current_user, caller_scope(), incident_id)
    rows, next_cursor = queries.events_page(incident_id, args["limit"], args["cursor"])
    return {"items": [{"id": e.id, "action": e.action,
                       "action_name": RECORD_ACTION_NAMES[e.action], "from_status": e.from_status,
                       "to_status": e.to_status, "note": e.note, "actor": person(e.actor),
                       "assignee": person(e.assignee), "created_at": e.created_at}
                      for e in rows],
            "next_cursor": next_cursor}


def _action_view(action):
    def view(body, incident_id):
        row = steps.perform(current_user, caller_scope(), incident_id, action, body,
                              request.headers.get("If-Match"))
        return with_etag(dump_incident, incident_item(view_of(row), queries.photos_of(row.id)),
                         row)

    view.__name__ = f"incident_{action}"
    view.__doc__ = {
        "accept": "受理事件（综治中心、1–3 级网格员）",
        "dispatch": "派遣事件给范围内的处置人（assignee_id 必填）",
        "handle": "处置事件（被派遣人或 1–3 级网格员）",
        "verify": "核查：passed=true 结案，false 退回重办",
        "reject": "不予受理",
        "extend": "信访事项延期办理（综治中心、1–3 级网格员；days 与理由 note 必填，合计不超过 30 日）",
        "reply": "答复信访人、12345 诉求人（已处置的信访事项和 12345 工单；答复内容写在 note，答复后才能核查结案）",
        "visit": "结案后回访（综治中心、1–3 级网格员；satisfaction 1–5 必填，每件一次）",
        "request_review": "登记信访人的复查请求（答复后 30 日内）或复核请求（复查意见后 30 日内）；"
                          "note 写明请求事项和理由",
        "decide_review": "出具复查或复核意见（综治中心、一级网格员；note 为意见）",
    }[action]
    return view


# The URL of each action: words joined by hyphens, like the disputes' ``follow-ups``.
ACTION_PATHS = {action: action.replace("_", "-") for action in ACTIONS}

for _action in ACTIONS:
    blp.route(f"/incidents/<int:incident_id>/{ACTION_PATHS[_action]}", methods=["POST"],
              endpoint=f"incident_{_action}")(
        login_required(blp.arguments(ActionSchema)(blp.response(200, IncidentSchema)(
            blp.doc(**IF_MATCH_DOC)(_action_view(_action))))))


@blp.route("/incidents/<int:incident_id>/photos", methods=["POST"])
@login_required
@blp.arguments(PhotoUploadSchema, location="files")
@blp.response(201, PhotoSchema)
@blp.alt_response(200, schema=PhotoSchema, description="同一图片已存在，返回原照片")
@blp.doc(**IF_MATCH_DOC)
def upload_photo(files, incident_id):
    """上传照片（JPEG/PNG，≤10 MB，每事件最多 9 张）；保存前去除 EXIF（含 GPS）"""
    photo, created = photos.add_photo(current_user, caller_scope(), incident_id,
                                      uploaded_bytes(files.get("file")),
                                      request.headers.get("If-Match"))
    return photo_item(photo), 201 if created else 200


@blp.route("/incidents/<int:incident_id>/photos/<int:photo_id>", methods=["GET"])
@key_or_token_required  # Open311 answers link here (media_url)
@blp.alt_response(429, **KEY_BUDGET_DOC)
@blp.arguments(PhotoQuerySchema, location="query")
@blp.response(200, description="图片（image/jpeg 或 image/png）",
              content_type="image/jpeg")
def photo(args, incident_id, photo_id):
    """取回照片（仅限可查看该事件的用户）；size=thumb / preview 取缩小的副本"""
    row, stream, etag = photos.open_photo(current_user, caller_scope(), incident_id, photo_id,
                                          args["size"])
    return image_response(stream, row.content_type, etag)



