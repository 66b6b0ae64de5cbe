"""GET /charts/*.png: the summary's figures as pictures, in the caller's scope and period."""
from flask import Response
from flask_jwt_extended import current_user
from flask_smorest import Blueprint

from geo.engine import plan_each_time
from service.auth.current import caller_scope, login_required
from service.charts import build
from service.extensions import db
from service.stats.schemas import SummaryQuerySchema
from service.stats.views import village_in_scope

blp = Blueprint("charts", __name__, url_prefix="/api/v1",
                description="统计图表（PNG）：与统计汇总相同的口径、时段与范围")

PNG = "image/png"
NOT_FOUND = "village_id 不存在或不在本人范围"
PNG_DOC = {"responses": {"200": {"description": "PNG 图片（约 1000–1200 像素宽），中文标注",
                                 "content": {PNG: {"schema": {"type": "string", "format": "binary"}}}}}}

# file name → (endpoint, the operation's summary in the OpenAPI document)
ROUTES = {
    "incidents-by-village.png": (
        "incidents_by_village", "图表：各村（社区）上报事件数（条形图），本人范围、所选时段（默认当年）"),
    "disputes-by-month.png": (
        "disputes_by_month", "图表：每月受理的矛盾纠纷数及其中调解成功的占比（按受理月份，镇所在时区）"),
    "grid-map.png": (
        "grid_map", "图表：网格分布图，按上报事件数着色（本人范围内的事件；给出 village_id 时只画该村）"),
}


def _chart_view(name, endpoint, summary):
    def view(args):
        plan_each_time(db.session)
        scope = caller_scope()
        if args["village_id"] is not None:
            village_in_scope(scope, args["village_id"])
        period = build.period_of(args["from_"], args["to"])
        png = build.CHARTS[name](current_user, scope, period, args["village_id"])
        response = Response(png, mimetype=PNG)
        response.headers["Cache-Control"] = "private, no-cache"
        response.headers["Content-Disposition"] = f'inline; filename="{name}"'
        return response

    view.__name__ = endpoint
    view.__doc__ = summary
    return view


for _name, (_endpoint, _summary) in ROUTES.items():
    blp.route(f"/charts/{_name}", endpoint=_endpoint)(
        login_required(blp.arguments(SummaryQuerySchema, location="query")(
            blp.response(200, description="PNG 图片", content_type=PNG)(
                blp.doc(**PNG_DOC)(blp.alt_response(404, response="NOT_FOUND", description=NOT_FOUND)(
                    _chart_view(_name, _endpoint, _summary)))))))
