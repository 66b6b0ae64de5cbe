"""The synthetic demo town tiles exactly, is well-formed and deterministic."""

import math
import re
import time
from collections import Counter, defaultdict

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon

from geo.demo_town import (
    GRID_ROW_HEIGHT_M,
    SEAT,
    TOWN_CODE,
    TOWN_NAME,
    DemoTown,
    generate_demo_town,
)

TOLERANCE_M2 = 1.0
_M_PER_DEG_LAT = math.pi * 6_371_008.8 / 180.0
_M_PER_DEG_LON = _M_PER_DEG_LAT * math.cos(math.radians(SEAT[1]))


def metres(geometry):
    """Equirectangular projection about the seat; good to well under 0.1 % over the town."""
    return shapely.transform(geometry, lambda xy: (xy - np.array(SEAT)) * [_M_PER_DEG_LON, _M_PER_DEG_LAT])


def area_m2(geometry) -> float:
    return metres(geometry).area


@pytest.fixture(scope="module", params=[2023, 7, 42])
def town(request) -> DemoTown:
    return generate_demo_town(request.param)


@pytest.fixture(scope="module")
def default_town() -> DemoTown:
    return generate_demo_town()


def grids_by_village(town: DemoTown):
    groups = defaultdict(list)
    for grid in sorted(town.grids, key=lambda g: g.code):
        groups[grid.village_code].append(grid)
    return groups


def assert_exact_tiling(parts, whole):
    projected = [metres(p) for p in parts]
    whole_m = metres(whole)
    tree = shapely.STRtree(projected)
    left, right = tree.query(projected, predicate="intersects")
    pairs = left < right
    overlaps = shapely.intersection(np.take(projected, left[pairs]), np.take(projected, right[pairs]))
    overlap = shapely.area(overlaps)
    assert overlap.max(initial=0.0) < TOLERANCE_M2
    assert abs(sum(p.area for p in projected) - whole_m.area) < TOLERANCE_M2
    assert shapely.union_all(projected).symmetric_difference(whole_m).area < TOLERANCE_M2
    assert shapely.coverage_is_valid(parts)  # neighbours share identical edges


def test_counts(town):
    assert len(town.villages) == 23
    assert len(town.grids) == 94
    assert Counter(v.kind for v in town.villages) == {"community": 3, "village": 20}


def test_every_village_has_at_least_two_grids(town):
    sizes = Counter(g.village_code for g in town.grids)
    assert set(sizes) == {v.code for v in town.villages}
    assert min(sizes.values()) >= 2


def test_area_is_about_149_5_km2(town):
    assert area_m2(town.boundary) / 1e6 == pytest.approx(149.5, rel=0.03)


def test_boundary_is_irregular_and_around_the_seat(town):
    outline = metres(town.boundary)
    assert outline.contains(shapely.Point(0, 0))
    circularity = 4 * math.pi * outline.area / outline.length**2  # 1.0 for a circle
    assert circularity < 0.95
    assert outline.area / outline.envelope.area < 0.9  # not a square either
    assert len(town.boundary.geoms) == 1


def test_grids_tile_the_town(town):
    assert_exact_tiling([g.boundary for g in town.grids], town.boundary)


def test_villages_tile_the_town(town):
    assert_exact_tiling([v.boundary for v in town.villages], town.boundary)


def test_each_village_is_tiled_by_its_grids(town):
    groups = grids_by_village(town)
    for village in town.villages:
        grids = [g.boundary for g in groups[village.code]]
        for grid in grids:
            assert area_m2(grid.difference(village.boundary)) < TOLERANCE_M2
        assert_exact_tiling(grids, village.boundary)


def test_geometries_are_valid_connected_multipolygons(town):
    shapes = [town.boundary] + [v.boundary for v in town.villages] + [g.boundary for g in town.grids]
    for shape in shapes:
        assert isinstance(shape, MultiPolygon)
        assert shape.is_valid
        assert len(shape.geoms) == 1


def test_coordinates_are_lonlat_rounded_to_7_decimals(town):
    coords = shapely.get_coordinates([g.boundary for g in town.grids] + [town.boundary])
    assert np.array_equal(np.round(coords, 7), coords)
    assert np.all(np.abs(coords - SEAT) < 0.2)  # lon/lat order, near the seat


def test_codes_and_names(town):
    assert (town.code, town.name) == (TOWN_CODE, TOWN_NAME)
    village_codes = [v.code for v in town.villages]
    grid_codes = [g.code for g in town.grids]
    assert len(set(village_codes)) == 23 and len(set(grid_codes)) == 94
    for village in town.villages:
        assert re.fullmatch(r"441403116\d{3}", village.code)
        sequence = int(village.code[-3:])
        if village.kind == "community":
            assert 1 <= sequence <= 199 and village.name.endswith("社区")
        else:
            assert sequence >= 200 and village.name.endswith("村")
    names = {v.code: v.name for v in town.villages}
    for code, grids in grids_by_village(town).items():
        for number, grid in enumerate(grids, 1):
            assert re.fullmatch(r"\d{15}", grid.code)
            assert grid.code == f"{code}{number:03d}"
            assert grid.name == f"{names[code]}第{number}网格"


def test_grids_numbered_north_to_south_then_west_to_east(town):
    row_height_deg = GRID_ROW_HEIGHT_M / _M_PER_DEG_LAT
    for grids in grids_by_village(town).values():
        centroids = [g.boundary.centroid for g in grids]
        north = max(c.y for c in centroids)
        assert north - centroids[0].y < row_height_deg  # 001 is in the northern-most row
        keys = [(int((north - c.y) // row_height_deg), c.x) for c in centroids]
        assert keys == sorted(keys)


def test_communities_are_central(default_town):
    communities = shapely.union_all([v.boundary for v in default_town.villages if v.kind == "community"])
    assert communities.contains(shapely.Point(SEAT))


def test_deterministic_and_seed_dependent():
    def fingerprint(town: DemoTown):
        shapes = [town.boundary] + [v.boundary for v in town.villages] + [g.boundary for g in town.grids]
        labels = [(v.code, v.name, v.kind) for v in town.villages]
        labels += [(g.code, g.name, g.village_code) for g in town.grids]
        return labels, [shape.wkb for shape in shapes]

    first = generate_demo_town(2023)
    assert fingerprint(first) == fingerprint(generate_demo_town(2023))
    assert first == generate_demo_town()
    assert fingerprint(first)[1] != fingerprint(generate_demo_town(2024))[1]


def test_generation_is_fast():
    start = time.perf_counter()
    generate_demo_town(99)
    assert time.perf_counter() - start < 2.0
