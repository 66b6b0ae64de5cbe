"""Routing as data: grid → village → committee, with the rules the town keeps in routing_rules.

Each rule names a condition and the committee level it sends a dispute to; the first matching
rule by priority wins, and the decision is stored with the rule's reason.
"""
from sqlalchemy import select

from service.errors import Conflict
from service.models import Committee, RoutingDecision, RoutingRule

DEFAULT_RULES = [
    (10, "escalated", "town", "村调委会调解不成或无法调解，上报镇人民调解委员会"),
    (20, "serious", "town", "重大、疑难纠纷，由镇人民调解委员会调解"),
    (30, "multi_village", "town", "纠纷涉及多个村（社区），由镇人民调解委员会调解"),
    (100, "default", "village", "小事不出村：由纠纷所在村（社区）人民调解委员会调解"),
]


def conditions_of(dispute, escalated):
    return {"escalated": escalated, "serious": bool(dispute.serious),
            "multi_village": len({v.village_id for v in dispute.villages} | {dispute.village_id}) > 1,
            "default": True}


def route(session, dispute, escalated=False, at=None):
    """Choose the committee for ``dispute`` and record the decision; returns the committee."""
    with session.no_autoflush:  # a new dispute is flushed once it has its committee
        facts = conditions_of(dispute, escalated)
        rules = session.scalars(select(RoutingRule).order_by(RoutingRule.priority)).all()
        rule = next((rule for rule in rules if facts.get(rule.condition)), None)
        level = rule.target_level if rule else "village"
        if level == "town":
            committee = session.scalar(select(Committee).where(Committee.town_id == dispute.town_id,
                                                               Committee.level == "town"))
        else:
            committee = session.scalar(select(Committee).where(Committee.village_id == dispute.village_id))
    if committee is None:
        raise Conflict("找不到负责该纠纷的人民调解委员会，请先配置调委会",
                       "No mediation committee is configured for this dispute")
    dispute.committee_id = committee.id
    dispute.committee = committee
    session.flush()  # a new dispute gets its id here
    session.add(RoutingDecision(dispute_id=dispute.id, committee_id=committee.id,
                                rule_id=rule.id if rule else None,
                                reason=rule.reason if rule else DEFAULT_RULES[-1][3],
                                **({"decided_at": at} if at else {})))
    return committee
