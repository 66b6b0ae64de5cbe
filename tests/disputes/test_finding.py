"""Finding a dispute: by its case number, or by a party — a part of the name for anyone who sees
the dispute; a full ID or phone number only among the disputes whose parties the caller sees in
full, so that searching cannot reveal a masked number."""
import pytest

from tests.disputes.conftest import (API, HEAD_A, HEAD_B, ID_NUMBER, L3_A, MED_A2, MED_A3, PHONE,
                                     VILLAGE_B, acted, assert_problem, intaken, listed_ids,
                                     user_id)

OTHER_ID_NUMBER = "440105199001011236"  # a valid ID number that no party has


@pytest.fixture
def cases(client, auth):
    """Three disputes: two of village A (one assigned to MED_A2), one of village B with
    different parties."""
    assigned = intaken(client, auth)
    acted(client, auth, HEAD_A, assigned["id"], "accept")
    acted(client, auth, HEAD_A, assigned["id"], "assign", {"mediator_ids": [user_id(auth, MED_A2)]})
    unassigned = intaken(client, auth)
    elsewhere = intaken(client, auth, village_code=VILLAGE_B,
                        parties=[{"name": "王五", "phone": "13700002222"}])
    return assigned, unassigned, elsewhere


def test_a_case_number_finds_its_dispute_within_scope(client, auth, cases):
    assigned, _, elsewhere = cases
    assert listed_ids(client, auth, "center01", number=assigned["number"]) == [assigned["id"]]
    assert listed_ids(client, auth, L3_A, number=elsewhere["number"]) == []  # not in village A
    assert listed_ids(client, auth, "center01", number="TJ0000000000") == []


def test_a_part_of_a_name_finds_the_disputes_the_caller_sees(client, auth, cases):
    assigned, unassigned, elsewhere = cases
    assert listed_ids(client, auth, "center01", party="张") == [unassigned["id"], assigned["id"]]
    assert listed_ids(client, auth, "center01", party="王五") == [elsewhere["id"]]
    assert listed_ids(client, auth, L3_A, party="王五") == []
    assert listed_ids(client, auth, MED_A3, party="李四") == [unassigned["id"], assigned["id"]]
    assert listed_ids(client, auth, "center01", party="%") == []  # a wildcard is a character


def test_a_full_number_finds_only_disputes_whose_parties_the_caller_sees_in_full(client, auth,
                                                                                 cases):
    assigned, unassigned, _ = cases
    both = [unassigned["id"], assigned["id"]]
    for number in (ID_NUMBER, ID_NUMBER.lower(), f" {PHONE} "):
        assert listed_ids(client, auth, "center01", party=number) == both
        assert listed_ids(client, auth, HEAD_A, party=number) == both  # the committee's head
        # A mediator sees the parties of the dispute assigned to them in full, not the other's;
        # the village secretary sees both disputes, masked, so neither by number.
        assert listed_ids(client, auth, MED_A2, party=number) == [assigned["id"]]
        assert listed_ids(client, auth, MED_A3, party=number) == []
        assert listed_ids(client, auth, L3_A, party=number) == []
    assert listed_ids(client, auth, HEAD_B, party=ID_NUMBER) == []
    assert listed_ids(client, auth, "center01", party=OTHER_ID_NUMBER) == []


def test_a_search_syncs_like_any_fixed_filter(client, auth, cases):
    assigned, _, _ = cases
    response = client.get(f"{API}/disputes", headers=auth.headers("center01"), query_string={
        "party": "张三", "updated_after": "2000-01-01T00:00:00+08:00", "number": assigned["number"]})
    assert response.status_code == 200, response.get_json()
    assert [item["id"] for item in response.get_json()["items"]] == [assigned["id"]]


@pytest.mark.parametrize("query", [{"party": ""}, {"party": "   "}, {"party": "张" * 51}, {"number": ""},
                                   {"number": "9" * 21}])
def test_an_empty_or_overlong_search_is_422(client, auth, query):
    response = client.get(f"{API}/disputes", query_string=query, headers=auth.headers("center01"))
    assert_problem(response, 422, "validation_failed")
    assert set(response.get_json()["errors"]) == set(query)
