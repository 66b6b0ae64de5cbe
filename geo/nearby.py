"""Distance conditions in metres on WGS 84 points, per dialect, with a bounding-box prefilter
that lets the spatial index make the first cut.

The expressions take the point, the radius and the box as bound parameters
(``nearby_parameters``), so that a statement built once serves every point.
"""
import math

from sqlalchemy import bindparam, func, literal_column, text

METRES_PER_DEGREE_LAT = 111_320.0


def nearby_parameters(lon, lat, metres):
    """The parameters of ``within_metres`` and ``distance_metres`` for one point and radius."""
    dlat = metres / METRES_PER_DEGREE_LAT
    dlon = metres / (METRES_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 0.01))
    return {"nearby_lon": float(lon), "nearby_lat": float(lat), "nearby_metres": float(metres),
            "nearby_west": lon - dlon, "nearby_south": lat - dlat,
            "nearby_east": lon + dlon, "nearby_north": lat + dlat}


def _point(dialect_name):
    lon, lat = bindparam("nearby_lon"), bindparam("nearby_lat")
    if dialect_name == "sqlite":
        return func.MakePoint(lon, lat, 4326)
    return func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)


def distance_metres(dialect_name, column):
    point = _point(dialect_name)
    if dialect_name == "sqlite":
        return func.ST_Distance(column, point, 1)  # 1: on the ellipsoid, in metres
    return func.ST_Distance(func.geography(column), func.geography(point))


def within_metres(dialect_name, column):
    metres = bindparam("nearby_metres")
    if dialect_name == "sqlite":
        table = column.table.name
        in_box = literal_column(f"{table}.ROWID").in_(text(
            "SELECT ROWID FROM SpatialIndex WHERE f_table_name = :nearby_table"
            " AND f_geometry_column = :nearby_column"
            " AND search_frame = BuildMbr(:nearby_west, :nearby_south, :nearby_east,"
            " :nearby_north, 4326)"
        ).bindparams(bindparam("nearby_table", table), bindparam("nearby_column", column.name)))
        return in_box & (distance_metres(dialect_name, column) <= metres)
    box = func.ST_MakeEnvelope(bindparam("nearby_west"), bindparam("nearby_south"),
                               bindparam("nearby_east"), bindparam("nearby_north"), 4326)
    return column.op("&&")(box) & func.ST_DWithin(
        func.geography(column), func.geography(_point(dialect_name)), metres)
