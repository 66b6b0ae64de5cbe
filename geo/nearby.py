"""Distance conditions in metres on WGS 84 points, per dialect, with a bounding-box prefilter
that lets the spatial index make the first cut."""
import math

from sqlalchemy import func, literal_column, text

METRES_PER_DEGREE_LAT = 111_320.0


def _envelope(lon, lat, metres):
    dlat = metres / METRES_PER_DEGREE_LAT
    dlon = metres / (METRES_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 0.01))
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat


def make_point(dialect_name, lon, lat):
    if dialect_name == "sqlite":
        return func.MakePoint(lon, lat, 4326)
    return func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)


def distance_metres(dialect_name, column, lon, lat):
    point = make_point(dialect_name, lon, lat)
    if dialect_name == "sqlite":
        return func.ST_Distance(column, point, 1)  # 1: on the ellipsoid, in metres
    return func.ST_Distance(func.geography(column), func.geography(point))


def within_metres(dialect_name, column, lon, lat, metres):
    west, south, east, north = _envelope(lon, lat, metres)
    if dialect_name == "sqlite":
        table = column.table.name
        in_box = literal_column(f"{table}.ROWID").in_(text(
            "SELECT ROWID FROM SpatialIndex WHERE f_table_name = :nearby_table"
            " AND f_geometry_column = :nearby_column"
            " AND search_frame = BuildMbr(:west, :south, :east, :north, 4326)"
        ).bindparams(nearby_table=table, nearby_column=column.name, west=west, south=south,
                     east=east, north=north))
        return in_box & (distance_metres(dialect_name, column, lon, lat) <= metres)
    box = func.ST_MakeEnvelope(west, south, east, north, 4326)
    return column.op("&&")(box) & func.ST_DWithin(
        func.geography(column), func.geography(make_point(dialect_name, lon, lat)), metres)
