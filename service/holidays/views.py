"""GET and PUT /calendar/{year}: the holidays that working-day time limits count by."""
from flask import request
from flask_jwt_extended import current_user
from flask_smorest import Blueprint

from service.auth.current import login_required
from service.holidays import actions
from service.holidays.schemas import CalendarYearSchema, CalendarYearsSchema, NoticeSchema
from service.models.types import utcnow
from service.schema_base import IF_MATCH_DOC, town_time

blp = Blueprint("calendar", __name__, url_prefix="/api/v1",
                description="节假日安排：按工作日计的期限（12345 工单、纠纷受理、督办）据此计算")


def _answer(view):
    return view, 200, {"ETag": f'"{actions.etag_of(view["year"], view["version"])}"'}


@blp.route("/calendar", methods=["GET"])
@login_required
@blp.response(200, CalendarYearsSchema)
def calendar_years():
    """节假日安排一览：今年、明年和录入过的年份各依据什么（明年为 weekends_only 时应录入）"""
    return {"items": actions.years_view(town_time(utcnow()).date())}


@blp.route("/calendar/<int:year>", methods=["GET"])
@login_required
@blp.response(200, CalendarYearSchema)
def calendar_year(year):
    """某年的放假和调休上班日，及其依据（本镇录入、内置数据或只按周末）"""
    return _answer(actions.year_view(year))


@blp.route("/calendar/<int:year>", methods=["PUT"])
@login_required
@blp.arguments(NoticeSchema)
@blp.response(200, CalendarYearSchema)
@blp.doc(**IF_MATCH_DOC)
def enter_notice(body, year):
    """录入（或更正）某年的节假日安排（管理员），按新安排重算期限

    替换该年原有的安排；到期日在变动日之后、未办结的纠纷和事件按新安排重算期限，变了的记入案卷。
    """
    return _answer(actions.enter_notice(current_user, year, body, request.headers.get("If-Match")))
