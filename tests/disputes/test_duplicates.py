"""A dispute report keeps its incident's first status; whether it is still open is its dispute's
to say. The duplicate warning and the nearby search list it while the dispute is open only."""
from tests.disputes.conftest import (API, GRID_A1, L3_A, L4_A1, drive, point_in, report,
                                     reported)


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


def test_an_ended_dispute_is_no_longer_a_possible_duplicate(client, auth):
    point = point_in(GRID_A1)
    incident, dispute = reported(client, auth, L4_A1)
    assert incident["status"] == "reported"
    assert incident["id"] in nearby_ids(client, auth, L3_A, point)
    assert incident["id"] in duplicate_ids(client, auth)

    drive(client, auth, dispute["id"], "declined")
    assert incident["id"] not in nearby_ids(client, auth, L3_A, point)
    assert incident["id"] not in duplicate_ids(client, auth)
