"""GET /incidents: newest first with keyset cursors, filters, and updated_after sync in commit order."""
import base64
import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, select

from service.extensions import db
from service.models import User, WorkerAssignment

from tests.incidents.conftest import (API, GRID_A1, GRID_A2, GRID_B1, VILLAGE_A, VILLAGE_B,
                                      acted, assert_problem, counts, drive, geojson, grid, png_bytes,
                                      point_in, reported, uploaded, village)

VIEWER = "center01"


def _page(client, auth, username=VIEWER, **query):
    response = client.get(f"{API}/incidents", query_string=query, headers=auth.headers(username))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _all_pages(client, auth, username=VIEWER, cursor=None, **query):
    """Every page in turn (from ``cursor``, if given); returns the pages' item lists."""
    pages = []
    while True:
        page = _page(client, auth, username, **query, **({"cursor": cursor} if cursor else {}))
        pages.append(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 50, "paging does not end"


def _since():
    return (datetime.now(timezone.utc) - timedelta(seconds=5)).isoformat()


@pytest.fixture
def seven(client, auth):
    assert counts()["incidents"] == 0  # the demo town starts without incidents
    return [reported(client, auth, "center01", description=f"第 {n} 件")["id"] for n in range(7)]


# --- newest first, keyset pages ---------------------------------------------------------

def test_newest_first_across_pages(client, auth, seven):
    pages = _all_pages(client, auth, limit=3)
    assert [len(items) for items in pages] == [3, 3, 1]
    ids = [item["id"] for items in pages for item in items]
    assert ids == list(reversed(seven))
    created = [item["created_at"] for items in pages for item in items]
    assert created == sorted(created, reverse=True)


def test_an_exact_multiple_of_the_limit_ends_with_a_null_cursor(client, auth, seven):
    pages = _all_pages(client, auth, limit=7)
    assert [len(items) for items in pages] == [7]
    assert _page(client, auth, limit=200)["next_cursor"] is None


def test_new_reports_during_paging_do_not_shift_the_pages(client, auth, seven):
    first = _page(client, auth, limit=3)
    reported(client, auth, "center01")  # newer than everything: belongs before page 1
    rest = _all_pages(client, auth, limit=3, cursor=first["next_cursor"])
    ids = [item["id"] for item in first["items"]] + [item["id"] for items in rest for item in items]
    assert ids == list(reversed(seven))  # nothing repeated, nothing skipped


def test_the_default_limit_is_50_and_the_bounds_are_checked(client, auth, seven):
    assert len(_page(client, auth)["items"]) == 7
    for limit in (0, -1, 201, "many"):
        response = client.get(f"{API}/incidents", query_string={"limit": limit},
                              headers=auth.headers(VIEWER))
        problem = assert_problem(response, 422, "validation_failed")
        assert "limit" in problem["errors"]


# --- filters ----------------------------------------------------------------------------

def test_filters(client, auth):
    a1, a2, b1 = (point_in(code) for code in (GRID_A1, GRID_A2, GRID_B1))
    made = {
        "a1_hazard": reported(client, auth, "center01", location=geojson(a1))["id"],
        "a1_env_hotline": reported(client, auth, "center01", location=geojson(a1), category="environment",
                                   channel="hotline_12345")["id"],
        "a2_hazard_walkin": reported(client, auth, "center01", location=geojson(a2),
                                     channel="walk_in")["id"],
        "b1_env": reported(client, auth, "center01", location=geojson(b1), category="environment")["id"],
        "b1_security": reported(client, auth, "center01", location=geojson(b1),
                                category="public_security")["id"],
    }
    drive(client, auth, made["a1_env_hotline"], "accepted")
    drive(client, auth, made["b1_security"], "rejected")

    def listed(**query):
        return {item["id"] for items in _all_pages(client, auth, limit=2, **query) for item in items}

    def ids(*names):
        return {made[name] for name in names}

    assert listed() == ids(*made)
    assert listed(status="reported") == ids("a1_hazard", "a2_hazard_walkin", "b1_env")
    assert listed(status="accepted") == ids("a1_env_hotline")
    assert listed(status="rejected") == ids("b1_security")
    assert listed(status="closed") == set()
    assert listed(category="environment") == ids("a1_env_hotline", "b1_env")
    assert listed(category="safety_hazard") == ids("a1_hazard", "a2_hazard_walkin")
    assert listed(channel="walk_in") == ids("a2_hazard_walkin")
    assert listed(channel="hotline_12345") == ids("a1_env_hotline")
    assert listed(channel="grid_worker") == ids("a1_hazard", "b1_env", "b1_security")
    assert listed(village_id=village(VILLAGE_A).id) == ids("a1_hazard", "a1_env_hotline",
                                                             "a2_hazard_walkin")
    assert listed(village_id=village(VILLAGE_B).id) == ids("b1_env", "b1_security")
    assert listed(grid_id=grid(GRID_A1).id) == ids("a1_hazard", "a1_env_hotline")
    assert listed(grid_id=grid(GRID_A2).id) == ids("a2_hazard_walkin")
    # combined
    assert listed(village_id=village(VILLAGE_A).id, category="environment") == ids("a1_env_hotline")
    assert listed(status="reported", category="environment", grid_id=grid(GRID_B1).id) == ids("b1_env")
    assert listed(updated_after=_since(), category="environment") == ids("a1_env_hotline", "b1_env")
    # a case number: the one case, in lists and syncs alike
    number = client.get(f"{API}/incidents/{made['b1_env']}",
                        headers=auth.headers("center01")).get_json()["number"]
    assert listed(number=number) == ids("b1_env")
    assert listed(number=number, updated_after=_since()) == ids("b1_env")
    assert listed(number=number, village_id=village(VILLAGE_A).id) == set()
    assert listed(number="SJ0000000000") == set()


@pytest.mark.parametrize("query", [
    {"status": "open"}, {"category": "fire"}, {"channel": "wechat"}, {"village_id": "abc"},
    {"grid_id": 0}, {"updated_after": "2024-05-04T09:30:00"}, {"updated_after": "yesterday"},
    {"number": ""}, {"number": "9" * 21},
])
def test_bad_filter_values_are_422(client, auth, query):
    response = client.get(f"{API}/incidents", query_string=query, headers=auth.headers(VIEWER))
    problem = assert_problem(response, 422, "validation_failed")
    assert set(query) <= set(problem["errors"])


# --- updated_after: sync in commit order ------------------------------------------------

def test_updated_after_returns_changes_in_commit_order(client, auth):
    since = _since()
    a = reported(client, auth, "center01")
    b = reported(client, auth, "center01")
    c = reported(client, auth, "center01")
    accepted = acted(client, auth, "center01", a["id"], "accept")

    items = _page(client, auth, updated_after=since)["items"]
    assert [item["id"] for item in items] == [b["id"], c["id"], a["id"]]
    assert items[-1]["status"] == "accepted" and items[-1]["version"] == accepted["version"]

    # Only what changed after the given time.
    items = _page(client, auth, updated_after=b["updated_at"])["items"]
    assert [item["id"] for item in items] == [c["id"], a["id"]]
    assert _page(client, auth, updated_after=accepted["updated_at"])["items"] == []


def test_sync_paging_does_not_lose_changes_made_between_pages(client, auth):
    since = _since()
    made = [reported(client, auth, "center01")["id"] for _ in range(7)]

    first = _page(client, auth, updated_after=since, limit=3)
    assert [item["id"] for item in first["items"]] == made[:3]
    assert first["next_cursor"]

    # Between pages: one incident already seen changes, and a new one is reported.
    changed = acted(client, auth, "center01", made[0], "accept")
    new = reported(client, auth, "center01")["id"]

    rest = _all_pages(client, auth, updated_after=since, limit=3, cursor=first["next_cursor"])
    later = [item for items in rest for item in items]
    assert [item["id"] for item in later] == made[3:] + [made[0], new]
    again = next(item for item in later if item["id"] == made[0])
    assert (again["status"], again["version"]) == ("accepted", changed["version"])


def test_sync_cursor_resumes_the_next_sync_exactly(client, auth):
    since = _since()
    made = [reported(client, auth, "center01")["id"] for _ in range(3)]
    first = _page(client, auth, updated_after=since)
    assert [item["id"] for item in first["items"]] == made
    assert first["next_cursor"] is None and first["sync_cursor"]

    # Nothing new: nothing sent, and the position stays where it was.
    idle = _page(client, auth, updated_after=since, cursor=first["sync_cursor"])
    assert idle["items"] == [] and idle["sync_cursor"] == first["sync_cursor"]

    changed = acted(client, auth, "center01", made[1], "accept")
    new = reported(client, auth, "center01")["id"]
    later = _page(client, auth, updated_after=since, cursor=first["sync_cursor"])
    assert [item["id"] for item in later["items"]] == [made[1], new]
    assert later["items"][0]["version"] == changed["version"]
    assert later["sync_cursor"] != first["sync_cursor"]
    assert _page(client, auth, updated_after=since, cursor=later["sync_cursor"])["items"] == []


def test_sync_cursor_continues_across_pages_and_is_absent_from_plain_lists(client, auth):
    since = _since()
    made = [reported(client, auth, "center01")["id"] for _ in range(5)]
    first = _page(client, auth, updated_after=since, limit=2)
    assert first["next_cursor"] and first["sync_cursor"]
    rest = _page(client, auth, updated_after=since, limit=10, cursor=first["sync_cursor"])
    assert [item["id"] for item in first["items"] + rest["items"]] == made
    assert "sync_cursor" not in _page(client, auth)


def test_a_status_filtered_sync_names_what_left_the_filter(client, auth):
    """A phone syncing its 待受理 list (status=reported) holds copies of reports that have
    since been accepted or rejected: the sync names those in ``removed``, in the same walk by
    change number, so the phone drops them. Lists without updated_after carry no ``removed``."""
    since = _since()
    pending, taken_up, refused = (reported(client, auth, "center01")["id"] for _ in range(3))
    first = _page(client, auth, updated_after=since, status="reported")
    assert [item["id"] for item in first["items"]] == [pending, taken_up, refused]
    assert first["removed"] == []

    acted(client, auth, "center01", taken_up, "accept")
    acted(client, auth, "center01", refused, "reject", note="不属于受理范围")
    fresh = reported(client, auth, "center01")["id"]
    later = _all_pages(client, auth, updated_after=since, status="reported", limit=1,
                       cursor=first["sync_cursor"])
    assert [item["id"] for items in later for item in items] == [fresh]
    # A sync from the start: the untouched report and the new one whole, the other two by id.
    again = _page(client, auth, updated_after=since, status="reported")
    assert [item["id"] for item in again["items"]] == [pending, fresh]
    assert again["removed"] == [taken_up, refused]
    # Walked one change a page: each change is sent once, whole or by id.
    resumed = _page(client, auth, updated_after=since, status="reported", limit=1,
                    cursor=first["sync_cursor"])
    assert (resumed["items"], resumed["removed"]) == ([], [taken_up])
    # The accepted one is sent whole to a phone syncing status=accepted, and named to no other.
    accepted_sync = _page(client, auth, updated_after=since, status="accepted")
    assert [item["id"] for item in accepted_sync["items"]] == [taken_up]
    assert set(accepted_sync["removed"]) == {pending, refused, fresh}
    assert "removed" not in _page(client, auth, status="reported")


def test_removed_never_names_what_the_caller_cannot_see(client, auth):
    since = _since()
    mine = reported(client, auth, f"l4-{GRID_A1}", location=geojson(point_in(GRID_A1)))["id"]
    theirs = reported(client, auth, f"l4-{GRID_B1}", location=geojson(point_in(GRID_B1)))["id"]
    for incident_id in (mine, theirs):
        acted(client, auth, "center01", incident_id, "accept")
    synced = _page(client, auth, f"l4-{GRID_A1}", updated_after=since, status="reported")
    assert (synced["items"], synced["removed"]) == ([], [mine])
    # The other filters never change over an incident's life: they stay in the query.
    other_grid = _page(client, auth, updated_after=since, status="reported",
                       grid_id=grid(GRID_B1).id)
    assert (other_grid["items"], other_grid["removed"]) == ([], [theirs])


def test_a_sync_tells_the_phone_when_the_callers_scope_changed(client, auth):
    """What a sync cannot name (incidents of a grid the worker has left) it signals instead:
    ``scope_tag`` changes with the caller's scope, and only then."""
    worker = f"l4-{GRID_A1}"

    def tag(username=worker):
        return _page(client, auth, username, updated_after=_since())["scope_tag"]

    before, other = tag(), tag("center01")
    assert tag() == before and before != other
    user = db.session.scalar(select(User).where(User.username == worker))
    db.session.add(WorkerAssignment(user_id=user.id, level=4, grid_id=grid(GRID_B1).id))
    db.session.commit()
    moved = tag()
    assert moved != before and tag("center01") == other
    db.session.execute(delete(WorkerAssignment).where(WorkerAssignment.user_id == user.id,
                                                      WorkerAssignment.grid_id == grid(GRID_B1).id))
    db.session.commit()
    assert tag() == before  # the same scope again: the same tag
    assert "scope_tag" not in _page(client, auth, worker)


def test_changes_are_stamped_in_the_order_of_their_change_numbers(client, auth):
    since = _since()
    made = [reported(client, auth, "center01")["id"] for _ in range(3)]
    for iid in reversed(made):
        acted(client, auth, "center01", iid, "accept")
    items = _page(client, auth, updated_after=since)["items"]
    stamps = [datetime.fromisoformat(item["updated_at"]) for item in items]
    assert [item["id"] for item in items] == list(reversed(made))
    assert stamps == sorted(stamps)
    # From the time of any change, the sync sends exactly the changes numbered after it.
    for position, item in enumerate(items):
        after = _page(client, auth, updated_after=item["updated_at"])["items"]
        assert [later["id"] for later in after] == [i["id"] for i in items[position + 1:]]


def test_sync_sees_photo_uploads_and_every_workflow_step(client, auth):
    since = _since()
    iid = reported(client, auth, "center01")["id"]
    first = _page(client, auth, updated_after=since)
    [item] = first["items"]
    seen_version = item["version"]
    mark = item["updated_at"]

    uploaded(client, auth, "center01", iid, png_bytes())
    [item] = _page(client, auth, updated_after=mark)["items"]
    assert item["version"] == seen_version + 1
    drive(client, auth, iid, "accepted")
    [item] = _page(client, auth, updated_after=item["updated_at"])["items"]
    assert item["status"] == "accepted"


def test_sync_respects_scope(client, auth):
    since = _since()
    mine = reported(client, auth, f"l4-{GRID_A1}")["id"]
    theirs = reported(client, auth, f"l4-{GRID_B1}")["id"]
    acted(client, auth, "center01", theirs, "accept")
    page = _page(client, auth, f"l3-{VILLAGE_A}", updated_after=since)
    assert [item["id"] for item in page["items"]] == [mine]
    # Resuming from the sync cursor keeps to the area too.
    acted(client, auth, "center01", theirs, "reject")
    later = _page(client, auth, f"l3-{VILLAGE_A}", updated_after=since, cursor=page["sync_cursor"])
    assert later["items"] == [] and later["sync_cursor"] == page["sync_cursor"]


# --- cursors ------------------------------------------------------------------------------

def _b64(value):
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


BAD_CURSORS = ["garbage!", "bm90IGpzb24", _b64({"a": 1}), _b64([]), _b64(["x"]),
               _b64([1, 2, 3]), _b64(["2024-05-04T09:30:00", 5]), _b64([True]), "%%%"]


@pytest.mark.parametrize("cursor", BAD_CURSORS)
def test_a_bad_cursor_is_422(client, auth, seven, cursor):
    for query in ({}, {"updated_after": _since()}):
        response = client.get(f"{API}/incidents", query_string={"cursor": cursor, **query},
                              headers=auth.headers(VIEWER))
        problem = assert_problem(response, 422, "validation_failed")
        assert "cursor" in problem["errors"]


def test_list_and_sync_cursors_are_not_interchangeable(client, auth, seven):
    list_cursor = _page(client, auth, limit=3)["next_cursor"]
    sync_cursor = _page(client, auth, limit=3, updated_after=_since())["next_cursor"]
    assert_problem(client.get(f"{API}/incidents", headers=auth.headers(VIEWER),
                              query_string={"cursor": list_cursor, "updated_after": _since()}),
                   422, "validation_failed")
    assert_problem(client.get(f"{API}/incidents", headers=auth.headers(VIEWER),
                              query_string={"cursor": sync_cursor}), 422, "validation_failed")


def test_an_overlong_cursor_is_422(client, auth):
    response = client.get(f"{API}/incidents", query_string={"cursor": "A" * 5000},
                          headers=auth.headers(VIEWER))
    assert_problem(response, 422, "validation_failed")


def test_an_events_cursor_is_checked_too(client, auth):
    iid = reported(client, auth, "center01")["id"]
    response = client.get(f"{API}/incidents/{iid}/events", query_string={"cursor": "garbage!"},
                          headers=auth.headers(VIEWER))
    assert_problem(response, 422, "validation_failed")


@pytest.mark.parametrize("sync", [False, True])
def test_an_unchanged_page_is_304_without_a_body(client, auth, seven, sync):
    query = {"limit": 5, **({"updated_after": _since()} if sync else {})}
    headers = auth.headers(VIEWER)
    first = client.get(f"{API}/incidents", query_string=query, headers=headers)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag.startswith('W/"')
    again = client.get(f"{API}/incidents", query_string=query,
                       headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag

    # On the first page: the newest report in a list, the oldest change in a sync (which then
    # moves to the end, as the newest change).
    on_first_page = seven[0] if sync else seven[-1]
    assert on_first_page in [item["id"] for item in first.get_json()["items"]]
    acted(client, auth, "center01", on_first_page, "accept")
    changed = client.get(f"{API}/incidents", query_string=query,
                         headers={**headers, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    # The same page seen by someone who sees less is another page: never their 304.
    other = client.get(f"{API}/incidents", query_string=query,
                       headers={**auth.headers(f"l4-{GRID_B1}"), "If-None-Match": etag})
    assert other.status_code == 200
