"""``flask boundaries import|export``: real village and grid boundaries as GeoJSON.

Everything is validated before anything is written; on any problem every offending feature
is listed by code and the database is left as it was.
"""
import json
import sys
from pathlib import Path

import click
from geoalchemy2.shape import to_shape
from shapely.ops import unary_union
from sqlalchemy import select
from sqlalchemy.orm import undefer

from geo.boundaries import (BoundaryErrors, GridBoundary, VillageBoundary, read_boundaries,
                            to_feature_collection)
from geo.demo_town import TOWN_CODE, TOWN_NAME
from geo.geojson import to_column
from service.extensions import db
from service.models import Committee, Grid, Town, Village


@click.group("boundaries", help="村（社区）与网格边界的导入与导出（GeoJSON）")
def boundaries_group():
    pass


def _read_json(path):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise click.ClickException(f"无法读取 {path}：{exc}") from None


@boundaries_group.command("import")
@click.argument("villages_file", type=click.Path(exists=True, dir_okay=False))
@click.argument("grids_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--town-code", default=TOWN_CODE, show_default=True, help="9 位镇级区划代码")
@click.option("--town-name", default=TOWN_NAME, show_default=True)
def import_command(villages_file, grids_file, town_code, town_name):
    """校验并导入边界；有任何错误时逐一列出，不写入任何数据。"""
    villages_fc, grids_fc = _read_json(villages_file), _read_json(grids_file)
    total = sum(len(fc.get("features") or []) if isinstance(fc, dict) else 0
                for fc in (villages_fc, grids_fc))
    try:
        with click.progressbar(length=total, label="校验边界", file=sys.stderr) as bar:
            boundary_set = read_boundaries(villages_fc, grids_fc, town_code, progress=bar.update)
    except BoundaryErrors as errors:
        for problem in errors.problems:
            click.echo(f"[{problem.layer}] {problem.feature}: {problem.message}", err=True)
        raise click.ClickException(f"发现 {len(errors.problems)} 个问题，未写入任何数据") from None
    villages, grids = write_boundaries(db.session, boundary_set, town_code, town_name)
    click.echo(f"已导入 {villages} 个村（社区）、{grids} 个网格")


def write_boundaries(session, boundary_set, town_code, town_name):
    """Insert or update every village and grid by code, and the town as their union."""
    town = session.scalar(select(Town).where(Town.code == town_code))
    town_shape = unary_union([item.boundary for item in boundary_set.villages])
    if town is None:
        town = Town(code=town_code, name=town_name)
        session.add(town)
    town.boundary = to_column(town_shape)
    session.flush()
    villages = {row.code: row for row in session.scalars(select(Village))}
    for item in boundary_set.villages:
        row = villages.get(item.code) or Village(code=item.code, town_id=town.id)
        row.name, row.kind, row.boundary = item.name, item.kind, to_column(item.boundary)
        villages[item.code] = row
        session.add(row)
    session.flush()
    _add_missing_committees(session, town, villages.values())
    grids = {row.code: row for row in session.scalars(select(Grid))}
    for item in boundary_set.grids:
        row = grids.get(item.code) or Grid(code=item.code, town_id=town.id)
        row.name, row.boundary = item.name, to_column(item.boundary)
        row.village_id = villages[item.village_code].id
        session.add(row)
    session.commit()
    return len(boundary_set.villages), len(boundary_set.grids)


def _add_missing_committees(session, town, villages):
    """The town's committee and one per village (人民调解委员会), where there is none yet: a town
    set up from its boundaries alone routes disputes from the start."""
    if session.scalar(select(Committee.id).where(Committee.town_id == town.id,
                                                 Committee.level == "town")) is None:
        session.add(Committee(town_id=town.id, level="town", name=f"{town.name}人民调解委员会"))
    for row in villages:
        if session.scalar(select(Committee.id).where(Committee.village_id == row.id)) is None:
            session.add(Committee(town_id=town.id, village_id=row.id, level="village",
                                  name=f"{row.name}人民调解委员会"))


@boundaries_group.command("export")
@click.argument("directory", type=click.Path(file_okay=False))
def export_command(directory):
    """导出 villages.geojson 与 grids.geojson（可再导入）。"""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    villages = [VillageBoundary(row.code, row.name, row.kind, to_shape(row.boundary))
                for row in db.session.scalars(select(Village).options(undefer(Village.boundary))
                                              .order_by(Village.code))]
    grids = [GridBoundary(row.code, row.name, row.village.code, to_shape(row.boundary))
             for row in db.session.scalars(select(Grid).options(undefer(Grid.boundary))
                                              .order_by(Grid.code))]
    for name, items in (("villages", villages), ("grids", grids)):
        (out / f"{name}.geojson").write_text(
            json.dumps(to_feature_collection(items), ensure_ascii=False), encoding="utf-8")
    click.echo(f"已导出 {len(villages)} 个村（社区）、{len(grids)} 个网格到 {out}")
