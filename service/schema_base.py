"""What every resource's schemas share: Chinese validation messages, the problem document,
the list envelope and its paging parameters."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import marshmallow as ma
from marshmallow import ValidationError, fields, validate, validates_schema

from werkzeug.routing import IntegerConverter

TOWN_TIME_ZONE = ZoneInfo("Asia/Shanghai")
MAX_ID = 2**63 - 1  # the largest id either database stores (a signed 64-bit integer)


class IdConverter(IntegerConverter):
    """``<int:…>`` in paths: ids beyond what a database can hold match no route (404)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


# The answer of a call that takes access keys to a key past its budget (service.auth.key_budget).
KEY_BUDGET_DOC = {"response": "TOO_MANY_REQUESTS",
                  "description": "接入密钥超出每分钟的请求额度（带 Retry-After）；用密钥的每个答复"
                                 "都带 RateLimit-Limit、RateLimit-Remaining、RateLimit-Reset（秒）"}

# The If-Match header of a call that changes a resource, for the OpenAPI document.
IF_MATCH_DOC = {"parameters": [{"in": "header", "name": "If-Match", "required": False,
                                "schema": {"type": "string"},
                                "description": "上次看到的 ETag；已过期时 412 version_mismatch"}]}


def id_range():
    return validate.Range(min=1, max=MAX_ID)

# marshmallow's messages, in Chinese (the default language of every answer). The English
# originals are kept so that an ``Accept-Language: en`` caller gets them back.
_FIELD_MESSAGES = {
    fields.Field: {"required": "必填字段", "null": "不能为空值", "validator_failed": "取值无效"},
    fields.String: {"invalid": "应为字符串", "invalid_utf8": "不是合法的 UTF-8 字符串"},
    fields.Integer: {"invalid": "应为整数"},
    fields.Number: {"invalid": "应为数字", "too_large": "数字过大"},
    fields.Float: {"special": "不接受 NaN 或无穷大"},
    fields.Boolean: {"invalid": "应为布尔值"},
    fields.DateTime: {"invalid": "不是合法的时间（RFC 3339，如 2023-05-04T09:30:00+08:00）",
                      "invalid_awareness": "时间必须带时区偏移，如 +08:00",
                      "format": "时间无法格式化"},
    fields.Date: {"invalid": "不是合法的日期（如 2023-05-04）"},
    fields.List: {"invalid": "应为数组"},
    fields.Dict: {"invalid": "应为对象"},
    fields.Nested: {"type": "应为对象"},
    fields.UUID: {"invalid_uuid": "不是合法的 UUID"},
    fields.Email: {"invalid": "不是合法的电子邮件地址"},
    fields.Url: {"invalid": "不是合法的链接（以 http:// 或 https:// 开头）"},
}
_SCHEMA_MESSAGES = {"type": "应为 JSON 对象", "unknown": "不允许的字段"}
_VALIDATOR_MESSAGES = {
    (validate.Range, "message_min"): "必须{min_op} {{min}}",
    (validate.Range, "message_max"): "必须{max_op} {{max}}",
    (validate.Range, "message_all"): "必须{min_op} {{min}} 且{max_op} {{max}}",
    (validate.Range, "message_gte"): "大于或等于",
    (validate.Range, "message_gt"): "大于",
    (validate.Range, "message_lte"): "小于或等于",
    (validate.Range, "message_lt"): "小于",
    (validate.Length, "message_min"): "长度不能少于 {min}",
    (validate.Length, "message_max"): "长度不能超过 {max}",
    (validate.Length, "message_all"): "长度必须在 {min} 到 {max} 之间",
    (validate.Length, "message_equal"): "长度必须为 {equal}",
    (validate.OneOf, "default_message"): "必须是以下之一：{choices}",
    (validate.Regexp, "default_message"): "格式不正确",
}
ENGLISH = {}


def _install_chinese_messages():
    for field_class, messages in _FIELD_MESSAGES.items():
        for key, zh in messages.items():
            en = field_class.default_error_messages.get(key)
            if en and en != zh:
                ENGLISH[zh] = en
            field_class.default_error_messages = {**field_class.default_error_messages, key: zh}
    for key, zh in _SCHEMA_MESSAGES.items():
        ENGLISH[zh] = ma.Schema._default_error_messages[key]
    ma.Schema._default_error_messages = {**ma.Schema._default_error_messages, **_SCHEMA_MESSAGES}
    for (validator, attribute), zh in _VALIDATOR_MESSAGES.items():
        if hasattr(validator, attribute):
            ENGLISH[zh] = getattr(validator, attribute)
            setattr(validator, attribute, zh)


_install_chinese_messages()


def translate_messages(messages):
    """The English text of marshmallow messages, for ``Accept-Language: en``."""
    if isinstance(messages, dict):
        return {key: translate_messages(value) for key, value in messages.items()}
    if isinstance(messages, list):
        return [translate_messages(message) for message in messages]
    return ENGLISH.get(messages, messages) if isinstance(messages, str) else messages


class AssignedTo(fields.String):
    """``me`` or an account id: the cases dispatched (assigned) to that person, within the
    caller's scope — one's own to-do list, or a supervisor's hand-over list of someone who
    left."""

    def __init__(self, **kwargs):
        super().__init__(load_default=None, validate=validate.Regexp(
            r"^(me|[1-9][0-9]{0,17})$", error="须为 me 或账号 id"), **kwargs)

    @staticmethod
    def holder(value, caller_id):
        """The account id a loaded value names, or None when not given."""
        return None if value is None else caller_id if value == "me" else int(value)


class LocalDateTime(fields.AwareDateTime):
    """RFC 3339 with an offset; written in the town's time (+08:00)."""

    def __init__(self, **kwargs):
        super().__init__(format="iso", **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.astimezone(TOWN_TIME_ZONE).isoformat()

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).astimezone(timezone.utc)


def town_time(value: datetime) -> datetime:
    return value.astimezone(TOWN_TIME_ZONE)


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details, as every error of the service is sent."""

    type = fields.String(metadata={"description": "问题类型 URI"})
    title = fields.String(metadata={"description": "标题（默认中文）"})
    status = fields.Integer(metadata={"description": "HTTP 状态码"})
    detail = fields.String(metadata={"description": "说明"})
    code = fields.String(metadata={"description": "稳定的错误代码，如 validation_failed"})
    errors = fields.Dict(keys=fields.String(), metadata={"description": "字段 → 错误信息列表"})


class PlaceRefSchema(ma.Schema):
    """A village or grid named in an answer."""

    id = fields.Integer()
    code = fields.String()
    name = fields.String()


class PersonRefSchema(ma.Schema):
    """A person named in an answer: a reporter, an assignee, a mediator, an actor."""

    id = fields.Integer()
    name = fields.String()


class PageQuerySchema(ma.Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200),
                           metadata={"description": "每页条数，默认 50，最多 200"})
    cursor = fields.String(load_default=None, validate=validate.Length(max=500),
                           metadata={"description": "上一页返回的 next_cursor"})


class SyncQuerySchema(PageQuerySchema):
    """The query of a list a phone also syncs (``updated_after``, declared by each list)."""

    overdue = fields.Boolean(load_default=None, metadata={
        "description": "true：只列当前环节已超时限的；false：只列未超时的（不能与 updated_after 同用："
                       "超时不是一次变更，同步时请按 due_at 在本地判断）"})

    @validates_schema
    def _overdue_not_synced(self, data, **_kwargs):
        if data.get("overdue") is not None and data.get("updated_after") is not None:
            raise ValidationError("增量同步（updated_after）不能按 overdue 筛选，请按 due_at 在本地判断",
                                  "overdue")


SYNC_CURSOR = fields.String(allow_none=True, metadata={"description": (
    "仅在带 updated_after 时返回：本页最后一条变更之后的位置。下次增量同步带上 "
    "cursor=sync_cursor（与 updated_after 一起），从这里继续，不漏也不重；"
    "没有新变更时原样返回请求中的位置")})
SCOPE_TAG = fields.String(metadata={"description": (
    "仅在带 updated_after 时返回：本人可见范围的标识。与上次同步时不同（调入调出网格、职务或调委会变化），"
    "说明本地副本是按原来的范围同步的：应清空后不带 cursor 重新全量同步")})


def page_of(item_schema, name, **extra_fields):
    """The list envelope ``{items, next_cursor}`` around an item schema."""
    return ma.Schema.from_dict({
        "items": fields.List(fields.Nested(item_schema)),
        "next_cursor": fields.String(allow_none=True, metadata={"description": "下一页游标；没有更多时为 null"}),
        **extra_fields,
    }, name=name)
