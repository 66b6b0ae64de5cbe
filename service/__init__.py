"""松源镇网格化治理服务: the Flask application factory."""
from pathlib import Path

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from config import INSTANCE_DIR, load_config
from geo.engine import end_read_only, engine_options, install_hooks, read_only_transaction
from service.extensions import db, jwt, migrate

__version__ = "0.1.0"

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def create_app(config_name=None, overrides=None):
    config = load_config(config_name)
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    app.config.from_mapping(config.as_dict())
    app.config.update(overrides or {})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **engine_options(app.config["SQLALCHEMY_DATABASE_URI"]),
        **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
    }
    app.json.ensure_ascii = False
    if app.config["PROXIES_IN_FRONT"]:
        proxies = app.config["PROXIES_IN_FRONT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    db.init_app(app)
    with app.app_context():
        install_hooks(db.engine, app.config["DB_PING_AFTER_IDLE_SECONDS"])
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), compare_type=True)
    jwt.init_app(app)

    from service import models  # noqa: F401  (complete metadata)
    from service.errors import register_error_handlers
    from service.openapi import create_api
    from service.schema_base import IdConverter
    register_error_handlers(app)
    app.url_map.converters["int"] = IdConverter
    create_api(app)

    from service.cli import register_commands
    register_commands(app)

    @app.before_request
    def _read_only_requests_share_the_database():
        if request.method in SAFE_METHODS and request.endpoint not in (None, "health.Health"):
            read_only_transaction(db.session)

    from service.reads.record import write_noted_reads
    from service.auth.api_keys import write_use as write_access_key_use
    from service.auth.key_budget import tell_budget
    app.after_request(write_noted_reads)
    app.after_request(write_access_key_use)
    app.after_request(tell_budget)

    @app.teardown_request
    def _read_only_requests_end_by_commit(error):
        if error is None:
            end_read_only(db.session)

    return app
