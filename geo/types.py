"""Column types for geometry, the same declaration on both databases (WGS 84)."""
from geoalchemy2 import Geometry

SRID = 4326


def multipolygon():
    return Geometry("MULTIPOLYGON", srid=SRID, spatial_index=True)


def point():
    return Geometry("POINT", srid=SRID, spatial_index=True)
