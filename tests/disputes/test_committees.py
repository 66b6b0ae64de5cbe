"""The committees as a head sees them when assigning: who is on each (active members, the head
first), how many unfinished disputes each carries — for those who may assign only — and the
village's legal advisor."""
from sqlalchemy import select

from service.extensions import db
from service.models import Committee, LegalAdvisor
from tests.disputes.conftest import (API, HEAD_A, L3_A, L4_A1, MED_A2, MED_A3, VILLAGE_A,
                                     acted, assert_problem, committee_of, drive, execute,
                                     intaken, user_id, village_id)


def committee(client, auth, username, committee_id):
    response = client.get(f"{API}/committees/{committee_id}", headers=auth.headers(username))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_every_committee_is_listed_the_towns_first(client, auth):
    page = client.get(f"{API}/committees", headers=auth.headers(L4_A1)).get_json()
    db.session.remove()
    assert len(page["items"]) == db.session.scalar(select(db.func.count()).select_from(Committee))
    assert page["items"][0]["level"] == "town" and page["next_cursor"] is None
    assert all(item["level"] == "village" and item["village_id"] for item in page["items"][1:])
    assert all(item["member_count"] >= 1 for item in page["items"])


def test_a_head_sees_each_mediators_unfinished_disputes(client, auth):
    committee_id = committee_of(VILLAGE_A)[0]
    before = committee(client, auth, HEAD_A, committee_id)
    loads = {member["id"]: member["open_disputes"] for member in before["members"]}
    assert before["members"][0]["id"] == user_id(auth, HEAD_A) and before["members"][0]["is_head"]
    assert {user_id(auth, MED_A2), user_id(auth, MED_A3)} <= set(loads)

    first = intaken(client, auth)
    drive(client, auth, first["id"], "mediating")  # assigned to MED_A2
    second = intaken(client, auth)
    drive(client, auth, second["id"], "mediating")
    after = {m["id"]: m["open_disputes"] for m in committee(client, auth, L3_A, committee_id)["members"]}
    assert after[user_id(auth, MED_A2)] == loads[user_id(auth, MED_A2)] + 2
    assert after[user_id(auth, MED_A3)] == loads[user_id(auth, MED_A3)]

    acted(client, auth, MED_A2, first["id"], "resolve",
          {"outcome": "failed", "reason": "双方分歧过大"})
    acted(client, auth, HEAD_A, first["id"], "close")  # failed and closed: over
    over = {m["id"]: m["open_disputes"] for m in committee(client, auth, "center01", committee_id)["members"]}
    assert over[user_id(auth, MED_A2)] == loads[user_id(auth, MED_A2)] + 1


def test_workloads_are_for_those_who_assign(client, auth):
    committee_id = committee_of(VILLAGE_A)[0]
    for username in (L4_A1, MED_A3):
        members = committee(client, auth, username, committee_id)["members"]
        assert members and all(member["open_disputes"] is None for member in members)


def test_a_deactivated_mediator_is_not_offered(client, auth):
    committee_id = committee_of(VILLAGE_A)[0]
    left, staying = user_id(auth, MED_A3), user_id(auth, MED_A2)
    execute("UPDATE users SET active = :no WHERE username = :name", no=False, name=MED_A3)
    shown = committee(client, auth, HEAD_A, committee_id)
    assert staying in [member["id"] for member in shown["members"]]
    assert left not in [member["id"] for member in shown["members"]]
    assert shown["member_count"] == len(shown["members"])


def test_a_village_committee_names_its_legal_advisor(client, auth):
    village_committee = committee(client, auth, L4_A1, committee_of(VILLAGE_A)[0])
    db.session.remove()
    advisor = db.session.scalar(select(LegalAdvisor).where(
        LegalAdvisor.village_id == village_id(VILLAGE_A)))
    assert village_committee["legal_advisor"] == {"name": advisor.name,
                                                  "organization": advisor.organization,
                                                  "phone": advisor.phone}
    town = client.get(f"{API}/committees", headers=auth.headers(L4_A1)).get_json()["items"][0]
    assert committee(client, auth, L4_A1, town["id"])["legal_advisor"] is None


def test_an_unknown_committee_is_404(client, auth):
    assert_problem(client.get(f"{API}/committees/999999", headers=auth.headers(HEAD_A)), 404,
                   "not_found")
    assert client.get(f"{API}/committees").status_code == 401
