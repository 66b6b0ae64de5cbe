"""GeoJSON (RFC 7946) in and out of the geometry columns."""
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import MultiPolygon, Polygon, mapping

from geo.types import SRID


def to_geojson(element):
    """A geometry column value as a GeoJSON geometry dict (lists, not tuples)."""
    if element is None:
        return None
    return _lists(mapping(to_shape(element)))


def _lists(value):
    if isinstance(value, (list, tuple)):
        return [_lists(item) for item in value]
    if isinstance(value, dict):
        return {key: _lists(item) for key, item in value.items()}
    return value


def to_column(shape):
    """A shapely geometry as a value for a geometry column (SRID 4326)."""
    if isinstance(shape, Polygon):
        shape = MultiPolygon([shape])
    return from_shape(shape, srid=SRID)


def feature(geometry, properties, feature_id=None):
    return {"type": "Feature", "id": feature_id, "geometry": geometry, "properties": properties}


def feature_collection(features, **members):
    return {"type": "FeatureCollection", "features": list(features), **members}
