"""Helpers shared by the dispute tests: people, places, opening disputes, driving the workflow,
reading rows behind the API's back, running the ``flask disputes …`` commands.

Every test here takes ``app`` (directly or through ``client``/``auth``), so it runs on
SpatiaLite and on PostGIS, each time on a fresh copy of the demo town.
"""
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from geoalchemy2.shape import to_shape
from sqlalchemy import func, select, text

from service.extensions import db
from service.models import (Committee, Dispute, DisputeEvent, DisputeParty, Incident,
                            Notification, RoutingDecision, Village)
from tests.town import (API, GRID_A1, GRID_A2, GRID_B1, GRID_B2, PROBLEM_JSON,  # noqa: F401
                        VILLAGE_A, VILLAGE_B, grid, village)
from tests.problems import assert_problem  # noqa: F401

L4_A1, L4_A2, L4_B1 = f"l4-{GRID_A1}", f"l4-{GRID_A2}", f"l4-{GRID_B1}"
L3_A, L3_B = f"l3-{VILLAGE_A}", f"l3-{VILLAGE_B}"
L2_A, L2_B = "l2-04", "l2-08"
HEAD_A, MED_A2, MED_A3 = (f"med-{VILLAGE_A}-{n}" for n in (1, 2, 3))
HEAD_B, MED_B2 = f"med-{VILLAGE_B}-1", f"med-{VILLAGE_B}-2"
TOWN_HEAD, TOWN_MED2, TOWN_MED3 = "med-town-1", "med-town-2", "med-town-3"

ID_NUMBER = "11010519491231002X"
ID_MASKED = "110105********002X"
PHONE = "13812345678"
PHONE_MASKED = "138****5678"
PARTIES = [{"name": "张三", "phone": PHONE, "id_number": ID_NUMBER},
           {"name": "李四", "phone": "13900001111"}]


@pytest.fixture(autouse=True)
def one_request_one_context(fresh_request_context):
    """Every test request here runs in a context of its own (tests/conftest.py)."""


# --- places and people --------------------------------------------------------------

def village_id(code) -> int:
    the_id = village(code).id
    db.session.remove()
    return the_id


def point_in(grid_code):
    point = to_shape(grid(grid_code).boundary).representative_point()
    db.session.remove()
    return point.x, point.y


def geojson(point):
    return {"type": "Point", "coordinates": list(point)}


def user_id(auth, username):
    return auth.tokens(username)["user"]["id"]


def committee_of(village_code=None):
    """(id, name) of the village's committee, or of the town committee."""
    if village_code is None:
        row = db.session.scalar(select(Committee).where(Committee.level == "town"))
    else:
        row = db.session.scalar(select(Committee).join(Village, Village.id == Committee.village_id)
                                .where(Village.code == village_code))
    result = (row.id, row.name)
    db.session.remove()
    return result


# --- opening disputes ---------------------------------------------------------------

def dispute_details(**overrides):
    details = {"type": "neighbour", "parties": [dict(p) for p in PARTIES]}
    details.update(overrides)
    return details


def report_body(grid_code, **details):
    return {"client_id": str(uuid.uuid4()), "category": "dispute",
            "description": "两户因宅基地边界争执，已发生口角", "location": geojson(point_in(grid_code)),
            "accuracy_m": 8, "channel": "grid_worker", "dispute": dispute_details(**details)}


def report(client, auth, username, grid_code=None, **details):
    """POST /incidents with category dispute, by ``username`` (an l4 worker: in their grid)."""
    grid_code = grid_code or (username[3:] if username.startswith("l4-") else GRID_A1)
    return client.post(f"{API}/incidents", json=report_body(grid_code, **details),
                       headers=auth.headers(username))


def reported(client, auth, username=L4_A1, grid_code=None, **details):
    """A field report that opened a dispute: (incident JSON, dispute JSON as the reporter sees it)."""
    response = report(client, auth, username, grid_code, **details)
    assert response.status_code == 201, response.get_json()
    incident = response.get_json()
    assert incident["dispute_id"], incident
    dispute = get(client, auth, username, incident["dispute_id"])
    assert dispute.status_code == 200, dispute.get_json()
    return incident, dispute.get_json()


def intake(client, auth, username="center01", village_code=VILLAGE_A, channel="walk_in",
           **details):
    body = {"channel": channel, "description": "来访群众反映邻里纠纷",
            "village_id": village_id(village_code), "dispute": dispute_details(**details)}
    return client.post(f"{API}/disputes", json=body, headers=auth.headers(username))


def intaken(client, auth, username="center01", village_code=VILLAGE_A, **details):
    response = intake(client, auth, username, village_code, **details)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# --- the workflow -------------------------------------------------------------------

def get(client, auth, username, dispute_id):
    return client.get(f"{API}/disputes/{dispute_id}", headers=auth.headers(username))


def listed_ids(client, auth, username, **query):
    response = client.get(f"{API}/disputes", query_string={"limit": 200, **query},
                          headers=auth.headers(username))
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def act(client, auth, username, dispute_id, path, body=None, if_match=None):
    headers = {"If-Match": if_match} if if_match else {}
    return client.post(f"{API}/disputes/{dispute_id}/{path}", json=body or {},
                       headers=auth.headers(username, **headers))


def acted(client, auth, username, dispute_id, path, body=None, if_match=None):
    response = act(client, auth, username, dispute_id, path, body, if_match)
    assert response.status_code == 200, (path, username, response.get_json())
    answer = response.get_json()
    assert "due_at" in answer and "overdue" in answer, answer
    assert response.headers["ETag"]
    return answer


def town_iso(moment):
    return moment.astimezone(timezone(timedelta(hours=8))).isoformat()


def now_iso(**delta):
    return town_iso(datetime.now(timezone.utc) + timedelta(**delta))


def session_body(**overrides):
    return {"held_at": now_iso(minutes=-1), "summary": "双方到场，陈述各自主张", **overrides}


AGREEMENT = {"terms": "甲方向乙方赔偿损失并恢复原界址", "form": "written", "amount_yuan": "3500.00",
             "perform_by": "2030-06-30"}


def drive(client, auth, dispute_id, status, head=HEAD_A, mediator=MED_A2):
    """Take a village dispute in ``received`` to ``status`` through the API; the last answer."""
    steps = {
        "received": [],
        "accepted": [(head, "accept", {})],
        "declined": [(head, "decline", {"reason": "一方明确拒绝调解"})],
        "mediating": [(head, "accept", {}), (head, "assign", {"mediator_ids": [mediator]})],
        "failed": [(head, "accept", {}), (head, "assign", {"mediator_ids": [mediator]}),
                   (mediator, "resolve", {"outcome": "failed", "reason": "双方分歧过大"})],
        "agreed": [(head, "accept", {}), (head, "assign", {"mediator_ids": [mediator]}),
                   (mediator, "resolve", {"outcome": "agreed", "agreement": AGREEMENT})],
        "referred": [(head, "accept", {}), (head, "assign", {"mediator_ids": [mediator]}),
                     (mediator, "resolve", {"outcome": "failed", "reason": "双方分歧过大"}),
                     (head, "close", {})],
        "closed": [(head, "accept", {}), (head, "assign", {"mediator_ids": [mediator]}),
                   (mediator, "resolve", {"outcome": "agreed", "agreement": AGREEMENT}),
                   (head, "close", {})],
    }[status]
    answer = None
    for username, path, body in steps:
        if "mediator_ids" in body:
            body = {"mediator_ids": [user_id(auth, name) for name in body["mediator_ids"]]}
        answer = acted(client, auth, username, dispute_id, path, body)
    if answer is not None:
        assert answer["status"] == status, answer
    return answer


# --- rows behind the API ------------------------------------------------------------

def dispute_row(dispute_id) -> Dispute:
    db.session.remove()
    return db.session.get(Dispute, dispute_id)


def event_rows(dispute_id):
    db.session.remove()
    rows = db.session.scalars(select(DisputeEvent).where(DisputeEvent.dispute_id == dispute_id)
                              .order_by(DisputeEvent.sequence)).all()
    db.session.remove()
    return rows


def snapshot(dispute_id):
    """What a refused action must leave untouched."""
    row = dispute_row(dispute_id)
    state = {"status": row.status, "version": row.version, "committee_id": row.committee_id,
             "updated_at": row.updated_at, "due_at": row.due_at,
             "mediators": sorted(m.user_id for m in row.mediators),
             "events": len(event_rows(dispute_id))}
    db.session.remove()
    return state


def decisions(dispute_id):
    db.session.remove()
    rows = [(d.committee_id, d.rule_id, d.reason) for d in db.session.scalars(
        select(RoutingDecision).where(RoutingDecision.dispute_id == dispute_id)
        .order_by(RoutingDecision.id))]
    db.session.remove()
    return rows


def counts():
    db.session.remove()
    result = {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
              for model in (Dispute, DisputeParty, DisputeEvent, Incident, Notification)}
    db.session.remove()
    return result


def execute(sql, **params):
    """Run SQL directly and commit it."""
    db.session.remove()
    result = db.session.execute(text(sql), params)
    rowcount = result.rowcount
    db.session.commit()
    db.session.remove()
    return rowcount


def dialect():
    return db.engine.dialect.name


def drop_append_only_guard():
    if dialect() == "sqlite":
        execute("DROP TRIGGER dispute_events_no_update")
    else:
        execute("ALTER TABLE dispute_events DISABLE TRIGGER dispute_events_append_only")


def make_overdue(dispute_id, days=1):
    execute("UPDATE disputes SET due_at = :due WHERE id = :id",
            due=datetime.now(timezone.utc) - timedelta(days=days), id=dispute_id)


def cli(app, *args):
    db.session.remove()
    result = app.test_cli_runner().invoke(args=list(args))
    db.session.remove()
    return result


def cli_text(result):
    parts = [result.output or ""]
    try:
        parts.append(result.stderr or "")
    except ValueError:  # older Click: stderr mixed into output
        pass
    return "\n".join(parts)


# --- answers ------------------------------------------------------------------------

