"""Alembic hooks for spatial databases: geoalchemy2's helpers, and the extension's own
tables kept out of autogenerate comparisons."""
from geoalchemy2 import alembic_helpers

# Tables and views that SpatiaLite's InitSpatialMetaData or PostGIS create for themselves.
SPATIAL_INTERNAL_PREFIXES = (
    "geometry_columns", "spatial_ref_sys", "spatialite_history", "sqlite_", "views_geometry_columns",
    "virts_geometry_columns", "idx_", "SpatialIndex", "ElementaryGeometries", "KNN", "data_licenses",
    "sql_statements_log", "SE_", "rl2map_", "topology", "layer", "vector_layers", "raster_",
    "wms_", "ISO_metadata", "networks", "stored_", "geom_cols_ref_sys", "spatial_ref_sys_",
)

writer = alembic_helpers.writer
render_item = alembic_helpers.render_item


def include_object(obj, name, obj_type, reflected, compare_to):
    if obj_type == "table" and reflected and compare_to is None:
        return not name.startswith(SPATIAL_INTERNAL_PREFIXES)
    return alembic_helpers.include_object(obj, name, obj_type, reflected, compare_to)


def configure_args():
    return {"include_object": include_object, "process_revision_directives": writer,
            "render_item": render_item, "compare_type": True}
