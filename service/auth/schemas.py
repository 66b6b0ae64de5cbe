import marshmallow as ma
from marshmallow import fields, validate


class LoginSchema(ma.Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256),
                             load_only=True)
    device_id = fields.String(load_default=None, validate=validate.Length(max=100))


class PasswordChangeSchema(ma.Schema):
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=256),
                                     load_only=True)
    new_password = fields.String(required=True, validate=validate.Length(min=1, max=256),
                                 load_only=True, metadata={"description": (
                                     "至少 10 个字符、4 个不同的字符，不含账号，不是演示密码或当前密码")})


class ScopeSchema(ma.Schema):
    town = fields.Boolean(metadata={"description": "是否全镇范围"})
    village_ids = fields.List(fields.Integer())
    grid_ids = fields.List(fields.Integer())
    committee_ids = fields.List(fields.Integer())


class MeSchema(ma.Schema):
    id = fields.Integer()
    username = fields.String()
    name = fields.String()
    roles = fields.List(fields.String())
    levels = fields.List(fields.Integer())
    scope = fields.Nested(ScopeSchema)


class TokenPairSchema(ma.Schema):
    access_token = fields.String()
    refresh_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer(metadata={"description": "访问令牌有效秒数"})


class LoginAnswerSchema(TokenPairSchema):
    user = fields.Nested(MeSchema)
