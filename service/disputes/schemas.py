import marshmallow as ma
from marshmallow import fields, validate

DISPUTE_TYPES = ("marriage_family", "neighbour", "housing_homestead", "contract",
                 "production_business", "damages", "land_forest", "land_acquisition", "pollution",
                 "labour", "consumer", "medical", "traffic", "property_management", "other")


class PartyInputSchema(ma.Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    phone = fields.String(load_default=None, allow_none=True,
                          validate=validate.Regexp(r"^\+?[0-9-]{5,20}$", error="电话号码格式不正确"))
    id_number = fields.String(load_default=None, allow_none=True,
                              validate=validate.Regexp(r"^[0-9]{17}[0-9Xx]$",
                                                       error="身份证号应为 18 位（末位可为 X）"))


class DisputeInputSchema(ma.Schema):
    type = fields.String(required=True, validate=validate.OneOf(DISPUTE_TYPES))
    parties = fields.List(fields.Nested(PartyInputSchema), required=True,
                          validate=validate.Length(min=1, max=20))
    serious = fields.Boolean(load_default=False)
    village_ids = fields.List(fields.Integer(validate=validate.Range(min=1)), load_default=list,
                              validate=validate.Length(max=23))
