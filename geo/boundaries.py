"""Surveyed village and grid boundaries: validate GeoJSON before import, and export it back.

Pure functions, no database. `read_boundaries` checks two FeatureCollections (villages, grids)
completely and either returns a `BoundarySet` or raises `BoundaryErrors` listing every problem,
so a surveyor can fix a file in one round instead of one error per run.
"""
from __future__ import annotations

import json
import math
import re
import reprlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from functools import partial

import numpy as np
import shapely
from shapely import MultiPolygon, STRtree
from shapely.validation import explain_validity

WHOLE_FILE = "*"  # BoundaryProblem.feature for a problem with the file itself
WGS84_CRS_NAMES = frozenset({
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "EPSG:4326",
    "urn:ogc:def:crs:EPSG::4326",
})
VILLAGE_KINDS = ("village", "community")
AREA_TOLERANCE_M2 = 1.0
METRES_PER_DEGREE = 6_371_008.8 * math.pi / 180  # along a meridian, mean Earth radius

SWAPPED_MESSAGE = "经纬度顺序颠倒，应为 [经度, 纬度]"
PROJECTED_MESSAGE = "坐标不是 WGS 84 经纬度（疑似投影坐标）"
_VALIDITY_REASONS = {  # GEOS explain_validity reason → Chinese
    "Self-intersection": "多边形自相交",
    "Ring Self-intersection": "环自相交",
    "Hole lies outside shell": "内环（洞）在外环之外",
    "Nested holes": "内环（洞）互相嵌套",
    "Interior is disconnected": "多边形内部不连通",
    "Nested shells": "多个多边形互相嵌套",
    "Duplicate Rings": "环重复",
    "Too few distinct points in geometry component": "环的不同点太少",
}


@dataclass(frozen=True)
class BoundaryProblem:
    feature: str  # the feature's code; "#<index>" without a valid code; WHOLE_FILE for the file
    layer: str  # "villages" | "grids"
    message: str


@dataclass(frozen=True)
class VillageBoundary:
    code: str
    name: str
    kind: str
    boundary: MultiPolygon


@dataclass(frozen=True)
class GridBoundary:
    code: str
    name: str
    village_code: str
    boundary: MultiPolygon


@dataclass(frozen=True)
class BoundarySet:
    villages: tuple[VillageBoundary, ...]
    grids: tuple[GridBoundary, ...]


class BoundaryErrors(Exception):
    def __init__(self, problems: Iterable[BoundaryProblem]):
        self.problems = list(problems)
        super().__init__(self.problems)

    def __str__(self) -> str:
        lines = (f"{p.layer} {p.feature}：{p.message}" for p in self.problems)
        return f"边界数据有 {len(self.problems)} 处问题：\n" + "\n".join(lines)


class _GeometryError(ValueError):
    pass


@dataclass
class _Feature:
    """One feature as read so far: what is valid of it, and what is wrong with it."""

    index: int
    attributes: dict = field(default_factory=dict)  # code, name, kind | village_code; None if invalid
    boundary: MultiPolygon | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.attributes.get("code") or f"#{self.index}"


_Layer = dict[str, _Feature]  # a layer's features with a valid code, by code


def read_boundaries(villages_fc: dict, grids_fc: dict, town_code: str,
                    progress: Callable[[int], object] | None = None) -> BoundarySet:
    """Validate both layers completely: the set, or BoundaryErrors naming every problem.

    `progress(1)` is called after each feature is read, so `click.progressbar(...).update` fits.
    """
    if not re.fullmatch(r"[0-9]{9}", town_code):
        raise ValueError(f"town_code must be 9 digits, got {town_code!r}")
    problems: list[BoundaryProblem] = []
    villages = _read_layer(villages_fc, "villages", partial(_village_attributes, town_code=town_code),
                           problems, progress)
    grids = _read_layer(grids_fc, "grids", partial(_grid_attributes, town_code=town_code),
                        problems, progress)
    if villages is not None and grids is not None:
        problems += _membership_problems(villages, grids)
        problems += _containment_problems(villages, grids)
    if grids is not None:
        problems += _overlap_problems(grids)
    if problems:
        raise BoundaryErrors(problems)
    return BoundarySet(
        villages=tuple(VillageBoundary(**v.attributes, boundary=v.boundary) for v in villages.values()),
        grids=tuple(GridBoundary(**g.attributes, boundary=g.boundary) for g in grids.values()),
    )


def to_feature_collection(items: Iterable[VillageBoundary | GridBoundary]) -> dict:
    """The inverse of read_boundaries for one layer: plain JSON-ready dicts, WGS 84 (no crs member)."""
    return {"type": "FeatureCollection", "features": [
        {
            "type": "Feature",
            "properties": {f.name: getattr(item, f.name) for f in fields(item) if f.name != "boundary"},
            "geometry": json.loads(shapely.to_geojson(item.boundary)),
        }
        for item in items
    ]}


# --- one layer, feature by feature --------------------------------------------------------------

def _read_layer(collection, layer: str, read_attributes, problems: list[BoundaryProblem],
                progress) -> _Layer | None:
    """The layer's features by code (the first of duplicates); None if the file is unusable."""
    file_error = _collection_error(collection)
    if file_error:
        problems.append(BoundaryProblem(WHOLE_FILE, layer, file_error))
        return None
    by_code: _Layer = {}
    for index, raw in enumerate(collection["features"]):
        feature = _read_feature(index, raw, read_attributes)
        code = feature.attributes.get("code")
        if code in by_code:
            feature.errors.append(f"编码重复（与 #{by_code[code].index} 相同）")
        elif code:
            by_code[code] = feature
        problems.extend(BoundaryProblem(feature.label, layer, error) for error in feature.errors)
        if progress:
            progress(1)
    return by_code


def _collection_error(collection) -> str | None:
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        return "不是 GeoJSON FeatureCollection"
    if not isinstance(collection.get("features"), list):
        return "features 不是列表"
    crs = collection.get("crs")
    if crs is None:
        return None
    try:
        crs_name = crs["properties"]["name"]
    except (TypeError, KeyError):
        crs_name = reprlib.repr(crs)
    if crs_name in WGS84_CRS_NAMES:
        return None
    return (f"坐标参考系 {crs_name} 不是 WGS 84 经纬度；"
            "请先转换为 EPSG:4326（例如 ogr2ogr -t_srs EPSG:4326）")


def _read_feature(index: int, raw, read_attributes) -> _Feature:
    feature = _Feature(index)
    if not isinstance(raw, dict) or raw.get("type") != "Feature":
        feature.errors.append("不是 GeoJSON Feature")
        return feature
    properties = raw.get("properties")
    if isinstance(properties, dict):
        feature.attributes = read_attributes(properties, feature.errors)
    else:
        feature.errors.append("缺少属性 properties")
    if raw.get("geometry") is None:
        feature.errors.append("缺少几何 geometry")
    else:
        try:
            feature.boundary = _read_geometry(raw["geometry"])
        except _GeometryError as error:
            feature.errors.append(str(error))
    return feature


# --- properties ----------------------------------------------------------------------------------

def _village_attributes(properties: dict, errors: list[str], *, town_code: str) -> dict:
    code = _code(properties, 12, town_code, errors)
    kind = properties.get("kind")
    if kind is None:
        kind = _default_kind(code) if code else None
    elif kind not in VILLAGE_KINDS:
        errors.append(f"类型 kind {kind!r} 无效，应为 village（村）或 community（社区）")
    return {"code": code, "name": _name(properties, errors), "kind": kind}


def _default_kind(village_code: str) -> str:
    return "community" if 1 <= int(village_code[9:]) <= 199 else "village"


def _grid_attributes(properties: dict, errors: list[str], *, town_code: str) -> dict:
    code = _code(properties, 15, town_code, errors)
    village_code = code[:12] if code else None
    declared = properties.get("village_code")
    if village_code and declared is not None and declared != village_code:
        errors.append(f"village_code {declared!r} 与网格编码的前 12 位 {village_code} 不一致")
    return {"code": code, "name": _name(properties, errors), "village_code": village_code}


def _code(properties: dict, length: int, town_code: str, errors: list[str]) -> str | None:
    """The well-formed code, or None with the reason appended to errors."""
    code = properties.get("code")
    if isinstance(code, int) and not isinstance(code, bool):
        code = str(code)  # shapefile exports often turn code columns into numbers
    if code is None or code == "":
        errors.append("缺少编码 code")
    elif not isinstance(code, str):
        errors.append(f"编码 {reprlib.repr(code)} 应为 {length} 位数字的字符串")
    elif not re.fullmatch(r"[0-9]+", code):
        errors.append(f"编码 {code!r} 含非数字字符")
    elif len(code) != length:
        errors.append(f"编码 {code} 应为 {length} 位，实为 {len(code)} 位")
    elif not code.startswith(town_code):
        errors.append(f"编码 {code} 不以本镇编码 {town_code} 开头")
    else:
        return code
    return None


def _name(properties: dict, errors: list[str]) -> str | None:
    name = properties.get("name")
    if isinstance(name, str) and name.strip():
        return name.strip()
    errors.append("缺少名称 name")
    return None


# --- geometry ------------------------------------------------------------------------------------

def _read_geometry(geometry) -> MultiPolygon:
    """A valid, non-empty, 2-D MultiPolygon, rings in their given orientation; else _GeometryError."""
    if not isinstance(geometry, dict):
        raise _GeometryError("geometry 不是 GeoJSON 几何对象")
    geometry_type, coordinates = geometry.get("type"), geometry.get("coordinates")
    if geometry_type == "Polygon":
        polygons = [coordinates]
    elif geometry_type == "MultiPolygon":
        polygons = coordinates
    else:
        raise _GeometryError(f"几何类型 {geometry_type} 不支持，应为 Polygon 或 MultiPolygon")
    rings = [[_ring(ring) for ring in _array(polygon)] for polygon in _array(polygons)]
    if not rings or not all(rings):
        raise _GeometryError("几何为空（没有坐标）")
    _check_lon_lat(np.concatenate([ring for polygon in rings for ring in polygon]))
    boundary = shapely.multipolygons([_polygon(polygon) for polygon in rings])
    if not boundary.is_valid:
        explanation = explain_validity(boundary)
        reason = _VALIDITY_REASONS.get(explanation.split("[", 1)[0], "几何无效")
        raise _GeometryError(f"{reason}（{explanation}）")
    return boundary


def _polygon(rings: list[np.ndarray]):
    shell, *holes = [shapely.linearrings(ring) for ring in rings]
    return shapely.polygons(shell, holes=holes or None)


def _array(value) -> list | tuple:
    if not isinstance(value, (list, tuple)):
        raise _GeometryError(f"坐标结构错误：{reprlib.repr(value)} 不是数组")
    return value


def _ring(ring) -> np.ndarray:
    points = _positions(_array(ring))
    if len(points) < 4:
        raise _GeometryError(f"环只有 {len(points)} 个点，至少需要 4 个（首尾相同）")
    if (points[0] != points[-1]).any():
        raise _GeometryError(f"环未闭合：首点 {points[0].tolist()} 与末点 {points[-1].tolist()} 不同")
    return points


def _positions(ring: list | tuple) -> np.ndarray:
    """The ring's (lon, lat) as an n × 2 array; a third value (height) is dropped."""
    try:
        array = np.array(ring)
    except ValueError:  # ragged
        array = None
    if (array is not None and array.dtype.kind in "if" and array.ndim == 2 and array.shape[1] in (2, 3)
            and np.isfinite(array).all()):
        return array[:, :2].astype(float)
    # The fast path failed: go position by position to name the bad one.
    return np.array([_position(position) for position in ring], dtype=float).reshape(-1, 2)


def _position(position) -> tuple[float, float]:
    shaped_right = isinstance(position, (list, tuple)) and len(position) in (2, 3)
    if shaped_right and all(map(_is_number, position)):
        return float(position[0]), float(position[1])
    raise _GeometryError(f"坐标 {reprlib.repr(position)} 不是数字 [经度, 纬度]")


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_lon_lat(points: np.ndarray) -> None:
    (west, south), (east, north) = points.min(axis=0), points.max(axis=0)
    if -180 <= west and east <= 180 and -90 <= south and north <= 90:
        # In range, but every point is a plausible (lat, lon) in China: western China has lon < 90.
        if 18 <= west and east <= 54 and 73 <= south and north <= 135:
            raise _GeometryError(SWAPPED_MESSAGE)
        return
    x, y = np.abs(points).T
    outside = (x > 180) | (y > 90)
    if (x[outside] <= 90).all() and (y[outside] <= 180).all():
        raise _GeometryError(SWAPPED_MESSAGE)
    example = points[outside][0].tolist()
    if outside.sum() * 2 >= len(points):
        raise _GeometryError(f"{PROJECTED_MESSAGE}，如 {example}")
    raise _GeometryError(f"坐标 {example} 超出经纬度范围")


# --- across features -----------------------------------------------------------------------------

def _membership_problems(villages: _Layer, grids: _Layer) -> list[BoundaryProblem]:
    problems = [
        BoundaryProblem(code, "grids", f"所属村（社区）{grid.attributes['village_code']} 不在村（社区）文件中")
        for code, grid in grids.items() if grid.attributes["village_code"] not in villages
    ]
    villages_with_grids = {grid.attributes["village_code"] for grid in grids.values()}
    problems += [BoundaryProblem(code, "villages", "该村（社区）没有任何网格")
                 for code in villages if code not in villages_with_grids]
    return problems


def _containment_problems(villages: _Layer, grids: _Layer) -> list[BoundaryProblem]:
    pairs = [
        (code, grid.boundary, village.boundary)
        for code, grid in grids.items()
        if (village := villages.get(grid.attributes["village_code"]))
        and grid.boundary is not None and village.boundary is not None
    ]
    if not pairs:
        return []
    codes, grid_shapes, village_shapes = zip(*pairs)
    outside_m2 = _area_m2(shapely.difference(grid_shapes, village_shapes))
    return [BoundaryProblem(code, "grids", f"网格超出所属村（社区）{code[:12]} 的边界约 {area:,.1f} m²")
            for code, area in zip(codes, outside_m2) if area > AREA_TOLERANCE_M2]


def _overlap_problems(grids: _Layer) -> list[BoundaryProblem]:
    codes = [code for code, grid in grids.items() if grid.boundary is not None]
    shapes = np.array([grids[code].boundary for code in codes], dtype=object)
    first, second = STRtree(shapes).query(shapes)  # pairs whose bounding boxes meet
    once = first < second  # each pair once, and no grid with itself
    first, second = first[once], second[once]
    # Most pairs are neighbours that only share an edge; a DE-9IM test drops them much more cheaply
    # than computing their intersections.
    interiors_meet = shapely.relate_pattern(shapes[first], shapes[second], "T********")
    first, second = first[interiors_meet], second[interiors_meet]
    overlap_m2 = _area_m2(shapely.intersection(shapes[first], shapes[second]))
    problems = []
    for pair in np.flatnonzero(overlap_m2 > AREA_TOLERANCE_M2):
        a, b, area = codes[first[pair]], codes[second[pair]], overlap_m2[pair]
        problems.append(BoundaryProblem(a, "grids", f"与网格 {b} 重叠约 {area:,.1f} m²"))
        problems.append(BoundaryProblem(b, "grids", f"与网格 {a} 重叠约 {area:,.1f} m²"))
    return problems


def _area_m2(shapes) -> np.ndarray:
    """Areas in m², equirectangular at each shape's own latitude: plenty for a 1 m² tolerance."""
    _, south, _, north = shapely.bounds(shapes).T
    mid_latitude = np.nan_to_num((south + north) / 2)  # empty shapes have NaN bounds and area 0
    return shapely.area(shapes) * METRES_PER_DEGREE ** 2 * np.cos(np.radians(mid_latitude))
