"""Point → grid lookup speed, through the service's own ``geo.lookup.locate_grid_id``.

For each backend (SpatiaLite, PostGIS) and grid count (the 94 demo grids, or 200,000 synthetic
ones) this builds a scratch database with the real migrations, loads the grids, ANALYZEs, warms
up, then times single lookups of seeded random points inside the covered area. Each answer is
checked against shapely (the grid with the lowest code among those the point touches).

    .venv/bin/python -m bench.locate [--backend both] [--grids both] [--lookups 10000]

Prints a Markdown table, one row per run, and writes everything to bench/results/locate-<time>.json.
PostGIS scratch databases (bench_locate_<grids>_<pid>) are made on the server of --postgres-url
(default $BENCH_POSTGRES_URL, else postgres@127.0.0.1) and dropped after; SpatiaLite ones live in
a temporary directory. The machine may be shared: each timing waits (up to 10 min) for the
1-minute load average to fall below --quiet-below, and the load average is recorded.
"""
import argparse
import itertools
import operator
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

if __package__ in (None, ""):  # run as a file: python bench/locate.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import shapely
from flask_migrate import upgrade
from geoalchemy2.shape import to_shape
from shapely.geometry import Polygon
from sqlalchemy import func, select, text

from bench.common import (fmt, loadavg, machine, markdown_table, scratch_postgis, wait_for_quiet,
                          write_results)
from geo.geojson import to_column
from geo.lookup import _QUERIES as LOOKUP_QUERIES  # the lookup's own SQL, to record its plan
from geo.lookup import locate_grid_id
from service import create_app
from service.demo import load_demo_town
from service.extensions import db
from service.models import Grid, Town, Village

# The synthetic county: a jittered lattice of quadrilaterals, 500 × 400 cells of about 100 m,
# around (116.38, 24.73). Neighbouring cells share vertices, so they tile a rectangle exactly.
COLUMNS, ROWS = 500, 400
CELL_DEG = 0.001
WEST, SOUTH = 116.38 - COLUMNS * CELL_DEG / 2, 24.73 - ROWS * CELL_DEG / 2
JITTER = 0.25  # interior vertices move up to this share of a cell: every cell stays convex
COORD_DECIMALS = 7
COUNTY_CODE = "449900"     # + town 3 digits + village 3 digits + grid 3 digits = 15 digits
TOWN_CELLS = (100, 125)    # (rows, columns) of cells per town: 4 × 4 = 16 towns
VILLAGE_CELLS = (20, 25)   # per village: 25 villages a town, 400 in all, 500 grids each

INSERT_GRID = text("INSERT INTO grids (town_id, village_id, code, name, boundary) "
                   "VALUES (:town_id, :village_id, :code, :name, ST_GeomFromWKB(:wkb, 4326))")
GRIDS_BY_CODE = text("SELECT id, ST_AsBinary(boundary) FROM grids ORDER BY code")
EXPLAIN = {"postgresql": "EXPLAIN ", "sqlite": "EXPLAIN QUERY PLAN "}
DATABASE_VERSION = {
    "postgresql": "SELECT 'PostgreSQL ' || current_setting('server_version') "
                  "|| ', PostGIS ' || postgis_lib_version()",
    "sqlite": "SELECT 'SQLite ' || sqlite_version() || ', SpatiaLite ' || spatialite_version()",
}


# --- the grids ---------------------------------------------------------------------------------

def load_demo_grids(session, rng):
    """The 94-grid demo town; returns the area the grids cover."""
    town = load_demo_town(session)
    return to_shape(session.get(Town, town.id).boundary)


def load_synthetic_grids(session, rng):
    """200,000 lattice cells in 16 towns of 25 villages; returns the area the grids cover."""
    vertices = jittered_lattice(rng)
    cell_wkb = cell_boundaries_wkb(vertices)
    villages = []
    for town_number, town_rows, town_columns in blocks(range(ROWS), range(COLUMNS), TOWN_CELLS):
        town = Town(code=f"{COUNTY_CODE}{town_number:03d}", name=f"合成{town_number}镇",
                    boundary=to_column(outline(vertices, town_rows, town_columns)))
        session.add(town)
        for village_number, rows, columns in blocks(town_rows, town_columns, VILLAGE_CELLS):
            village = Village(town=town, code=f"{town.code}{village_number:03d}", kind="village",
                              name=f"{town.name}{village_number}村",
                              boundary=to_column(outline(vertices, rows, columns)))
            session.add(village)
            villages.append((village, cell_wkb[rows.start:rows.stop, columns.start:columns.stop]))
    session.flush()
    session.execute(INSERT_GRID, [
        {"town_id": village.town_id, "village_id": village.id, "code": f"{village.code}{number:03d}",
         "name": f"{village.name}第{number}网格", "wkb": wkb}
        for village, block_wkb in villages for number, wkb in enumerate(block_wkb.ravel(), start=1)])
    return outline(vertices, range(ROWS), range(COLUMNS))


def jittered_lattice(rng):
    """Lattice vertices as [row, column] → (lon, lat); the outer ring of vertices stays put."""
    lons = WEST + CELL_DEG * np.arange(COLUMNS + 1)
    lats = SOUTH + CELL_DEG * np.arange(ROWS + 1)
    vertices = np.stack(np.meshgrid(lons, lats), axis=-1)
    vertices[1:-1, 1:-1] += rng.uniform(-JITTER, JITTER, (ROWS - 1, COLUMNS - 1, 2)) * CELL_DEG
    return vertices.round(COORD_DECIMALS)


def cell_boundaries_wkb(vertices):
    """WKB MultiPolygon of every cell, as a [row, column] array."""
    corners = [vertices[:-1, :-1], vertices[:-1, 1:], vertices[1:, 1:], vertices[1:, :-1],
               vertices[:-1, :-1]]
    cells = shapely.polygons(np.stack(corners, axis=2).reshape(-1, 5, 2))
    multipolygons = shapely.multipolygons(cells, indices=np.arange(len(cells)))
    return shapely.to_wkb(multipolygons).reshape(ROWS, COLUMNS)


def blocks(rows, columns, size):
    """(number from 1, rows, columns) of each size[0] × size[1] block of cells, row by row."""
    starts = itertools.product(range(rows.start, rows.stop, size[0]),
                               range(columns.start, columns.stop, size[1]))
    for number, (row, column) in enumerate(starts, start=1):
        yield number, range(row, row + size[0]), range(column, column + size[1])


def outline(vertices, rows, columns):
    """The polygon around a block of cells, along the cells' own vertices."""
    block = vertices[rows.start:rows.stop + 1, columns.start:columns.stop + 1]
    return Polygon(np.concatenate([block[0, :], block[1:, -1], block[-1, -2::-1], block[-2::-1, 0]]))


GRID_LOADERS = {94: load_demo_grids, 200_000: load_synthetic_grids}


# --- the measurement ---------------------------------------------------------------------------

def random_points(rng, area, count):
    """count points drawn uniformly inside area."""
    shapely.prepare(area)
    west, south, east, north = area.bounds
    points = np.empty((0, 2))
    while len(points) < count:
        batch = rng.uniform((west, south), (east, north), (count, 2))
        points = np.concatenate([points, batch[shapely.contains_xy(area, *batch.T)]])
    return points[:count]


def expected_grid_ids(session, points):
    """What the lookup should answer, by shapely: the lowest-code grid the point touches."""
    ids, boundaries = zip(*session.execute(GRIDS_BY_CODE))
    grids = shapely.from_wkb([bytes(boundary) for boundary in boundaries])
    point_index, grid_index = shapely.STRtree(grids).query(shapely.points(points), "intersects")
    lowest_code = np.full(len(points), len(grids))
    np.minimum.at(lowest_code, point_index, grid_index)
    return [ids[index] if index < len(grids) else None for index in lowest_code]


def time_lookups(session, warmup_points, points):
    """Per-lookup times in ns, and the answers."""
    for lon, lat in warmup_points:
        locate_grid_id(session, lon, lat)
    timings, answers = [], []
    for lon, lat in points:
        start = time.perf_counter_ns()
        answers.append(locate_grid_id(session, lon, lat))
        timings.append(time.perf_counter_ns() - start)
    return np.array(timings), answers


def build(session, grid_count, rng):
    """Migrate, load the grids, ANALYZE; returns the area they cover and the seconds taken."""
    started = time.perf_counter()
    upgrade()
    migrated = time.perf_counter()
    area = GRID_LOADERS[grid_count](session, rng)
    session.commit()
    session.execute(text("ANALYZE"))
    session.commit()
    return area, {"migrate_s": migrated - started, "load_s": time.perf_counter() - migrated}


def database_facts(session, point):
    """What was loaded, the database's version, and its plan for the lookup of ``point``."""
    dialect = session.get_bind().dialect.name
    lon, lat = point
    plan = session.execute(text(EXPLAIN[dialect] + str(LOOKUP_QUERIES[dialect]["exact"])),
                           {"lon": lon, "lat": lat})
    return {"grids": session.scalar(select(func.count()).select_from(Grid)),
            "villages": session.scalar(select(func.count()).select_from(Village)),
            "database": session.scalar(text(DATABASE_VERSION[dialect])),
            "plan": [" | ".join(map(str, row)) for row in plan]}


def measure(backend, database_url, grid_count, args):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})
    rng = np.random.default_rng(args.seed)
    with app.app_context():
        session = db.session
        area, build_seconds = build(session, grid_count, rng)
        points = random_points(rng, area, args.warmup + args.lookups).tolist()
        warmup_points, points = points[:args.warmup], points[args.warmup:]
        loadavg_before = wait_for_quiet(args.quiet_below, log=progress)
        timings, answers = time_lookups(session, warmup_points, points)
        loadavg_after = loadavg()
        expected = expected_grid_ids(session, points)
        result = {
            "backend": backend, "lookups": len(points), "warmup": len(warmup_points),
            "seed": args.seed,
            "median_ms": np.median(timings) / 1e6,
            "p99_ms": np.percentile(timings, 99) / 1e6,
            "mean_ms": timings.mean() / 1e6,
            "hit_share": sum(answer is not None for answer in answers) / len(answers),
            "agree_share": sum(map(operator.eq, answers, expected)) / len(answers),
            **build_seconds, "loadavg_before": loadavg_before, "loadavg_after": loadavg_after,
            **database_facts(session, points[-1]),
        }
        session.remove()
        db.engine.dispose()
    return result


# --- scratch databases -------------------------------------------------------------------------

@contextmanager
def spatialite_database(args, grid_count):
    with tempfile.TemporaryDirectory(prefix=f"bench_locate_{grid_count}_") as directory:
        yield f"sqlite:///{directory}/bench.sqlite"


def postgis_database(args, grid_count):
    return scratch_postgis(f"locate_{grid_count}", args.postgres_url)


SCRATCH_DATABASES = {"spatialite": spatialite_database, "postgis": postgis_database}


# --- report ------------------------------------------------------------------------------------

TABLE_HEADERS = ["backend", "grids", "lookups", "median ms", "p99 ms", "hits", "correct", "load s",
                 "load avg", "database", "cores", "CPU", "date"]


def table_row(result, host):
    return [result["backend"], f"{result['grids']:,}", f"{result['lookups']:,}",
            fmt(result["median_ms"], 3), fmt(result["p99_ms"], 3), f"{result['hit_share']:.2%}",
            f"{result['agree_share']:.2%}", fmt(result["load_s"]), fmt(result["loadavg_after"][0]),
            result["database"], host["cores"], host["cpu"], host["date"][:10]]


def progress(message):
    print(message, file=sys.stderr, flush=True)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=[*SCRATCH_DATABASES, "both"], default="both")
    parser.add_argument("--grids", choices=[*map(str, GRID_LOADERS), "both"], default="both")
    parser.add_argument("--lookups", type=int, default=10_000, help="timed lookups per run")
    parser.add_argument("--warmup", type=int, default=1_000, help="untimed lookups first")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--postgres-url", help="any database on the PostgreSQL server to use")
    parser.add_argument("--quiet-below", type=float, default=1.5,
                        help="wait for the 1-minute load average to fall below this before timing")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    backends = list(SCRATCH_DATABASES) if args.backend == "both" else [args.backend]
    grid_counts = list(GRID_LOADERS) if args.grids == "both" else [int(args.grids)]
    host = machine()
    results = []
    for backend, grid_count in itertools.product(backends, grid_counts):
        progress(f"{backend}, {grid_count:,} grids …")
        with SCRATCH_DATABASES[backend](args, grid_count) as database_url:
            results.append(measure(backend, database_url, grid_count, args))
    print(markdown_table(TABLE_HEADERS, [table_row(result, host) for result in results]))
    print(f"\nresults: {write_results('locate', {'machine': host, 'results': results})}")


if __name__ == "__main__":
    main()
