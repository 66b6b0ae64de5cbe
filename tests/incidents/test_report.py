"""POST /incidents: the report itself, its case number, offline replays, duplicates, bad input."""
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from service.extensions import db
from service.models import WorkerAssignment
from service.schema_base import TOWN_TIME_ZONE
from tests.incidents.conftest import (API, GRID_A1, GRID_A2, GRID_B1, NOWHERE, VILLAGE_A,
                                      assert_problem, backdate, counts, drive, event_rows,
                                      geojson, grid, incident_row, is_town_time, moved,
                                      point_away, point_in, recently, report, report_body,
                                      reported, user_id)

L4_A1 = f"l4-{GRID_A1}"
NUMBER = re.compile(r"SJ(\d{4})(\d{6})")


# --- the report ---------------------------------------------------------------------

def test_report_answers_201_with_location_etag_and_the_contract_fields(client, auth):
    where = point_in(GRID_A1)
    body = report_body(L4_A1, category="environment", channel="walk_in",
                       description="河道漂浮大量垃圾，需清理。「松源镇」✓",
                       location=geojson(where), occurred_at="2024-05-04T09:30:00+08:00")
    before = counts()

    response = client.post(f"{API}/incidents", json=body, headers=auth.headers(L4_A1))

    assert response.status_code == 201, response.get_json()
    incident = response.get_json()
    for name in ("id", "number", "client_id", "category", "channel", "status", "grid", "village",
                 "location", "reporter", "created_at", "updated_at", "version", "dispute_id"):
        assert name in incident, name
    assert response.headers["Location"].endswith(f"{API}/incidents/{incident['id']}")
    assert incident["client_id"] == body["client_id"]
    assert (incident["category"], incident["channel"], incident["status"]) == (
        "environment", "walk_in", "reported")
    assert incident["description"] == body["description"]  # Chinese round-trips exactly
    assert incident["grid"]["code"] == GRID_A1 and incident["grid"]["id"] == grid(GRID_A1).id
    assert incident["village"]["code"] == VILLAGE_A
    assert incident["location"]["type"] == "Point"
    assert incident["location"]["coordinates"] == pytest.approx(list(where), abs=1e-9)
    assert incident["reporter"] == {"id": user_id(auth, L4_A1), "name": incident["reporter"]["name"]}
    assert incident["dispute_id"] is None
    assert isinstance(incident["version"], int) and incident["version"] >= 1
    assert is_town_time(incident["created_at"]) and is_town_time(incident["updated_at"])
    assert recently(incident["created_at"])
    assert datetime.fromisoformat(incident["occurred_at"]) == datetime(
        2024, 5, 4, 1, 30, tzinfo=timezone.utc)
    assert incident["possible_duplicates"] == []

    # The Location and the ETag are those of the stored incident.
    fetched = client.get(response.headers["Location"], headers=auth.headers(L4_A1))
    assert fetched.status_code == 200
    assert response.headers["ETag"] == fetched.headers["ETag"]
    # The answer is built from the values written, not read back: it is what was stored.
    assert {key: value for key, value in incident.items()
            if key != "possible_duplicates"} == fetched.get_json()
    after = counts()
    assert after["incidents"] == before["incidents"] + 1
    assert after["incident_events"] == before["incident_events"] + 1
    [event] = event_rows(incident["id"])
    assert (event.action, event.from_status, event.to_status, event.actor_id) == (
        "report", None, "reported", user_id(auth, L4_A1))


def test_occurred_at_defaults_to_now(client, auth):
    incident = reported(client, auth, L4_A1)
    assert recently(incident["occurred_at"])


def test_the_grid_comes_from_the_point_and_grid_id_is_ignored_with_a_location(client, auth):
    incident = reported(client, auth, "center01", location=geojson(point_in(GRID_B1)),
                        grid_id=grid(GRID_A2).id)
    assert incident["grid"]["code"] == GRID_B1
    assert incident_row(incident["id"]).grid_id == grid(GRID_B1).id


def test_grid_id_is_used_without_a_location(client, auth):
    incident = reported(client, auth, L4_A1, location=None, grid_id=grid(GRID_A1).id)
    assert incident["grid"]["code"] == GRID_A1
    assert incident["village"]["code"] == VILLAGE_A
    assert incident["location"] is None
    assert incident["possible_duplicates"] == []


def test_grid_id_is_the_fallback_when_the_point_lies_in_no_grid(client, auth):
    """API.md: a point in no grid is 422 outside_area *unless grid_id is given*."""
    incident = reported(client, auth, L4_A1, location=geojson(NOWHERE), grid_id=grid(GRID_A1).id)
    assert incident["grid"]["code"] == GRID_A1


def test_case_numbers_are_unique_increasing_and_of_this_year(client, auth):
    numbers = [reported(client, auth, user)["number"]
               for user in (L4_A1, "center01", L4_A1, f"l4-{GRID_B1}")]
    year = datetime.now(TOWN_TIME_ZONE).year
    parsed = [NUMBER.fullmatch(number) for number in numbers]
    assert all(parsed), numbers
    assert {int(match.group(1)) for match in parsed} == {year}
    sequence = [int(match.group(2)) for match in parsed]
    assert sequence == sorted(sequence) and len(set(sequence)) == len(sequence)
    assert sequence[0] >= 1


# --- replays ------------------------------------------------------------------------

def test_replaying_the_same_report_returns_it_and_stores_nothing(client, auth):
    body = report_body(L4_A1, occurred_at="2024-05-04T09:30:00+08:00")
    first = client.post(f"{API}/incidents", json=body, headers=auth.headers(L4_A1))
    assert first.status_code == 201
    before = counts()

    for _ in range(2):
        again = client.post(f"{API}/incidents", json=body, headers=auth.headers(L4_A1))
        assert again.status_code == 200, again.get_json()
        assert again.get_json()["id"] == first.get_json()["id"]
        assert again.get_json()["number"] == first.get_json()["number"]
        assert again.get_json()["version"] == first.get_json()["version"]
        assert again.headers["Location"] == first.headers["Location"]
        assert again.headers["ETag"] == first.headers["ETag"]

    assert counts() == before


def test_a_late_copy_is_answered_after_the_reporter_moved_to_another_grid(client, auth):
    """The phone resends hours later; meanwhile the worker's grid was reassigned."""
    body = report_body(L4_A1, location=None, grid_id=grid(GRID_A1).id)
    first = client.post(f"{API}/incidents", json=body, headers=auth.headers(L4_A1)).get_json()
    assignment = db.session.scalar(select(WorkerAssignment).where(
        WorkerAssignment.user_id == user_id(auth, L4_A1), WorkerAssignment.level == 4))
    assignment.grid_id = grid(GRID_B1).id
    db.session.commit()
    before = counts()

    again = client.post(f"{API}/incidents", json=body, headers=auth.headers(L4_A1))
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["id"] == first["id"]
    assert counts() == before
    fresh = client.post(f"{API}/incidents", json=report_body(L4_A1, location=None,
                                                             grid_id=grid(GRID_A1).id),
                        headers=auth.headers(L4_A1))
    assert_problem(fresh, 422, "validation_failed")  # a new report there is outside the area now


def test_the_same_client_id_with_a_different_body_is_409(client, auth):
    body = report_body(L4_A1)
    assert client.post(f"{API}/incidents", json=body, headers=auth.headers(L4_A1)).status_code == 201
    before = counts()

    changed = {**body, "description": body["description"] + "（补充）"}
    response = client.post(f"{API}/incidents", json=changed, headers=auth.headers(L4_A1))

    assert_problem(response, 409, "client_id_reused")
    assert counts() == before


def test_the_same_client_id_from_another_user_is_another_incident(client, auth):
    body = report_body(L4_A1)
    mine = client.post(f"{API}/incidents", json=body, headers=auth.headers(L4_A1))
    theirs = client.post(f"{API}/incidents", json=body, headers=auth.headers("center01"))
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.get_json()["id"] != theirs.get_json()["id"]
    assert mine.get_json()["number"] != theirs.get_json()["number"]
    assert theirs.get_json()["reporter"]["id"] == user_id(auth, "center01")


# --- possible duplicates --------------------------------------------------------------

def test_possible_duplicates_lists_only_open_recent_same_category_reports_within_100_m(client, auth):
    here = point_in(GRID_A1)
    near = moved(here, east_m=40)

    def at(point, category="safety_hazard"):
        return reported(client, auth, L4_A1, location=geojson(point), category=category)["id"]

    duplicate = at(here)
    other_category = at(here, "environment")
    rejected = at(here)
    drive(client, auth, rejected, "rejected")
    closed = at(here)
    drive(client, auth, closed, "closed")
    old = at(here)
    backdate(old, days=8)
    far = at(point_away(here, 300))
    handled = at(near)
    drive(client, auth, handled, "handled")  # still open: not yet verified

    new = reported(client, auth, L4_A1, location=geojson(near))

    found = {item["id"]: item for item in new["possible_duplicates"]}
    assert set(found) == {duplicate, handled}, (found, {"other_category": other_category,
                          "rejected": rejected, "closed": closed, "old": old, "far": far})
    assert new["id"] not in found
    assert 30 < found[duplicate]["distance_m"] < 50
    assert found[duplicate]["category"] == "safety_hazard"
    assert found[handled]["distance_m"] < 5
    # Nearest first.
    assert [item["id"] for item in new["possible_duplicates"]] == [handled, duplicate]


def test_possible_duplicates_are_not_rechecked_on_a_replay_but_the_report_is_the_same(client, auth):
    reported(client, auth, L4_A1)
    body = report_body(L4_A1)
    first = client.post(f"{API}/incidents", json=body, headers=auth.headers(L4_A1))
    assert len(first.get_json()["possible_duplicates"]) == 1
    again = client.post(f"{API}/incidents", json=body, headers=auth.headers(L4_A1))
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]


# --- times and disputes ---------------------------------------------------------------

@pytest.mark.parametrize("occurred_at", [
    "in 30 minutes",  # made at run time below (test ids must be the same in every process)
    "1999-12-31T23:59:00+08:00",
    "2024-05-04T09:30:00",  # no offset
    "yesterday",
])
def test_implausible_occurrence_times_are_422(client, auth, occurred_at):
    if occurred_at == "in 30 minutes":
        occurred_at = (datetime.now(timezone.utc) + timedelta(minutes=30)).isoformat()
    before = counts()
    response = report(client, auth, L4_A1, occurred_at=occurred_at)
    body = assert_problem(response, 422, "validation_failed")
    assert "occurred_at" in body["errors"]
    assert counts() == before


def test_a_slightly_fast_phone_clock_is_accepted(client, auth):
    soon = (datetime.now(timezone.utc) + timedelta(minutes=2)).isoformat()
    assert report(client, auth, L4_A1, occurred_at=soon).status_code == 201


def test_a_dispute_report_opens_one_dispute_case(client, auth):
    """API.md: dispute_id is set when the category is dispute (a case is opened at once);
    a replay of the report must not open a second case."""
    body = report_body(L4_A1, category="dispute", dispute={
        "type": "neighbour", "parties": [{"name": "张三", "phone": "13800000000"}, {"name": "李四"}]})
    before = _disputes()
    first = client.post(f"{API}/incidents", json=body, headers=auth.headers(L4_A1))
    assert first.status_code == 201, first.get_json()
    incident = first.get_json()
    assert incident["category"] == "dispute"
    assert isinstance(incident["dispute_id"], int)
    assert _disputes() == before + 1

    again = client.post(f"{API}/incidents", json=body, headers=auth.headers(L4_A1))
    assert again.status_code == 200
    assert again.get_json()["dispute_id"] == incident["dispute_id"]
    assert _disputes() == before + 1


def test_other_categories_open_no_dispute(client, auth):
    before = _disputes()
    assert reported(client, auth, L4_A1, category="public_security")["dispute_id"] is None
    assert _disputes() == before


def _disputes():
    from sqlalchemy import func, select

    from service.extensions import db
    from service.models import Dispute
    db.session.remove()
    return db.session.scalar(select(func.count()).select_from(Dispute))


# --- bad input: a problem, and nothing stored --------------------------------------------

def _without(name):
    def change(body):
        body.pop(name)
    return change


def _set(name, value):
    def change(body):
        body[name] = value
    return change


def _point(coordinates):
    return _set("location", {"type": "Point", "coordinates": coordinates})


BAD_REPORTS = {
    "missing client_id": (_without("client_id"), "client_id"),
    "malformed client_id": (_set("client_id", "not-a-uuid"), "client_id"),
    "numeric client_id": (_set("client_id", 12345), "client_id"),
    "unknown category": (_set("category", "fire"), "category"),
    "unknown channel": (_set("channel", "wechat"), "channel"),
    "missing category": (_without("category"), "category"),
    "lon/lat swapped": (_point([24.73, 116.39]), "location"),
    "longitude out of range": (_point([190.0, 24.73]), "location"),
    "latitude out of range": (_point([116.39, -95.0]), "location"),
    "one coordinate": (_point([116.39]), "location"),
    "string coordinates": (_point(["116.39", "24.73"]), "location"),
    "NaN-like coordinate": (_point([None, 24.73]), "location"),
    "line string": (_set("location", {"type": "LineString",
                                      "coordinates": [[116.39, 24.73], [116.40, 24.74]]}), "location"),
    "bare coordinate list": (_set("location", [116.39, 24.73]), "location"),
    "no location and no grid": (_set("location", None), "location"),
    "empty description": (_set("description", ""), "description"),
    "whitespace description": (_set("description", " \t\n　 "), "description"),
    "10,000-character description": (_set("description", "字" * 10_000), "description"),
    "missing description": (_without("description"), "description"),
    "negative accuracy": (_set("accuracy_m", -1), "accuracy_m"),
    "dispute on another category": (_set("dispute", {"type": "neighbour",
                                                     "parties": [{"name": "张三"}]}), "dispute"),
    "dispute of an unknown type": (lambda body: body.update(category="dispute", dispute={
        "type": "quarrel", "parties": [{"name": "张三"}]}), "dispute"),
    "unknown grid": (lambda body: body.update(location=None, grid_id=999_999), "grid_id"),
    "unknown field": (_set("colour", "red"), "colour"),
}


@pytest.mark.parametrize("case", list(BAD_REPORTS))
def test_bad_reports_are_422_and_store_nothing(client, auth, case):
    change, field = BAD_REPORTS[case]
    body = report_body(L4_A1)
    change(body)
    before = counts()

    response = client.post(f"{API}/incidents", json=body, headers=auth.headers(L4_A1))

    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"][field], problem
    assert all(isinstance(message, str) and message for message in _messages(problem["errors"][field]))
    assert counts() == before


def _messages(value):
    if isinstance(value, dict):
        return [m for inner in value.values() for m in _messages(inner)]
    if isinstance(value, list):
        return [m for inner in value for m in _messages(inner)]
    return [value]


def test_swapped_coordinates_say_so(client, auth):
    response = report(client, auth, L4_A1, location=geojson((24.73, 116.39)))
    problem = assert_problem(response, 422, "validation_failed")
    assert any("顺序" in message for message in problem["errors"]["location"]), problem


def test_a_point_in_no_grid_is_422_outside_area(client, auth):
    before = counts()
    response = report(client, auth, L4_A1, location=geojson(NOWHERE))
    assert_problem(response, 422, "outside_area")
    assert counts() == before


def test_a_grid_outside_the_reporters_area_is_422(client, auth):
    before = counts()
    response = report(client, auth, L4_A1, location=None, grid_id=grid(GRID_B1).id)
    problem = assert_problem(response, 422, "validation_failed")
    assert "grid_id" in problem["errors"]
    # …even another grid of the reporter's own village is not theirs to choose.
    response = report(client, auth, L4_A1, location=None, grid_id=grid(GRID_A2).id)
    assert_problem(response, 422, "validation_failed")
    assert counts() == before


@pytest.mark.parametrize("data", ['{"client_id": ', "{'single': 'quotes'}", "[1, 2", "\xff"])
def test_malformed_json_is_400_bad_json(client, auth, data):
    before = counts()
    response = client.post(f"{API}/incidents", data=data, content_type="application/json",
                           headers=auth.headers(L4_A1))
    assert_problem(response, 400, "bad_json")
    assert counts() == before


@pytest.mark.parametrize("data", ["[]", '"text"', "null", "42"])
def test_json_that_is_not_an_object_is_rejected(client, auth, data):
    before = counts()
    response = client.post(f"{API}/incidents", data=data, content_type="application/json",
                           headers=auth.headers(L4_A1))
    assert 400 <= response.status_code < 500
    assert response.mimetype == "application/problem+json"
    assert counts() == before


def test_reporting_needs_a_token(client):
    before = counts()
    response = client.post(f"{API}/incidents", json=report_body(L4_A1))
    assert_problem(response, 401, "unauthorized")
    assert counts() == before


def test_a_replay_is_recognised_before_the_body_is_rechecked(client, auth):
    """The same client_id with a different but *invalid* body is still refused, and the
    stored incident is untouched."""
    body = report_body(L4_A1)
    first = client.post(f"{API}/incidents", json=body, headers=auth.headers(L4_A1)).get_json()
    before = counts()
    response = client.post(f"{API}/incidents", json={**body, "category": "fire"},
                           headers=auth.headers(L4_A1))
    assert response.status_code in (409, 422)
    assert counts() == before
    assert incident_row(first["id"]).category == "safety_hazard"


def test_client_ids_are_compared_as_uuids(client, auth):
    """An upper-case spelling of the same UUID is the same client_id."""
    body = report_body(L4_A1)
    first = client.post(f"{API}/incidents", json=body, headers=auth.headers(L4_A1))
    again = client.post(f"{API}/incidents", json={**body, "client_id": body["client_id"].upper()},
                        headers=auth.headers(L4_A1))
    assert again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.get_json()["client_id"] == str(uuid.UUID(body["client_id"]))
