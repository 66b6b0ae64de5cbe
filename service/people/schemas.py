"""Accounts as the administrator's console reads and writes them: a roster row in JSON."""
import marshmallow as ma
from marshmallow import fields, validate

from service.people.roster import ROLE_NAMES
from service.models.people import ROLES, WORKER_LEVELS
from service.schema_base import LocalDateTime, PageQuerySchema, PlaceRefSchema, id_range

ROLES_DOC = "、".join(f"{role} {name}" for role, name in ROLE_NAMES.items())


class PostSchema(ma.Schema):
    level = fields.Integer(required=True, validate=validate.OneOf(WORKER_LEVELS),
                           metadata={"description": "网格员层级 1–4"})
    area_id = fields.Integer(load_default=None, allow_none=True, validate=id_range(),
                             metadata={"description": "负责区域：第 2、3 级为村（社区）id，第 4 级为网格 id；第 1 级为全镇，不填"})


class AccountChangeSchema(ma.Schema):
    """Every field of an account, as one roster row has them (a change names them all)."""

    name = fields.String(required=True, validate=validate.Length(max=50))
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20))
    roles = fields.List(fields.String(validate=validate.OneOf(list(ROLE_NAMES))), required=True,
                        validate=validate.Length(min=1, max=len(ROLE_NAMES)),
                        metadata={"description": f"角色：{ROLES_DOC}；调委会主任由 committee_head 表示"})
    posts = fields.List(fields.Nested(PostSchema), load_default=list,
                        validate=validate.Length(max=20),
                        metadata={"description": "网格员岗位；一人可兼几级（如 3 和 4）"})
    committee_id = fields.Integer(load_default=None, allow_none=True, validate=id_range(),
                                  metadata={"description": "所在调委会（调解员必填）"})
    committee_head = fields.Boolean(load_default=False, metadata={"description": "是否调委会主任"})
    active = fields.Boolean(load_default=True, metadata={"description": "在岗；false 为停用"})


class AccountCreateSchema(AccountChangeSchema):
    username = fields.String(required=True, validate=validate.Length(min=2, max=64),
                             metadata={"description": "登录账号：字母、数字或 _ . @ -"})


class PostAnswerSchema(ma.Schema):
    level = fields.Integer()
    area = fields.Nested(PlaceRefSchema, metadata={"description": "第 1 级为镇，第 2、3 级为村（社区），第 4 级为网格"})


class AccountCommitteeSchema(ma.Schema):
    id = fields.Integer()
    name = fields.String()


class AccountSchema(ma.Schema):
    id = fields.Integer()
    username = fields.String()
    name = fields.String()
    phone = fields.String(allow_none=True)
    roles = fields.List(fields.String())
    posts = fields.List(fields.Nested(PostAnswerSchema))
    committee = fields.Nested(AccountCommitteeSchema, allow_none=True)
    committee_head = fields.Boolean()
    active = fields.Boolean()
    created_at = LocalDateTime()


class HeldWorkSchema(ma.Schema):
    incidents = fields.Integer(metadata={"description": "派遣给本人、待处置的事件"})
    disputes = fields.Integer(metadata={"description": "指派本人调解、尚在调解的纠纷"})


class AccountListItemSchema(AccountSchema):
    held_work = fields.Nested(HeldWorkSchema, metadata={
        "description": "本人手上未办完的案件；停用或调走后由上级改派"})


class AccountDetailSchema(AccountListItemSchema):
    last_seen_at = LocalDateTime(allow_none=True, metadata={
        "description": "最近一次登录或刷新令牌（手机在用）的时间；从未登录为 null"})
    signed_in_sessions = fields.Integer(metadata={"description": "当前登录着的设备（会话）数"})


class CreatedAccountSchema(AccountDetailSchema):
    initial_password = fields.String(metadata={"description": "初始密码，只在这一次回答中出现"})


class AccountQuerySchema(PageQuerySchema):
    q = fields.String(load_default=None, validate=validate.Length(min=1, max=50),
                      metadata={"description": "账号、姓名或电话中含有的文字"})
    role = fields.String(load_default=None, validate=validate.OneOf(ROLES))
    village_id = fields.Integer(load_default=None, validate=id_range(),
                                metadata={"description": "在该村（社区）或其网格任网格员的"})
    grid_id = fields.Integer(load_default=None, validate=id_range())
    committee_id = fields.Integer(load_default=None, validate=id_range())
    active = fields.Boolean(load_default=None, metadata={"description": "true 在岗，false 已停用"})
    holds_work = fields.Boolean(load_default=None, metadata={
        "description": "true：手上有未办完案件的（与 active=false 同用，即已停用而案件待改派的人）"})


class DeactivateSchema(ma.Schema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200),
                           metadata={"description": "停用原因，记入账号的变更记录"})


class ApiKeyCreateSchema(ma.Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100), metadata={
        "description": "哪个系统用这把密钥，如“梅县区 12345 平台”"})
    days = fields.Integer(load_default=365, validate=validate.Range(min=1, max=730),
                          metadata={"description": "有效天数，默认 365，最多 730"})


class ApiKeySchema(ma.Schema):
    id = fields.String()
    name = fields.String()
    issued_at = LocalDateTime()
    expires_at = LocalDateTime()
    revoked_at = LocalDateTime(allow_none=True)
    last_used_at = LocalDateTime(allow_none=True, metadata={
        "description": "最近一次成功使用的时间（精确到小时：一小时内再用不再更新）；从未用过为 null"})
    working = fields.Boolean(metadata={"description": "未吊销且未过期"})


class IssuedApiKeySchema(ApiKeySchema):
    api_key = fields.String(metadata={"description": "密钥本身，只显示这一次（服务只存它的记录）"})


class NewPasswordSchema(ma.Schema):
    password = fields.String(metadata={"description": "新密码，只显示这一次"})


class OperatorSchema(ma.Schema):
    name = fields.String(metadata={"description": "做出变更的账号，或运行命令的系统用户"})
    account_id = fields.Integer(allow_none=True, metadata={"description": "经本服务变更时为该账号 id；命令行变更为 null"})


class AccountEventSchema(ma.Schema):
    id = fields.Integer()
    action = fields.String(metadata={"description": "created 新建、changed 变更、deactivated 停用、"
                                                    "password_reset 重设密码、password_changed 本人修改密码"})
    action_name = fields.String()
    detail = fields.String(allow_none=True, metadata={"description": "变更了什么（列：旧 → 新）或停用原因"})
    operator = fields.Nested(OperatorSchema)
    created_at = LocalDateTime()


class RosterQuerySchema(ma.Schema):
    dry_run = fields.Boolean(load_default=False, metadata={
        "description": "true：只校验并列出将要做的变更，不写入"})
    deactivate_absent = fields.Boolean(load_default=False, metadata={
        "description": "true：文件是完整的花名册，停用其中没有的在岗账号"})


class RosterUploadSchema(ma.Schema):
    file = fields.Raw(required=True, metadata={
        "type": "string", "format": "binary",
        "description": "花名册 CSV（UTF-8 或 GB18030，≤ 2 MB），列同导出"})


class CreatedEntrySchema(ma.Schema):
    username = fields.String()
    initial_password = fields.String(allow_none=True, metadata={
        "description": "初始密码，只在这一次回答中出现；试运行时为 null"})


class ChangedEntrySchema(ma.Schema):
    username = fields.String()
    changes = fields.String(metadata={"description": "变更的列：原值 → 新值；……"})


class RosterChangesSchema(ma.Schema):
    dry_run = fields.Boolean()
    created = fields.List(fields.Nested(CreatedEntrySchema))
    changed = fields.List(fields.Nested(ChangedEntrySchema))
    unchanged = fields.Integer()
    absent = fields.List(fields.String(), metadata={"description": "文件中没有的在岗账号"})
    deactivated_absent = fields.Boolean(metadata={"description": "absent 中的账号是否已被停用"})
