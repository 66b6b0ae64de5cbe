"""marshmallow fields for GeoJSON input."""
import math

from marshmallow import ValidationError, fields


class PointField(fields.Field):
    """A GeoJSON Point in WGS 84 (lon, lat); loads as a (lon, lat) tuple."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return {"type": "Point", "coordinates": [value[0], value[1]]}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict) or value.get("type") != "Point":
            raise ValidationError("应为 GeoJSON Point：{\"type\": \"Point\", \"coordinates\": [经度, 纬度]}")
        coordinates = value.get("coordinates")
        if (not isinstance(coordinates, list) or len(coordinates) not in (2, 3)
                or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in coordinates)):
            raise ValidationError("coordinates 应为两个数字：[经度, 纬度]")
        lon, lat = float(coordinates[0]), float(coordinates[1])
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise ValidationError("坐标必须是有限数字")
        if abs(lat) > 90 and abs(lon) <= 90:
            raise ValidationError("经纬度顺序颠倒：GeoJSON 坐标应为 [经度, 纬度]")
        if abs(lon) > 180 or abs(lat) > 90:
            raise ValidationError("坐标超出范围：经度应在 -180～180，纬度应在 -90～90")
        return lon, lat
