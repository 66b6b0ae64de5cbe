"""The flask-smorest Api of the service: blueprints, bearer security and problem+json errors."""
import http

from flask_smorest import Api
from flask_smorest.utils import prepare_response

from service.errors import PROBLEM_JSON
from service.schema_base import ProblemSchema


class ServiceApi(Api):
    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        """service.errors renders every error; flask-smorest's own handler stays out."""

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "错误（RFC 9457 problem+json）", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


def blueprints():
    from service.auth.views import blp as auth
    from service.geography.views import blp as geography
    from service.health.views import blp as health
    from service.disputes.views import blp as disputes
    from service.incidents.views import blp as incidents
    from service.notifications.views import blp as notifications
    from service.stats.views import blp as stats
    from service.exports.views import blp as exports
    from service.charts.views import blp as charts
    from service.people.views import blp as accounts
    from service.holidays.views import blp as calendar
    from service.reads.views import blp as reads
    from service.committees.views import blp as committees
    from service.georeport.views import blp as georeport
    return [health, auth, geography, incidents, disputes, notifications, stats, exports, charts,
            accounts, calendar, reads, committees, georeport]


def create_api(app) -> Api:
    app.config.setdefault("API_SPEC_OPTIONS", {
        "security": [{"bearerAuth": []}],
        "components": {"securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
        "info": {"description": "松源镇网格化治理服务 API：事件上报、矛盾纠纷调解与统计。"
                                "错误均为 RFC 9457 problem+json。"},
    })
    api = ServiceApi(app)
    for blueprint in blueprints():
        api.register_blueprint(blueprint)
    return api
