"""A dispute's whole life, from a grid worker's field report to the follow-up visit, through a
failed village mediation, an escalation and an agreement at the town committee."""
from datetime import datetime, timedelta

from sqlalchemy import select

from service.deadlines import deadline_for
from service.extensions import db
from service.models import Dispute, FollowUp, MediationSession
from tests.disputes.conftest import (AGREEMENT, API, HEAD_A, L4_A1, MED_A2, TOWN_HEAD,
                                     TOWN_MED2, TOWN_MED3, VILLAGE_A, acted, committee_of,
                                     decisions, dispute_row, event_rows, get, reported, town_iso,
                                     user_id)

ROUTING_REASONS = {
    "default": "小事不出村：由纠纷所在村（社区）人民调解委员会调解",
    "escalated": "村调委会调解不成或无法调解，上报镇人民调解委员会",
}


def test_a_dispute_from_field_report_to_follow_up(client, auth):
    village_committee, village_committee_name = committee_of(VILLAGE_A)
    town_committee, _ = committee_of(None)
    answers = []

    def step(username, dispute_id, path, body=None, *, etag=None):
        answer = acted(client, auth, username, dispute_id, path, body, etag)
        answers.append(answer)
        return answer

    # 1. A level-4 worker reports a dispute in their grid: the dispute opens at once.
    incident, dispute = reported(client, auth, L4_A1)
    dispute_id = dispute["id"]
    answers.append(dispute)
    assert incident["category"] == "dispute" and incident["dispute_id"] == dispute_id
    assert dispute["incident_id"] == incident["id"]
    assert dispute["status"] == "received"
    assert dispute["committee"] == {"id": village_committee, "name": village_committee_name,
                                    "level": "village", "village_id": incident["village"]["id"]}
    assert dispute["channel"] == "grid_worker" and dispute["type"] == "neighbour"
    assert len(dispute["parties"]) == 2 and dispute["mediators"] == []
    # The incident keeps pointing at its dispute.
    shown = client.get(f"{API}/incidents/{incident['id']}", headers=auth.headers(L4_A1)).get_json()
    assert shown["dispute_id"] == dispute_id
    # Routed by the rules table, and the decision kept with its reason.
    [(committee_id, rule_id, reason)] = decisions(dispute_id)
    assert committee_id == village_committee and rule_id is not None
    assert reason == ROUTING_REASONS["default"]
    row = dispute_row(dispute_id)
    assert row.grid_id == incident["grid"]["id"]
    received_at = row.received_at
    assert row.due_at == deadline_for("dispute.accept", received_at)
    db.session.remove()

    # 2. The village committee's head accepts and assigns a village mediator (using the ETag).
    head_view = get(client, auth, HEAD_A, dispute_id)
    accepted = step(HEAD_A, dispute_id, "accept", {"note": "受理"}, etag=head_view.headers["ETag"])
    assert accepted["status"] == "accepted" and accepted["version"] == dispute["version"] + 1
    mediating = step(HEAD_A, dispute_id, "assign", {"mediator_ids": [user_id(auth, MED_A2)]})
    assert mediating["status"] == "mediating"
    assert [m["id"] for m in mediating["mediators"]] == [user_id(auth, MED_A2)]

    # 3. Two mediation sessions, held between registration and now.
    now = datetime.now(received_at.tzinfo)
    for held_at, summary in ((received_at, "第一次调解：双方陈述"),
                             (max(received_at, now - timedelta(seconds=1)), "第二次调解：现场查看界址")):
        answer = step(MED_A2, dispute_id, "sessions",
                      {"held_at": town_iso(held_at), "summary": summary, "attendees": "张三、李四"})
        assert answer["status"] == "mediating"
    sessions = db.session.scalars(select(MediationSession).where(
        MediationSession.dispute_id == dispute_id).order_by(MediationSession.id)).all()
    assert [s.summary for s in sessions] == ["第一次调解：双方陈述", "第二次调解：现场查看界址"]
    assert all(received_at <= s.held_at <= datetime.now(received_at.tzinfo) for s in sessions)
    assert {s.recorded_by_id for s in sessions} == {user_id(auth, MED_A2)}
    db.session.remove()

    # 4. The village mediation fails, with its reason; the assigned mediator escalates.
    failed = step(MED_A2, dispute_id, "resolve", {"outcome": "failed", "reason": "双方分歧过大"})
    assert failed["status"] == "failed" and failed["failure_reason"] == "双方分歧过大"
    escalated = step(MED_A2, dispute_id, "escalate", {"reason": "村调委会调解不成，请镇调委会调解"})
    assert escalated["status"] == "received" and escalated["escalated"] is True
    assert escalated["committee"]["id"] == town_committee
    assert escalated["committee"]["level"] == "town" and escalated["committee"]["village_id"] is None
    assert escalated["mediators"] == []
    routed = decisions(dispute_id)
    assert [d[0] for d in routed] == [village_committee, town_committee]
    assert routed[1][2] == ROUTING_REASONS["escalated"]

    # 5. The town committee accepts, assigns a town mediator, who reaches an agreement.
    assert step(TOWN_HEAD, dispute_id, "accept")["status"] == "accepted"
    assigned = step(TOWN_HEAD, dispute_id, "assign", {"mediator_ids": [user_id(auth, TOWN_MED2)]})
    assert [m["id"] for m in assigned["mediators"]] == [user_id(auth, TOWN_MED2)]
    agreed = step(TOWN_MED2, dispute_id, "resolve", {"outcome": "agreed", "agreement": AGREEMENT})
    assert agreed["status"] == "agreed"
    assert agreed["agreement"]["terms"] == AGREEMENT["terms"]
    assert agreed["agreement"]["form"] == "written"
    assert agreed["agreement"]["amount_yuan"] == "3500.00"
    assert agreed["agreement"]["perform_by"] == "2030-06-30"
    # The return visit is due once the agreement's perform-by day is over.
    assert agreed["due_at"].startswith("2030-06-30T23:59:59")

    # 6. The head closes; a town mediator pays the follow-up visit.
    closed = step(TOWN_HEAD, dispute_id, "close", {"note": "协议已签订，结案"})
    assert closed["status"] == "closed"
    visited = step(TOWN_MED3, dispute_id, "follow-ups",
                   {"visited_at": town_iso(datetime.now(received_at.tzinfo)), "performed": True,
                    "satisfaction": 5, "note": "已按协议履行"})
    assert visited["status"] == "closed"
    assert visited["due_at"] is None and visited["overdue"] is False  # nothing left to do
    [visit] = db.session.scalars(select(FollowUp).where(FollowUp.dispute_id == dispute_id)).all()
    assert visit.performed is True and visit.satisfaction == 5
    assert visit.visitor_id == user_id(auth, TOWN_MED3)
    db.session.remove()

    # Every answer carried the current stage's deadline and whether it has passed.
    assert all("due_at" in a and "overdue" in a for a in answers)
    assert all(a["overdue"] is False for a in answers)
    assert all(a["due_at"] for a in answers[:-1])
    versions = [a["version"] for a in answers]
    assert versions == sorted(set(versions))

    # 7. The case record: every step, oldest first, numbered 1..n, hash-linked.
    expected = [("register", None, "received"), ("accept", "received", "accepted"),
                ("assign", "accepted", "mediating"), ("session", "mediating", "mediating"),
                ("session", "mediating", "mediating"), ("resolve", "mediating", "failed"),
                ("escalate", "failed", "received"), ("accept", "received", "accepted"),
                ("assign", "accepted", "mediating"), ("resolve", "mediating", "agreed"),
                ("close", "agreed", "closed"), ("follow_up", "closed", "closed")]
    actors = [L4_A1, HEAD_A, HEAD_A, MED_A2, MED_A2, MED_A2, MED_A2, TOWN_HEAD, TOWN_HEAD,
              TOWN_MED2, TOWN_HEAD, TOWN_MED3]
    response = client.get(f"{API}/disputes/{dispute_id}/events", headers=auth.headers(TOWN_HEAD))
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [(e["action"], e["from_status"], e["to_status"]) for e in items] == expected
    assert [e["action_name"] for e in items] == [
        "登记", "受理", "指派调解员", "记录调解", "记录调解", "办结调解", "上报镇调委会", "受理",
        "指派调解员", "办结调解", "结案", "回访"]
    assert [e["sequence"] for e in items] == list(range(1, len(expected) + 1))
    assert [e["actor"]["id"] for e in items] == [user_id(auth, name) for name in actors]
    assert items[5]["note"] == "双方分歧过大"
    created = [datetime.fromisoformat(e["created_at"]) for e in items]
    assert created == sorted(created)
    rows = event_rows(dispute_id)
    assert [r.hash for r in rows] == [e["hash"] for e in items]
    assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]

    final = dispute_row(dispute_id)
    assert isinstance(final, Dispute) and final.status == "closed" and final.closed_at
    assert final.version == answers[-1]["version"]
    db.session.remove()
    # The phone picks the same state up from GET.
    again = get(client, auth, TOWN_HEAD, dispute_id).get_json()
    assert again["status"] == "closed" and "due_at" in again and "overdue" in again
