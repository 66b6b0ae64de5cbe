"""The record of personal-data reads, out."""
import marshmallow as ma
from marshmallow import fields, validate

from service.models.reads import READ_KINDS
from service.schema_base import LocalDateTime, PageQuerySchema, PersonRefSchema, id_range

KINDS_DOC = ("dispute 纠纷详情（含办理动作的答复）；case_file 打印卷宗；document 卷宗材料图片；"
             "export 导出纠纷台账（detail 写明件数）；search 按身份证号或电话查找（detail 中号码已掩码）；"
             "roster 管理员导出花名册（含全部工作人员的电话）")


class ReadQuerySchema(PageQuerySchema):
    dispute_id = fields.Integer(load_default=None, validate=id_range(),
                                metadata={"description": "只看这件纠纷的（当事人问谁看过他的信息时）"})
    user_id = fields.Integer(load_default=None, validate=id_range(), metadata={"description": "只看这个人的"})
    kind = fields.String(load_default=None, validate=validate.OneOf(READ_KINDS),
                         metadata={"description": KINDS_DOC})


class DisputeRefSchema(ma.Schema):
    id = fields.Integer()
    number = fields.String()


class ReadSchema(ma.Schema):
    id = fields.Integer()
    user = fields.Nested(PersonRefSchema)
    dispute = fields.Nested(DisputeRefSchema, allow_none=True)
    kind = fields.String(metadata={"description": KINDS_DOC})
    detail = fields.String(allow_none=True)
    address = fields.String(allow_none=True, metadata={"description": "服务看到的来访地址"})
    created_at = LocalDateTime()
