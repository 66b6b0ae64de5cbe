"""Account administration endpoints (账号管理, administrators only): list, read, create,
change, deactivate, reset a password, and each account's record."""
from functools import wraps

from flask import Response, request, url_for
from flask_jwt_extended import current_user
from flask_smorest import Blueprint

from service.auth.current import login_required
from service.auth.tokens import sign_ins_of
from service.errors import ValidationFailed
from service.exports.writers import content_disposition
from service.extensions import db
from service.models import AccountEvent
from service.pagination import keyset_page
from service.reads.record import note_read
from service.people import actions
from service.people.accounts import ACCOUNT_ACTION_NAMES
from service.people.hand_over import held_work, held_work_of
from service.people.presenters import account_item, api_key_item, roster_changes_item
from service.people.roster import COLUMNS, Places
from service.people.schemas import (AccountChangeSchema, AccountCreateSchema,
                                    AccountDetailSchema, AccountEventSchema, AccountQuerySchema,
                                    AccountListItemSchema, ApiKeyCreateSchema, ApiKeySchema,
                                    CreatedAccountSchema, DeactivateSchema, IssuedApiKeySchema,
                                    NewPasswordSchema, RosterChangesSchema, RosterQuerySchema,
                                    RosterUploadSchema)
from service.schema_base import IF_MATCH_DOC, PageQuerySchema, page_of

blp = Blueprint("accounts", __name__, url_prefix="/api/v1",
                description="账号管理（管理员）：与 flask people 命令同一套规则和变更记录")
PRIVATE = {"Cache-Control": "no-store"}  # answers that carry a password


def admin_required(view):
    """Refuse (403) anyone but an administrator before their request is read."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        actions.require_admin(current_user)
        return view(*args, **kwargs)

    return wrapper


def _detail(user, status=200, headers=None, **extra):
    places = Places.of(db.session)
    body = {**account_item(user, places), **sign_ins_of(user.id),
            "held_work": held_work(db.session, user), **extra}
    return body, status, {"ETag": f'"{actions.etag_of(user, places)}"', **(headers or {})}


@blp.route("/accounts", methods=["GET"])
@login_required
@admin_required
@blp.arguments(AccountQuerySchema, location="query")
@blp.response(200, page_of(AccountListItemSchema, "AccountPage"))
def accounts(args):
    """账号列表：按账号、姓名或电话查找，按角色、村（社区）、网格、调委会、在岗与否、手上有无未办完的案件筛选"""
    rows, next_cursor = actions.list_page(current_user, args, args["limit"], args["cursor"])
    places = Places.of(db.session)
    held = held_work_of(db.session, [user.id for user in rows])
    return {"items": [{**account_item(user, places), "held_work": held[user.id]} for user in rows],
            "next_cursor": next_cursor}


@blp.route("/accounts", methods=["POST"])
@login_required
@admin_required
@blp.arguments(AccountCreateSchema)
@blp.response(201, CreatedAccountSchema)
def create(body):
    """新建账号：与花名册一行同样校验；初始密码只在这次回答中给出"""
    user, password = actions.create(current_user, body)
    return _detail(user, 201, {"Location": url_for("accounts.account", account_id=user.id),
                               **PRIVATE}, initial_password=password)


@blp.route("/accounts/roster", methods=["GET"])
@login_required
@admin_required
@blp.response(200, description="花名册 CSV（UTF-8，带 BOM）", content_type="text/csv")
@blp.doc(responses={"200": {"description": "花名册 CSV（UTF-8，带 BOM），列：" + "，".join(COLUMNS),
                            "content": {"text/csv": {"schema": {"type": "string"}}}}})
def roster():
    """导出花名册（CSV，表格软件可直接打开、编辑后导入；含全部电话号码）"""
    roster_csv = actions.export_roster(current_user)
    note_read(current_user, "roster", detail=f"花名册：{len(roster_csv.splitlines()) - 1} 个账号，含电话")
    response = Response(roster_csv.encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Disposition"] = content_disposition("roster.csv", "花名册.csv")
    response.headers.update(PRIVATE)
    return response


@blp.route("/accounts/roster", methods=["POST"])
@login_required
@admin_required
@blp.arguments(RosterQuerySchema, location="query")
@blp.arguments(RosterUploadSchema, location="files")
@blp.response(200, RosterChangesSchema)
def import_roster(args, files):
    """导入花名册：先逐行校验，有问题时按行列出（422）、不写入；通过后把文件中的账号改成文件所写"""
    upload = files.get("file")
    if upload is None or not hasattr(upload, "read"):
        raise ValidationFailed(errors={"file": ["请用 multipart/form-data 的 file 字段上传花名册"]})
    changes = actions.import_roster(current_user, upload.read(), args["dry_run"],
                                    args["deactivate_absent"])
    return roster_changes_item(changes, args["dry_run"]), 200, PRIVATE


@blp.route("/accounts/<int:account_id>", methods=["GET"])
@login_required
@admin_required
@blp.response(200, AccountDetailSchema)
def account(account_id):
    """一个账号：岗位、调委会、在岗与否，以及手上未办完的案件"""
    return _detail(actions.account_of(current_user, account_id))


@blp.route("/accounts/<int:account_id>", methods=["PUT"])
@login_required
@admin_required
@blp.arguments(AccountChangeSchema)
@blp.response(200, AccountDetailSchema)
@blp.doc(**IF_MATCH_DOC)
def change(body, account_id):
    """修改账号（调动网格、任职、调委会、停用或恢复）：各字段整体替换，记入变更记录"""
    return _detail(actions.update(current_user, account_id, body, request.headers.get("If-Match")))


@blp.route("/accounts/<int:account_id>/deactivate", methods=["POST"])
@login_required
@admin_required
@blp.arguments(DeactivateSchema)
@blp.response(200, AccountDetailSchema)
@blp.doc(**IF_MATCH_DOC)
def deactivate(body, account_id):
    """停用账号：不能再登录，已发的令牌随即失效；held_work 是待上级改派的案件"""
    return _detail(actions.deactivate(current_user, account_id, body["reason"],
                                      request.headers.get("If-Match")))


@blp.route("/accounts/<int:account_id>/reset-password", methods=["POST"])
@login_required
@admin_required
@blp.response(200, NewPasswordSchema)
def reset_password(account_id):
    """重设密码：新密码只在这次回答中给出，已发的令牌随即失效"""
    return {"password": actions.reset_password(current_user, account_id)}, 200, PRIVATE


@blp.route("/accounts/<int:account_id>/api-keys", methods=["POST"])
@login_required
@admin_required
@blp.arguments(ApiKeyCreateSchema)
@blp.response(201, IssuedApiKeySchema)
def issue_api_key(body, account_id):
    """签发 Open311 接入密钥：以这个账号的角色和范围、只用于 Open311 接口；密钥只在这次回答中给出"""
    row, key = actions.issue_api_key(current_user, account_id, body["name"], body["days"])
    return api_key_item(row, key), 201, PRIVATE


@blp.route("/accounts/<int:account_id>/api-keys", methods=["GET"])
@login_required
@admin_required
@blp.response(200, ApiKeySchema(many=True))
def api_keys(account_id):
    """账号的接入密钥（不含密钥本身），最新在前"""
    return [api_key_item(row) for row in actions.api_keys_of(current_user, account_id)]


@blp.route("/accounts/<int:account_id>/api-keys/<string:key_id>/revoke", methods=["POST"])
@login_required
@admin_required
@blp.response(200, ApiKeySchema)
def revoke_api_key(account_id, key_id):
    """吊销接入密钥：随即失效，记入账号的变更记录"""
    return api_key_item(actions.revoke_api_key(current_user, account_id, key_id))


@blp.route("/accounts/<int:account_id>/events", methods=["GET"])
@login_required
@admin_required
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, page_of(AccountEventSchema, "AccountEventPage"))
def events(args, account_id):
    """账号的变更记录，最早在前：何时、由谁（账号或系统用户）做了什么"""
    user = actions.account_of(current_user, account_id)
    rows, next_cursor = keyset_page(
        db.session, db.select(AccountEvent).where(AccountEvent.user_id == user.id),
        [AccountEvent.id], [int], args["limit"], args["cursor"])
    return {"items": [{
        "id": row.id, "action": row.action, "action_name": ACCOUNT_ACTION_NAMES[row.action],
        "detail": row.detail, "operator": {"name": row.operator, "account_id": row.operator_id},
        "created_at": row.created_at} for row in rows], "next_cursor": next_cursor}
