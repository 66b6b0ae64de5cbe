import marshmallow as ma
from marshmallow import ValidationError, fields, validate, validates, validates_schema

from geo.fields import PointField
from service.deadlines import WORK_ORDER_TYPES
from service.models.disputes import DISPUTE_STATUSES, DOCUMENT_KINDS
from service.personal_data import valid_id_number
from service.schema_base import (SCOPE_TAG, SYNC_CURSOR, AssignedTo, LocalDateTime,
                                 PersonRefSchema, SyncQuerySchema, id_range, page_of)

DISPUTE_TYPES = ("marriage_family", "neighbour", "housing_homestead", "contract",
                 "production_business", "damages", "land_forest", "land_acquisition", "pollution",
                 "labour", "consumer", "medical", "traffic", "property_management", "other")


class PartyInputSchema(ma.Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    phone = fields.String(load_default=None, allow_none=True,
                          validate=validate.Regexp(r"^\+?[0-9-]{5,20}$", error="电话号码格式不正确"))
    id_number = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=30))

    @validates_schema
    def _id_number(self, data, **_kwargs):
        if data.get("id_number") and not valid_id_number(data["id_number"]):
            raise ValidationError("身份证号无效：应为 18 位、出生日期真实且校验位正确", "id_number")


class DisputeInputSchema(ma.Schema):
    type = fields.String(required=True, validate=validate.OneOf(DISPUTE_TYPES))
    parties = fields.List(fields.Nested(PartyInputSchema), load_default=list,
                          validate=validate.Length(max=20))
    serious = fields.Boolean(load_default=False)
    village_ids = fields.List(fields.Integer(validate=id_range()), load_default=list,
                              validate=validate.Length(max=23))


class IntakeSchema(ma.Schema):
    channel = fields.String(required=True, validate=validate.OneOf(
        ("walk_in", "online", "hotline_12345", "letter", "grid_worker")))
    work_order_type = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        WORK_ORDER_TYPES),
        metadata={"description": "12345 工单类型（决定办理时限）"})
    description = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    village_id = fields.Integer(load_default=None, allow_none=True, validate=id_range())
    location = PointField(load_default=None, allow_none=True)
    dispute = fields.Nested(DisputeInputSchema, required=True)

    @validates_schema
    def _where(self, data, **_kwargs):
        if data.get("village_id") is None and data.get("location") is None:
            raise ValidationError("须给出 village_id 或 location", "village_id")
        if not data["description"].strip():
            raise ValidationError("描述不能为空", "description")


class DisputeQuerySchema(SyncQuerySchema):
    status = fields.String(load_default=None, validate=validate.OneOf(DISPUTE_STATUSES))
    committee_id = fields.Integer(load_default=None, validate=id_range())
    village_id = fields.Integer(load_default=None, validate=id_range())
    type = fields.String(load_default=None, validate=validate.OneOf(DISPUTE_TYPES))
    channel = fields.String(load_default=None, validate=validate.Length(max=20))
    number = fields.String(load_default=None, validate=validate.Length(min=1, max=20),
                           metadata={"description": "案件编号（完全一致）"})
    party = fields.String(load_default=None, validate=[
        validate.Length(min=1, max=50), validate.Regexp(r".*\S", error="不能只有空格")], metadata={
        "description": "当事人：姓名的一部分；或完整的身份证号、电话号码——按号码查找只在本人能看到当事人"
                       "完整信息的纠纷中查（被指派的调解员、本调委会主任、一级网格员、综治中心、管理员），"
                       "以免用查找试出被掩码的号码"})
    assigned_to = AssignedTo(metadata={
        "description": "me：指派本人调解的；账号 id：指派这个人调解的（上级为停用、调走的调解员重新指派时用）"})
    awaiting = fields.String(load_default=None, validate=validate.OneOf(("follow_up",)),
                             metadata={"description": "待办：follow_up 待回访（达成协议、尚无回访记录的，"
                                                      "含已结案的）"})
    updated_after = LocalDateTime(load_default=None, metadata={
        "description": "增量同步：只返回此时间之后变更的纠纷，按变更顺序；翻页用 next_cursor，"
                       "下次同步用 sync_cursor（调解员在信号弱的村里用手机离线办案时）"})


class NoteSchema(ma.Schema):
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class ReasonSchema(ma.Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))

    @validates("reason")
    def _not_blank(self, value, **_kwargs):
        if not value.strip():
            raise ValidationError("须写明理由")


class AssignSchema(ma.Schema):
    mediator_ids = fields.List(fields.Integer(validate=id_range()), required=True,
                               validate=validate.Length(min=1, max=10))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class SessionSchema(ma.Schema):
    held_at = LocalDateTime(required=True)
    summary = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    attendees = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


def _plausible_amount(value):
    if not 0 <= value <= 10**11:
        raise ValidationError("金额应在 0 到 1000 亿元之间")


class AgreementSchema(ma.Schema):
    terms = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    form = fields.String(required=True, validate=validate.OneOf(("written", "oral")))
    amount_yuan = fields.Decimal(load_default=None, allow_none=True, places=2, as_string=True,
                                 validate=_plausible_amount, metadata={"description": "金额（元），0–1000 亿"})
    perform_by = fields.Date(load_default=None, allow_none=True)


class ResolveSchema(ma.Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(("agreed", "failed")))
    agreement = fields.Nested(AgreementSchema, load_default=None, allow_none=True)
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class FollowUpSchema(ma.Schema):
    visited_at = LocalDateTime(required=True)
    performed = fields.Boolean(required=True)
    satisfaction = fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    judicially_confirmed = fields.Boolean(load_default=None, allow_none=True, metadata={
        "description": "回访时了解到当事人已申请并获法院司法确认"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class CommitteeRefSchema(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    level = fields.String()
    village_id = fields.Integer(allow_none=True)


class PartySchema(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    phone = fields.String(allow_none=True, metadata={"description": "无权查看者得到掩码"})
    id_number = fields.String(allow_none=True, metadata={"description": "无权查看者得到掩码"})


class AgreementOutSchema(ma.Schema):
    terms = fields.String()
    form = fields.String()
    amount_yuan = fields.String(allow_none=True)
    perform_by = fields.Date(allow_none=True)
    judicial_confirmation_due = LocalDateTime(allow_none=True)


class DisputeSchema(ma.Schema):
    id = fields.Integer()
    number = fields.String()
    incident_id = fields.Integer(allow_none=True)
    channel = fields.String()
    type = fields.String()
    serious = fields.Boolean()
    description = fields.String()
    status = fields.String()
    escalated = fields.Boolean()
    committee = fields.Nested(CommitteeRefSchema)
    village_id = fields.Integer()
    village_ids = fields.List(fields.Integer())
    grid_id = fields.Integer(allow_none=True)
    parties = fields.List(fields.Nested(PartySchema))
    mediators = fields.List(fields.Nested(PersonRefSchema))
    agreement = fields.Nested(AgreementOutSchema, allow_none=True)
    failure_reason = fields.String(allow_none=True)
    supervision_level = fields.Integer(metadata={"description": "督办所到的网格员级别（4→1）"})
    due_at = LocalDateTime(allow_none=True)
    overdue = fields.Boolean()
    received_at = LocalDateTime()
    created_at = LocalDateTime()
    updated_at = LocalDateTime()
    version = fields.Integer()


class DisputeEventSchema(ma.Schema):
    id = fields.Integer()
    sequence = fields.Integer()
    action = fields.String()
    action_name = fields.String(metadata={"description": "动作的中文名称，如“受理”“督办”"})
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    note = fields.String(allow_none=True)
    actor = fields.Nested(PersonRefSchema, allow_none=True)
    created_at = LocalDateTime()
    hash = fields.String()


class SessionRecordSchema(ma.Schema):
    id = fields.Integer()
    held_at = LocalDateTime()
    summary = fields.String()
    attendees = fields.String(allow_none=True)
    recorded_by = fields.Nested(PersonRefSchema)
    created_at = LocalDateTime()


class FollowUpRecordSchema(ma.Schema):
    id = fields.Integer()
    visited_at = LocalDateTime()
    performed = fields.Boolean(metadata={"description": "协议是否已履行"})
    satisfaction = fields.Integer(metadata={"description": "满意度 1–5"})
    note = fields.String(allow_none=True)
    visitor = fields.Nested(PersonRefSchema)
    created_at = LocalDateTime()


class DocumentUploadSchema(ma.Schema):
    file = fields.Raw(required=True, metadata={
        "type": "string", "format": "binary",
        "description": "拍照或扫描的材料，JPEG 或 PNG，≤ 10 MB；保存前去除 EXIF（含 GPS）"})
    kind = fields.String(required=True, validate=validate.OneOf(DOCUMENT_KINDS), metadata={
        "description": "application 调解申请书、identity 当事人身份证明、investigation 调查记录、"
                       "evidence 证据材料、agreement 调解协议书（签字盖章后）、performance 履行凭证、"
                       "judicial_confirmation 司法确认文书、other 其他材料"})
    title = fields.String(load_default=None, validate=validate.Length(min=1, max=100),
                          metadata={"description": "材料名称，如“张三身份证复印件”"})


class DocumentSchema(ma.Schema):
    id = fields.Integer()
    kind = fields.String()
    kind_name = fields.String(metadata={"description": "材料类别的中文名称"})
    title = fields.String(allow_none=True)
    sha256 = fields.String(metadata={"description": "去除元数据后图片的 SHA-256，也记入案卷记录"})
    content_type = fields.String()
    width = fields.Integer()
    height = fields.Integer()
    uploaded_by = fields.Nested(PersonRefSchema)
    created_at = LocalDateTime()


DisputePageSchema = page_of(
    DisputeSchema, "DisputePage", sync_cursor=SYNC_CURSOR, scope_tag=SCOPE_TAG,
    removed=fields.List(fields.Integer(), metadata={"description": (
        "仅在带 updated_after 时返回：这一段变更中已不在所筛选状态（status）、调委会（committee_id，"
        "如已上报镇调委会）、待办（awaiting）或已不再指派给所筛选调解员（assigned_to）的纠纷 id；"
        "手机上有其副本的应删去。不带这些筛选时为空")}))
DocumentPageSchema = page_of(DocumentSchema, "DisputeDocumentPage")
SessionPageSchema = page_of(SessionRecordSchema, "MediationSessionPage")
FollowUpPageSchema = page_of(FollowUpRecordSchema, "FollowUpPage")
DisputeEventPageSchema = page_of(DisputeEventSchema, "DisputeEventPage")
