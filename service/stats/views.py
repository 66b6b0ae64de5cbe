"""GET /stats/summary and /stats/annual-report."""
from flask_jwt_extended import current_user
from flask_smorest import Blueprint
from sqlalchemy import select

from geo.engine import plan_each_time
from service.auth.current import caller_scope, login_required
from service.errors import NotFound
from service.extensions import db
from service.geography.queries import the_town
from service.models import Grid, Village
from service.stats import queries
from service.stats.period import bounds
from service.stats.report import annual_figures, text_zh
from service.stats.schemas import (AnnualQuerySchema, AnnualReportSchema, SummaryQuerySchema,
                                   SummarySchema)

blp = Blueprint("stats", __name__, url_prefix="/api/v1", description="统计与年度报告")


def village_in_scope(scope, village_id):
    village = db.session.get(Village, village_id)
    own_grid_villages = set(db.session.scalars(select(Grid.village_id).where(
        Grid.id.in_(sorted(scope.grid_ids))))) if scope.grid_ids else set()
    if village is None or not (scope.town_wide or village_id in scope.village_ids
                               or village_id in own_grid_villages):
        raise NotFound("村（社区）不存在", "Village not found")
    return village


@blp.route("/stats/summary")
@login_required
@blp.arguments(SummaryQuerySchema, location="query")
@blp.response(200, SummarySchema)
def summary(args):
    """统计汇总：任意时段（按镇所在时区的日期）、可按村，限本人范围"""
    plan_each_time(db.session)
    scope = caller_scope()
    if args["village_id"] is not None:
        village_in_scope(scope, args["village_id"])
    start, end, first, after_last = bounds(args["from_"], args["to"])
    incidents, petitions, return_visits = queries.incident_figures(
        current_user, scope, first, after_last, args["village_id"])
    return {"from_": start, "to": end, "village_id": args["village_id"],
            "incidents": incidents, "petitions": petitions,
            "disputes": queries.dispute_figures(current_user, scope, first, after_last,
                                                args["village_id"]),
            "escalations": queries.escalation_figures(current_user, scope, first, after_last,
                                                      args["village_id"]),
            "return_visits": return_visits,
            "awaiting": queries.awaiting_figures(current_user, scope, first, after_last,
                                                 args["village_id"])}


@blp.route("/stats/annual-report")
@login_required
@blp.arguments(AnnualQuerySchema, location="query")
@blp.response(200, AnnualReportSchema)
def annual_report(args):
    """年度报告：调解、信访等数字及一段中文表述"""
    plan_each_time(db.session)
    scope = caller_scope()
    figures = annual_figures(current_user, scope, args["year"])
    area = the_town().name if scope.town_wide else "本辖区"
    return {"year": args["year"], "figures": figures, "text_zh": text_zh(args["year"], figures, area)}
