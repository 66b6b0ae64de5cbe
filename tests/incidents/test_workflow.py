"""The non-dispute workflow: transitions, who may act, versions and ETags, the case record."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import DBAPIError

from service.case_record import CaseRecordIsAppendOnly
from service.extensions import db
from service.incidents.actions import record
from service.models import Incident, IncidentEvent, User
from tests.incidents.conftest import (API, GRID_A1, GRID_A2, GRID_B1, VILLAGE_A, VILLAGE_B, act,
                                      acted, assert_problem, drive, event_rows, l2_of, reported,
                                      snapshot, user_id)

L4_A1, L4_A2, L4_B1 = f"l4-{GRID_A1}", f"l4-{GRID_A2}", f"l4-{GRID_B1}"
L3_A, L3_B = f"l3-{VILLAGE_A}", f"l3-{VILLAGE_B}"
STATUSES = ("reported", "accepted", "dispatched", "handled", "closed", "rejected")
ACTIONS = ("accept", "dispatch", "handle", "verify", "reject", "reply", "visit", "extend",
           "request_review", "decide_review")
# API.md: reported → accepted → dispatched → handled → closed, plus rejected; verify closes
# or sends back to dispatched. A dispatched incident may be dispatched again (reassigned).
# A closed one may be visited (回访); a grid worker's report is neither a 12345 work order
# (reply) nor a petition (extend, reply, reviews).
ALLOWED = {("reported", "accept"), ("reported", "reject"), ("accepted", "dispatch"),
           ("accepted", "reject"), ("dispatched", "dispatch"), ("dispatched", "handle"),
           ("handled", "verify"), ("closed", "visit")}


@pytest.fixture
def incident(client, auth):
    return reported(client, auth, L4_A1)


def _get(client, auth, username, incident_id, **headers):
    return client.get(f"{API}/incidents/{incident_id}", headers=auth.headers(username, **headers))


# --- the paths --------------------------------------------------------------------------

def test_the_full_path_from_report_to_close(client, auth, incident):
    iid = incident["id"]
    version = incident["version"]
    steps = [
        (L3_A, "accept", {"note": "已受理"}, "accepted"),
        (L3_A, "dispatch", {"assignee_id": user_id(auth, L4_A1), "note": "请网格员处置"}, "dispatched"),
        (L4_A1, "handle", {"note": "已清理落石"}, "handled"),
        ("center01", "verify", {"passed": True, "note": "核查通过"}, "closed"),
    ]
    for username, action, body, status in steps:
        response = act(client, auth, username, iid, action, **body)
        assert response.status_code == 200, (action, response.get_json())
        answer = response.get_json()
        assert answer["status"] == status
        assert answer["version"] == version + 1  # one change, one version
        version = answer["version"]
        assert response.headers["ETag"] == _get(client, auth, "center01", iid).headers["ETag"]
    assert answer["assignee"]["id"] == user_id(auth, L4_A1)

    events = client.get(f"{API}/incidents/{iid}/events", headers=auth.headers(L3_A)).get_json()["items"]
    assert [(e["action"], e["from_status"], e["to_status"], e["actor"]["id"], e["note"])
            for e in events] == [
        ("report", None, "reported", user_id(auth, L4_A1), None),
        ("accept", "reported", "accepted", user_id(auth, L3_A), "已受理"),
        ("dispatch", "accepted", "dispatched", user_id(auth, L3_A), "请网格员处置"),
        ("handle", "dispatched", "handled", user_id(auth, L4_A1), "已清理落石"),
        ("verify", "handled", "closed", user_id(auth, "center01"), "核查通过"),
    ]
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
    assert [e["created_at"] for e in events] == sorted(e["created_at"] for e in events)


def test_verify_not_passed_sends_it_back_to_dispatched(client, auth, incident):
    iid = incident["id"]
    drive(client, auth, iid, "handled")
    back = acted(client, auth, "center01", iid, "verify", passed=False, note="未清理干净")
    assert back["status"] == "dispatched"
    assert back["assignee"]["id"] == user_id(auth, L4_A1)  # still theirs to redo
    assert acted(client, auth, L4_A1, iid, "handle", note="已重新处置")["status"] == "handled"
    assert acted(client, auth, "center01", iid, "verify", passed=True)["status"] == "closed"
    assert [(e.action, e.from_status, e.to_status, e.note) for e in event_rows(iid)][-3:] == [
        ("verify", "handled", "dispatched", "未清理干净"), ("handle", "dispatched", "handled", "已重新处置"),
        ("verify", "handled", "closed", None)]
    assert [(e.action, e.to_status) for e in event_rows(iid)] == [
        ("report", "reported"), ("accept", "accepted"), ("dispatch", "dispatched"),
        ("handle", "handled"), ("verify", "dispatched"), ("handle", "handled"),
        ("verify", "closed")]


@pytest.mark.parametrize("start", ["reported", "accepted"])
def test_reject_from_reported_and_accepted(client, auth, incident, start):
    iid = incident["id"]
    drive(client, auth, iid, start)
    answer = acted(client, auth, L3_A, iid, "reject", note="不属于受理范围")
    assert answer["status"] == "rejected"
    last = event_rows(iid)[-1]
    assert (last.action, last.from_status, last.to_status, last.note) == (
        "reject", start, "rejected", "不属于受理范围")


def test_redispatch_moves_the_case_to_another_assignee(client, auth, incident):
    iid = incident["id"]
    drive(client, auth, iid, "dispatched")
    answer = acted(client, auth, "center01", iid, "dispatch", assignee_id=user_id(auth, L3_A))
    assert (answer["status"], answer["assignee"]["id"]) == ("dispatched", user_id(auth, L3_A))
    # The former assignee (an l4 worker) may no longer handle it.
    assert_problem(act(client, auth, L4_A1, iid, "handle"), 403, "forbidden")
    assert acted(client, auth, L3_A, iid, "handle")["status"] == "handled"


# --- invalid transitions ------------------------------------------------------------------

def _body_for(auth, action):
    """A body that would be valid for the action, so that only the state is wrong."""
    return {"dispatch": {"assignee_id": user_id(auth, L4_A1)}, "verify": {"passed": True},
            "reply": {"note": "已答复"}, "visit": {"satisfaction": 5},
            "extend": {"days": 5, "note": "需要时间"}, "request_review": {"note": "请求复查"},
            "decide_review": {"note": "维持"}}.get(action, {})


def test_every_invalid_state_action_pair_is_409_and_changes_nothing(client, auth):
    by_status = {}
    for status in STATUSES:
        iid = reported(client, auth, L4_A1)["id"]
        drive(client, auth, iid, status)
        by_status[status] = iid

    checked = 0
    for status, iid in by_status.items():
        for action in ACTIONS:
            if (status, action) in ALLOWED:
                continue
            before = snapshot(iid)
            response = act(client, auth, "center01", iid, action, **_body_for(auth, action))
            problem = assert_problem(response, 409, "invalid_transition")
            assert problem["detail"], (status, action)
            assert snapshot(iid) == before, (status, action)
            checked += 1
    assert checked == len(STATUSES) * len(ACTIONS) - len(ALLOWED)


def test_every_allowed_pair_is_allowed(client, auth):
    for status, action in sorted(ALLOWED):
        iid = reported(client, auth, L4_A1)["id"]
        drive(client, auth, iid, status)
        response = act(client, auth, "l1-01", iid, action, **_body_for(auth, action))
        assert response.status_code == 200, (status, action, response.get_json())


def test_closed_and_rejected_are_final_even_for_the_town_leader(client, auth):
    """No action moves them on; the return visit of a closed one leaves it closed."""
    for final in ("closed", "rejected"):
        iid = reported(client, auth, L4_A1)["id"]
        drive(client, auth, iid, final)
        for action in ACTIONS:
            response = act(client, auth, "l1-01", iid, action, **_body_for(auth, action))
            if (final, action) in ALLOWED:
                assert response.get_json()["status"] == final, action
            else:
                assert_problem(response, 409, "invalid_transition")


# --- who may act ------------------------------------------------------------------------

def test_level_4_may_report_and_handle_nothing_more(client, auth, incident):
    iid = incident["id"]
    before = snapshot(iid)
    assert_problem(act(client, auth, L4_A1, iid, "accept"), 403, "forbidden")
    assert_problem(act(client, auth, L4_A1, iid, "reject"), 403, "forbidden")
    assert snapshot(iid) == before

    acted(client, auth, "center01", iid, "accept")
    before = snapshot(iid)
    assert_problem(act(client, auth, L4_A1, iid, "dispatch", assignee_id=user_id(auth, L4_A1)),
                   403, "forbidden")
    assert snapshot(iid) == before

    # Dispatched to someone else: the l4 worker of the grid may not handle it.
    acted(client, auth, "center01", iid, "dispatch", assignee_id=user_id(auth, L3_A))
    before = snapshot(iid)
    assert_problem(act(client, auth, L4_A1, iid, "handle"), 403, "forbidden")
    assert snapshot(iid) == before

    # Dispatched to them: they may.
    acted(client, auth, "center01", iid, "dispatch", assignee_id=user_id(auth, L4_A1))
    assert acted(client, auth, L4_A1, iid, "handle")["status"] == "handled"
    before = snapshot(iid)
    assert_problem(act(client, auth, L4_A1, iid, "verify", passed=True), 403, "forbidden")
    assert snapshot(iid) == before


def test_out_of_scope_is_404_and_in_scope_but_not_allowed_is_403(client, auth, incident):
    iid = incident["id"]
    before = snapshot(iid)
    for username in (L4_A2, L4_B1, L3_B, l2_of(VILLAGE_B), "med-town-1", f"med-{VILLAGE_A}-1"):
        assert_problem(act(client, auth, username, iid, "accept"), 404, "not_found")
    assert_problem(act(client, auth, L4_A1, iid, "accept"), 403, "forbidden")
    assert snapshot(iid) == before


@pytest.mark.parametrize("supervisor", ["l1-01", L3_A, "l2 of A"])
def test_level_1_to_3_in_scope_accept_dispatch_handle_and_verify(client, auth, incident, supervisor):
    if supervisor == "l2 of A":
        supervisor = l2_of(VILLAGE_A)
    iid = incident["id"]
    acted(client, auth, supervisor, iid, "accept")
    acted(client, auth, supervisor, iid, "dispatch", assignee_id=user_id(auth, L4_A1))
    assert acted(client, auth, supervisor, iid, "handle")["status"] == "handled"  # level 1–3 may
    assert acted(client, auth, supervisor, iid, "verify", passed=True)["status"] == "closed"
    assert {e.actor_id for e in event_rows(iid)[1:]} == {user_id(auth, supervisor)}


def test_centre_staff_supervise_but_handle_only_what_is_dispatched_to_them(client, auth, incident):
    iid = incident["id"]
    acted(client, auth, "center01", iid, "accept")
    acted(client, auth, "center01", iid, "dispatch", assignee_id=user_id(auth, L4_A1))
    before = snapshot(iid)
    assert_problem(act(client, auth, "center01", iid, "handle"), 403, "forbidden")
    assert snapshot(iid) == before
    acted(client, auth, "center01", iid, "dispatch", assignee_id=user_id(auth, "center02"))
    assert acted(client, auth, "center02", iid, "handle")["status"] == "handled"
    assert acted(client, auth, "center01", iid, "verify", passed=True)["status"] == "closed"


def test_an_admin_reads_incidents_but_acts_on_none(client, auth, incident):
    iid = incident["id"]
    assert client.get(f"{API}/incidents/{iid}", headers=auth.headers("admin")).status_code == 200
    before = snapshot(iid)
    assert_problem(act(client, auth, "admin", iid, "accept"), 403, "forbidden")
    assert_problem(act(client, auth, "admin", iid, "reject"), 403, "forbidden")
    assert snapshot(iid) == before


# --- dispatch ---------------------------------------------------------------------------

def test_dispatch_needs_an_assignee(client, auth, incident):
    iid = incident["id"]
    acted(client, auth, "center01", iid, "accept")
    before = snapshot(iid)
    for body in ({}, {"assignee_id": None}, {"note": "没有指定处置人"}):
        problem = assert_problem(act(client, auth, "center01", iid, "dispatch", **body),
                                 422, "validation_failed")
        assert "assignee_id" in problem["errors"]
    assert snapshot(iid) == before


@pytest.mark.parametrize("assignee", [
    L4_B1,                # a worker of another village
    L3_B,                 # the secretary of another village
    L4_A2,                # another grid of the same village
    f"med-{VILLAGE_A}-1",  # a mediator of the village, not a worker
    "nobody",
])
def test_dispatch_to_someone_outside_the_incidents_area_is_422(client, auth, incident, assignee):
    iid = incident["id"]
    acted(client, auth, "center01", iid, "accept")
    before = snapshot(iid)
    assignee_id = 999_999 if assignee == "nobody" else user_id(auth, assignee)
    problem = assert_problem(act(client, auth, "center01", iid, "dispatch", assignee_id=assignee_id),
                             422, "validation_failed")
    assert "assignee_id" in problem["errors"]
    assert snapshot(iid) == before


@pytest.mark.parametrize("assignee", [L4_A1, L3_A, "l2 of A", "l1-02", "center02"])
def test_dispatch_to_someone_in_the_incidents_area(client, auth, incident, assignee):
    if assignee == "l2 of A":
        assignee = l2_of(VILLAGE_A)
    iid = incident["id"]
    acted(client, auth, "center01", iid, "accept")
    answer = acted(client, auth, "center01", iid, "dispatch", assignee_id=user_id(auth, assignee))
    assert answer["assignee"]["id"] == user_id(auth, assignee)
    assert acted(client, auth, assignee, iid, "handle")["status"] == "handled"


def test_verify_needs_passed(client, auth, incident):
    iid = incident["id"]
    drive(client, auth, iid, "handled")
    before = snapshot(iid)
    problem = assert_problem(act(client, auth, "center01", iid, "verify"), 422, "validation_failed")
    assert "passed" in problem["errors"]
    assert_problem(act(client, auth, "center01", iid, "verify", passed="maybe"), 422,
                   "validation_failed")
    assert snapshot(iid) == before


def test_malformed_action_bodies(client, auth, incident):
    iid = incident["id"]
    before = snapshot(iid)
    response = client.post(f"{API}/incidents/{iid}/accept", data="{", content_type="application/json",
                           headers=auth.headers("center01"))
    assert_problem(response, 400, "bad_json")
    assert_problem(act(client, auth, "center01", iid, "accept", note="长" * 2001), 422,
                   "validation_failed")
    assert snapshot(iid) == before


# --- versions and ETags -------------------------------------------------------------------

def test_stale_if_match_is_412_and_changes_nothing(client, auth, incident):
    iid = incident["id"]
    old_etag = _get(client, auth, "center01", iid).headers["ETag"]
    acted(client, auth, "center01", iid, "accept")
    before = snapshot(iid)
    for stale in (old_etag, f"W/{old_etag}", str(incident["version"]), '"nonsense"'):
        response = act(client, auth, L3_A, iid, "dispatch", headers={"If-Match": stale},
                       assignee_id=user_id(auth, L4_A1))
        problem = assert_problem(response, 412, "version_mismatch")
        assert problem["detail"]
    assert snapshot(iid) == before


def test_a_matching_if_match_works(client, auth, incident):
    iid = incident["id"]
    etag = _get(client, auth, "center01", iid).headers["ETag"]
    response = act(client, auth, "center01", iid, "accept", headers={"If-Match": etag})
    assert response.status_code == 200
    new_etag = response.headers["ETag"]
    assert new_etag != etag
    # weak form and bare version of the current state work too
    response = act(client, auth, "center01", iid, "dispatch", headers={"If-Match": f"W/{new_etag}"},
                   assignee_id=user_id(auth, L4_A1))
    assert response.status_code == 200, response.get_json()
    version = response.get_json()["version"]
    response = act(client, auth, L4_A1, iid, "handle", headers={"If-Match": str(version)})
    assert response.status_code == 200, response.get_json()


def test_etag_and_if_none_match_give_304(client, auth, incident):
    iid = incident["id"]
    first = _get(client, auth, L3_A, iid)
    etag = first.headers["ETag"]
    assert etag

    unchanged = _get(client, auth, L3_A, iid, **{"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.data == b""
    assert unchanged.headers["ETag"] == etag
    for sent in (f"W/{etag}", f'"other", {etag}'):  # weakly compared; one of a list
        assert _get(client, auth, L3_A, iid, **{"If-None-Match": sent}).status_code == 304, sent

    acted(client, auth, "center01", iid, "accept")
    changed = _get(client, auth, L3_A, iid, **{"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert changed.get_json()["status"] == "accepted"


def test_if_none_match_does_not_bypass_scope(client, auth, incident):
    iid = incident["id"]
    etag = _get(client, auth, L3_A, iid).headers["ETag"]
    response = _get(client, auth, L4_A2, iid, **{"If-None-Match": etag})
    assert_problem(response, 404, "not_found")


def test_a_copy_made_before_the_deadline_passed_is_not_confirmed_after(client, auth, incident):
    """``overdue`` turns with the clock, not with a new version: the ETag says which it showed."""
    iid = incident["id"]
    _set_due(iid, hours=1)
    before = _get(client, auth, L3_A, iid)
    assert before.get_json()["overdue"] is False
    _set_due(iid, hours=-1)
    after = _get(client, auth, L3_A, iid, **{"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200, "a 304 would keep the phone's copy saying not overdue"
    shown = after.get_json()
    assert shown["overdue"] is True and shown["version"] == before.get_json()["version"]
    assert after.headers["ETag"] != before.headers["ETag"]
    again = _get(client, auth, L3_A, iid, **{"If-None-Match": after.headers["ETag"]})
    assert again.status_code == 304
    # If-Match checks the version: the copy of either variant is current.
    accepted = act(client, auth, "center01", iid, "accept", {"If-Match": before.headers["ETag"]})
    assert accepted.status_code == 200, accepted.get_json()
    stale = act(client, auth, "center01", iid, "reject", {"If-Match": after.headers["ETag"]},
                note="重复上报")
    assert_problem(stale, 412, "version_mismatch")


def _set_due(incident_id, hours):
    db.session.execute(update(Incident).where(Incident.id == incident_id).values(
        due_at=datetime.now(timezone.utc) + timedelta(hours=hours)))
    db.session.commit()
    db.session.remove()


# --- the case record is append-only -------------------------------------------------------

def test_every_change_appends_one_event(client, auth, incident):
    iid = incident["id"]
    counts = [len(event_rows(iid))]
    for username, action, body in [("center01", "accept", {}),
                                   ("center01", "dispatch", {"assignee_id": user_id(auth, L4_A1)}),
                                   ("center01", "dispatch", {"assignee_id": user_id(auth, L3_A)}),
                                   (L3_A, "handle", {"note": "处理完毕"})]:
        acted(client, auth, username, iid, action, **body)
        counts.append(len(event_rows(iid)))
    assert counts == [1, 2, 3, 4, 5]
    redispatch = event_rows(iid)[3]
    assert (redispatch.action, redispatch.from_status, redispatch.to_status) == (
        "dispatch", "dispatched", "dispatched")
    # Each entry names the assignee after it: to whom, and (the entry before) from whom.
    assert [e.assignee_id for e in event_rows(iid)] == [
        None, None, user_id(auth, L4_A1), user_id(auth, L3_A), user_id(auth, L3_A)]
    listed = client.get(f"{API}/incidents/{iid}/events", headers=auth.headers(L3_A)).get_json()
    assert [e["assignee"] and e["assignee"]["id"] for e in listed["items"]] == [
        None, None, user_id(auth, L4_A1), user_id(auth, L3_A), user_id(auth, L3_A)]
    assert all(e["assignee"] is None or e["assignee"]["name"] for e in listed["items"])
    assert [e["action_name"] for e in listed["items"]] == ["上报", "受理", "派遣", "派遣", "处置"]


def test_events_page_oldest_first_with_cursors(client, auth, incident):
    iid = incident["id"]
    drive(client, auth, iid, "closed")
    seen, cursor = [], None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"{API}/incidents/{iid}/events", query_string=query,
                          headers=auth.headers("center01")).get_json()
        assert len(page["items"]) <= 2
        seen += [e["action"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["report", "accept", "dispatch", "handle", "verify"]


def test_an_action_without_a_name_is_not_recorded(app, auth, incident):
    """Every entry a phone lists has a Chinese name: an action added without one fails where
    it is written, not later where it is read."""
    row = db.session.get(Incident, incident["id"])
    actor = db.session.get(User, row.reporter_id)
    with pytest.raises(ValueError, match="without a name"):
        record(row, actor, "reopen", row.status)
    db.session.rollback()
    assert len(event_rows(incident["id"])) == 1


def test_an_event_cannot_be_updated_or_deleted_through_the_orm(client, auth, incident):
    iid = incident["id"]
    [event] = event_rows(iid)
    event.note = "篡改"
    with pytest.raises(CaseRecordIsAppendOnly):
        db.session.flush()
    db.session.rollback()

    [event] = event_rows(iid)
    db.session.delete(event)
    with pytest.raises(CaseRecordIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    [event] = event_rows(iid)
    assert event.note is None and event.action == "report"


@pytest.mark.parametrize("statement", [
    "UPDATE incident_events SET note = 'tampered' WHERE incident_id = :iid",
    "UPDATE incident_events SET to_status = 'closed'",
    "DELETE FROM incident_events WHERE incident_id = :iid",
    "DELETE FROM incident_events",
])
def test_raw_sql_cannot_rewrite_the_case_record(client, auth, incident, statement):
    iid = incident["id"]
    acted(client, auth, "center01", iid, "accept")
    before = [(e.id, e.action, e.to_status, e.note) for e in event_rows(iid)]
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(statement), {"iid": iid})
        db.session.commit()
    db.session.rollback()
    assert [(e.id, e.action, e.to_status, e.note) for e in event_rows(iid)] == before
    assert db.session.query(IncidentEvent).count() >= 2


def test_a_dispute_report_is_worked_on_its_dispute_not_by_incident_actions(client, auth):
    report = reported(client, auth, L4_A1, category="dispute",
                      dispute={"type": "neighbour", "parties": [{"name": "张三"}]})
    assert report["dispute_id"] is not None
    before = snapshot(report["id"])
    for action in ACTIONS:
        body = {"assignee_id": user_id(auth, L4_A1)} if action == "dispatch" else {}
        if action == "verify":
            body = {"passed": True}
        problem = assert_problem(act(client, auth, "center01", report["id"], action, **body),
                                 409, "invalid_transition")
        assert "纠纷" in problem["detail"]
    assert snapshot(report["id"]) == before
    assert [event.action for event in event_rows(report["id"])] == ["report"]


# --- the assignee is told -----------------------------------------------------------------

def notes_of(client, auth, username):
    response = client.get(f"{API}/me/notifications", headers=auth.headers(username))
    assert response.status_code == 200, response.get_json()
    return [(n["kind"], n["incident_id"], n["title"], n["body"]) for n in response.get_json()["items"]]


def test_the_assignee_is_told_of_a_dispatch_and_of_a_handling_sent_back(client, auth, incident):
    iid, number = incident["id"], incident["number"]
    acted(client, auth, "center01", iid, "accept")
    acted(client, auth, "center01", iid, "dispatch", assignee_id=user_id(auth, L4_A1),
          note="请今天到场查看")
    [(kind, about, title, body)] = notes_of(client, auth, L4_A1)
    assert (kind, about) == ("incident_dispatched", iid)
    assert number in title and "派遣给您处置" in title
    assert body.startswith("安全隐患：") and "请今天到场查看" in body
    acted(client, auth, L4_A1, iid, "handle")
    acted(client, auth, "center01", iid, "verify", passed=False, note="照片看不出已清理")
    kinds = [(kind, about) for kind, about, _title, _body in notes_of(client, auth, L4_A1)]
    assert kinds == [("incident_returned", iid), ("incident_dispatched", iid)]  # newest first
    assert "照片看不出已清理" in notes_of(client, auth, L4_A1)[0][3]
    assert notes_of(client, auth, L3_B) == []


def test_redispatch_tells_the_new_assignee_and_nobody_is_told_of_their_own_step(client, auth,
                                                                                incident):
    iid = incident["id"]
    acted(client, auth, L3_A, iid, "accept")
    acted(client, auth, L3_A, iid, "dispatch", assignee_id=user_id(auth, L3_A))  # to themselves
    assert notes_of(client, auth, L3_A) == []
    acted(client, auth, L3_A, iid, "dispatch", assignee_id=user_id(auth, L4_A1))
    assert [kind for kind, *_ in notes_of(client, auth, L4_A1)] == ["incident_dispatched"]
    assert notes_of(client, auth, L3_A) == []


def test_whoever_dispatched_is_told_it_was_handled(client, auth, incident):
    """The dispatcher verifies (a 12345 caller or petitioner is answered first): the latest
    dispatcher hears of the handling, with the handler's note; nobody of their own step."""
    iid = incident["id"]
    acted(client, auth, "center01", iid, "accept")
    acted(client, auth, "center01", iid, "dispatch", assignee_id=user_id(auth, L3_A))
    acted(client, auth, L3_A, iid, "dispatch", assignee_id=user_id(auth, L4_A1))
    acted(client, auth, L4_A1, iid, "handle", note="护栏已加固")
    [(kind, about, title, body)] = notes_of(client, auth, L3_A)[:1]
    assert (kind, about) == ("incident_handled", iid)
    assert title.endswith("已处置，待核查") and "护栏已加固" in body
    assert "incident_handled" not in [kind for kind, *_ in notes_of(client, auth, "center01")]

    order = reported(client, auth, "center01", category="public_service",
                     channel="hotline_12345", description="12345 工单：路灯不亮")["id"]
    acted(client, auth, "center01", order, "accept")
    acted(client, auth, "center01", order, "dispatch", assignee_id=user_id(auth, L3_A))
    acted(client, auth, L3_A, order, "handle")
    assert notes_of(client, auth, "center01")[0][2].endswith("已处置，待答复、核查")

    own = reported(client, auth, L4_A1)["id"]
    acted(client, auth, L3_A, own, "accept")
    acted(client, auth, L3_A, own, "dispatch", assignee_id=user_id(auth, L3_A))
    before = notes_of(client, auth, L3_A)
    acted(client, auth, L3_A, own, "handle")
    assert notes_of(client, auth, L3_A) == before  # handled what they dispatched to themselves


def test_a_refused_dispatch_tells_nobody(client, auth, incident):
    iid = incident["id"]
    acted(client, auth, "center01", iid, "accept")
    assert_problem(act(client, auth, "center01", iid, "dispatch",
                       assignee_id=user_id(auth, L4_B1)), 422, "validation_failed")
    assert notes_of(client, auth, L4_B1) == []
