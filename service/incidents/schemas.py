from datetime import datetime, timedelta, timezone

import marshmallow as ma
from marshmallow import ValidationError, fields, validate, validates, validates_schema

from geo.fields import PointField
from service.deadlines import WORK_ORDER_TYPES
from service.disputes.schemas import DisputeInputSchema
from service.incidents.awaiting import AWAITING
from service.incidents.photo_files import SIZES
from service.models.incidents import CATEGORIES, CHANNELS, STATUSES
from service.schema_base import (SCOPE_TAG, SYNC_CURSOR, AssignedTo, LocalDateTime,
                                 PersonRefSchema, PlaceRefSchema, SyncQuerySchema, id_range,
                                 page_of)

EARLIEST_OCCURRENCE = datetime(2000, 1, 1, tzinfo=timezone.utc)
CLOCK_SKEW = timedelta(minutes=5)
MAX_DESCRIPTION = 2000


class ReportSchema(ma.Schema):
    client_id = fields.UUID(required=True, metadata={"description": "手机端生成的 UUID，用于重发去重"})
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    description = fields.String(required=True, validate=validate.Length(min=1, max=MAX_DESCRIPTION))
    location = PointField(load_default=None, allow_none=True,
                          metadata={"description": "GeoJSON Point [经度, 纬度]"})
    accuracy_m = fields.Float(load_default=None, allow_none=True, allow_nan=False,
                              validate=validate.Range(min=0, max=100_000))
    occurred_at = LocalDateTime(load_default=None, allow_none=True)
    channel = fields.String(load_default="grid_worker", validate=validate.OneOf(CHANNELS))
    grid_id = fields.Integer(load_default=None, allow_none=True, validate=id_range(),
                             metadata={"description": "无定位时手工选择的网格；有定位时忽略"})
    dispute = fields.Nested(DisputeInputSchema, load_default=None, allow_none=True)
    # No load_default: a body without it hashes as before (replays stored earlier still match).
    work_order_type = fields.String(allow_none=True, validate=validate.OneOf(WORK_ORDER_TYPES),
                                    metadata={"description": "12345 工单类型（决定办理时限），仅 12345 热线来源"})

    @validates("description")
    def _not_blank(self, value, **_kwargs):
        if not value.strip():
            raise ValidationError("描述不能为空")

    @validates("occurred_at")
    def _plausible_time(self, value, **_kwargs):
        if value is None:
            return
        if value < EARLIEST_OCCURRENCE:
            raise ValidationError("发生时间不能早于 2000 年")
        if value > datetime.now(timezone.utc) + CLOCK_SKEW:
            raise ValidationError("发生时间不能晚于当前时间")

    @validates_schema
    def _consistent(self, data, **_kwargs):
        if data.get("location") is None and data.get("grid_id") is None:
            raise ValidationError("没有定位时必须选择网格（grid_id）", "location")
        if data.get("dispute") is not None and data.get("category") != "dispute":
            raise ValidationError("只有矛盾纠纷（category=dispute）才能附带 dispute", "dispute")
        if data.get("work_order_type") is not None and data.get("channel") != "hotline_12345":
            raise ValidationError("只有 12345 热线来源（channel=hotline_12345）才有工单类型",
                                  "work_order_type")


class PhotoSchema(ma.Schema):
    id = fields.Integer()
    sha256 = fields.String()
    content_type = fields.String()
    width = fields.Integer()
    height = fields.Integer()


class IncidentSchema(ma.Schema):
    id = fields.Integer()
    number = fields.String(metadata={"description": "案件编号，本镇每年唯一"})
    client_id = fields.String()
    category = fields.String()
    channel = fields.String()
    status = fields.String()
    description = fields.String()
    grid = fields.Nested(PlaceRefSchema)
    village = fields.Nested(PlaceRefSchema)
    location = PointField(allow_none=True)
    accuracy_m = fields.Float(allow_none=True)
    occurred_at = LocalDateTime()
    reporter = fields.Nested(PersonRefSchema)
    assignee = fields.Nested(PersonRefSchema, allow_none=True)
    created_at = LocalDateTime()
    updated_at = LocalDateTime()
    version = fields.Integer()
    dispute_id = fields.Integer(allow_none=True)
    work_order_type = fields.String(allow_none=True, metadata={"description": "12345 工单类型"})
    due_at = LocalDateTime(allow_none=True, metadata={
        "description": "当前环节的办理时限（信访事项、12345 工单）；无时限时为 null"})
    overdue = fields.Boolean(metadata={"description": "当前环节已超过时限"})
    supervision_level = fields.Integer(metadata={"description": "督办所到的网格员级别（4→1）"})
    extension_days = fields.Integer(metadata={"description": "信访事项办理期限已延长的天数（延期，合计不超过 30 日）"})
    replied_at = LocalDateTime(allow_none=True, metadata={
        "description": "答复信访人、12345 诉求人的时间（答复内容见案卷记录）；核查不通过退回时清空"})
    closed_at = LocalDateTime(allow_none=True, metadata={"description": "结案时间"})
    visited_at = LocalDateTime(allow_none=True, metadata={"description": "回访时间"})
    satisfaction = fields.Integer(allow_none=True, metadata={
        "description": "回访时的满意度评价，1–5（4、5 计为满意）"})
    review_requested_at = LocalDateTime(allow_none=True, metadata={
        "description": "信访人请求复查的时间（答复后 30 日内）；复查意见 30 日内出具"})
    review_decided_at = LocalDateTime(allow_none=True, metadata={"description": "出具复查意见的时间"})
    re_review_requested_at = LocalDateTime(allow_none=True, metadata={
        "description": "信访人请求复核的时间（复查意见后 30 日内）；复核意见 30 日内出具"})
    re_review_decided_at = LocalDateTime(allow_none=True, metadata={
        "description": "出具复核意见的时间（复核意见为最终意见）"})
    photos = fields.List(fields.Nested(PhotoSchema))


class DuplicateSchema(ma.Schema):
    id = fields.Integer()
    number = fields.String()
    category = fields.String()
    status = fields.String()
    distance_m = fields.Float()
    created_at = LocalDateTime()


class ReportAnswerSchema(IncidentSchema):
    possible_duplicates = fields.List(fields.Nested(DuplicateSchema), metadata={
        "description": "100 米内、7 天内同类未办结事件，供上报人确认是否重复"})


AWAITING_DOC = ("待办：" + "，".join(f"{key} {awaiting.name}" for key, awaiting in AWAITING.items())
                + "；与 updated_after 同用时，已办的列在 removed 中")


class IncidentQuerySchema(SyncQuerySchema):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    category = fields.String(load_default=None, validate=validate.OneOf(CATEGORIES))
    channel = fields.String(load_default=None, validate=validate.OneOf(CHANNELS))
    village_id = fields.Integer(load_default=None, validate=id_range())
    grid_id = fields.Integer(load_default=None, validate=id_range())
    number = fields.String(load_default=None, validate=validate.Length(min=1, max=20),
                           metadata={"description": "案件编号（完全一致）"})
    updated_after = LocalDateTime(load_default=None, metadata={
        "description": "增量同步：只返回此时间之后变更的事件，按变更顺序；翻页用 next_cursor，"
                       "下次同步用 sync_cursor"})
    awaiting = fields.String(load_default=None, validate=validate.OneOf(sorted(AWAITING)),
                             metadata={"description": AWAITING_DOC})
    assigned_to = AssignedTo(metadata={
        "description": "me：只列派遣给本人处置的（与 status=dispatched 同用即“待我处置”）；账号 id："
                       "派遣给这个人的（上级为停用、调走的人改派时用）；与 updated_after 同用时，"
                       "已改派他人的列在 removed 中"})


class NearbyQuerySchema(ma.Schema):
    lon = fields.Float(required=True, allow_nan=False, validate=validate.Range(min=-180, max=180))
    lat = fields.Float(required=True, allow_nan=False, validate=validate.Range(min=-90, max=90))
    radius_m = fields.Float(load_default=100, allow_nan=False, validate=validate.Range(min=1, max=5000))
    category = fields.String(load_default=None, validate=validate.OneOf(CATEGORIES))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class ActionSchema(ma.Schema):
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    assignee_id = fields.Integer(load_default=None, allow_none=True, validate=id_range())
    passed = fields.Boolean(load_default=None, allow_none=True,
                            metadata={"description": "verify：true 结案，false 退回重办"})
    days = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, 365),
                          metadata={"description": "extend：信访事项办理期限延长的天数（合计默认不超过 30 日；"
                                                   "note 写明理由）"})
    satisfaction = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, 5),
                                  metadata={"description": "visit：满意度评价，1（很不满意）– 5（很满意）"})
    visited_at = LocalDateTime(load_default=None, allow_none=True, metadata={
        "description": "visit：回访时间，不带时为现在；须在结案之后"})
    requested_at = LocalDateTime(load_default=None, allow_none=True, metadata={
        "description": "request_review：收到复查（复核）请求的时间（如来信的收到日期），不带时为现在；"
                       "须在所请求复查（复核）的答复或意见之后；30 日的请求期限与复查（复核）的办理期限都从此算起"})


class EventSchema(ma.Schema):
    id = fields.Integer()
    action = fields.String()
    action_name = fields.String(metadata={"description": "动作的中文名称，如“派遣”“纠纷进展”"})
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    note = fields.String(allow_none=True)
    actor = fields.Nested(PersonRefSchema, allow_none=True,
                          metadata={"description": "谁做的；逾期督办等系统步骤为 null"})
    assignee = fields.Nested(PersonRefSchema, allow_none=True,
                             metadata={"description": "这一步之后的处置人（派遣给谁）"})
    created_at = LocalDateTime()


class PhotoQuerySchema(ma.Schema):
    size = fields.String(load_default=None, validate=validate.OneOf(sorted(SIZES)), metadata={
        "description": "不带时为原图；thumb：长边不超过 320 像素（列表缩略图），"
                       "preview：长边不超过 1280 像素（弱信号下查看）。不放大，格式与原图相同"})


class PhotoUploadSchema(ma.Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


REMOVED = fields.List(fields.Integer(), metadata={"description": (
    "仅在带 updated_after 时返回：这一段变更中已不在所筛选状态（status）的事件 id，"
    "或已不在所筛选待办（awaiting）中、已不再派给本人（assigned_to=me）的，例如同步“待受理”时已被受理或"
    "不予受理的、同步“待回访”时已回访的；手机上有其副本的应删去。不带这三种筛选时为空")})
IncidentPageSchema = page_of(IncidentSchema, "IncidentPage", sync_cursor=SYNC_CURSOR,
                             removed=REMOVED, scope_tag=SCOPE_TAG)
NearbyPageSchema = page_of(DuplicateSchema, "NearbyPage")
EventPageSchema = page_of(EventSchema, "EventPage")
