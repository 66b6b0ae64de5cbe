"""Parties' ID numbers and phones: masked for whoever does not need them, in full for those who
do, always masked in lists, encrypted at rest, and refused when the ID number is not valid."""
from sqlalchemy import select

from service.extensions import db
from service.models import DisputeParty
from service.personal_data import valid_id_number
from tests.disputes.conftest import (API, HEAD_A, ID_MASKED, ID_NUMBER, L2_A, L3_A, L4_A1,
                                     MED_A2, MED_A3, PHONE, PHONE_MASKED, TOWN_HEAD, TOWN_MED2,
                                     VILLAGE_A, acted, assert_problem, counts, drive, get, intake,
                                     intaken, report, reported, user_id, village_id)

FULL = {"name": "张三", "phone": PHONE, "id_number": ID_NUMBER}
MASKED = {"name": "张三", "phone": PHONE_MASKED, "id_number": ID_MASKED}
OTHER_FULL = {"name": "李四", "phone": "13900001111", "id_number": None}
OTHER_MASKED = {"name": "李四", "phone": "139****1111", "id_number": None}


def parties(client, auth, username, dispute_id):
    response = get(client, auth, username, dispute_id)
    assert response.status_code == 200, (username, response.get_json())
    return [{k: p[k] for k in ("name", "phone", "id_number")} for p in response.get_json()["parties"]]


def listed_parties(client, auth, username, dispute_id):
    response = client.get(f"{API}/disputes", query_string={"limit": 200},
                          headers=auth.headers(username))
    [item] = [i for i in response.get_json()["items"] if i["id"] == dispute_id]
    return [{k: p[k] for k in ("name", "phone", "id_number")} for p in item["parties"]]


def test_who_sees_parties_in_full(client, auth):
    # The masks: first 6 and last 4 of the ID number, first 3 and last 4 of the phone.
    assert ID_MASKED == ID_NUMBER[:6] + "*" * 8 + ID_NUMBER[-4:]
    assert PHONE_MASKED == PHONE[:3] + "****" + PHONE[-4:]
    _, dispute = reported(client, auth, L4_A1)
    dispute_id = dispute["id"]
    # The reporter's own answer is masked: a level-4 worker does not need the ID number.
    assert [{k: p[k] for k in ("name", "phone", "id_number")} for p in dispute["parties"]] == [
        MASKED, OTHER_MASKED]
    drive(client, auth, dispute_id, "mediating", mediator=MED_A2)

    for username in (MED_A2, HEAD_A, "l1-01", "l1-02", "center01", "admin"):
        assert parties(client, auth, username, dispute_id) == [FULL, OTHER_FULL], username
    for username in (L4_A1, L3_A, L2_A, MED_A3):
        assert parties(client, auth, username, dispute_id) == [MASKED, OTHER_MASKED], username
    # Lists are always masked, whoever asks.
    for username in (MED_A2, HEAD_A, "l1-01", "center01", "admin", L3_A):
        assert listed_parties(client, auth, username, dispute_id) == [MASKED, OTHER_MASKED], username

    # Reassigned: the former mediator loses the full view, the new one gains it.
    acted(client, auth, HEAD_A, dispute_id, "assign", {"mediator_ids": [user_id(auth, MED_A3)]})
    assert parties(client, auth, MED_A3, dispute_id) == [FULL, OTHER_FULL]
    assert parties(client, auth, MED_A2, dispute_id) == [MASKED, OTHER_MASKED]

    # Escalated: the town committee's head and its assigned mediator; the village head no more.
    acted(client, auth, HEAD_A, dispute_id, "escalate", {"reason": "请镇调委会调解"})
    assert parties(client, auth, TOWN_HEAD, dispute_id) == [FULL, OTHER_FULL]
    assert parties(client, auth, TOWN_MED2, dispute_id) == [MASKED, OTHER_MASKED]
    assert parties(client, auth, HEAD_A, dispute_id) == [MASKED, OTHER_MASKED]
    assert parties(client, auth, MED_A3, dispute_id) == [MASKED, OTHER_MASKED]
    acted(client, auth, TOWN_HEAD, dispute_id, "accept")
    assigned = acted(client, auth, TOWN_HEAD, dispute_id, "assign",
                     {"mediator_ids": [user_id(auth, TOWN_MED2)]})
    assert [{k: p[k] for k in ("name", "phone", "id_number")} for p in assigned["parties"]] == [
        FULL, OTHER_FULL]  # the head's own answer
    assert parties(client, auth, TOWN_MED2, dispute_id) == [FULL, OTHER_FULL]


def test_action_answers_follow_the_same_rule(client, auth):
    dispute = intaken(client, auth, L3_A)
    assert dispute["parties"][0]["id_number"] == ID_MASKED  # a village secretary registered it
    by_centre = intaken(client, auth, "center01")
    assert by_centre["parties"][0]["id_number"] == ID_NUMBER
    answer = acted(client, auth, HEAD_A, dispute["id"], "accept")
    assert answer["parties"][0]["id_number"] == ID_NUMBER
    answer = acted(client, auth, L3_A, dispute["id"], "assign",
                   {"mediator_ids": [user_id(auth, MED_A2)]})
    assert answer["parties"][0]["id_number"] == ID_MASKED
    assert answer["parties"][0]["phone"] == PHONE_MASKED


def test_the_id_number_is_stored_encrypted(client, auth, app):
    lower = ID_NUMBER[:-1] + "x"
    dispute = intaken(client, auth, "center01",
                      parties=[{"name": "张三", "phone": PHONE, "id_number": lower}])
    assert dispute["parties"][0]["id_number"] == ID_NUMBER  # normalised
    _, reported_dispute = reported(client, auth, L4_A1)
    rows = db.session.scalars(select(DisputeParty).where(DisputeParty.id_number_encrypted.is_not(None))
                              ).all()
    assert {row.dispute_id for row in rows} == {dispute["id"], reported_dispute["id"]}
    for row in rows:
        assert ID_NUMBER not in row.id_number_encrypted
        assert ID_NUMBER.lower() not in row.id_number_encrypted.lower()
        assert ID_NUMBER[6:14] not in row.id_number_encrypted  # not even the birth date
        assert row.id_number_masked == ID_MASKED
        assert row.id_number_index and ID_NUMBER not in row.id_number_index
    # Two encryptions of the same number differ (random IV); the blind index matches.
    assert rows[0].id_number_encrypted != rows[1].id_number_encrypted
    assert rows[0].id_number_index == rows[1].id_number_index
    db.session.remove()
    # Nowhere in the database is the number stored in the clear.
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(table.select()).all():
            assert not any(isinstance(value, str) and ID_NUMBER in value.upper() for value in row), (
                table.name, row)
    db.session.remove()


def test_an_invalid_id_number_is_refused_and_nothing_is_stored(client, auth):
    wrong_checksum = ID_NUMBER[:-1] + "1"
    assert not valid_id_number(wrong_checksum)
    before = counts()
    for bad in (wrong_checksum, "110105194913310026", "12345", ID_NUMBER + "0"):
        body = {"name": "张三", "phone": PHONE, "id_number": bad}
        for response in (intake(client, auth, "center01", parties=[body]),
                         report(client, auth, L4_A1, parties=[{"name": "王五"}, body])):
            problem = assert_problem(response, 422, "validation_failed")
            assert "id_number" in str(problem.get("errors")), problem
    bad_phone = intake(client, auth, "center01", parties=[{"name": "张三", "phone": "call me"}])
    assert_problem(bad_phone, 422, "validation_failed")
    assert counts() == before
    # A cross-village list naming an unknown village is refused in the same way.
    unknown = intake(client, auth, "center01", village_ids=[village_id(VILLAGE_A), 999999])
    assert_problem(unknown, 422, "validation_failed")
    assert counts() == before
