"""Geography endpoints: /town, /villages, /grids, /locate."""
from flask import jsonify, request
from flask_smorest import Blueprint

from geo.geojson import feature, feature_collection, to_geojson
from service.auth.current import login_required
from service.geography import queries
from service.geography.schemas import (GridDetailSchema, GridPageSchema, GridQuerySchema,
                                       LocateQuerySchema, LocateSchema, TownSchema,
                                       VillageDetailSchema, VillagePageSchema)
from service.models import Grid, Village
from service.schema_base import PageQuerySchema

blp = Blueprint("geography", __name__, url_prefix="/api/v1", description="镇、村（社区）、网格与定位")

GEOJSON = "application/geo+json"


def wants_geojson():
    return request.accept_mimetypes.best_match(["application/json", GEOJSON]) == GEOJSON


def geojson_response(rows, next_cursor, properties):
    body = feature_collection(
        (feature(to_geojson(row.boundary), properties(row), row.id) for row in rows),
        next_cursor=next_cursor)
    response = jsonify(body)
    response.mimetype = GEOJSON
    return response


def village_item(village, grid_counts):
    return {"id": village.id, "code": village.code, "name": village.name, "kind": village.kind,
            "grid_count": grid_counts.get(village.id, 0)}


def grid_item(grid):
    return {"id": grid.id, "code": grid.code, "name": grid.name, "village_id": grid.village_id}


def place(row):
    return {"id": row.id, "code": row.code, "name": row.name}


@blp.route("/town")
@login_required
@blp.response(200, TownSchema)
def town():
    """本镇：代码、名称、村（社区）与网格数量、边界"""
    town = queries.the_town()
    return {"code": town.code, "name": town.name, "village_count": queries.count_of(Village),
            "grid_count": queries.count_of(Grid), "boundary": to_geojson(town.boundary)}


@blp.route("/villages")
@login_required
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, VillagePageSchema)
def villages(args):
    """村（社区）列表；Accept: application/geo+json 时返回带边界的 FeatureCollection"""
    geojson = wants_geojson()
    rows, next_cursor = queries.village_page(args["limit"], args["cursor"], geojson)
    counts = queries.grid_counts([row.id for row in rows])
    if geojson:
        return geojson_response(rows, next_cursor, lambda row: village_item(row, counts))
    return {"items": [village_item(row, counts) for row in rows], "next_cursor": next_cursor}


@blp.route("/villages/<int:village_id>")
@login_required
@blp.response(200, VillageDetailSchema)
def village(village_id):
    """村（社区）详情：边界与所属人民调解委员会"""
    row = queries.get_or_404(Village, village_id, "村（社区）", "Village")
    return {**village_item(row, queries.grid_counts([row.id])),
            "boundary": to_geojson(row.boundary),
            "committee_id": queries.village_committee_id(row.id)}


@blp.route("/grids")
@login_required
@blp.arguments(GridQuerySchema, location="query")
@blp.response(200, GridPageSchema)
def grids(args):
    """网格列表（可按村筛选）；Accept: application/geo+json 时返回带边界的 FeatureCollection"""
    geojson = wants_geojson()
    rows, next_cursor = queries.grid_page(args["village_id"], args["limit"], args["cursor"],
                                          geojson)
    if geojson:
        return geojson_response(rows, next_cursor, grid_item)
    return {"items": [grid_item(row) for row in rows], "next_cursor": next_cursor}


@blp.route("/grids/<int:grid_id>")
@login_required
@blp.response(200, GridDetailSchema)
def grid(grid_id):
    """网格详情：边界与四级网格员链"""
    row = queries.get_or_404(Grid, grid_id, "网格", "Grid")
    return {**grid_item(row), "boundary": to_geojson(row.boundary), "chain": queries.chain_of(row)}


@blp.route("/locate")
@login_required
@blp.arguments(LocateQuerySchema, location="query")
@blp.response(200, LocateSchema)
def locate(args):
    """定位：经纬度所在的网格与村（社区）；不在任何网格内时 404 outside_area"""
    found = queries.locate(args["lon"], args["lat"])
    return {"grid": place(found),
            "village": {"id": found.village_id, "code": found.village_code,
                        "name": found.village_name}}
