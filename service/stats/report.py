"""The annual report's figures and its Chinese paragraph, in the style of the town's own report."""
from datetime import date

from service.stats import queries
from service.stats.period import bounds


def annual_figures(user, scope, year):
    start, end, first, after_last = bounds(date(year, 1, 1), date(year, 12, 31))
    incidents, petitions, _ = queries.incident_figures(user, scope, first, after_last,
                                                       months=False)
    disputes = queries.dispute_figures(user, scope, first, after_last)
    channels = petitions["by_channel"]
    return {
        "disputes_received": disputes["received"],
        "disputes_mediated": disputes["mediated"],
        "disputes_agreed": disputes["agreed"],
        "success_rate": disputes["success_rate"],
        "agreement_amount_yuan": disputes["agreement_amount_yuan"],
        "agreements_performed": disputes["agreements_performed"],
        "judicial_confirmations": disputes["judicial_confirmations"],
        "disputes_by_committee_level": disputes["by_committee_level"],
        "petitions_online": channels.get("online", 0),
        "petitions_walk_in": channels.get("walk_in", 0),
        "petitions_hotline_12345": channels.get("hotline_12345", 0),
        "petitions_letter": channels.get("letter", 0),
        "petitions_total": petitions["total"],
        "incidents_total": incidents["total"],
        "incidents_by_category": incidents["by_category"],
    }


def percent(rate):
    return "—" if rate is None else f"{rate * 100:.1f}".rstrip("0").rstrip(".") + "%"


def text_zh(year, figures, area_name):
    """A paragraph stating the figures, as the town writes them in its report."""
    parts = [f"{year}年，{area_name}镇村两级人民调解委员会共调处各类民事纠纷{figures['disputes_mediated']}宗，"
             f"调解成功{figures['disputes_agreed']}宗，调解成功率{percent(figures['success_rate'])}"]
    if figures["agreement_amount_yuan"] != "0.00":
        parts.append(f"，调解协议涉及金额{figures['agreement_amount_yuan']}元")
    parts.append("。")
    parts.append(f"共处理群众线上信访案件{figures['petitions_online']}宗，"
                 f"线下来访案件{figures['petitions_walk_in']}宗，"
                 f"12345政务服务便民热线{figures['petitions_hotline_12345']}宗")
    if figures["petitions_letter"]:
        parts.append(f"，来信{figures['petitions_letter']}宗")
    parts.append("，畅通群众利益诉求渠道。")
    parts.append(f"全年共登记各类事件{figures['incidents_total']}件（含信访）。")
    return "".join(parts)
