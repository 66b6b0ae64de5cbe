"""The mediators' to-do list of return visits (GET /disputes?awaiting=follow_up): agreements
reached, closed or not, whose performance nobody has checked; in the caller's scope, and left
by the visit."""
from tests.disputes.conftest import (API, HEAD_A, HEAD_B, MED_A2, acted, assert_problem, drive,
                                     intaken, listed_ids, now_iso)


def test_agreements_await_their_follow_up_until_it_is_recorded(client, auth):
    agreed = intaken(client, auth)["id"]
    drive(client, auth, agreed, "agreed")
    closed = intaken(client, auth)["id"]
    drive(client, auth, closed, "closed")
    failed = intaken(client, auth)["id"]
    drive(client, auth, failed, "failed")  # no agreement: nothing to check
    mediating = intaken(client, auth)["id"]
    drive(client, auth, mediating, "mediating")

    assert listed_ids(client, auth, HEAD_A, awaiting="follow_up") == [closed, agreed]
    assert listed_ids(client, auth, "center01", awaiting="follow_up") == [closed, agreed]
    assert listed_ids(client, auth, HEAD_B, awaiting="follow_up") == []  # another committee's

    acted(client, auth, MED_A2, closed, "follow-ups", {
        "visited_at": now_iso(minutes=-5), "performed": True, "satisfaction": 5})
    assert listed_ids(client, auth, HEAD_A, awaiting="follow_up") == [agreed]
    assert listed_ids(client, auth, HEAD_A, awaiting="follow_up", status="closed") == []


def test_an_unknown_to_do_list_is_refused(client, auth):
    answer = client.get(f"{API}/disputes", query_string={"awaiting": "coffee"},
                        headers=auth.headers(HEAD_A))
    assert "awaiting" in assert_problem(answer, 422, "validation_failed")["errors"]
