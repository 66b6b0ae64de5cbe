"""A dispute report is worked on its dispute, and its incident follows: taken up when the
committee accepts, finished when the dispute ends, each step in the report's case record and
its sync. The duplicate warning and the nearby search then stop listing it."""
from tests.disputes.conftest import (AGREEMENT, API, GRID_A1, HEAD_A, L3_A, L4_A1, MED_A2, acted,
                                     drive, point_in, report, reported, user_id)
from tests.incidents.conftest import event_rows


def incident(client, auth, incident_id, username=L4_A1):
    response = client.get(f"{API}/incidents/{incident_id}", headers=auth.headers(username))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def nearby_ids(client, auth, username, point):
    response = client.get(f"{API}/incidents/nearby", query_string={
        "lon": point[0], "lat": point[1], "radius_m": 100, "category": "dispute"},
        headers=auth.headers(username))
    assert response.status_code == 200, response.get_json()
    return {item["id"] for item in response.get_json()["items"]}


def duplicate_ids(client, auth):
    response = report(client, auth, L4_A1)
    assert response.status_code == 201, response.get_json()
    return {item["id"] for item in response.get_json()["possible_duplicates"]}


def test_the_report_is_taken_up_and_finished_with_its_dispute(client, auth):
    point = point_in(GRID_A1)
    reported_incident, dispute = reported(client, auth, L4_A1)
    assert reported_incident["status"] == "reported"
    assert reported_incident["id"] in nearby_ids(client, auth, L3_A, point)
    assert reported_incident["id"] in duplicate_ids(client, auth)

    acted(client, auth, HEAD_A, dispute["id"], "accept")
    taken_up = incident(client, auth, reported_incident["id"])
    assert taken_up["status"] == "accepted"
    assert taken_up["version"] == reported_incident["version"] + 1
    assert taken_up["updated_at"] > reported_incident["updated_at"]
    assert reported_incident["id"] in nearby_ids(client, auth, L3_A, point)  # still open

    acted(client, auth, HEAD_A, dispute["id"], "assign", {"mediator_ids": [user_id(auth, MED_A2)]})
    acted(client, auth, MED_A2, dispute["id"], "resolve", {"outcome": "agreed", "agreement": AGREEMENT})
    assert incident(client, auth, reported_incident["id"])["status"] == "accepted"
    acted(client, auth, HEAD_A, dispute["id"], "close")
    finished = incident(client, auth, reported_incident["id"])
    assert finished["status"] == "closed"
    assert reported_incident["id"] not in nearby_ids(client, auth, L3_A, point)
    assert reported_incident["id"] not in duplicate_ids(client, auth)
    entries = event_rows(reported_incident["id"])
    assert [(e.action, e.from_status, e.to_status) for e in entries] == [
        ("report", None, "reported"), ("dispute", "reported", "accepted"),
        ("dispute", "accepted", "closed")]
    assert entries[1].note.startswith(f"纠纷 {dispute['number']}")
    listed = client.get(f"{API}/incidents/{reported_incident['id']}/events",
                        headers=auth.headers(L3_A)).get_json()["items"]
    assert [e["action_name"] for e in listed] == ["上报", "纠纷进展", "纠纷进展"]


def test_a_declined_dispute_leaves_its_report_rejected(client, auth):
    reported_incident, dispute = reported(client, auth, L4_A1)
    drive(client, auth, dispute["id"], "declined")
    assert incident(client, auth, reported_incident["id"])["status"] == "rejected"
    assert reported_incident["id"] not in duplicate_ids(client, auth)
