import marshmallow as ma
from marshmallow import fields, validate

from service.schema_base import PageQuerySchema, PersonRefSchema, PlaceRefSchema, id_range, page_of

GEOMETRY = fields.Dict(metadata={"description": "GeoJSON 几何（WGS 84，经度在前）"})


class TownSchema(ma.Schema):
    code = fields.String()
    name = fields.String()
    village_count = fields.Integer()
    grid_count = fields.Integer()
    boundary = GEOMETRY


class VillageSchema(ma.Schema):
    id = fields.Integer()
    code = fields.String(metadata={"description": "12 位区划代码"})
    name = fields.String()
    kind = fields.String(metadata={"description": "village（村）或 community（社区）"})
    grid_count = fields.Integer()


class VillageDetailSchema(VillageSchema):
    boundary = GEOMETRY
    committee_id = fields.Integer(allow_none=True)


class GridSchema(ma.Schema):
    id = fields.Integer()
    code = fields.String(metadata={"description": "15 位网格代码"})
    name = fields.String()
    village_id = fields.Integer()


class ChainLinkSchema(ma.Schema):
    level = fields.Integer()
    workers = fields.List(fields.Nested(PersonRefSchema))


class GridDetailSchema(GridSchema):
    boundary = GEOMETRY
    chain = fields.List(fields.Nested(ChainLinkSchema),
                        metadata={"description": "四级网格员：1 级（镇）到 4 级（网格）"})


class GridQuerySchema(PageQuerySchema):
    village_id = fields.Integer(load_default=None, validate=id_range())


class LocateQuerySchema(ma.Schema):
    lon = fields.Float(required=True, allow_nan=False, validate=validate.Range(min=-180, max=180),
                       metadata={"description": "经度（WGS 84）"})
    lat = fields.Float(required=True, allow_nan=False, validate=validate.Range(min=-90, max=90),
                       metadata={"description": "纬度（WGS 84）"})


class LocateSchema(ma.Schema):
    grid = fields.Nested(PlaceRefSchema)
    village = fields.Nested(PlaceRefSchema)


VillagePageSchema = page_of(VillageSchema, "VillagePage")
GridPageSchema = page_of(GridSchema, "GridPage")
