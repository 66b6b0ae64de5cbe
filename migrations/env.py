"""Alembic environment: the Flask app's engine and metadata, with the spatial helpers of geo/."""
import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from geo.migration import configure_args

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

db = current_app.extensions["migrate"].db


def run_migrations_online():
    with db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=db.metadata, **configure_args())
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("离线模式不受支持：请连接数据库执行迁移")
run_migrations_online()
