"""A mediator's phone syncs its disputes (``updated_after``): what changed, in commit order, no
change lost between pages, filters a dispute leaves named in ``removed`` — on both databases."""
from sqlalchemy import func, select

from service.extensions import db
from service.models import Counter, Dispute, PersonalDataRead
from tests.disputes.conftest import (API, HEAD_A, HEAD_B, L3_A, MED_A2, MED_A3, PHONE,
                                     PHONE_MASKED, VILLAGE_B, act, acted, assert_problem, drive,
                                     get, intaken, make_overdue, now_iso, user_id)

EPOCH = "2000-01-01T00:00:00+08:00"


def sync(client, auth, username, **query):
    response = client.get(f"{API}/disputes", query_string={"updated_after": EPOCH, **query},
                          headers=auth.headers(username))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def synced_ids(client, auth, username, **query):
    """Every dispute id a full sync walks through, page by page, and the last sync cursor."""
    ids, cursor = [], None
    while True:
        page = sync(client, auth, username, **query, **({"cursor": cursor} if cursor else {}))
        ids += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"] or page["sync_cursor"]
        if page["next_cursor"] is None:
            return ids, cursor


def test_a_sync_walks_changes_in_commit_order_and_continues_from_its_cursor(client, auth):
    first, second = intaken(client, auth), intaken(client, auth)
    page = sync(client, auth, HEAD_A)
    assert [item["id"] for item in page["items"]] == [first["id"], second["id"]]
    assert page["removed"] == [] and page["scope_tag"] and page["next_cursor"] is None
    cursor = page["sync_cursor"]

    quiet = sync(client, auth, HEAD_A, cursor=cursor)
    assert quiet["items"] == [] and quiet["sync_cursor"] == cursor

    accepted = acted(client, auth, HEAD_A, first["id"], "accept")
    later = sync(client, auth, HEAD_A, cursor=cursor)
    assert [(item["id"], item["status"], item["version"]) for item in later["items"]] == [
        (first["id"], "accepted", accepted["version"])]
    assert later["sync_cursor"] != cursor
    assert all(item["parties"][0]["id_number"].count("*") for item in later["items"])  # masked


def test_a_change_made_while_the_phone_pages_comes_later_in_the_walk(client, auth):
    disputes = [intaken(client, auth) for _ in range(3)]
    page = sync(client, auth, HEAD_A, limit=2)
    assert [item["id"] for item in page["items"]] == [d["id"] for d in disputes[:2]]
    acted(client, auth, HEAD_A, disputes[0]["id"], "accept")  # already sent on page one

    rest = sync(client, auth, HEAD_A, limit=2, cursor=page["next_cursor"])

    assert [item["id"] for item in rest["items"]] == [disputes[2]["id"], disputes[0]["id"]]
    assert rest["items"][1]["status"] == "accepted"


def test_a_dispute_leaving_the_synced_filter_is_named_in_removed(client, auth):
    dispute = intaken(client, auth)
    drive(client, auth, dispute["id"], "mediating", mediator=MED_A2)
    mine = sync(client, auth, MED_A2, assigned_to="me")
    assert [item["id"] for item in mine["items"]] == [dispute["id"]]
    received = sync(client, auth, HEAD_A, status="mediating")
    village = sync(client, auth, HEAD_A, committee_id=dispute["committee"]["id"])

    acted(client, auth, HEAD_A, dispute["id"], "assign",
          {"mediator_ids": [user_id(auth, MED_A3)]})
    after = sync(client, auth, MED_A2, assigned_to="me", cursor=mine["sync_cursor"])
    assert after["items"] == [] and after["removed"] == [dispute["id"]]
    theirs = sync(client, auth, MED_A3, assigned_to="me")
    assert [item["id"] for item in theirs["items"]] == [dispute["id"]]

    acted(client, auth, HEAD_A, dispute["id"], "escalate", {"reason": "涉及多村，村调委会无法调处"})
    left = sync(client, auth, HEAD_A, status="mediating", cursor=received["sync_cursor"])
    assert left["items"] == [] and left["removed"] == [dispute["id"]]
    moved = sync(client, auth, HEAD_A, committee_id=dispute["committee"]["id"],
                 cursor=village["sync_cursor"])
    assert moved["removed"] == [dispute["id"]]


def test_a_visit_takes_a_dispute_off_the_follow_up_sync(client, auth):
    dispute = intaken(client, auth)
    drive(client, auth, dispute["id"], "agreed")
    waiting = sync(client, auth, MED_A3, awaiting="follow_up")
    assert [item["id"] for item in waiting["items"]] == [dispute["id"]]
    acted(client, auth, MED_A3, dispute["id"], "follow-ups",
          {"visited_at": now_iso(), "performed": True, "satisfaction": 5})
    after = sync(client, auth, MED_A3, awaiting="follow_up", cursor=waiting["sync_cursor"])
    assert after["items"] == [] and after["removed"] == [dispute["id"]]


def test_a_sync_shows_only_the_callers_disputes(client, auth):
    here = intaken(client, auth)
    there = intaken(client, auth, village_code=VILLAGE_B)
    assert synced_ids(client, auth, HEAD_A)[0] == [here["id"]]
    assert synced_ids(client, auth, L3_A)[0] == [here["id"]]
    assert synced_ids(client, auth, HEAD_B)[0] == [there["id"]]
    assert set(synced_ids(client, auth, "center01")[0]) == {here["id"], there["id"]}
    assert sync(client, auth, HEAD_A)["scope_tag"] != sync(client, auth, HEAD_B)["scope_tag"]


def test_every_change_takes_a_new_change_number_in_commit_order(client, auth):
    dispute = intaken(client, auth)
    drive(client, auth, dispute["id"], "closed")
    db.session.remove()
    row = db.session.get(Dispute, dispute["id"])
    counter = db.session.scalar(select(Counter.value).where(Counter.name == "disputes.change_seq"))
    assert row.change_seq == counter  # its last change is the latest of all
    assert row.version == 5  # register, accept, assign, resolve, close
    db.session.remove()


def test_overdue_cannot_be_synced(client, auth):
    answer = client.get(f"{API}/disputes", query_string={"updated_after": EPOCH, "overdue": "true"},
                        headers=auth.headers(HEAD_A))
    assert "overdue" in assert_problem(answer, 422, "validation_failed")["errors"]


def test_an_unchanged_page_is_304_without_a_body(client, auth):
    dispute = intaken(client, auth)
    etags = {}
    for query in ({"limit": 5}, {"limit": 5, "updated_after": EPOCH}):
        headers = auth.headers(HEAD_A)
        first = client.get(f"{API}/disputes", query_string=query, headers=headers)
        etag = first.headers["ETag"]
        assert first.status_code == 200 and etag.startswith('W/"')
        again = client.get(f"{API}/disputes", query_string=query,
                           headers={**headers, "If-None-Match": etag})
        assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
        other = client.get(f"{API}/disputes", query_string=query,  # sees another page
                           headers={**auth.headers(HEAD_B), "If-None-Match": etag})
        assert other.status_code == 200
        etags[len(query)] = etag
    acted(client, auth, HEAD_A, dispute["id"], "accept")
    for query in ({"limit": 5}, {"limit": 5, "updated_after": EPOCH}):
        changed = client.get(f"{API}/disputes", query_string=query,
                             headers={**auth.headers(HEAD_A), "If-None-Match": etags[len(query)]})
        assert changed.status_code == 200 and changed.headers["ETag"] != etags[len(query)]
        assert changed.get_json()["items"][0]["status"] == "accepted"


def read_count():
    count = db.session.scalar(select(func.count()).select_from(PersonalDataRead))
    db.session.remove()
    return count


def _revalidated(client, auth, username, dispute_id, etag):
    return client.get(f"{API}/disputes/{dispute_id}",
                      headers={**auth.headers(username), "If-None-Match": etag})


def test_an_unchanged_dispute_is_304_for_what_its_caller_sees(client, auth):
    dispute = intaken(client, auth)
    full = get(client, auth, HEAD_A, dispute["id"])  # the committee's head: parties in full
    masked = get(client, auth, L3_A, dispute["id"])  # the village secretary: masked
    assert full.get_json()["parties"][0]["phone"] == PHONE
    assert masked.get_json()["parties"][0]["phone"] == PHONE_MASKED
    assert full.headers["ETag"] != masked.headers["ETag"]
    reads = read_count()
    again = _revalidated(client, auth, HEAD_A, dispute["id"], full.headers["ETag"])
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == full.headers["ETag"]
    assert read_count() == reads  # nothing shown, nothing noted as read
    for sent in (f"W/{full.headers['ETag']}", f'"other", {full.headers["ETag"]}'):
        assert _revalidated(client, auth, HEAD_A, dispute["id"], sent).status_code == 304, sent
    # Another caller's copy is not this caller's answer: the head holding the masked copy
    # gets the full one.
    upgraded = _revalidated(client, auth, HEAD_A, dispute["id"], masked.headers["ETag"])
    assert upgraded.status_code == 200 and upgraded.get_json()["parties"][0]["phone"] == PHONE
    assert read_count() == reads + 1
    # Out of the caller's area, a copy is no key: 404.
    assert_problem(_revalidated(client, auth, HEAD_B, dispute["id"], full.headers["ETag"]),
                   404, "not_found")

    # Overdue turns with the clock, not with the version.
    make_overdue(dispute["id"])
    late = _revalidated(client, auth, HEAD_A, dispute["id"], full.headers["ETag"])
    assert late.status_code == 200 and late.get_json()["overdue"] is True
    assert late.get_json()["version"] == dispute["version"]
    assert _revalidated(client, auth, HEAD_A, dispute["id"], late.headers["ETag"]).status_code == 304

    # A change is a new answer; If-Match takes the copy of either variant while it is current.
    accepted = act(client, auth, HEAD_A, dispute["id"], "accept", if_match=masked.headers["ETag"])
    assert accepted.status_code == 200, accepted.get_json()
    changed = _revalidated(client, auth, HEAD_A, dispute["id"], late.headers["ETag"])
    assert changed.status_code == 200 and changed.get_json()["status"] == "accepted"
    assert changed.headers["ETag"] == accepted.headers["ETag"] != late.headers["ETag"]
    stale = act(client, auth, HEAD_A, dispute["id"], "decline", {"reason": "拒绝"},
                if_match=late.headers["ETag"])
    assert_problem(stale, 412, "version_mismatch")
