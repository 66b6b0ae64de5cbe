"""Synthetic demo town (示例数据): a plausible 松源镇 with 23 villages and 94 grids.

Everything here is made up. The town boundary, the village and grid polygons and all
names are synthetic placeholders (示范一社区, 示范一村, ...); only the town code, the seat
and the headline figures (about 149.5 km², 23 villages / communities, 94 grids) follow
DOMAIN.md. A real deployment imports its own surveyed boundaries.

Construction (pure shapely, deterministic for a seed):

1. Town: a smoothly perturbed circle around the seat, ``r(θ) = r0 · exp(Σ a_k cos(kθ + φ_k))``,
   scaled to exactly ``TOWN_AREA_M2``. Work happens in a local equirectangular projection
   about the seat, in metres.
2. Grids: 94 seed points, spread by a few rounds of Lloyd relaxation, give Voronoi cells.
   The cell edges and the town ring are converted to lon/lat and noded *once* on a
   1e-7° precision grid, then polygonised; the faces inside the town are the grids. Because
   all grids come from one noded line set, neighbours share identical vertices: the grids
   tile the town with no gaps and no overlaps.
3. Villages: 3 communities grow from the grids nearest the seat, 20 villages from well-spread
   grids; region growing over the grid adjacency graph keeps every village contiguous.
   A village boundary is the coverage union of its grids, the town boundary the union of all.

Codes: villages are ``441403116`` + 3 digits (communities 001–003, villages 201–220), grids
the village code + a 3-digit sequence from 001. Numbering rule (villages within the town,
grids within their village): cut into horizontal rows ``row_height`` metres high, counted
from the northern-most centroid downwards (``GRID_ROW_HEIGHT_M`` for grids,
``VILLAGE_ROW_HEIGHT_M`` for villages); number row by row north→south, and west→east
by centroid longitude inside a row.
"""

from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass

import numpy as np
import shapely
import shapely.affinity
from shapely.geometry import MultiPoint, MultiPolygon, Point, Polygon

TOWN_CODE = "441403116"
TOWN_NAME = "松源镇"
SEAT = (116.3869, 24.7322)  # lon, lat

TOWN_AREA_M2 = 149.5e6
VILLAGE_COUNT = 23
COMMUNITY_COUNT = 3
GRID_COUNT = 94
COORD_DECIMALS = 7
GRID_ROW_HEIGHT_M = 800.0
VILLAGE_ROW_HEIGHT_M = 2500.0

_EARTH_RADIUS_M = 6_371_008.8
_M_PER_DEG_LAT = math.pi * _EARTH_RADIUS_M / 180.0
_M_PER_DEG_LON = _M_PER_DEG_LAT * math.cos(math.radians(SEAT[1]))
_GRID_SIZE_DEG = 10.0**-COORD_DECIMALS
_CHINESE_NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class DemoVillage:
    code: str
    name: str
    kind: str  # "village" | "community"
    boundary: MultiPolygon  # lon/lat WGS84


@dataclass(frozen=True)
class DemoGrid:
    code: str
    name: str
    village_code: str
    boundary: MultiPolygon  # lon/lat WGS84


@dataclass(frozen=True)
class DemoTown:
    code: str
    name: str
    boundary: MultiPolygon  # lon/lat WGS84
    villages: tuple[DemoVillage, ...]
    grids: tuple[DemoGrid, ...]


def to_lonlat(geometry):
    """Local metres (equirectangular about the seat) → lon/lat."""
    scale = np.array([1.0 / _M_PER_DEG_LON, 1.0 / _M_PER_DEG_LAT])
    return shapely.transform(geometry, lambda xy: xy * scale + np.array(SEAT))


def to_metres(geometry):
    """lon/lat → local metres (equirectangular about the seat)."""
    scale = np.array([_M_PER_DEG_LON, _M_PER_DEG_LAT])
    return shapely.transform(geometry, lambda xy: (xy - np.array(SEAT)) * scale)


def generate_demo_town(seed: int = 2023) -> DemoTown:
    rng = random.Random(seed)
    town_m = _town_outline(rng)
    grid_polys = _grid_polygons(town_m, _relaxed_points(town_m, rng))
    groups = _group_into_villages(grid_polys, rng)  # communities first
    village_polys = [shapely.coverage_union_all([grid_polys[i] for i in g]) for g in groups]

    villages, grids = [], []
    for kind, first_number, suffix, group_ids in (
        ("community", 1, "社区", list(range(COMMUNITY_COUNT))),
        ("village", 201, "村", list(range(COMMUNITY_COUNT, VILLAGE_COUNT))),
    ):
        order = _row_order([village_polys[i] for i in group_ids], VILLAGE_ROW_HEIGHT_M)
        for n, k in enumerate(order):
            members = groups[group_ids[k]]
            code, name = f"{TOWN_CODE}{first_number + n:03d}", f"示范{_chinese(n + 1)}{suffix}"
            villages.append(DemoVillage(code, name, kind, _multi(village_polys[group_ids[k]])))
            grid_order = _row_order([grid_polys[i] for i in members], GRID_ROW_HEIGHT_M)
            for seq, m in enumerate(grid_order, 1):
                boundary = _multi(grid_polys[members[m]])
                grids.append(DemoGrid(f"{code}{seq:03d}", f"{name}第{seq}网格", code, boundary))

    town = _multi(shapely.coverage_union_all(village_polys))
    return DemoTown(TOWN_CODE, TOWN_NAME, town, tuple(villages), tuple(grids))


def _town_outline(rng: random.Random, vertices: int = 240) -> Polygon:
    """Smoothly perturbed circle in metres, scaled to TOWN_AREA_M2."""
    harmonics = [
        (k, rng.uniform(0.5, 1.0) * 0.22 / k, rng.uniform(0, 2 * math.pi)) for k in range(2, 13)
    ]
    ring = []
    for i in range(vertices):
        theta = 2 * math.pi * i / vertices
        r = math.exp(sum(a * math.cos(k * theta + phase) for k, a, phase in harmonics))
        ring.append((r * math.cos(theta), r * math.sin(theta)))
    unit = Polygon(ring)
    return shapely.affinity.scale(unit, *(2 * [math.sqrt(TOWN_AREA_M2 / unit.area)]), origin=(0, 0))


def _relaxed_points(town: Polygon, rng: random.Random, rounds: int = 12) -> list[Point]:
    """GRID_COUNT random points in the town, evened out by Lloyd relaxation."""
    minx, miny, maxx, maxy = town.bounds
    points = []
    while len(points) < GRID_COUNT:
        p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if town.contains(p):
            points.append(p)
    for _ in range(rounds):
        extent = town.envelope.buffer(1000)
        cells = shapely.voronoi_polygons(MultiPoint(points), extend_to=extent, ordered=True)
        points = [cell.intersection(town).centroid for cell in cells.geoms]
    return points


def _grid_polygons(town_m: Polygon, points: list[Point]) -> list[Polygon]:
    """Voronoi cells clipped to the town, in lon/lat on the 1e-7° grid, sharing exact edges."""
    extent = town_m.envelope.buffer(5000)
    cells = to_lonlat(shapely.voronoi_polygons(MultiPoint(points), extend_to=extent, ordered=True))
    town = to_lonlat(town_m)
    # Noding all edges together on one precision grid is what makes shared edges identical.
    cell_list = list(cells.geoms)
    edges = [*shapely.boundary(cell_list), town.exterior]
    linework = shapely.unary_union(edges, grid_size=_GRID_SIZE_DEG)
    faces = list(shapely.polygonize(shapely.get_parts(linework)).geoms)
    inside = [f for f in faces if town.contains(f.representative_point())]

    tree = shapely.STRtree(cell_list)
    pieces: dict[int, list[Polygon]] = {}
    for face in inside:
        owner = int(tree.query(face.representative_point(), predicate="within")[0])
        pieces.setdefault(owner, []).append(face)
    if len(pieces) != GRID_COUNT:
        raise RuntimeError("a Voronoi cell fell outside the town")
    return [shapely.coverage_union_all(pieces[i]) for i in sorted(pieces)]


def _group_into_villages(grids: list[Polygon], rng: random.Random) -> list[list[int]]:
    """Partition grid indices into contiguous villages; the first COMMUNITY_COUNT are communities."""
    centroids = [(g.centroid.x * _M_PER_DEG_LON, g.centroid.y * _M_PER_DEG_LAT) for g in grids]
    neighbours = _adjacency(grids)
    seat = (SEAT[0] * _M_PER_DEG_LON, SEAT[1] * _M_PER_DEG_LAT)
    central = sorted(range(len(grids)), key=lambda i: math.dist(centroids[i], seat))[:COMMUNITY_COUNT]

    for _ in range(200):
        seeds = list(central)
        while len(seeds) < VILLAGE_COUNT:
            # Best of a few random candidates: spread out without hugging the town edge.
            candidates = rng.sample([i for i in range(len(grids)) if i not in seeds], 5)
            seeds.append(max(candidates, key=lambda c: _distance_to(c, seeds, centroids)))
        groups = _grow_regions(seeds, neighbours, centroids)
        sizes = [len(g) for g in groups]
        if min(sizes) >= 2 and max(sizes) <= 7:
            return groups
    raise RuntimeError("could not split the grids into villages")


def _distance_to(grid: int, others: list[int], centroids) -> float:
    return min(math.dist(centroids[grid], centroids[o]) for o in others)


def _adjacency(grids: list[Polygon]) -> list[set[int]]:
    tree = shapely.STRtree(grids)
    neighbours: list[set[int]] = [set() for _ in grids]
    for i, grid in enumerate(grids):
        for j in tree.query(grid, predicate="touches"):
            if i != j and grid.boundary.intersection(grids[j].boundary).length > 0:
                neighbours[i].add(int(j))
    return neighbours


def _grow_regions(seeds: list[int], neighbours: list[set[int]], centroids) -> list[list[int]]:
    """Smallest region first claims its unclaimed neighbour nearest to its seed."""
    owner = {s: r for r, s in enumerate(seeds)}
    groups = [[s] for s in seeds]
    queue = [(1, r) for r in range(len(seeds))]
    while queue:
        size, r = heapq.heappop(queue)
        frontier = {n for g in groups[r] for n in neighbours[g] if n not in owner}
        if not frontier:
            continue  # boxed in for good: claimed grids never change owner
        pick = min(frontier, key=lambda n: (math.dist(centroids[n], centroids[seeds[r]]), n))
        owner[pick] = r
        groups[r].append(pick)
        heapq.heappush(queue, (size + 1, r))
    return groups


def _row_order(polygons: list, row_height_m: float) -> list[int]:
    """Indices sorted north→south by rows of row_height_m, then west→east within a row."""
    points = [p.centroid for p in polygons]
    north = max(pt.y for pt in points)
    row_height_deg = row_height_m / _M_PER_DEG_LAT

    def row_then_lon(i: int):
        return int((north - points[i].y) // row_height_deg), points[i].x

    return sorted(range(len(points)), key=row_then_lon)


def _chinese(n: int) -> str:
    if n <= 10:
        return _CHINESE_NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    tens_part = "" if tens == 1 else _CHINESE_NUMERALS[tens - 1]
    return tens_part + "十" + (_CHINESE_NUMERALS[ones - 1] if ones else "")


def _multi(geometry) -> MultiPolygon:
    return geometry if isinstance(geometry, MultiPolygon) else MultiPolygon([geometry])
