"""Query parameters of the exports."""
import marshmallow as ma
from marshmallow import fields, validate

from service.models.disputes import DISPUTE_STATUSES
from service.models.incidents import CATEGORIES, STATUSES
from service.schema_base import id_range

TABLE_FORMATS = ("csv", "xlsx")
INCIDENT_FORMATS = ("csv", "xlsx", "geojson")


class _PeriodSchema(ma.Schema):
    status = fields.String(load_default=None, metadata={"description": "只导出该状态"})
    village_id = fields.Integer(load_default=None, validate=id_range(),
                                metadata={"description": "只导出该村（社区）；不在本人范围时 404"})
    from_ = fields.Date(data_key="from", load_default=None,
                        metadata={"description": "上报（登记）日期起（含，镇所在时区）；不填则不限"})
    to = fields.Date(load_default=None,
                     metadata={"description": "上报（登记）日期止（含，镇所在时区）；不填则不限"})


class DisputeExportQuerySchema(_PeriodSchema):
    format = fields.String(load_default="csv", validate=validate.OneOf(TABLE_FORMATS),
                           metadata={"description": "csv（UTF-8 带 BOM）或 xlsx"})
    status = fields.String(load_default=None, validate=validate.OneOf(DISPUTE_STATUSES),
                           metadata={"description": "只导出该状态"})


class IncidentExportQuerySchema(_PeriodSchema):
    format = fields.String(load_default="csv", validate=validate.OneOf(INCIDENT_FORMATS),
                           metadata={"description": "csv（UTF-8 带 BOM）、xlsx 或 geojson"})
    category = fields.String(load_default=None, validate=validate.OneOf(CATEGORIES),
                             metadata={"description": "只导出该类别"})
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES),
                           metadata={"description": "只导出该状态"})
