"""Committees out."""
import marshmallow as ma
from marshmallow import fields


class CommitteeSchema(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    level = fields.String(metadata={"description": "town 镇调委会；village 村（社区）调委会"})
    village_id = fields.Integer(allow_none=True)
    member_count = fields.Integer(metadata={"description": "在岗的调解员人数"})


class CommitteePageSchema(ma.Schema):
    items = fields.List(fields.Nested(CommitteeSchema))
    next_cursor = fields.String(allow_none=True, metadata={"description": "总是 null：全部一页给出"})


class MemberSchema(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    is_head = fields.Boolean(metadata={"description": "调委会主任"})
    open_disputes = fields.Integer(allow_none=True, metadata={
        "description": "指派给他、尚未结束（结案、告知其他途径、不予受理）的纠纷数；"
                       "只给可以指派的人（本调委会主任、一至三级网格员、综治中心、管理员），其余为 null"})


class LegalAdvisorSchema(ma.Schema):
    name = fields.String()
    organization = fields.String()
    phone = fields.String(allow_none=True)


class CommitteeDetailSchema(CommitteeSchema):
    members = fields.List(fields.Nested(MemberSchema), metadata={"description": "在岗的调解员，主任在前"})
    legal_advisor = fields.Nested(LegalAdvisorSchema, allow_none=True, metadata={
        "description": "村（社区）的法律顾问（一村一法律顾问）；镇调委会为 null"})
