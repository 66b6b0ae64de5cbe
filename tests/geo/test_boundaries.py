"""Boundary import validation: geo/boundaries.py (no database)."""
import copy
import json
import math

import pytest
import shapely
from shapely import MultiPolygon

from geo.boundaries import (
    WHOLE_FILE,
    BoundaryErrors,
    BoundarySet,
    read_boundaries,
    to_feature_collection,
)

TOWN = "441403116"
WEST, EAST = "441403116001", "441403116201"  # a community and a village


def square(west, south, east, north):
    """Polygon coordinates, counter-clockwise."""
    return [[[west, south], [east, south], [east, north], [west, north], [west, south]]]


def feature(properties, coordinates, geometry_type="Polygon"):
    return {"type": "Feature", "properties": properties,
            "geometry": {"type": geometry_type, "coordinates": coordinates}}


def collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def make_villages():
    """Two villages side by side near the town seat, each 0.02° × 0.01°."""
    return collection(
        feature({"code": WEST, "name": "西社区"}, square(116.38, 24.73, 116.40, 24.74)),
        feature({"code": EAST, "name": "东村"}, square(116.40, 24.73, 116.42, 24.74)),
    )


def make_grids():
    """Two 0.01° squares per village, tiling it exactly."""
    return collection(
        feature({"code": WEST + "001", "name": "西一"}, square(116.38, 24.73, 116.39, 24.74)),
        feature({"code": WEST + "002", "name": "西二", "village_code": WEST},
                square(116.39, 24.73, 116.40, 24.74)),
        feature({"code": EAST + "001", "name": "东一"}, square(116.40, 24.73, 116.41, 24.74)),
        feature({"code": EAST + "002", "name": "东二"}, square(116.41, 24.73, 116.42, 24.74)),
    )


def problems_of(villages, grids):
    with pytest.raises(BoundaryErrors) as raised:
        read_boundaries(villages, grids, TOWN)
    return raised.value.problems


def assert_reported(problems, layer, feature_label, *fragments):
    messages = [p.message for p in problems if (p.layer, p.feature) == (layer, feature_label)]
    assert messages, f"nothing reported for {layer} {feature_label}; got {problems}"
    assert any(all(f in m for f in fragments) for m in messages), messages


# --- valid input ---------------------------------------------------------------------------------

def test_valid_input_returns_the_boundary_set():
    result = read_boundaries(make_villages(), make_grids(), TOWN)

    assert isinstance(result, BoundarySet)
    assert [(v.code, v.name, v.kind) for v in result.villages] == [
        (WEST, "西社区", "community"), (EAST, "东村", "village")]
    assert [(g.code, g.village_code) for g in result.grids] == [
        (WEST + "001", WEST), (WEST + "002", WEST), (EAST + "001", EAST), (EAST + "002", EAST)]
    assert all(isinstance(item.boundary, MultiPolygon) for item in result.villages + result.grids)
    assert result.grids[0].boundary.equals(shapely.box(116.38, 24.73, 116.39, 24.74))


def test_multipolygon_explicit_kind_and_numeric_code_are_accepted():
    villages = make_villages()
    villages["features"][0] = feature({"code": int(WEST), "name": "西社区", "kind": "village"},
                                      [square(116.38, 24.73, 116.40, 24.74)], "MultiPolygon")
    result = read_boundaries(villages, make_grids(), TOWN)
    assert (result.villages[0].code, result.villages[0].kind) == (WEST, "village")


def test_ring_orientation_is_kept():
    grids = make_grids()
    ring = grids["features"][0]["geometry"]["coordinates"][0]
    ring.reverse()  # clockwise now
    result = read_boundaries(make_villages(), grids, TOWN)
    assert not result.grids[0].boundary.geoms[0].exterior.is_ccw
    assert result.grids[1].boundary.geoms[0].exterior.is_ccw


@pytest.mark.parametrize("crs_name", [
    "urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4326", "urn:ogc:def:crs:EPSG::4326"])
def test_wgs84_crs_is_accepted(crs_name):
    villages = make_villages()
    villages["crs"] = {"type": "name", "properties": {"name": crs_name}}
    read_boundaries(villages, make_grids(), TOWN)


def test_holes_are_kept():
    grids = make_grids()
    hole = square(116.384, 24.734, 116.386, 24.736)[0][::-1]
    grids["features"][0]["geometry"]["coordinates"].append(hole)
    result = read_boundaries(make_villages(), grids, TOWN)
    (with_hole,) = result.grids[0].boundary.geoms
    assert [list(ring.coords) for ring in with_hole.interiors] == [[tuple(p) for p in hole]]


def test_heights_are_dropped():
    grids = make_grids()
    ring = grids["features"][0]["geometry"]["coordinates"][0]
    ring[:] = [[x, y, 150.0] for x, y in ring]
    result = read_boundaries(make_villages(), grids, TOWN)
    assert not result.grids[0].boundary.has_z


def test_the_demo_town_passes():
    """Real-sized input: 94 Voronoi grids sharing noded edges, exported and read back."""
    from geo.demo_town import generate_demo_town

    town = generate_demo_town()
    result = read_boundaries(to_feature_collection(town.villages), to_feature_collection(town.grids), TOWN)
    assert (len(result.villages), len(result.grids)) == (23, 94)


def test_sub_square_metre_overlap_is_tolerated():
    grids = make_grids()
    grids["features"][1] = feature({"code": WEST + "002", "name": "西二"},
                                   square(116.39 - 1e-9, 24.73, 116.40, 24.74))  # ≈ 0.1 m²
    read_boundaries(make_villages(), grids, TOWN)


def test_a_larger_exact_tiling_has_no_false_overlaps():
    """Shared edges and corners between many neighbours must not count as overlaps."""
    size = 0.001
    villages = collection(feature({"code": WEST, "name": "西社区"},
                                  square(116.38, 24.73, 116.38 + 20 * size, 24.73 + 20 * size)))
    grids = collection(*(
        feature({"code": f"{WEST}{row * 20 + column + 1:03d}", "name": f"网格{row}-{column}"},
                square(116.38 + column * size, 24.73 + row * size,
                       116.38 + (column + 1) * size, 24.73 + (row + 1) * size))
        for row in range(20) for column in range(20)
    ))
    assert len(read_boundaries(villages, grids, TOWN).grids) == 400


# --- each problem, reported against the right feature --------------------------------------------

def set_geometry(layer_fc, index, geometry):
    layer_fc["features"][index]["geometry"] = geometry


def polygon(coordinates):
    return {"type": "Polygon", "coordinates": coordinates}


def web_mercator(lon, lat):
    return [lon * 20037508.34 / 180, math.log(math.tan((90 + lat) * math.pi / 360)) * 6378137]


def reshape_grid(layer_fc, index, west, south, east, north):
    set_geometry(layer_fc, index, polygon(square(west, south, east, north)))


BAD_GRID_GEOMETRIES = {
    "projected": (polygon([[web_mercator(x, y) for x, y in square(116.38, 24.73, 116.39, 24.74)[0]]]),
                  "坐标不是 WGS 84 经纬度（疑似投影坐标）"),
    "swapped_lat_lon": (polygon([[[y, x] for x, y in square(116.38, 24.73, 116.39, 24.74)[0]]]),
                        "经纬度顺序颠倒，应为 [经度, 纬度]"),
    # Kashgar, lon 76 < 90: swapped it is still within range, only the China heuristic catches it
    "swapped_in_western_china": (polygon([[[y, x] for x, y in square(75.98, 39.46, 75.99, 39.47)[0]]]),
                                 "经纬度顺序颠倒"),
    "one_point_out_of_range": (polygon([[[116.38, 24.73], [116.39, 24.73], [196.39, 24.74],
                                         [116.38, 24.74], [116.38, 24.73]]]), "[196.39, 24.74] 超出经纬度范围"),
    "point": ({"type": "Point", "coordinates": [116.385, 24.735]}, "几何类型 Point 不支持"),
    "line": ({"type": "LineString", "coordinates": [[116.38, 24.73], [116.39, 24.74]]}, "几何类型"),
    "ring_not_closed": (polygon([square(116.38, 24.73, 116.39, 24.74)[0][:-1]]), "环未闭合"),
    "too_few_positions": (polygon([[[116.38, 24.73], [116.39, 24.73], [116.38, 24.73]]]),
                          "至少需要 4 个"),
    "string_coordinate": (polygon([[["116.38", 24.73], [116.39, 24.73], [116.39, 24.74],
                                    ["116.38", 24.73]]]), "不是数字"),
    "nan_coordinate": (polygon([[[float("nan"), 24.73], [116.39, 24.73], [116.39, 24.74],
                                 [float("nan"), 24.73]]]), "不是数字"),
    "bowtie": (polygon([[[116.38, 24.73], [116.39, 24.74], [116.39, 24.73], [116.38, 24.74],
                         [116.38, 24.73]]]), "多边形自相交（Self-intersection[116.385 24.735]）"),
    "hole_outside_shell": (polygon(square(116.38, 24.73, 116.39, 24.74)
                                   + square(116.395, 24.73, 116.396, 24.731)),
                           "内环（洞）在外环之外（Hole lies outside shell"),
    "empty_polygon": (polygon([]), "几何为空"),
    "empty_multipolygon": ({"type": "MultiPolygon", "coordinates": []}, "几何为空"),
}


@pytest.mark.parametrize("case", BAD_GRID_GEOMETRIES)
def test_bad_geometry_is_reported(case):
    geometry, expected = BAD_GRID_GEOMETRIES[case]
    grids = make_grids()
    set_geometry(grids, 0, geometry)
    assert_reported(problems_of(make_villages(), grids), "grids", WEST + "001", expected)


def test_bad_village_geometry_is_reported():
    villages = make_villages()
    set_geometry(villages, 1, BAD_GRID_GEOMETRIES["bowtie"][0])
    problems = problems_of(villages, make_grids())
    assert_reported(problems, "villages", EAST, "多边形自相交")
    # its grids are not blamed for leaving a village whose shape is unknown
    assert {(p.layer, p.feature) for p in problems} == {("villages", EAST)}


@pytest.mark.parametrize("mutate, message", [
    (lambda fc: fc.update(type="Feature"), "不是 GeoJSON FeatureCollection"),
    (lambda fc: fc.update(features={"a": 1}), "features 不是列表"),
    (lambda fc: fc.update(crs={"type": "name", "properties": {"name": "EPSG:3857"}}), "EPSG:3857"),
    (lambda fc: fc.update(crs={"type": "name", "properties": {"name": "EPSG:4490"}}), "不是 WGS 84"),
])
def test_unusable_file_is_reported_once(mutate, message):
    villages = make_villages()
    mutate(villages)
    problems = problems_of(villages, make_grids())
    assert [(p.layer, p.feature) for p in problems] == [("villages", WHOLE_FILE)]
    assert message in problems[0].message


def test_not_even_a_dict_is_reported():
    assert_reported(problems_of(make_villages(), "oops"), "grids", WHOLE_FILE, "FeatureCollection")


def test_feature_without_geometry_or_properties():
    grids = make_grids()
    grids["features"][0]["geometry"] = None
    del grids["features"][1]["properties"]
    grids["features"][2] = ["not", "a", "feature"]
    problems = problems_of(make_villages(), grids)
    assert_reported(problems, "grids", WEST + "001", "缺少几何 geometry")
    assert_reported(problems, "grids", "#1", "缺少属性 properties")
    assert_reported(problems, "grids", "#2", "不是 GeoJSON Feature")


@pytest.mark.parametrize("layer, index, code, fragments", [
    ("villages", 0, None, ["缺少编码"]),
    ("villages", 0, "", ["缺少编码"]),
    ("villages", 0, "44140311600", ["应为 12 位", "实为 11 位"]),
    ("villages", 0, "44140311600A", ["非数字"]),
    ("villages", 0, "441403115001", ["不以本镇编码 441403116 开头"]),
    ("villages", 0, ["441403116001"], ["字符串"]),
    ("grids", 3, EAST + "02", ["应为 15 位"]),
    ("grids", 3, "441403115201002", ["不以本镇编码"]),
])
def test_malformed_code_is_reported_by_index(layer, index, code, fragments):
    fcs = {"villages": make_villages(), "grids": make_grids()}
    fcs[layer]["features"][index]["properties"]["code"] = code
    assert_reported(problems_of(fcs["villages"], fcs["grids"]), layer, f"#{index}", *fragments)


def test_missing_name_and_bad_kind_and_village_code_mismatch():
    villages, grids = make_villages(), make_grids()
    villages["features"][0]["properties"]["kind"] = "town"
    del villages["features"][1]["properties"]["name"]
    grids["features"][1]["properties"]["village_code"] = EAST
    problems = problems_of(villages, grids)
    assert_reported(problems, "villages", WEST, "kind 'town' 无效")
    assert_reported(problems, "villages", EAST, "缺少名称")
    assert_reported(problems, "grids", WEST + "002", "village_code", "不一致")


def test_duplicate_code_is_reported():
    grids = make_grids()
    grids["features"][3]["properties"]["code"] = EAST + "001"
    problems = problems_of(make_villages(), grids)
    assert_reported(problems, "grids", EAST + "001", "编码重复", "#2")


def test_grid_of_an_unknown_village_and_village_without_grids():
    grids = make_grids()
    grids["features"][2]["properties"]["code"] = "441403116202001"  # village 202 is not in the file
    grids["features"][3]["properties"]["code"] = "441403116202002"
    problems = problems_of(make_villages(), grids)
    assert_reported(problems, "grids", "441403116202001", "441403116202", "不在村（社区）文件中")
    assert_reported(problems, "grids", "441403116202002", "不在村（社区）文件中")
    assert_reported(problems, "villages", EAST, "没有任何网格")


def test_overlapping_grids_are_both_reported():
    grids = make_grids()
    reshape_grid(grids, 1, 116.389, 24.73, 116.399, 24.74)  # 0.001° into 西一, still inside 西社区
    problems = problems_of(make_villages(), grids)
    assert_reported(problems, "grids", WEST + "001", "与网格 441403116001002 重叠约 112,")
    assert_reported(problems, "grids", WEST + "002", "与网格 441403116001001 重叠")
    assert {p.feature for p in problems} == {WEST + "001", WEST + "002"}


def test_overlap_of_a_few_square_metres_is_reported():
    grids = make_grids()
    reshape_grid(grids, 1, 116.39 - 1e-7, 24.73, 116.40, 24.74)  # ≈ 11 m²
    assert {p.feature for p in problems_of(make_villages(), grids)} == {WEST + "001", WEST + "002"}


def test_grid_leaving_its_village_is_reported():
    grids = make_grids()
    reshape_grid(grids, 0, 116.38, 24.73, 116.39, 24.741)  # ~110 m north of the village
    problems = problems_of(make_villages(), grids)
    assert_reported(problems, "grids", WEST + "001", "超出所属村（社区）441403116001 的边界")
    assert len(problems) == 1


# --- all at once ---------------------------------------------------------------------------------

def test_every_problem_in_a_file_is_reported():
    villages, grids = make_villages(), make_grids()
    villages["features"][1]["properties"]["kind"] = "city"
    villages["features"].append(copy.deepcopy(villages["features"][0]))  # duplicate 西社区
    set_geometry(grids, 0, BAD_GRID_GEOMETRIES["bowtie"][0])
    set_geometry(grids, 2, BAD_GRID_GEOMETRIES["swapped_lat_lon"][0])
    set_geometry(grids, 3, BAD_GRID_GEOMETRIES["ring_not_closed"][0])
    grids["features"].append(feature({"name": "无编码"}, square(116.40, 24.74, 116.41, 24.75)))

    problems = problems_of(villages, grids)

    assert sorted((p.layer, p.feature) for p in problems) == sorted([
        ("villages", EAST), ("villages", WEST),
        ("grids", WEST + "001"), ("grids", EAST + "001"), ("grids", EAST + "002"), ("grids", "#4"),
    ])
    assert "441403116001001" in str(BoundaryErrors(problems))


# --- round trip and progress ---------------------------------------------------------------------

def test_round_trip_through_feature_collections():
    villages, grids = make_villages(), make_grids()
    grids["features"][0] = feature({"code": WEST + "001", "name": "西一"},
                                   [square(116.38, 24.73, 116.385, 24.74),
                                    square(116.386, 24.73, 116.39, 24.74)], "MultiPolygon")
    first = read_boundaries(villages, grids, TOWN)

    # through real JSON text, as the CLI writes and reads files
    exported = [json.loads(json.dumps(to_feature_collection(items)))
                for items in (first.villages, first.grids)]
    second = read_boundaries(*exported, TOWN)

    assert exported[0]["features"][0]["properties"] == {"code": WEST, "name": "西社区", "kind": "community"}
    assert exported[1]["features"][0]["properties"] == {"code": WEST + "001", "name": "西一",
                                                        "village_code": WEST}
    for before, after in ((first.villages, second.villages), (first.grids, second.grids)):
        assert [(b.code, b.name) for b in before] == [(a.code, a.name) for a in after]
        assert all(b.boundary.equals_exact(a.boundary, 0) for b, a in zip(before, after))
    assert second == first


def test_progress_is_called_once_per_feature():
    calls = []
    read_boundaries(make_villages(), make_grids(), TOWN, progress=calls.append)
    assert calls == [1] * 6


def test_progress_counts_bad_features_too():
    grids = make_grids()
    grids["features"][0]["geometry"] = None
    calls = []
    with pytest.raises(BoundaryErrors):
        read_boundaries(make_villages(), grids, TOWN, progress=calls.append)
    assert len(calls) == 6


def test_town_code_must_be_nine_digits():
    with pytest.raises(ValueError):
        read_boundaries(make_villages(), make_grids(), "4414031")
