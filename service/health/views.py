"""GET /api/v1/health."""
import logging

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from geo.engine import SpatialSetupError
from service.errors import DatabaseUnavailable, SchemaOutdated
from service.extensions import db
from service.health.schema import behind, code_revisions, database_revision

log = logging.getLogger(__name__)
blp = Blueprint("health", __name__, url_prefix="/api/v1", description="服务健康检查")

DATABASE_NAMES = {"postgresql": "postgis", "sqlite": "spatialite"}


class HealthSchema(ma.Schema):
    status = fields.String(metadata={"description": "ok"})
    database = fields.String(metadata={"description": "postgis 或 spatialite"})
    version = fields.String()
    schema = fields.String(metadata={"description": "数据库结构的迁移版本；比程序所需的旧时 503 schema_outdated"})
    schema_needed = fields.String(metadata={
        "description": "本版程序所需的迁移版本；数据库更新（新版程序已迁移、本进程尚未换代码）时仍为 200"})


@blp.route("/health")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE",
                      description="database_unavailable 数据库不可达；schema_outdated 数据库结构不是本版所需")
    @blp.doc(security=[])
    def get(self):
        """健康检查：服务与数据库是否可用（数据库不可达或结构不是本版所需时 503）"""
        from service import __version__
        try:
            db.session.execute(text("SELECT 1"))
        except (SQLAlchemyError, SpatialSetupError) as exc:
            log.warning("health check: database unreachable: %s", exc)
            raise DatabaseUnavailable() from None
        revision, needed = database_revision(db.session), code_revisions()[0]
        if behind(revision):
            log.warning("health check: database schema %s, code needs %s", revision, needed)
            raise SchemaOutdated(
                f"数据库结构{'尚未建立' if revision is None else f'为 {revision}'}，本版程序需要 {needed}："
                "请运行 flask --app service db upgrade（或 setup）",
                f"The database schema is {revision or 'missing'}; this code needs {needed}: "
                "run flask --app service db upgrade (or setup)")
        return {"status": "ok", "database": DATABASE_NAMES[db.engine.dialect.name],
                "version": __version__, "schema": revision, "schema_needed": needed}
