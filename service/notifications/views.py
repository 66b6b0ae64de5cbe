"""GET /me/notifications and the read mark."""
import marshmallow as ma
from flask_jwt_extended import current_user
from flask_smorest import Blueprint
from marshmallow import fields
from sqlalchemy import select, update

from service.auth.current import login_required
from service.errors import NotFound
from service.extensions import db
from service.models import Notification
from service.models.types import utcnow
from service.pagination import keyset_page
from service.schema_base import LocalDateTime, PageQuerySchema, page_of

blp = Blueprint("notifications", __name__, url_prefix="/api/v1", description="我的通知")


class NotificationSchema(ma.Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": (
        "dispute_routed 纠纷分流到本调委会，dispute_assigned 指派给本人调解，dispute_escalated 上报镇调委会，"
        "dispute_supervised / incident_supervised 逾期督办，incident_dispatched 事件派遣给本人，"
        "incident_returned 核查未通过退回，incident_handled 本人派遣的事件已处置，"
        "incident_review_requested 信访事项请求复查（复核）待出具意见，"
        "incident_assignee_left 本人派遣的事件的处置人已停用、待改派，"
        "dispute_mediator_left 调解员已停用、纠纷待重新指派，"
        "deadline_moved 录入节假日安排后本人经办案件的期限变了，"
        "calendar_missing 明年（或今年）的节假日安排尚未录入（管理员），"
        "api_key_expiring Open311 接入密钥 30 天内到期（管理员）")})
    title = fields.String()
    body = fields.String()
    dispute_id = fields.Integer(allow_none=True)
    incident_id = fields.Integer(allow_none=True, metadata={"description": "所涉的事件"})
    created_at = LocalDateTime()
    read_at = LocalDateTime(allow_none=True)


class NotificationQuerySchema(PageQuerySchema):
    unread = fields.Boolean(load_default=None)


def item(row):
    return {"id": row.id, "kind": row.kind, "title": row.title, "body": row.body,
            "dispute_id": row.dispute_id, "incident_id": row.incident_id,
            "created_at": row.created_at, "read_at": row.read_at}


@blp.route("/me/notifications", methods=["GET"])
@login_required  # before the query is parsed: without a valid token, 401 whatever the query
@blp.arguments(NotificationQuerySchema, location="query")
@blp.response(200, page_of(NotificationSchema, "NotificationPage"))
def notifications(args):
    """我的通知，最新在前；unread=true 只看未读"""
    stmt = select(Notification).where(Notification.user_id == current_user.id)
    if args["unread"] is not None:
        stmt = stmt.where(Notification.read_at.is_(None) if args["unread"]
                          else Notification.read_at.is_not(None))
    rows, next_cursor = keyset_page(db.session, stmt, [Notification.id], [int], args["limit"],
                                    args["cursor"], descending=True)
    return {"items": [item(row) for row in rows], "next_cursor": next_cursor}


@blp.route("/me/notifications/<int:notification_id>/read", methods=["POST"])
@login_required
@blp.response(200, NotificationSchema)
def mark_read(notification_id):
    """标记为已读"""
    row = db.session.scalar(select(Notification).where(Notification.id == notification_id,
                                                       Notification.user_id == current_user.id))
    if row is None:
        raise NotFound("通知不存在", "Notification not found")
    db.session.execute(update(Notification).where(Notification.id == row.id,
                                                  Notification.read_at.is_(None))
                       .values(read_at=utcnow()))
    db.session.commit()
    db.session.refresh(row)
    return item(row)
