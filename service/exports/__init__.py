"""Exports (导出): disputes and incidents in the caller's scope, as CSV, Excel or GeoJSON."""
