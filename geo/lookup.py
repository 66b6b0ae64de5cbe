"""Point → grid lookup, through each database's spatial index.

A point on an edge shared by several grids touches all of them; the lowest grid code wins,
so the answer is one grid, the same every time. A point that misses every grid by floating-point
noise only (closer than ``EDGE_TOLERANCE_DEG``, about 1 mm) still resolves.
"""
from functools import lru_cache

from sqlalchemy import Integer, text

EDGE_TOLERANCE_DEG = 1e-8

_QUERIES = {
    "postgresql": {
        "exact": """
            SELECT id FROM grids
            WHERE ST_Intersects(boundary, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
            ORDER BY code LIMIT 1""",
        "near": """
            SELECT id FROM grids
            WHERE ST_DWithin(boundary, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :tolerance)
            ORDER BY ST_Distance(boundary, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)), code
            LIMIT 1""",
    },
    "sqlite": {
        "exact": """
            SELECT id FROM grids
            WHERE ROWID IN (SELECT ROWID FROM SpatialIndex WHERE f_table_name = 'grids'
                            AND f_geometry_column = 'boundary'
                            AND search_frame = MakePoint(:lon, :lat, 4326))
              AND ST_Intersects(boundary, MakePoint(:lon, :lat, 4326))
            ORDER BY code LIMIT 1""",
        "near": """
            SELECT id FROM grids
            WHERE ROWID IN (SELECT ROWID FROM SpatialIndex WHERE f_table_name = 'grids'
                            AND f_geometry_column = 'boundary'
                            AND search_frame = BuildMbr(:lon - :tolerance, :lat - :tolerance,
                                                        :lon + :tolerance, :lat + :tolerance, 4326))
              AND ST_Distance(boundary, MakePoint(:lon, :lat, 4326)) <= :tolerance
            ORDER BY ST_Distance(boundary, MakePoint(:lon, :lat, 4326)), code LIMIT 1""",
    },
}


_QUERIES = {dialect: {name: text(sql) for name, sql in queries.items()}
            for dialect, queries in _QUERIES.items()}


def _first_found(session, lon, lat, statement_of, fetch=lambda result: result.scalar()):
    """The first answer of the exact lookup, else of the near one (``statement_of(dialect,
    kind)`` gives each statement, ``fetch`` takes the answer from its result)."""
    params = {"lon": float(lon), "lat": float(lat), "tolerance": EDGE_TOLERANCE_DEG}
    dialect_name = session.get_bind().dialect.name
    for kind in ("exact", "near"):
        found = fetch(session.execute(statement_of(dialect_name, kind), params))
        if found is not None:
            return found
    return None


def locate_grid_id(session, lon: float, lat: float):
    """The id of the grid containing (lon, lat), or None when the point is in no grid."""
    return _first_found(session, lon, lat, lambda dialect_name, kind: _QUERIES[dialect_name][kind])


def locate_grid(session, grid_select, id_column, lon: float, lat: float):
    """The row of ``grid_select`` (a Core select of the grids table, perhaps joined) for the
    grid containing (lon, lat), found and read in one statement, or None. ``id_column`` is
    the grids table's id column. A plain row: no ORM loading on a report's busiest step."""
    return _first_found(session, lon, lat, lambda dialect_name, kind: _row_statement(
        dialect_name, kind, grid_select, id_column), fetch=lambda result: result.first())


@lru_cache(maxsize=64)
def _row_statement(dialect_name, kind, grid_select, id_column):
    """Built once per dialect, kind and select: a report looks its grid up every time
    (callers pass module-level selects)."""
    query = _QUERIES[dialect_name][kind].columns(id=Integer).scalar_subquery()
    return grid_select.where(id_column == query)
