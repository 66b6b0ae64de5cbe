"""No leak: every incident endpoint, for every kind of caller, shows exactly the caller's scope.

Two incidents, in two villages, each with a photo. Out-of-scope callers get the very same
404 not_found as for an id that does not exist, and never see the incident in a list, a
sync, the overdue list, a to-do list, a nearby search or an Open311 search; in-scope callers do.
"""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from service.extensions import db
from service.incidents.views import ACTION_PATHS
from service.incidents.workflow import ACTIONS
from service.models import Incident, IncidentPhoto
from tests.incidents.conftest import (API, GRID_A1, GRID_A2, GRID_B1, GRID_B2, VILLAGE_A,
                                      VILLAGE_B, assert_problem, counts, geojson, l2_of,
                                      png_bytes, point_in, reported, snapshot, upload, uploaded,
                                      user_id, village)

# role → (how to find the username, which of the incidents A and B it may see)
ROLES = {
    "l4 of grid A": (lambda: f"l4-{GRID_A1}", {"A"}),
    "l4 of another grid of village A": (lambda: f"l4-{GRID_A2}", set()),
    "l3 of village A": (lambda: f"l3-{VILLAGE_A}", {"A"}),
    "l3 of village B": (lambda: f"l3-{VILLAGE_B}", {"B"}),
    "l2 stationed in village A": (lambda: l2_of(VILLAGE_A), {"A"}),
    "l2 not stationed in village A": (lambda: l2_of(VILLAGE_B), {"B"}),
    "l1": (lambda: "l1-01", {"A", "B"}),
    "centre staff": (lambda: "center01", {"A", "B"}),
    "admin": (lambda: "admin", {"A", "B"}),
    "town mediator": (lambda: "med-town-1", set()),
    "village A mediator (committee head)": (lambda: f"med-{VILLAGE_A}-1", set()),
    "village A mediator": (lambda: f"med-{VILLAGE_A}-2", set()),
}
STALE = {"If-Match": '"0-0"'}
OPEN311 = f"{API}/georeport/v2"


@pytest.fixture
def world(client, auth):
    """Incident A in grid A1 (reported by its l4), incident B in grid B1 (likewise), each
    with a photo; and ids that exist nowhere."""
    assert l2_of(VILLAGE_A) != l2_of(VILLAGE_B)
    since = (datetime.now(timezone.utc) - timedelta(minutes=1)).isoformat()
    incidents = {}
    for name, grid_code, colour in (("A", GRID_A1, (250, 0, 0)), ("B", GRID_B1, (0, 250, 0))):
        reporter = f"l4-{grid_code}"
        incident = reported(client, auth, reporter)
        photo = uploaded(client, auth, reporter, incident["id"], png_bytes(colour), filename="p.png")
        incidents[name] = {"id": incident["id"], "photo_id": photo["id"],
                           "point": tuple(incident["location"]["coordinates"]),
                           "village_id": incident["village"]["id"], "grid_id": incident["grid"]["id"]}
    missing = db.session.scalar(select(func.max(Incident.id))) + 1000
    missing_photo = db.session.scalar(select(func.max(IncidentPhoto.id))) + 1000
    return {"incidents": incidents, "since": since, "missing": missing,
            "missing_photo": missing_photo}


def _not_found_like(response, reference):
    """404 not_found, byte for byte the answer about something that does not exist."""
    assert_problem(response, 404, "not_found")
    assert response.get_json() == reference.get_json()
    assert response.mimetype == reference.mimetype


def _listed(client, headers, **query):
    response = client.get(f"{API}/incidents", query_string={"limit": 200, **query}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return {item["id"] for item in response.get_json()["items"]}


def _open311_listed(client, headers, **query):
    response = client.get(f"{OPEN311}/requests.json", query_string=query, headers=headers)
    assert response.status_code == 200, response.get_json()
    return {int(item["service_request_id"]) for item in response.get_json()}


def _nearby(client, headers, point, **query):
    response = client.get(f"{API}/incidents/nearby", headers=headers,
                          query_string={"lon": point[0], "lat": point[1], "radius_m": 200, **query})
    assert response.status_code == 200, response.get_json()
    return {item["id"] for item in response.get_json()["items"]}


@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_sees_exactly_its_scope_on_every_endpoint(client, auth, world, role):
    username, visible = ROLES[role][0](), ROLES[role][1]
    headers = auth.headers(username)
    missing, missing_photo = world["missing"], world["missing_photo"]

    for name, incident in world["incidents"].items():
        iid, pid = incident["id"], incident["photo_id"]
        in_scope = name in visible
        where = f"{role} / incident {name}"

        # GET /incidents/{id}
        response = client.get(f"{API}/incidents/{iid}", headers=headers)
        if in_scope:
            assert response.status_code == 200, where
            assert response.get_json()["id"] == iid
        else:
            _not_found_like(response, client.get(f"{API}/incidents/{missing}", headers=headers))

        # GET /incidents/{id}/events
        response = client.get(f"{API}/incidents/{iid}/events", headers=headers)
        if in_scope:
            assert response.status_code == 200, where
            assert [e["action"] for e in response.get_json()["items"]] == ["report", "photo"]
        else:
            _not_found_like(response, client.get(f"{API}/incidents/{missing}/events", headers=headers))

        # GET /incidents/{id}/photos/{photo_id}
        response = client.get(f"{API}/incidents/{iid}/photos/{pid}", headers=headers)
        if in_scope:
            assert response.status_code == 200, where
            assert response.mimetype == "image/png"
            assert response.data.startswith(b"\x89PNG")
        else:
            _not_found_like(response, client.get(f"{API}/incidents/{missing}/photos/{missing_photo}",
                                                 headers=headers))
            assert b"\x89PNG" not in response.data

        # Each workflow action. In scope, a stale If-Match proves the incident is found
        # (412) without changing it; out of scope it is 404 whatever the body.
        before = snapshot(iid)
        for action in ACTIONS:
            if in_scope:
                response = client.post(f"{API}/incidents/{iid}/{ACTION_PATHS[action]}", json={},
                                       headers={**headers, **STALE})
                assert_problem(response, 412, "version_mismatch")
            else:
                body = {"note": "越权尝试", "assignee_id": user_id(auth, username), "passed": True}
                response = client.post(f"{API}/incidents/{iid}/{ACTION_PATHS[action]}", json=body, headers=headers)
                _not_found_like(response, client.post(f"{API}/incidents/{missing}/{ACTION_PATHS[action]}",
                                                      json=body, headers=headers))
        assert snapshot(iid) == before, where

        # POST /incidents/{id}/photos
        stored = counts()
        response = upload(client, auth, username, iid, png_bytes((1, 2, len(role))), filename="x.png")
        if in_scope and role == "admin":  # sees everything, adds nothing
            assert_problem(response, 403, "forbidden")
            assert counts() == stored
        elif in_scope:
            assert response.status_code == 201, (where, response.get_json())
        else:
            _not_found_like(response, upload(client, auth, username, missing, png_bytes((9, 9, 9)),
                                             filename="x.png"))
            assert counts() == stored
            assert snapshot(iid) == before

    expected = {world["incidents"][name]["id"] for name in visible}
    ours = {incident["id"] for incident in world["incidents"].values()}

    # GET /incidents — plain, and with filters that name the other village/grid.
    assert _listed(client, headers) & ours == expected, role
    for incident in world["incidents"].values():
        for key in ("village_id", "grid_id"):
            shown = _listed(client, headers, **{key: incident[key]})
            assert shown == ({incident["id"]} & expected), (role, key)
    # GET /incidents?updated_after=… (sync)
    assert _listed(client, headers, updated_after=world["since"]) & ours == expected, role
    # GET /incidents/nearby, around each incident
    for incident in world["incidents"].values():
        assert _nearby(client, headers, incident["point"]) & ours == {incident["id"]} & expected, role
        assert _nearby(client, headers, incident["point"], category="safety_hazard") & ours == (
            {incident["id"]} & expected), role
    # Open311: GET georeport/v2/requests.json (the last 90 days, and by ids), requests/{id}.json
    assert _open311_listed(client, headers) & ours == expected, role
    assert _open311_listed(client, headers, service_request_id=",".join(map(str, ours))) == (
        expected), role
    for name, incident in world["incidents"].items():
        response = client.get(f"{OPEN311}/requests/{incident['id']}.json", headers=headers)
        if name in visible:
            assert response.status_code == 200, role
            assert response.get_json()[0]["service_request_id"] == str(incident["id"])
        else:
            _not_found_like(response, client.get(f"{OPEN311}/requests/{missing}.json",
                                                 headers=headers))
    # GET /incidents?overdue=true — both incidents made overdue (as a late petition would be)
    db.session.execute(update(Incident).where(Incident.id.in_(ours)).values(
        due_at=datetime.now(timezone.utc) - timedelta(hours=1)))
    db.session.commit()
    assert _listed(client, headers, overdue="true") & ours == expected, role
    # GET /incidents?awaiting=… — both incidents made to-do cases of each list in turn
    for awaiting, values in (("answer", {"status": "handled", "channel": "hotline_12345"}),
                             ("visit", {"status": "closed", "category": "petition"}),
                             ("review", {"review_requested_at": datetime.now(timezone.utc)})):
        db.session.execute(update(Incident).where(Incident.id.in_(ours)).values(**values))
        db.session.commit()
        assert _listed(client, headers, awaiting=awaiting) & ours == expected, (role, awaiting)


def test_nonexistent_ids_are_404_not_found_everywhere(client, auth, world):
    headers = auth.headers("admin")
    missing = world["missing"]
    a = world["incidents"]["A"]
    for response in (
        client.get(f"{API}/incidents/{missing}", headers=headers),
        client.get(f"{API}/incidents/{missing}/events", headers=headers),
        client.get(f"{API}/incidents/{missing}/photos/{a['photo_id']}", headers=headers),
        client.get(f"{API}/incidents/{a['id']}/photos/{world['missing_photo']}", headers=headers),
        client.get(f"{API}/incidents/{a['id']}/photos/{world['incidents']['B']['photo_id']}",
                   headers=headers),  # a photo of another incident
        *(client.post(f"{API}/incidents/{missing}/{ACTION_PATHS[action]}", json={}, headers=headers)
          for action in ACTIONS),
        upload(client, auth, "admin", missing, png_bytes()),
        client.get(f"{OPEN311}/requests/{missing}.json", headers=headers),
    ):
        assert_problem(response, 404, "not_found")


def test_the_reporter_always_sees_their_own_report_outside_their_grid(client, auth):
    reporter = f"l4-{GRID_A1}"
    incident = reported(client, auth, reporter, location=geojson(point_in(GRID_B2)))
    assert incident["grid"]["code"] == GRID_B2  # another village altogether
    iid = incident["id"]
    photo = uploaded(client, auth, reporter, iid, png_bytes((3, 3, 3)), filename="p.png")
    point = tuple(incident["location"]["coordinates"])
    since = (datetime.now(timezone.utc) - timedelta(minutes=1)).isoformat()

    def sees(username):
        headers = auth.headers(username)
        answers = {
            "get": client.get(f"{API}/incidents/{iid}", headers=headers).status_code == 200,
            "events": client.get(f"{API}/incidents/{iid}/events", headers=headers).status_code == 200,
            "photo": client.get(f"{API}/incidents/{iid}/photos/{photo['id']}",
                                headers=headers).status_code == 200,
            "list": iid in _listed(client, headers),
            "sync": iid in _listed(client, headers, updated_after=since),
            "nearby": iid in _nearby(client, headers, point),
        }
        return answers

    assert all(sees(reporter).values()), sees(reporter)
    assert all(sees(f"l4-{GRID_B2}").values())
    assert all(sees(f"l3-{VILLAGE_B}").values())
    assert not any(sees(f"l4-{GRID_A2}").values())
    assert not any(sees(f"l3-{VILLAGE_A}").values())
    assert not any(sees(f"l4-{GRID_B1}").values())

    # Seeing is not acting: the reporter (an l4 worker) may not accept it.
    response = client.post(f"{API}/incidents/{iid}/accept", json={}, headers=auth.headers(reporter))
    assert_problem(response, 403, "forbidden")


def test_a_village_filter_does_not_widen_the_scope(client, auth):
    incident = reported(client, auth, f"l4-{GRID_B1}")
    headers = auth.headers(f"l3-{VILLAGE_A}")
    assert _listed(client, headers, village_id=village(VILLAGE_B).id) == set()
    assert incident["id"] not in _listed(client, headers, status="reported")


def test_mediators_see_the_incident_behind_their_committees_dispute_and_nothing_else(client, auth):
    """A dispute report opens a case at the village committee: its mediators see the incident
    (read-only), other committees' mediators do not; ordinary reports stay hidden from all."""
    dispute = reported(client, auth, f"l4-{GRID_A1}", category="dispute", dispute={
        "type": "neighbour", "parties": [{"name": "张三"}, {"name": "李四"}]})
    photo = uploaded(client, auth, f"l4-{GRID_A1}", dispute["id"], png_bytes((5, 6, 7)))
    hazard = reported(client, auth, f"l4-{GRID_A1}")
    since = (datetime.now(timezone.utc) - timedelta(minutes=1)).isoformat()
    point = tuple(dispute["location"]["coordinates"])

    for mediator in (f"med-{VILLAGE_A}-1", f"med-{VILLAGE_A}-2"):
        headers = auth.headers(mediator)
        assert client.get(f"{API}/incidents/{dispute['id']}", headers=headers).status_code == 200
        events = client.get(f"{API}/incidents/{dispute['id']}/events", headers=headers)
        assert [e["action"] for e in events.get_json()["items"]] == ["report", "photo"]
        image = client.get(f"{API}/incidents/{dispute['id']}/photos/{photo['id']}", headers=headers)
        assert image.status_code == 200 and image.data.startswith(b"\x89PNG")
        assert dispute["id"] in _listed(client, headers)
        assert dispute["id"] in _listed(client, headers, updated_after=since)
        assert dispute["id"] in _nearby(client, headers, point)
        assert_problem(client.get(f"{API}/incidents/{hazard['id']}", headers=headers), 404, "not_found")
        assert hazard["id"] not in _listed(client, headers)
        # Seeing is not acting on the incident workflow, nor adding to it.
        response = client.post(f"{API}/incidents/{dispute['id']}/accept", json={}, headers=headers)
        assert response.status_code in (403, 409)
        before = counts()
        assert_problem(upload(client, auth, mediator, dispute["id"], png_bytes()), 403, "forbidden")
        assert counts() == before

    for outsider in (f"med-{VILLAGE_B}-1", f"l4-{GRID_A2}"):
        headers = auth.headers(outsider)
        assert_problem(client.get(f"{API}/incidents/{dispute['id']}", headers=headers), 404, "not_found")
        for path in ("events", f"photos/{photo['id']}"):
            assert_problem(client.get(f"{API}/incidents/{dispute['id']}/{path}", headers=headers),
                           404, "not_found")
        assert dispute["id"] not in _listed(client, headers)
        assert dispute["id"] not in _nearby(client, headers, point)
