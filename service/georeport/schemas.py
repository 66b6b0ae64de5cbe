"""Open311 GeoReport v2 requests and answers, field for field as the standard names them."""
from datetime import timedelta

import marshmallow as ma
from marshmallow import (ValidationError, fields, pre_load, validate, validates,
                         validates_schema)

from service.georeport.services import ATTRIBUTE_CODES, SERVICES
from service.schema_base import MAX_ID, LocalDateTime

LIST_WINDOW = timedelta(days=90)  # Open311: a search "may not span more than 90 days"
MAX_IDS = 200
OPEN311_STATUSES = ("open", "closed")
API_KEY = fields.String(load_default=None, metadata={
    "description": "接入密钥（管理员签发）；不带时用 Authorization: Bearer 令牌"})
JURISDICTION = fields.String(load_default=None, validate=validate.Length(max=20), metadata={
    "description": "本镇的区划代码（441403116）；可不带"})


def attribute_key(code):
    return f"attribute[{code}]"


class CommaSeparated(fields.Field):
    """``a,b,c`` in a query: each part loaded by ``inner``, in order, without repeats."""

    def __init__(self, inner, max_items, **kwargs):
        super().__init__(**kwargs)
        self.inner, self.max_items = inner, max_items

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("应为以逗号分隔的字符串")
        parts = [part.strip() for part in value.split(",")]
        if len(parts) > self.max_items:
            raise ValidationError(f"最多 {self.max_items} 项")
        return list(dict.fromkeys(self.inner.deserialize(part) for part in parts))


class _RequestFields(ma.Schema):
    """POST requests.json's own parameters."""

    api_key = API_KEY
    jurisdiction_id = JURISDICTION
    service_code = fields.String(required=True, validate=validate.OneOf(SERVICES),
                                 metadata={"description": "服务类型，即事件类别（见 services.json）"})
    lat = fields.Float(load_default=None, allow_nan=False, metadata={"description": "纬度（WGS 84）"})
    long = fields.Float(load_default=None, allow_nan=False, metadata={"description": "经度（WGS 84）"})
    address_string = fields.String(load_default=None, validate=validate.Length(max=200), metadata={
        "description": "地址描述：写入事件描述，不用于定位（本服务不做地址解析）"})
    address_id = fields.String(load_default=None, validate=validate.Regexp(
        r"^\d{15}$", error="应为 15 位网格编码"), metadata={
        "description": "网格编码（15 位）：没有经纬度时用它定位"})
    description = fields.String(required=True, metadata={"description": "事件描述（本服务必填）"})
    media_url = fields.Url(load_default=None, schemes={"http", "https"},
                           validate=validate.Length(max=500), metadata={
        "description": "照片链接：写入事件描述，服务不去读取；照片请上传到 /incidents/{id}/photos"})
    media = fields.Raw(load_default=None, metadata={
        "type": "string", "format": "binary",
        "description": "扩展：以 multipart/form-data 提交时可附一张照片（JPEG 或 PNG，≤ 10 MB），"
                       "与上报同一事务保存，去除 EXIF（含 GPS）；更多照片上传到 /incidents/{id}/photos"})
    client_id = fields.UUID(load_default=None, metadata={
        "description": "扩展：客户端生成的 UUID，重发时只保存一次（同 POST /incidents）；不带时每次都是新上报"})
    first_name = fields.String(load_default=None, validate=validate.Length(max=25))
    last_name = fields.String(load_default=None, validate=validate.Length(max=25))
    phone = fields.String(load_default=None, validate=validate.Length(max=20))
    email = fields.String(load_default=None, validate=validate.Length(max=254), metadata={
        "description": "不保存"})
    device_id = fields.String(load_default=None, validate=validate.Length(max=100),
                              metadata={"description": "不保存"})
    account_id = fields.String(load_default=None, validate=validate.Length(max=100),
                               metadata={"description": "不保存"})

    @pre_load
    def _known_attributes(self, data, **_kwargs):
        unknown = [key for key in data if key.startswith("attribute[")
                   and key not in self.fields_by_key]
        if unknown:
            raise ValidationError({key: ["没有这个属性（见 services/{service_code}.json）"]
                                   for key in unknown})
        return data

    @validates("description")
    def _not_blank(self, value, **_kwargs):
        if not value.strip():
            raise ValidationError("描述不能为空")

    @property
    def fields_by_key(self):
        return {field.data_key or name for name, field in self.fields.items()}

    @validates_schema
    def _where(self, data, **_kwargs):
        if (data.get("lat") is None) != (data.get("long") is None):
            raise ValidationError("lat 与 long 须同时给出", "lat" if data.get("lat") is None
                                  else "long")
        if data.get("lat") is None and data.get("address_id") is None:
            raise ValidationError("须给出经纬度（lat、long），或没有定位时给出网格编码（address_id）；"
                                  "本服务不按地址描述定位", "lat")


RequestFormSchema = type("RequestFormSchema", (_RequestFields,), {
    "__doc__": "POST requests.json (application/x-www-form-urlencoded), with the attributes of "
               "the service definitions as ``attribute[code]``.",
    **{f"attribute_{code}": fields.String(load_default=None, data_key=attribute_key(code),
                                          validate=validate.Length(max=100))
       for code in ATTRIBUTE_CODES}})


class ApiKeyQuerySchema(ma.Schema):
    api_key = API_KEY


class JurisdictionQuerySchema(ApiKeyQuerySchema):
    jurisdiction_id = JURISDICTION


class RequestQuerySchema(JurisdictionQuerySchema):
    service_request_id = CommaSeparated(
        fields.Integer(validate=validate.Range(min=1, max=MAX_ID)), MAX_IDS, load_default=None,
        metadata={"type": "string", "description": f"以逗号分隔的请求编号（最多 {MAX_IDS} 个）；给出时忽略其他条件"})
    service_code = CommaSeparated(fields.String(validate=validate.OneOf(SERVICES)), len(SERVICES),
                                  load_default=None,
                                  metadata={"type": "string", "description": "以逗号分隔的服务类型"})
    status = CommaSeparated(fields.String(validate=validate.OneOf(OPEN311_STATUSES)), 2,
                            load_default=None,
                            metadata={"type": "string", "description": "open（未办结）、closed（已办结或不予受理）"})
    start_date = LocalDateTime(load_default=None, metadata={"description": "上报时间不早于；默认结束时间前 90 天"})
    end_date = LocalDateTime(load_default=None, metadata={"description": "上报时间不晚于；默认现在"})

    @validates_schema
    def _window(self, data, **_kwargs):
        start, end = data.get("start_date"), data.get("end_date")
        if start is not None and end is not None:
            if start > end:
                raise ValidationError("start_date 不能晚于 end_date", "start_date")
            if end - start > LIST_WINDOW:
                raise ValidationError("时间范围不能超过 90 天", "end_date")


class ServiceSchema(ma.Schema):
    service_code = fields.String()
    service_name = fields.String()
    description = fields.String(allow_none=True)
    metadata = fields.Boolean(metadata={"description": "是否有属性（见 services/{service_code}.json）"})
    type = fields.String(metadata={"description": "realtime：提交即得到请求编号"})
    keywords = fields.String(allow_none=True)
    group = fields.String(allow_none=True)


class AttributeValueSchema(ma.Schema):
    key = fields.String()
    name = fields.String()


class AttributeSchema(ma.Schema):
    variable = fields.Boolean()
    code = fields.String(metadata={"description": "提交时作为 attribute[code]"})
    datatype = fields.String()
    required = fields.Boolean()
    datatype_description = fields.String(allow_none=True)
    order = fields.Integer(allow_none=True)
    description = fields.String(allow_none=True)
    values = fields.List(fields.Nested(AttributeValueSchema))


class ServiceDefinitionSchema(ma.Schema):
    service_code = fields.String()
    attributes = fields.List(fields.Nested(AttributeSchema))


class RequestResponseSchema(ma.Schema):
    service_request_id = fields.String(metadata={"description": "请求编号，即事件 id"})
    service_notice = fields.String(allow_none=True, metadata={
        "description": "案件编号、办理的村与网格或调委会、附近可能重复的事件"})
    account_id = fields.String(allow_none=True)


class RequestSchema(ma.Schema):
    service_request_id = fields.String()
    number = fields.String(metadata={"description": "扩展：案件编号"})
    status = fields.String(metadata={"description": "open 或 closed"})
    status_notes = fields.String(allow_none=True, metadata={"description": "本服务的状态名称，如“已派遣”"})
    service_name = fields.String(allow_none=True)
    service_code = fields.String()
    description = fields.String(allow_none=True)
    agency_responsible = fields.String(allow_none=True, metadata={
        "description": "矛盾纠纷为办理的人民调解委员会，其他为所在村（社区）"})
    service_notice = fields.String(allow_none=True)
    requested_datetime = LocalDateTime()
    updated_datetime = LocalDateTime(allow_none=True)
    expected_datetime = LocalDateTime(allow_none=True, metadata={"description": "当前环节的办理时限（矛盾纠纷为纠纷的）"})
    address = fields.String(allow_none=True)
    address_id = fields.String(allow_none=True, metadata={"description": "网格编码"})
    zipcode = fields.String(allow_none=True)
    lat = fields.Float(allow_none=True)
    long = fields.Float(allow_none=True)
    media_url = fields.String(allow_none=True, metadata={"description": "第一张照片（需登录）"})


class EndpointSchema(ma.Schema):
    specification = fields.String()
    url = fields.String()
    changeset = fields.String()
    type = fields.String()
    formats = fields.List(fields.String())


class DiscoverySchema(ma.Schema):
    changeset = fields.String()
    contact = fields.String()
    key_service = fields.String()
    endpoints = fields.List(fields.Nested(EndpointSchema))
