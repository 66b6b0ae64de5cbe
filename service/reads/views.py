"""GET /personal-data/reads: who saw parties' numbers in full, newest first (administrators)."""
from flask_jwt_extended import current_user
from flask_smorest import Blueprint
from sqlalchemy import select

from service.auth.current import login_required
from service.errors import Forbidden
from service.extensions import db
from service.models import Dispute, PersonalDataRead, User
from service.pagination import keyset_page
from service.reads.schemas import ReadQuerySchema, ReadSchema
from service.schema_base import page_of

blp = Blueprint("reads", __name__, url_prefix="/api/v1",
                description="个人信息查阅记录：谁在何时、以何种方式看到了当事人的完整证件号或电话")


@blp.route("/personal-data/reads", methods=["GET"])
@login_required
@blp.arguments(ReadQuerySchema, location="query")
@blp.response(200, page_of(ReadSchema, "PersonalDataReadPage"))
def reads(args):
    """个人信息查阅记录（管理员）：最新在前，可按纠纷、查阅人、方式筛选"""
    if "admin" not in current_user.role_names:
        raise Forbidden("只有管理员可以查看个人信息查阅记录",
                        "Only administrators see who read personal data")
    stmt = select(PersonalDataRead)
    for name in ("dispute_id", "user_id", "kind"):
        if args[name] is not None:
            stmt = stmt.where(getattr(PersonalDataRead, name) == args[name])
    rows, next_cursor = keyset_page(db.session, stmt, [PersonalDataRead.id], [int], args["limit"],
                                    args["cursor"], descending=True)
    names = dict(db.session.execute(select(User.id, User.name).where(
        User.id.in_({read.user_id for read in rows}))).all())
    numbers = dict(db.session.execute(select(Dispute.id, Dispute.number).where(
        Dispute.id.in_({read.dispute_id for read in rows} - {None}))).all())
    return {"items": [_item(read, names, numbers) for read in rows], "next_cursor": next_cursor}


def _item(read, names, numbers):
    return {"id": read.id, "user": {"id": read.user_id, "name": names[read.user_id]},
            "dispute": {"id": read.dispute_id, "number": numbers[read.dispute_id]}
            if read.dispute_id else None,
            "kind": read.kind, "detail": read.detail, "address": read.address,
            "created_at": read.created_at}
