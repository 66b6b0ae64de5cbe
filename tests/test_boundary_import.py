"""flask boundaries import/export against the database: all-or-nothing, every problem named."""
import json

from geoalchemy2.shape import to_shape
from sqlalchemy import func, select

from service.extensions import db
from service.models import Grid, Village


def export(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["boundaries", "export", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    read = lambda name: json.loads((tmp_path / "out" / f"{name}.geojson").read_text("utf-8"))
    return read("villages"), read("grids")


def run_import(app, tmp_path, villages, grids):
    paths = []
    for name, collection in (("v", villages), ("g", grids)):
        path = tmp_path / f"{name}.geojson"
        path.write_text(json.dumps(collection, ensure_ascii=False), "utf-8")
        paths.append(str(path))
    return app.test_cli_runner().invoke(args=["boundaries", "import", *paths])


def snapshot():
    return sorted((g.code, g.name, to_shape(g.boundary).wkb) for g in db.session.scalars(select(Grid)))


def test_export_then_import_round_trips(app, tmp_path):
    villages, grids = export(app, tmp_path)
    assert len(villages["features"]) == 23 and len(grids["features"]) == 94
    before = snapshot()
    grids["features"][0]["properties"]["name"] = "改名后的网格"
    result = run_import(app, tmp_path, villages, grids)
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    after = snapshot()
    renamed = [row for row in after if row[1] == "改名后的网格"]
    assert len(renamed) == 1
    assert [row for row in after if row[1] != "改名后的网格"] == [
        row for row in before if row[0] != renamed[0][0]]
    assert export(app, tmp_path)[1]["features"][0]["geometry"] == grids["features"][0]["geometry"]


def test_broken_import_names_every_problem_and_writes_nothing(app, tmp_path):
    villages, grids = export(app, tmp_path)
    before = snapshot()
    bowtie = [[[116.38, 24.73], [116.39, 24.74], [116.39, 24.73], [116.38, 24.74], [116.38, 24.73]]]
    grids["features"][0]["geometry"] = {"type": "Polygon", "coordinates": bowtie}
    grids["features"][0]["properties"]["name"] = "不应写入"
    grids["features"][1]["properties"]["code"] = "12345"
    swapped = grids["features"][2]["geometry"]
    swapped["coordinates"] = [[[[lat, lon] for lon, lat in ring] for ring in polygon]
                              for polygon in swapped["coordinates"]]
    bad_codes = [grids["features"][i]["properties"]["code"] for i in (0, 2)]
    result = run_import(app, tmp_path, villages, grids)
    assert result.exit_code != 0
    for code in bad_codes + ["12345"]:
        assert code in result.output
    db.session.expire_all()
    assert snapshot() == before
    assert db.session.scalar(select(func.count()).select_from(Village)) == 23


def test_unreadable_file_is_refused(app, tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text("{not json", "utf-8")
    result = app.test_cli_runner().invoke(args=["boundaries", "import", str(path), str(path)])
    assert result.exit_code != 0 and "无法读取" in result.output
