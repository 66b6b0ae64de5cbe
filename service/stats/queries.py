"""Aggregations in SQL, within the caller's scope: a few GROUP BYs per figure family, each over
keys with few combinations, folded into the family's breakdowns here.

Definitions (also in the README):
- incidents: reported (created) in the period; petitions are incidents of category ``petition``,
  counted by channel.
- disputes received: registered in the period. Mediated: mediation concluded (agreed or failed)
  in the period. Agreed: concluded with an agreement. Success rate: agreed / mediated.
  Agreement amount: the sum of agreed amounts. Performed: agreements with a follow-up visit
  that found them performed. Judicial confirmations: agreements confirmed by a court.
  By committee level: the committee that concluded (or holds) the case.
- escalated: disputes received in the period that went up to the town committee; supervised:
  督办 steps taken in the period on disputes (supervised_incidents: on incidents); overdue:
  disputes (overdue_incidents: incidents) received in the period whose current stage is past
  due now, as their own ``overdue`` says (a closed agreement whose return visit is late is
  overdue; an incident has a deadline only as a petition or a 12345 work order).
- return visits: of the incidents reported in the period, those visited (回访) and those rated
  4 or 5 of 5 there (satisfied); replied: of the petitions and 12345 work orders reported in
  the period, those answered (a 12345 petition counts in both); petitions' reviews_requested /
  re_reviews_requested: of the petitions reported in the period, those whose petitioner asked
  for a review (复查) / re-review (复核). All counted in the same pass as the incidents.
- awaiting: of the incidents reported in the period, those on each to-do list now (待答复,
  待回访, 待出具复查复核意见: service/incidents/awaiting.py), each counted from its list's index.
"""
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import and_, case, exists, func, literal, select, union_all

from service.disputes.due import overdue_condition
from service.incidents.due import overdue_condition as incident_overdue
from service.disputes.queries import visible_to as dispute_visible_to
from service.extensions import db
from service.incidents.awaiting import AWAITING, condition as awaiting_condition
from service.incidents.queries import visible_to as incident_visible_to
from service.incidents.workflow import ANSWER_AWAITED, SATISFIED, matched
from service.models import (Committee, Dispute, DisputeEvent, FollowUp, Incident, IncidentEvent,
                            Village)
from service.models.types import utcnow
from service.schema_base import TOWN_TIME_ZONE, town_time


MONTHS_PER_STATEMENT = 240  # SQLite allows at most 500 SELECTs in one UNION ALL


def _in(column, start, end):
    return and_(column >= start, column < end)


def incident_figures(user, scope, start, end, village_id=None, months=True):
    """Incident, petition and return-visit figures; ``months=False`` leaves ``by_month`` empty
    (one scan less)."""
    # Two GROUP BYs, not one over all five keys: with the month in the same key nearly every
    # row is a group of its own, and the aggregate sorts the whole period on disk.
    where = [_incident_scope(user, scope, village_id), _in(Incident.created_at, start, end)]
    by = defaultdict(Counter)
    petitions = Counter()
    asked = Counter(reviews_requested=0, re_reviews_requested=0)
    visits, replied = defaultdict(Counter), Counter({value: 0 for _field, value in ANSWER_AWAITED})
    satisfied = func.count(case((Incident.satisfaction >= SATISFIED, 1)))
    for (category, channel, status, village, count, visited, pleased, answered, reviews,
         re_reviews) in db.session.execute(
            select(Incident.category, Incident.channel, Incident.status, Incident.village_id,
                   func.count(), func.count(Incident.visited_at), satisfied,
                   func.count(Incident.replied_at), func.count(Incident.review_requested_at),
                   func.count(Incident.re_review_requested_at))
            .where(*where)
            .group_by(Incident.category, Incident.channel, Incident.status, Incident.village_id)):
        for name, key in (("category", category), ("channel", channel), ("status", status),
                          ("village", village)):
            by[name][key] += count
        if visited:
            visits[channel]["visited"] += visited
            visits[channel]["satisfied"] += pleased
        for value in matched(SimpleNamespace(category=category, channel=channel), ANSWER_AWAITED):
            replied[value] += answered
        if category == "petition":
            petitions[channel] += count
            asked["reviews_requested"] += reviews
            asked["re_reviews_requested"] += re_reviews
    by_month = _incidents_by_month(where, start, end) if months else []
    names = dict(db.session.execute(select(Village.id, Village.name)).all())
    return {
        "total": sum(by["category"].values()),
        "by_category": dict(by["category"]), "by_channel": dict(by["channel"]),
        "by_status": dict(by["status"]),
        "by_village": [{"village_id": v, "name": names.get(v), "count": n}
                       for v, n in sorted(by["village"].items())],
        "by_month": [{"month": m, "count": n} for m, n in sorted(by_month)],
    }, {"total": sum(petitions.values()), "by_channel": dict(petitions), **asked}, \
        _return_visit_figures(visits, replied)


def awaiting_figures(user, scope, start, end, village_id=None):
    """How many of the period's incidents each to-do list holds now."""
    where = [_incident_scope(user, scope, village_id), _in(Incident.created_at, start, end)]
    return {name: db.session.scalar(select(func.count()).select_from(Incident).where(
        *where, awaiting_condition(name, Incident.__table__.c))) for name in AWAITING}


def _return_visit_figures(visits, replied):
    visited = sum(counts["visited"] for counts in visits.values())
    satisfied = sum(counts["satisfied"] for counts in visits.values())
    return {
        "visited": visited, "satisfied": satisfied,
        "satisfaction_rate": round(satisfied / visited, 4) if visited else None,
        "by_channel": {channel: dict(counts) for channel, counts in visits.items()},
        "replied": dict(replied),
    }


def _incident_scope(user, scope, village_id=None):
    where = incident_visible_to(user, scope)
    return where if village_id is None else and_(where, Incident.village_id == village_id)


def _incidents_by_month(where, start, end):
    """[(YYYY-MM, count)]: one range count per town month, each answered from the created_at
    index — computing the month of every row instead costs more than the rest of the summary."""
    first, last = db.session.execute(
        select(func.min(Incident.created_at), func.max(Incident.created_at))
        .where(_in(Incident.created_at, start, end))).one()
    if first is None:
        return []
    counts = [select(literal(key).label("month"), func.count().label("n"))
              .where(*where, _in(Incident.created_at, low, high))
              for key, low, high in town_months(first, last)]
    found = []
    for at in range(0, len(counts), MONTHS_PER_STATEMENT):
        found += db.session.execute(union_all(*counts[at:at + MONTHS_PER_STATEMENT])).all()
    return [(key, n) for key, n in found if n]


def calendar_months(start, end):
    """(year, month) of each calendar month from ``start``'s to ``end``'s, both included."""
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def town_months(first, last):
    """('YYYY-MM', UTC start, UTC end) of each month in town time from ``first`` to ``last``."""
    for year, month in calendar_months(town_time(first), town_time(last)):
        start = datetime(year, month, 1, tzinfo=TOWN_TIME_ZONE)
        following = (start + timedelta(days=32)).replace(day=1)
        yield f"{start:%Y-%m}", start.astimezone(timezone.utc), following.astimezone(timezone.utc)


def _dispute_scope(user, scope, village_id):
    conditions = [dispute_visible_to(user, scope)]
    if village_id is not None:
        conditions.append(Dispute.village_id == village_id)
    return and_(*conditions)


def dispute_figures(user, scope, start, end, village_id=None):
    where = _dispute_scope(user, scope, village_id)
    blank = lambda: {"received": 0, "mediated": 0, "agreed": 0}  # noqa: E731
    by_level, by_type = defaultdict(blank), defaultdict(blank)
    by_status = Counter()
    received = db.session.execute(
        select(Committee.level, Dispute.type, Dispute.status, func.count())
        .join(Committee, Committee.id == Dispute.committee_id)
        .where(where, _in(Dispute.created_at, start, end))
        .group_by(Committee.level, Dispute.type, Dispute.status)).all()
    for level, kind, status, count in received:
        by_level[level]["received"] += count
        by_type[kind]["received"] += count
        by_status[status] += count
    performed = exists().where(FollowUp.dispute_id == Dispute.id, FollowUp.performed)
    agreed = Dispute.agreement_terms.is_not(None)
    concluded = db.session.execute(
        select(Committee.level, Dispute.type, agreed, performed, Dispute.judicially_confirmed,
               func.count(), func.sum(Dispute.agreement_amount_yuan))
        .join(Committee, Committee.id == Dispute.committee_id)
        .where(where, _in(Dispute.resolved_at, start, end))
        .group_by(Committee.level, Dispute.type, agreed, performed,
                  Dispute.judicially_confirmed)).all()
    totals = Counter()
    amount = Decimal(0)
    for level, kind, is_agreed, is_performed, confirmed, count, total in concluded:
        for bucket in (by_level[level], by_type[kind]):
            bucket["mediated"] += count
            bucket["agreed"] += count if is_agreed else 0
        totals["mediated"] += count
        if is_agreed:
            totals["agreed"] += count
            totals["performed"] += count if is_performed else 0
            totals["confirmed"] += count if confirmed else 0
            amount += Decimal(total or 0)
    mediated = totals["mediated"]
    return {
        "received": sum(by_status.values()), "mediated": mediated, "agreed": totals["agreed"],
        "failed": mediated - totals["agreed"],
        "success_rate": round(totals["agreed"] / mediated, 4) if mediated else None,
        "agreement_amount_yuan": f"{amount:.2f}", "agreements_performed": totals["performed"],
        "judicial_confirmations": totals["confirmed"],
        "by_status": dict(by_status), "by_committee_level": dict(by_level),
        "by_type": dict(by_type),
    }


def escalation_figures(user, scope, start, end, village_id=None):
    where = _dispute_scope(user, scope, village_id)
    received = _in(Dispute.created_at, start, end)
    incidents = _incident_scope(user, scope, village_id)
    count = lambda stmt: db.session.scalar(stmt) or 0  # noqa: E731
    return {
        "escalated_to_town": count(select(func.count()).where(where, received, Dispute.escalated)),
        "supervised": count(select(func.count()).select_from(DisputeEvent)
                            .join(Dispute, Dispute.id == DisputeEvent.dispute_id)
                            .where(where, DisputeEvent.action == "supervise",
                                   _in(DisputeEvent.created_at, start, end))),
        "overdue_disputes": count(select(func.count()).where(
            where, received, overdue_condition(utcnow()))),
        "supervised_incidents": count(select(func.count()).select_from(IncidentEvent)
                                      .join(Incident, Incident.id == IncidentEvent.incident_id)
                                      .where(incidents, IncidentEvent.action == "supervise",
                                             _in(IncidentEvent.created_at, start, end))),
        "overdue_incidents": count(select(func.count()).select_from(Incident).where(
            incidents, _in(Incident.created_at, start, end), incident_overdue(utcnow()))),
    }
