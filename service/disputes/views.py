"""Dispute endpoints (矛盾纠纷调解): intake, lists, the case, its actions and its record."""
from flask import Response, render_template, request, url_for
from flask_jwt_extended import current_user
from sqlalchemy import select

from service.auth.current import caller_scope, login_required
from service.disputes import actions, casefile, documents, queries
from service.disputes.due import overdue
from service.disputes.parties import cipher, has_numbers, number_searched
from service.disputes.presenters import dispute_item, sees_personal_data
from service.disputes.schemas import (AssignSchema, DisputeEventPageSchema, DisputePageSchema,
                                      DisputeQuerySchema, DisputeSchema, DocumentPageSchema,
                                      DocumentSchema, DocumentUploadSchema, FollowUpPageSchema,
                                      FollowUpSchema, IntakeSchema, NoteSchema, ReasonSchema,
                                      ResolveSchema, SessionPageSchema, SessionSchema)
from service.disputes.workflow import RECORD_ACTION_NAMES, STATUS_NAMES
from service.dumping import dumper, page_response
from service.exports.labels import (AGREEMENT_FORM_NAMES, CHANNEL_NAMES, DISPUTE_TYPE_NAMES,
                                    DOCUMENT_KIND_NAMES, name_of)
from service.extensions import db
from service.incidents.schemas import PhotoQuerySchema
from service.models import DisputeDocument, DisputeEvent, FollowUp, MediationSession, Village
from service.models.types import utcnow
from service.pagination import keyset_page
from service.reads.record import note_read
from service.schema_base import IF_MATCH_DOC, PageQuerySchema, town_time
from service.uploads import UploadBlueprint, image_response, uploaded_bytes
from service.versions import variant_etag

dump_dispute_page = dumper(DisputePageSchema())
blp = UploadBlueprint("disputes", __name__, url_prefix="/api/v1", description="矛盾纠纷调解",
                      template_folder="templates")
# login_required wraps the argument parsing: a call without a valid token is 401, whatever its body.


def answer(dispute, status=200, headers=None, revalidated=False):
    """The dispute as the caller may see it, with its ETag. ``revalidated``: an unchanged
    answer the caller already holds (``If-None-Match``) is 304 — no body, nothing read."""
    full = sees_personal_data(current_user, caller_scope(), dispute)
    tag = variant_etag(actions.etag_value(dispute), overdue=overdue(dispute), full=full)
    etag = f'"{tag}"'
    if revalidated and request.if_none_match.contains_weak(tag):
        return "", 304, {"ETag": etag}
    body = dispute_item(dispute, full, cipher().decrypt)
    if full and has_numbers(dispute):
        note_read(current_user, "dispute", dispute.id)
    return body, status, {"ETag": etag, **(headers or {})}


@blp.route("/disputes", methods=["POST"])
@login_required
@blp.arguments(IntakeSchema)
@blp.response(201, DisputeSchema)
def intake(payload):
    """登记纠纷（来访、12345 热线等，无现场上报）：立即分派到调委会"""
    dispute = actions.intake(current_user, caller_scope(), payload)
    return answer(dispute, 201, {"Location": url_for("disputes.dispute", dispute_id=dispute.id)})


@blp.route("/disputes", methods=["GET"])
@login_required
@blp.arguments(DisputeQuerySchema, location="query")
@blp.response(200, DisputePageSchema)
@blp.alt_response(304, description="本页未变化（If-None-Match 命中）")
def disputes(args):
    """纠纷列表：本人可见范围，最新在前；assigned_to=me、overdue=true 等筛选（当事人信息一律掩码）

    awaiting=follow_up：达成协议而尚未回访的（待回访）。带 updated_after 时按变更顺序增量同步，
    翻页中途发生的变更不会漏掉（在后面的页里再出现）。
    """
    scope = caller_scope()
    searched = args["party"] and number_searched(args["party"])
    if searched:
        note_read(current_user, "search", detail=searched)
    if args["updated_after"] is None:
        rows, next_cursor = queries.list_page(current_user, scope, args, args["limit"],
                                              args["cursor"])
        page = {"next_cursor": next_cursor}
    else:
        rows, removed, next_cursor, sync_cursor = queries.sync_page(
            current_user, scope, args, args["limit"], args["cursor"])
        page = {"next_cursor": next_cursor, "sync_cursor": sync_cursor, "removed": removed,
                "scope_tag": scope.tag()}
    return page_response(dump_dispute_page,
                         {"items": [dispute_item(row, False, None) for row in rows], **page})


@blp.route("/disputes/<int:dispute_id>", methods=["GET"])
@blp.response(200, DisputeSchema)
@blp.alt_response(304, description="未变化（If-None-Match 命中）")
@login_required
def dispute(dispute_id):
    """纠纷案件详情：调委会、状态、当事人（按权限掩码）、调解员、期限；支持 ETag / If-None-Match"""
    return answer(queries.get_visible(current_user, caller_scope(), dispute_id), revalidated=True)


@blp.route("/disputes/<int:dispute_id>/events", methods=["GET"])
@login_required
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, DisputeEventPageSchema)
def events(args, dispute_id):
    """案卷记录（哈希链），从早到晚"""
    queries.get_visible(current_user, caller_scope(), dispute_id)
    rows, next_cursor = keyset_page(
        db.session, select(DisputeEvent).where(DisputeEvent.dispute_id == dispute_id),
        [DisputeEvent.sequence], [int], args["limit"], args["cursor"])
    return {"items": [{"id": e.id, "sequence": e.sequence, "action": e.action,
                       "action_name": RECORD_ACTION_NAMES[e.action],
                       "from_status": e.from_status, "to_status": e.to_status, "note": e.note,
                       "actor": e.actor and {"id": e.actor.id, "name": e.actor.name},
                       "created_at": e.created_at, "hash": e.hash} for e in rows],
            "next_cursor": next_cursor}


# The case file's parts, oldest first: path → (its rows, their order, an item, the summary)
FILE_PARTS = {
    "sessions": (casefile.sessions, MediationSession.id, casefile.session_item, SessionPageSchema,
                 "调解记录，从早到晚（本调委会调解员、一级网格员、综治中心、管理员）"),
    "follow-ups": (casefile.follow_ups, FollowUp.id, casefile.follow_up_item, FollowUpPageSchema,
                   "回访记录，从早到晚（本调委会调解员、一级网格员、综治中心、管理员）"),
    "documents": (casefile.documents, DisputeDocument.id, casefile.document_item,
                  DocumentPageSchema,
                  "卷宗材料目录，从早到晚（本调委会调解员、一级网格员、综治中心、管理员）"),
}


def _file_part_view(path, stmt_of, column, item, summary):
    def view(args, dispute_id):
        dispute = queries.get_visible(current_user, caller_scope(), dispute_id)
        casefile.require_reader(current_user, caller_scope(), dispute)
        rows, next_cursor = keyset_page(db.session, stmt_of(dispute), [column], [int],
                                        args["limit"], args["cursor"])
        return {"items": [item(row) for row in rows], "next_cursor": next_cursor}

    view.__name__ = "dispute_" + path.replace("-", "_")
    view.__doc__ = summary
    return view


for _path, (_rows, _column, _item, _page, _summary) in FILE_PARTS.items():
    blp.route(f"/disputes/<int:dispute_id>/{_path}", methods=["GET"],
              endpoint=f"dispute_{_path.replace('-', '_')}_list")(
        login_required(blp.arguments(PageQuerySchema, location="query")(
            blp.response(200, _page)(_file_part_view(_path, _rows, _column, _item, _summary)))))


@blp.route("/disputes/<int:dispute_id>/documents", methods=["POST"])
@login_required
@blp.arguments(DocumentUploadSchema, location="form", content_type="multipart/form-data")
@blp.response(201, DocumentSchema)
@blp.alt_response(200, schema=DocumentSchema, description="同一图片已归入本案，返回原材料")
@blp.doc(**IF_MATCH_DOC)
def upload_document(form, dispute_id):
    """归入卷宗材料：签字的申请书、协议书，身份证明，证据，履行凭证等的照片或扫描件（JPEG/PNG，≤10 MB）

    被指派的调解员、调委会主任和综治中心可以上传；保存前去除 EXIF（含 GPS），
    材料的 SHA-256 记入案卷记录。每宗纠纷最多 60 份。
    """
    document, created = documents.add_document(
        current_user, caller_scope(), dispute_id, uploaded_bytes(form["file"]), form["kind"],
        form["title"], request.headers.get("If-Match"))
    return casefile.document_item(document), 201 if created else 200


@blp.route("/disputes/<int:dispute_id>/documents/<int:document_id>", methods=["GET"])
@login_required
@blp.arguments(PhotoQuerySchema, location="query")
@blp.response(200, description="图片（image/jpeg 或 image/png）", content_type="image/jpeg")
def document(args, dispute_id, document_id):
    """取回卷宗材料图片（被指派的调解员、调委会主任、一级网格员、综治中心、管理员）"""
    row, stream, etag = documents.open_document(current_user, caller_scope(), dispute_id,
                                                document_id, args["size"])
    note_read(current_user, "document", dispute_id,
              f"{DOCUMENT_KIND_NAMES.get(row.kind, row.kind)}（第 {row.id} 号）")
    return image_response(stream, row.content_type, etag)


@blp.route("/disputes/<int:dispute_id>/file", methods=["GET"])
@login_required
@blp.response(200, description="可打印归档的卷宗（HTML，A4）", content_type="text/html")
@blp.doc(responses={"200": {"description": "可打印归档的卷宗（HTML，A4）",
                            "content": {"text/html": {"schema": {"type": "string"}}}}})
def case_file(dispute_id):
    """人民调解卷宗：登记、当事人、调解记录、调解协议书、回访记录和案卷记录，可打印归档"""
    scope = caller_scope()
    dispute = queries.get_visible(current_user, scope, dispute_id)
    full = casefile.require_reader(current_user, scope, dispute)
    item = dispute_item(dispute, full, cipher().decrypt if full else None)
    session_rows, visits, pages, record = casefile.whole(dispute)
    # The pages' images (ID cards, signatures) only for those who see the parties in full.
    images = casefile.page_images(pages) if full else []
    if full and (has_numbers(dispute) or images):
        note_read(current_user, "case_file", dispute.id,
                  f"含卷宗材料图片 {len(images)} 页" if images else None)
    villages = db.session.scalars(select(Village.name).where(
        Village.id.in_(item["village_ids"] or [dispute.village_id])).order_by(Village.id)).all()
    html = render_template(
        "dispute_file.html", d=item, full=full, sessions=session_rows, visits=visits,
        pages=pages, images=images, kind_name=DOCUMENT_KIND_NAMES.get, record=record,
        accepted_at=dispute.accepted_at, resolved_at=dispute.resolved_at,
        closed_at=dispute.closed_at, judicially_confirmed=dispute.judicially_confirmed,
        type_name=name_of(DISPUTE_TYPE_NAMES, dispute.type),
        channel_name=name_of(CHANNEL_NAMES, dispute.channel),
        status_name=STATUS_NAMES[dispute.status],
        form_name=name_of(AGREEMENT_FORM_NAMES, dispute.agreement_form),
        village_names="、".join(villages), now=utcnow(), printed_by=current_user.name,
        t=_town_minute, town_date=_town_date, action_name=RECORD_ACTION_NAMES.get,
        status_of=lambda status: STATUS_NAMES.get(status, "—"))
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"  # the parties' personal data
    return response


def _town_minute(moment):
    return f"{town_time(moment):%Y-%m-%d %H:%M}" if moment else "—"


def _town_date(moment):
    return f"{town_time(moment):%Y 年 %m 月 %d 日}" if moment else "年　月　日"


ACTION_ROUTES = [
    ("accept", "accept", NoteSchema, "受理纠纷（调委会主任、综治中心）"),
    ("decline", "decline", ReasonSchema, "不予受理（当事人明确拒绝调解等），须写明理由"),
    ("assign", "assign", AssignSchema, "指派调解员（须为本调委会成员）"),
    ("sessions", "session", SessionSchema, "记录一次调解（被指派的调解员）"),
    ("resolve", "resolve", ResolveSchema, "办结调解：达成协议或调解不成（被指派的调解员）"),
    ("escalate", "escalate", ReasonSchema, "上报镇人民调解委员会"),
    ("close", "close", NoteSchema, "结案（调委会主任、综治中心）"),
    ("follow-ups", "follow_up", FollowUpSchema, "回访：协议履行情况与满意度（本调委会调解员）"),
]


def _action_view(action, summary):
    def view(body, dispute_id):
        row = actions.perform(current_user, caller_scope(), dispute_id, action, body,
                              request.headers.get("If-Match"))
        return answer(row)

    view.__name__ = f"dispute_{action}"
    view.__doc__ = summary
    return view


for _path, _action, _schema, _summary in ACTION_ROUTES:
    blp.route(f"/disputes/<int:dispute_id>/{_path}", methods=["POST"], endpoint=f"dispute_{_action}")(
        login_required(blp.arguments(_schema)(blp.response(200, DisputeSchema)(
            blp.doc(**IF_MATCH_DOC)(_action_view(_action, _summary))))))
