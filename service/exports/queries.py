"""The rows of an export: the caller's scope in SQL (the API's own ``visible_to`` conditions),
read through a server-side cursor in batches, so that memory does not grow with the table.

Disputes are read as ORM objects (yield_per; parties and mediators come per batch through
their select-in loaders) so that the API's own ``sees_personal_data`` and ``party_item``
decide, row by row, whether a party's phone and ID number appear in full or masked.
Incidents are read as plain columns, with the point's coordinates from the database.
"""
import logging
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from service.deadlines import is_overdue
from service.disputes.parties import cipher, shown_in_full
from service.disputes.due import overdue
from service.disputes.presenters import party_item, sees_personal_data
from service.disputes.queries import visible_to as dispute_visible_to
from service.exports.labels import (AGREEMENT_FORM_NAMES, CATEGORY_NAMES, CHANNEL_NAMES,
                                    COMMITTEE_LEVEL_NAMES, DISPUTE_STATUS_NAMES,
                                    DISPUTE_TYPE_NAMES, INCIDENT_STATUS_NAMES, name_of)
from service.exports.writers import town_iso
from service.extensions import db
from service.incidents.queries import visible_to as incident_visible_to
from service.incidents.workflow import REVIEWS
from service.models import Dispute, DisputeParty, Grid, Incident, User, Village
from service.models.types import utcnow
from service.personal_data import PersonalDataError
from service.stats.period import EARLIEST_YEAR, LATEST_YEAR, bounds

log = logging.getLogger(__name__)

BATCH = 1000
SEPARATOR = "；"  # between the parties (and mediators) of one dispute, in one cell


def period(start: date | None, end: date | None):
    """UTC bounds [first, after_last) of the town-time dates; either side may be open."""
    if start is None and end is None:
        return None, None
    _, _, first, after_last = bounds(start or date(EARLIEST_YEAR, 1, 1),
                                     end or date(LATEST_YEAR, 12, 31))
    return (first if start else None), (after_last if end else None)


def _newest_first(stmt, model, filters, names):
    """``stmt`` over ``model`` newest first, read in batches, narrowed (``_narrowed``)."""
    return _narrowed(stmt.order_by(model.created_at.desc(), model.id.desc())
                     .execution_options(yield_per=BATCH), model, filters, names)


def _narrowed(stmt, model, filters, names):
    """``stmt`` narrowed by the export's filters: equality on each of ``names`` that is given,
    and the period of registration."""
    for name in names:
        if filters.get(name) is not None:
            stmt = stmt.where(getattr(model, name) == filters[name])
    first, after_last = period(filters.get("from_"), filters.get("to"))
    if first is not None:
        stmt = stmt.where(model.created_at >= first)
    if after_last is not None:
        stmt = stmt.where(model.created_at < after_last)
    return stmt


# --- disputes -------------------------------------------------------------------------------

DISPUTE_FILTERS = ("status", "village_id")
DISPUTE_COLUMNS = [  # (header, width in the spreadsheet)
    ("案件编号", 16), ("类别", 12), ("渠道", 11), ("状态", 12), ("村（社区）", 14), ("网格", 18),
    ("调解委员会", 24), ("调委会级别", 10), ("调解员", 16), ("当事人", 18), ("电话", 26),
    ("身份证号", 42), ("重大纠纷", 9), ("已上报镇调委会", 14), ("上报时间", 20), ("本阶段期限", 20),
    ("是否逾期", 9), ("协议内容", 30), ("协议形式", 9), ("协议金额（元）", 14), ("调解不成原因", 24),
    ("办结时间", 20), ("结案时间", 20), ("来源事件编号", 16), ("简要情况", 50),
]


def dispute_batches(user, scope, filters):
    """Batches of export rows for the disputes the caller may see, newest first. The query
    is built (and the period checked) at once; rows are read as the batches are consumed."""
    Source = aliased(Incident)
    stmt = (select(Dispute, Village.name, Grid.name, Source.number)
            .join(Village, Village.id == Dispute.village_id)
            .outerjoin(Grid, Grid.id == Dispute.grid_id)
            .outerjoin(Source, Source.id == Dispute.incident_id)
            .where(dispute_visible_to(user, scope)))
    stmt = _newest_first(stmt, Dispute, filters, DISPUTE_FILTERS)
    decrypt = _safe_decrypt(cipher().decrypt)
    return _read(stmt, lambda row: _dispute_row(user, scope, decrypt, *row))


def disputes_with_numbers_shown(user, scope, filters) -> int:
    """How many exported disputes show their parties' numbers unmasked, for the record."""
    stmt = select(func.count()).select_from(Dispute).where(
        dispute_visible_to(user, scope), shown_in_full(user, scope),
        Dispute.id.in_(select(DisputeParty.dispute_id).where(
            DisputeParty.phone.is_not(None) | DisputeParty.id_number_encrypted.is_not(None))))
    return db.session.scalar(_narrowed(stmt, Dispute, filters, DISPUTE_FILTERS))


def _safe_decrypt(decrypt):
    def safe(token):
        try:
            return decrypt(token)
        except PersonalDataError:
            log.warning("export: an ID number cannot be decrypted (PERSONAL_DATA_KEY changed?)")
            return "（无法解密）"
    return safe


def _dispute_row(user, scope, decrypt, dispute, village_name, grid_name, source_number):
    full = sees_personal_data(user, scope, dispute)
    parties = [party_item(party, full, decrypt) for party in dispute.parties]
    committee = dispute.committee
    amount = dispute.agreement_amount_yuan
    return (
        dispute.number, name_of(DISPUTE_TYPE_NAMES, dispute.type),
        name_of(CHANNEL_NAMES, dispute.channel), name_of(DISPUTE_STATUS_NAMES, dispute.status),
        village_name, grid_name, committee.name, name_of(COMMITTEE_LEVEL_NAMES, committee.level),
        SEPARATOR.join(m.user.name for m in dispute.mediators) or None,
        _joined(party["name"] for party in parties),
        _joined(party["phone"] for party in parties),
        _joined(party["id_number"] for party in parties),
        dispute.serious, dispute.escalated, dispute.received_at, dispute.due_at,
        overdue(dispute), dispute.agreement_terms,
        name_of(AGREEMENT_FORM_NAMES, dispute.agreement_form),
        amount, dispute.failure_reason, dispute.resolved_at, dispute.closed_at, source_number,
        dispute.description,
    )


def _joined(values):
    """One cell for several parties, in party order; a party without the value shows —."""
    values = list(values)
    if not any(values):
        return None
    return SEPARATOR.join(value or "—" for value in values)


# --- incidents ------------------------------------------------------------------------------

INCIDENT_COLUMNS = [
    ("案件编号", 16), ("类别", 10), ("渠道", 11), ("状态", 10), ("村（社区）", 14), ("网格", 18),
    ("网格编码", 17), ("上报人", 10), ("处置人", 10), ("经度", 12), ("纬度", 12),
    ("定位精度（米）", 13), ("发生时间", 20), ("上报时间", 20), ("更新时间", 20),
    ("本阶段期限", 20), ("是否逾期", 9), ("答复时间", 20), ("结案时间", 20), ("回访时间", 20),
    ("满意度", 8), ("复查复核", 10), ("关联纠纷编号", 16), ("事件描述", 50),
]
# A petition's review moments in the order they happen → how the cell reads when that one is
# the latest set: 复查中, 已复查, 复核中, 已复核.
REVIEW_STATES = {moment: label for stage, name in REVIEWS for moment, label in (
    (f"{stage}_requested_at", f"{name}中"), (f"{stage}_decided_at", f"已{name}"))}
REVIEW_MOMENTS = tuple(REVIEW_STATES)


def review_state(row):
    """A petition's review (复查) or re-review (复核) as one cell; None when none was asked for."""
    latest = [name for name in REVIEW_MOMENTS if getattr(row, name) is not None]
    return REVIEW_STATES[latest[-1]] if latest else None


def _incident_select(user, scope, filters):
    reporter, assignee = aliased(User), aliased(User)
    linked = aliased(Dispute)
    stmt = (select(Incident.id, Incident.number, Incident.category, Incident.channel,
                   Incident.status, Village.id.label("village_id"), Village.name.label("village"),
                   Grid.id.label("grid_id"), Grid.name.label("grid"), Grid.code.label("grid_code"),
                   reporter.name.label("reporter"), assignee.name.label("assignee"),
                   func.ST_X(Incident.location).label("lon"),
                   func.ST_Y(Incident.location).label("lat"),
                   Incident.accuracy_m, Incident.occurred_at, Incident.created_at,
                   Incident.updated_at, Incident.due_at, Incident.replied_at,
                   Incident.closed_at, Incident.visited_at, Incident.satisfaction,
                   *(getattr(Incident, name) for name in REVIEW_MOMENTS),
                   linked.number.label("dispute_number"),
                   Incident.dispute_id, Incident.description)
            .join(Village, Village.id == Incident.village_id)
            .join(Grid, Grid.id == Incident.grid_id)
            .join(reporter, reporter.id == Incident.reporter_id)
            .outerjoin(assignee, assignee.id == Incident.assignee_id)
            .outerjoin(linked, linked.id == Incident.dispute_id)
            .where(incident_visible_to(user, scope)))
    return _newest_first(stmt, Incident, filters, ("category", "status", "village_id"))


def _read(stmt, convert):
    """Batches of converted rows, read from a server-side cursor when first iterated."""
    for partition in db.session.execute(stmt).partitions():
        yield [convert(row) for row in partition]


def incident_batches(user, scope, filters):
    """Batches of export rows for the incidents the caller may see, newest first (the query
    is built and checked at once, rows are read as the batches are consumed)."""
    now = utcnow()
    return _read(_incident_select(user, scope, filters), lambda row: _incident_row(row, now))


def incident_feature_batches(user, scope, filters):
    """Batches of GeoJSON Features (a Point, or no geometry for a report made without GPS)."""
    now = utcnow()
    return _read(_incident_select(user, scope, filters), lambda row: _incident_feature(row, now))


def _incident_row(row, now):
    return (row.number, name_of(CATEGORY_NAMES, row.category),
            name_of(CHANNEL_NAMES, row.channel), name_of(INCIDENT_STATUS_NAMES, row.status),
            row.village, row.grid, row.grid_code, row.reporter, row.assignee,
            row.lon, row.lat, row.accuracy_m, row.occurred_at, row.created_at,
            row.updated_at, row.due_at, is_overdue(row.due_at, now), row.replied_at,
            row.closed_at, row.visited_at, row.satisfaction, review_state(row), row.dispute_number,
            row.description)


def _incident_feature(row, now):
    return {
        "type": "Feature", "id": row.id,
        "geometry": {"type": "Point", "coordinates": [row.lon, row.lat]}
        if row.lon is not None else None,
        "properties": {
            "number": row.number, "category": row.category,
            "category_name": name_of(CATEGORY_NAMES, row.category),
            "channel": row.channel, "channel_name": name_of(CHANNEL_NAMES, row.channel),
            "status": row.status, "status_name": name_of(INCIDENT_STATUS_NAMES, row.status),
            "village_id": row.village_id, "village": row.village,
            "grid_id": row.grid_id, "grid": row.grid, "grid_code": row.grid_code,
            "reporter": row.reporter, "assignee": row.assignee,
            "accuracy_m": row.accuracy_m, "occurred_at": town_iso(row.occurred_at),
            "created_at": town_iso(row.created_at), "updated_at": town_iso(row.updated_at),
            "due_at": town_iso(row.due_at), "overdue": is_overdue(row.due_at, now),
            "replied_at": town_iso(row.replied_at), "closed_at": town_iso(row.closed_at),
            "visited_at": town_iso(row.visited_at), "satisfaction": row.satisfaction,
            **{name: town_iso(getattr(row, name)) for name in REVIEW_MOMENTS},
            "dispute_id": row.dispute_id, "dispute_number": row.dispute_number,
            "description": row.description,
        },
    }
