"""Dispute endpoints (矛盾纠纷调解): intake, lists, the case, its actions and its record."""
from flask import request, url_for
from flask_jwt_extended import current_user
from flask_smorest import Blueprint
from sqlalchemy import select

from service.auth.current import caller_scope, login_required
from service.disputes import actions, queries
from service.disputes.presenters import dispute_item, sees_personal_data
from service.disputes.schemas import (AssignSchema, DisputeEventPageSchema, DisputePageSchema,
                                      DisputeQuerySchema, DisputeSchema, FollowUpSchema,
                                      IntakeSchema, NoteSchema, ReasonSchema, ResolveSchema,
                                      SessionSchema)
from service.disputes.workflow import RECORD_ACTION_NAMES
from service.extensions import db
from service.models import DisputeEvent
from service.pagination import keyset_page
from service.schema_base import IF_MATCH_DOC, PageQuerySchema

blp = Blueprint("disputes", __name__, url_prefix="/api/v1", description="矛盾纠纷调解")
# login_required wraps the argument parsing: a call without a valid token is 401, whatever its body.


def answer(dispute, status=200, headers=None):
    full = sees_personal_data(current_user, caller_scope(), dispute)
    body = dispute_item(dispute, full, actions.cipher().decrypt)
    return body, status, {"ETag": f'"{actions.etag_value(dispute)}"', **(headers or {})}


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
def disputes(args):
    """纠纷列表：本人可见范围，最新在前；assigned_to=me、overdue=true 等筛选（当事人信息一律掩码）

    awaiting=follow_up：达成协议而尚未回访的（待回访）。
    """
    rows, next_cursor = queries.list_page(current_user, caller_scope(), args, args["limit"],
                                          args["cursor"])
    return {"items": [dispute_item(row, False, None) for row in rows], "next_cursor": next_cursor}


@blp.route("/disputes/<int:dispute_id>", methods=["GET"])
@blp.response(200, DisputeSchema)
@login_required
def dispute(dispute_id):
    """纠纷案件详情：调委会、状态、当事人（按权限掩码）、调解员、期限"""
    return answer(queries.get_visible(current_user, caller_scope(), dispute_id))


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
