"""The holiday calendar in and out."""
import marshmallow as ma
from marshmallow import fields, validate

from service.schema_base import LocalDateTime, PersonRefSchema

NAME = validate.Length(min=1, max=20)


class HolidaySchema(ma.Schema):
    name = fields.String(required=True, validate=NAME, metadata={"description": "节日，如 春节"})
    first_day = fields.Date(required=True, metadata={"description": "放假第一天"})
    last_day = fields.Date(required=True, metadata={"description": "放假最后一天（含）"})


class MakeUpDaySchema(ma.Schema):
    day = fields.Date(required=True, metadata={"description": "调休上班的周六或周日"})
    holiday = fields.String(required=True, validate=NAME,
                            metadata={"description": "所调休的节日，须是本次安排中的一个"})


class NoticeSchema(ma.Schema):
    """A year's notice as the State Council published it (国务院办公厅关于部分节假日安排的通知)."""

    notice = fields.String(required=True, validate=validate.Length(min=2, max=200),
                           metadata={"description": "依据的通知，如 国办发明电〔2026〕7号"})
    holidays = fields.List(fields.Nested(HolidaySchema), required=True,
                           validate=validate.Length(min=1, max=20))
    make_up_days = fields.List(fields.Nested(MakeUpDaySchema), load_default=list,
                               validate=validate.Length(max=20))


class CalendarChangeSchema(ma.Schema):
    version = fields.Integer()
    notice = fields.String()
    deadlines_moved = fields.Integer(metadata={"description": "这次录入重算后变动的案件期限数"})
    operator = fields.Nested(PersonRefSchema)
    created_at = LocalDateTime()


class CalendarYearBriefSchema(ma.Schema):
    year = fields.Integer()
    basis = fields.String(metadata={"description": (
        "town 本镇录入的通知；library 服务内置的节假日数据；weekends_only 尚无该年安排，"
        "工作日只按周一至周五计——期限会不准，应尽快录入")})
    version = fields.Integer(metadata={"description": "本镇录入的次数；录入时作 If-Match"})
    notice = fields.String(allow_none=True, metadata={"description": "最近一次录入所依据的通知"})


class CalendarYearsSchema(ma.Schema):
    items = fields.List(fields.Nested(CalendarYearBriefSchema))


class CalendarYearSchema(CalendarYearBriefSchema):
    holidays = fields.List(fields.Nested(HolidaySchema))
    make_up_days = fields.List(fields.Nested(MakeUpDaySchema))
    working_days = fields.Integer(metadata={"description": "该年的工作日数，供与通知核对"})
    changes = fields.List(fields.Nested(CalendarChangeSchema))
