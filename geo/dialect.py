"""SQL expressions whose spelling differs between SpatiaLite (SQLite) and PostGIS (PostgreSQL)."""
from sqlalchemy import func, literal_column

TOWN_UTC_OFFSET_HOURS = 8  # Asia/Shanghai keeps no daylight saving time


def town_month(dialect_name, column):
    """'YYYY-MM' of a UTC timestamp column, in the town's time."""
    if dialect_name == "sqlite":
        return func.strftime("%Y-%m", column, f"+{TOWN_UTC_OFFSET_HOURS} hours")
    return func.to_char(column.op("AT TIME ZONE")(literal_column("'Asia/Shanghai'")), "YYYY-MM")


def insert_unless_present(dialect_name, table, unique_columns):
    """``INSERT … ON CONFLICT (unique_columns) DO NOTHING`` into ``table`` (a model or a Table):
    a row that would break that unique key is not written, and RETURNING gives nothing for it."""
    if dialect_name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert
    return insert(table).on_conflict_do_nothing(index_elements=unique_columns)
