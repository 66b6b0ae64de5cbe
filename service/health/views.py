"""GET /api/v1/health."""
import logging

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from geo.engine import SpatialSetupError
from service.errors import DatabaseUnavailable
from service.extensions import db

log = logging.getLogger(__name__)
blp = Blueprint("health", __name__, url_prefix="/api/v1", description="服务健康检查")

DATABASE_NAMES = {"postgresql": "postgis", "sqlite": "spatialite"}


class HealthSchema(ma.Schema):
    status = fields.String(metadata={"description": "ok"})
    database = fields.String(metadata={"description": "postgis 或 spatialite"})
    version = fields.String()


@blp.route("/health")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    @blp.doc(security=[])
    def get(self):
        """健康检查：服务与数据库是否可用（数据库不可达时 503）"""
        from service import __version__
        try:
            db.session.execute(text("SELECT 1"))
        except (SQLAlchemyError, SpatialSetupError) as exc:
            log.warning("health check: database unreachable: %s", exc)
            raise DatabaseUnavailable() from None
        return {"status": "ok", "database": DATABASE_NAMES[db.engine.dialect.name],
                "version": __version__}
