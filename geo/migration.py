"""Alembic hooks for spatial databases: geoalchemy2's helpers, and the extension's own
tables kept out of autogenerate comparisons."""
import sqlalchemy as sa
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


def create_append_only_guard(op, table):
    """Database triggers that refuse UPDATE and DELETE on a case-record table."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")
        return
    op.execute("CREATE OR REPLACE FUNCTION refuse_case_record_change() RETURNS trigger "
               "LANGUAGE plpgsql AS $$ BEGIN "
               "RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$")
    op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
               "FOR EACH ROW EXECUTE FUNCTION refuse_case_record_change()")


def drop_append_only_guard(op, table):
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
        return
    op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")


def create_rewrite_guard(op, table):
    """Triggers that refuse the two ways around the append-only guard: on SQLite an INSERT
    that replaces an entry (REPLACE deletes the old row without firing DELETE triggers), on
    PostgreSQL a TRUNCATE (it fires no row triggers)."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
                   f"WHEN EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id) "
                   f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")
        return
    op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
               "FOR EACH STATEMENT EXECUTE FUNCTION refuse_case_record_change()")


def drop_rewrite_guard(op, table):
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_replace")
        return
    op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")


def add_reference_column(op, table, column, referred_table):
    """A nullable integer column referring to ``referred_table.id``. SQLite takes a column's
    reference only inline; copying the table instead (batch mode) would drop its triggers."""
    constraint = f"fk_{table}_{column}_{referred_table}"
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER "
                   f"CONSTRAINT {constraint} REFERENCES {referred_table} (id)")
        return
    op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
    op.create_foreign_key(op.f(constraint), table, referred_table, [column], ['id'])
