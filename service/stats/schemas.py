import marshmallow as ma
from marshmallow import fields, validate

from service.stats.period import EARLIEST_YEAR, LATEST_YEAR
from service.schema_base import id_range


class SummaryQuerySchema(ma.Schema):
    from_ = fields.Date(data_key="from", load_default=None, metadata={"description": "开始日期（含），默认当年 1 月 1 日"})
    to = fields.Date(load_default=None, metadata={"description": "结束日期（含），默认今天"})
    village_id = fields.Integer(load_default=None, validate=id_range())


class AnnualQuerySchema(ma.Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=EARLIEST_YEAR, max=LATEST_YEAR))


class SummarySchema(ma.Schema):
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    village_id = fields.Integer(allow_none=True)
    incidents = fields.Dict(metadata={"description": "事件：总数及按类别、渠道、状态、村、月"})
    petitions = fields.Dict(metadata={"description": (
        "信访：按渠道；reviews_requested、re_reviews_requested：其中信访人请求了复查、复核的")})
    disputes = fields.Dict(metadata={"description": "纠纷：受理、调解、成功、成功率、金额、履行、司法确认，按调委会级别与类型"})
    escalations = fields.Dict(metadata={"description": (
        "上报镇调委会、督办、逾期：escalated_to_town、supervised（纠纷督办次数）、overdue_disputes、"
        "supervised_incidents（事件督办次数）、overdue_incidents（信访、12345 工单逾期）")})
    return_visits = fields.Dict(metadata={"description": (
        "本时段内上报的事件中已回访的（visited）、满意的（satisfied，满意度 4–5）、满意率 satisfaction_rate、"
        "按渠道（by_channel）；replied：其中已答复的信访事项（petition）与 12345 工单（hotline_12345）")})
    awaiting = fields.Dict(metadata={"description": (
        "本时段内上报的事件中现在仍在各待办列表上的：answer 待答复、visit 待回访、review 待出具复查复核意见"
        "（与 GET /incidents?awaiting= 同一口径）")})


class AnnualReportSchema(ma.Schema):
    year = fields.Integer()
    figures = fields.Dict()
    text_zh = fields.String()
