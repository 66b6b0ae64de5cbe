"""The migrations create exactly the schema the models describe, on both databases."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from geo.migration import include_object
from service.extensions import db


def test_autogenerate_finds_nothing(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "include_object": include_object, "compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_every_model_table_exists(app):
    with db.engine.connect() as connection:
        existing = set(db.inspect(connection).get_table_names())
    assert set(db.metadata.tables) <= existing
