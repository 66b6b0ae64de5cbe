"""/accounts: the administrator's console manages accounts under the roster's rules — only an
administrator, every problem at its field with nothing written, a move that holds from the next
request, deactivation and password resets that revoke tokens, each change on the account's
record naming the administrator — on both databases."""
import csv
import io

import pytest
from sqlalchemy import func, select

from service.extensions import db
from service.models import AccountEvent, CommitteeMember, User, UserRole, WorkerAssignment
from service.people.roster import COLUMNS
from tests.disputes import conftest as disputes
from tests.disputes.conftest import cli, cli_text
from tests.incidents.conftest import drive, point_in, recently, reported, user_id
from tests.problems import assert_problem, has_chinese
from tests.town import API, GRID_A1, GRID_B1, VILLAGE_A, grid, village

L4_A1 = f"l4-{GRID_A1}"


@pytest.fixture(autouse=True)
def one_request_one_context(fresh_request_context):
    """Every test request here runs in a context of its own (tests/conftest.py)."""


def people_rows():
    db.session.remove()
    counts = tuple(db.session.scalar(select(func.count()).select_from(model)) for model in
                   (User, UserRole, WorkerAssignment, CommitteeMember, AccountEvent))
    db.session.remove()
    return counts


def new_worker(grid_code=GRID_B1, **overrides):
    return {"username": "l4-new", "name": "新来的网格员", "phone": "13800000000",
            "roles": ["worker"], "posts": [{"level": 4, "area_id": grid(grid_code).id}],
            **overrides}


def as_change(account):
    """The fields of an account's answer, as a change sends them back."""
    return {"name": account["name"], "phone": account["phone"], "roles": account["roles"],
            "posts": [{"level": post["level"], "area_id": post["area"]["id"]}
                      for post in account["posts"]],
            "committee_id": account["committee"] and account["committee"]["id"],
            "committee_head": account["committee_head"], "active": account["active"]}


def account_of(client, auth, username):
    found = client.get(f"{API}/accounts", headers=auth.headers("admin"),
                       query_string={"q": username}).get_json()["items"]
    account_id = next(item["id"] for item in found if item["username"] == username)
    return client.get(f"{API}/accounts/{account_id}", headers=auth.headers("admin"))


def cases_held(client, auth):
    """An incident in GRID_A1 that center01 dispatched to its level-4 worker, and a dispute of
    village A's committee that MED_A2 is mediating."""
    incident = reported(client, auth, "center01", location={
        "type": "Point", "coordinates": list(point_in(GRID_A1))})
    drive(client, auth, incident["id"], "dispatched", supervisor="center01")
    dispute = disputes.intaken(client, auth)
    disputes.drive(client, auth, dispute["id"], "mediating")
    return incident, dispute


@pytest.mark.parametrize("username", ["center01", "l1-01", L4_A1, f"med-{VILLAGE_A}-1"])
def test_only_an_administrator_manages_accounts(client, auth, username):
    target = user_id(auth, "l1-02")
    before = people_rows()
    headers = auth.headers(username)
    calls = [("get", "/accounts", None), ("get", f"/accounts/{target}", None),
             ("post", "/accounts", new_worker()), ("put", f"/accounts/{target}", new_worker()),
             ("post", f"/accounts/{target}/deactivate", {}),
             ("post", f"/accounts/{target}/reset-password", None),
             ("get", f"/accounts/{target}/events", None)]
    for method, path, body in calls:
        answer = getattr(client, method)(API + path, headers=headers, json=body)
        assert_problem(answer, 403, "forbidden")
    assert_problem(client.get(f"{API}/accounts"), 401, "unauthorized")
    assert people_rows() == before


def test_a_new_account_signs_in_with_the_password_given_once(client, auth):
    answer = client.post(f"{API}/accounts", headers=auth.headers("admin"), json=new_worker())
    assert answer.status_code == 201, answer.get_json()
    assert answer.headers["Cache-Control"] == "no-store"
    created = answer.get_json()
    assert answer.headers["Location"].endswith(f"/accounts/{created['id']}")
    assert created["posts"] == [{"level": 4, "area": {
        "id": grid(GRID_B1).id, "code": GRID_B1, "name": grid(GRID_B1).name}}]
    assert created["held_work"] == {"incidents": 0, "disputes": 0}
    assert created["last_seen_at"] is None and created["signed_in_sessions"] == 0

    signed_in = auth.login("l4-new", created["initial_password"])
    assert signed_in.status_code == 200, signed_in.get_json()
    assert signed_in.get_json()["user"]["scope"]["grid_ids"] == [grid(GRID_B1).id]
    assert auth.login("l4-new", created["initial_password"]).status_code == 200  # a 2nd phone
    read = client.get(f"{API}/accounts/{created['id']}", headers=auth.headers("admin")).get_json()
    assert "initial_password" not in read and read["username"] == "l4-new"
    assert recently(read["last_seen_at"]) and read["signed_in_sessions"] == 2

    record = client.get(f"{API}/accounts/{created['id']}/events",
                        headers=auth.headers("admin")).get_json()["items"]
    assert [(entry["action"], entry["operator"]) for entry in record] == [
        ("created", {"name": "admin", "account_id": user_id(auth, "admin")})]
    assert f"负责区域：{GRID_B1}" in record[0]["detail"]

    taken = client.post(f"{API}/accounts", headers=auth.headers("admin"), json=new_worker())
    assert "l4-new" in assert_problem(taken, 409, "conflict")["detail"]


def test_every_problem_is_named_at_its_field_and_nothing_is_written(client, auth):
    before = people_rows()
    cases = [
        (new_worker(posts=[{"level": 4, "area_id": village(VILLAGE_A).id + 100000}]), "posts"),
        (new_worker(posts=[{"level": 3, "area_id": grid(GRID_A1).id + 100000}]), "posts"),
        (new_worker(posts=[{"level": 3, "area_id": village(VILLAGE_A).id}],
                    roles=["mediator"]), "posts"),
        (new_worker(roles=["mediator"], posts=[]), "committee_id"),
        (new_worker(committee_id=999999), "committee_id"),
        (new_worker(roles=["cook"]), "roles"),
        (new_worker(username="有空格 的账号"), "username"),
        (new_worker(phone="not a phone"), "phone"),
        (new_worker(name=" "), "name"),
        (new_worker(committee_head=True), "committee_head"),
    ]
    for body, field in cases:
        answer = client.post(f"{API}/accounts", headers=auth.headers("admin"), json=body)
        problem = assert_problem(answer, 422, "validation_failed")
        assert field in problem["errors"], (body, problem)
    assert people_rows() == before


def test_a_move_holds_from_the_next_request_and_a_stale_edit_changes_nothing(client, auth):
    incident = reported(client, auth, "center01", location={
        "type": "Point", "coordinates": list(point_in(GRID_A1))})
    worker = auth.headers(L4_A1)
    assert client.get(f"{API}/incidents/{incident['id']}", headers=worker).status_code == 200
    read = account_of(client, auth, L4_A1)
    account, etag = read.get_json(), read.headers["ETag"]
    moved = {**as_change(account), "posts": [{"level": 4, "area_id": grid(GRID_B1).id}]}

    answer = client.put(f"{API}/accounts/{account['id']}", json=moved,
                        headers=auth.headers("admin", **{"If-Match": etag}))
    assert answer.status_code == 200, answer.get_json()
    assert answer.headers["ETag"] != etag
    assert client.get(f"{API}/me", headers=worker).get_json()["scope"]["grid_ids"] == [
        grid(GRID_B1).id]
    assert client.get(f"{API}/incidents/{incident['id']}", headers=worker).status_code == 404

    before = people_rows()
    stale = client.put(f"{API}/accounts/{account['id']}", json=as_change(account),
                       headers=auth.headers("admin", **{"If-Match": etag}))
    assert_problem(stale, 412, "version_mismatch")
    assert people_rows() == before
    record = client.get(f"{API}/accounts/{account['id']}/events",
                        headers=auth.headers("admin")).get_json()["items"]
    assert [entry["action"] for entry in record] == ["changed"]
    assert f"负责区域：{GRID_A1} → {GRID_B1}" in record[0]["detail"]
    history = cli(client.application, "people", "history", L4_A1)
    assert "admin（账号）  变更" in cli_text(history)


def test_deactivating_revokes_tokens_and_shows_the_cases_left_to_hand_over(client, auth):
    incident = reported(client, auth, "center01", location={
        "type": "Point", "coordinates": list(point_in(GRID_A1))})
    drive(client, auth, incident["id"], "dispatched")
    worker = auth.headers(L4_A1)
    account = account_of(client, auth, L4_A1).get_json()
    assert account["held_work"] == {"incidents": 1, "disputes": 0}

    answer = client.post(f"{API}/accounts/{account['id']}/deactivate",
                         headers=auth.headers("admin"), json={"reason": "调离本镇"})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["active"] is False
    assert answer.get_json()["held_work"] == {"incidents": 1, "disputes": 0}
    assert answer.get_json()["signed_in_sessions"] == 0
    assert client.get(f"{API}/me", headers=worker).status_code == 401
    assert auth.login(L4_A1).status_code == 403  # deactivated
    again = client.post(f"{API}/accounts/{account['id']}/deactivate",
                        headers=auth.headers("admin"), json={})
    assert_problem(again, 409, "invalid_transition")
    record = client.get(f"{API}/accounts/{account['id']}/events",
                        headers=auth.headers("admin")).get_json()["items"]
    assert [(entry["action"], entry["detail"]) for entry in record] == [
        ("deactivated", "调离本镇")]

    # a supervisor hands the case over: it is no longer the deactivated worker's
    acted = client.post(f"{API}/incidents/{incident['id']}/dispatch",
                        headers=auth.headers("center01"),
                        json={"assignee_id": user_id(auth, "l3-" + VILLAGE_A)})
    assert acted.status_code == 200, acted.get_json()
    assert client.get(f"{API}/accounts/{account['id']}", headers=auth.headers("admin")
                      ).get_json()["held_work"] == {"incidents": 0, "disputes": 0}


def test_an_administrator_cannot_lock_themselves_out_nor_leave_the_town_without_one(
        client, auth):
    admin = account_of(client, auth, "admin").get_json()
    before = people_rows()
    own = [client.post(f"{API}/accounts/{admin['id']}/deactivate", headers=auth.headers("admin"),
                       json={}),
           client.put(f"{API}/accounts/{admin['id']}", headers=auth.headers("admin"),
                      json={**as_change(admin), "roles": ["center_staff"]}),
           client.put(f"{API}/accounts/{admin['id']}", headers=auth.headers("admin"),
                      json={**as_change(admin), "active": False}),
           client.post(f"{API}/accounts/{admin['id']}/reset-password",
                       headers=auth.headers("admin"))]
    for answer in own:
        assert "自己" in assert_problem(answer, 409, "conflict")["detail"]
    assert people_rows() == before

    # another administrator may: the town still has one
    second = client.post(f"{API}/accounts", headers=auth.headers("admin"), json={
        "username": "admin2", "name": "第二位管理员", "roles": ["admin"]}).get_json()
    second_headers = {"Authorization": "Bearer " + auth.login(
        "admin2", second["initial_password"]).get_json()["access_token"]}
    assert client.post(f"{API}/accounts/{admin['id']}/deactivate", headers=second_headers,
                       json={}).status_code == 200
    assert client.get(f"{API}/me", headers=auth.headers("admin")).status_code == 401


def test_a_reset_password_is_given_once_and_signs_every_session_out(client, auth):
    headers = auth.headers("center02")
    target = user_id(auth, "center02")
    answer = client.post(f"{API}/accounts/{target}/reset-password", headers=auth.headers("admin"))
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    password = answer.get_json()["password"]
    assert client.get(f"{API}/me", headers=headers).status_code == 401
    assert auth.login("center02").status_code == 401
    assert auth.login("center02", password).status_code == 200


def test_lists_find_by_text_role_area_and_state_and_page_through_all(client, auth):
    admin = auth.headers("admin")

    def usernames(**query):
        return [item["username"] for item in client.get(
            f"{API}/accounts", headers=admin, query_string=query).get_json()["items"]]

    assert usernames(q=GRID_A1) == [L4_A1]
    assert usernames(q="%") == [] and usernames(q="_") == []  # no wildcards
    assert set(usernames(village_id=village(VILLAGE_A).id, limit=200)) >= {
        "l3-" + VILLAGE_A, L4_A1}
    assert all(name.startswith("l4-") or name.startswith("l3-") or name.startswith("l2-")
               for name in usernames(village_id=village(VILLAGE_A).id, limit=200))
    assert usernames(role="admin") == ["admin"]
    assert usernames(active=False) == []
    seen, cursor = [], None
    while True:
        page = client.get(f"{API}/accounts", headers=admin,
                          query_string={"limit": 37, **({"cursor": cursor} if cursor else {})}
                          ).get_json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    db.session.remove()
    assert seen == sorted(db.session.scalars(select(User.id)).all())
    assert_problem(client.get(f"{API}/accounts", headers=admin, query_string={"role": "cook"}),
                   422, "validation_failed")


def test_supervisors_find_what_a_deactivated_person_held_and_hand_it_over(client, auth):
    """assigned_to=<account id>: the cases dispatched to someone, within the caller's scope."""
    incident, dispute = cases_held(client, auth)
    worker, mediator = user_id(auth, L4_A1), user_id(auth, disputes.MED_A2)
    for account_id in (worker, mediator):
        assert client.post(f"{API}/accounts/{account_id}/deactivate",
                           headers=auth.headers("admin"), json={}).status_code == 200

    def left_holding(**query):
        answer = client.get(f"{API}/accounts", headers=auth.headers("admin"), query_string={
            "active": "false", "holds_work": "true", **query})
        assert answer.status_code == 200, answer.get_json()
        return {item["id"]: item["held_work"] for item in answer.get_json()["items"]}

    assert left_holding() == {worker: {"incidents": 1, "disputes": 0},
                              mediator: {"incidents": 0, "disputes": 1}}
    assert left_holding(limit=1) == {worker: {"incidents": 1, "disputes": 0}}  # one count a page
    listed = client.get(f"{API}/accounts", headers=auth.headers("admin"),
                        query_string={"holds_work": "false", "limit": 200}).get_json()["items"]
    assert {worker, mediator}.isdisjoint(item["id"] for item in listed)
    assert all(item["held_work"] == {"incidents": 0, "disputes": 0} for item in listed)

    def incidents_held(username, holder):
        answer = client.get(f"{API}/incidents", headers=auth.headers(username),
                            query_string={"assigned_to": holder, "status": "dispatched"})
        assert answer.status_code == 200, answer.get_json()
        return [item["id"] for item in answer.get_json()["items"]]

    assert incidents_held("l3-" + VILLAGE_A, worker) == [incident["id"]]
    assert incidents_held("center01", worker) == [incident["id"]]
    assert incidents_held(f"l4-{GRID_B1}", worker) == []  # not in their grid
    assert disputes.listed_ids(client, auth, disputes.HEAD_A, assigned_to=mediator) == [
        dispute["id"]]
    assert disputes.listed_ids(client, auth, disputes.HEAD_B, assigned_to=mediator) == []
    synced = client.get(f"{API}/incidents", headers=auth.headers("center01"), query_string={
        "assigned_to": worker, "updated_after": "2020-01-01T00:00:00+08:00"}).get_json()
    assert [item["id"] for item in synced["items"]] == [incident["id"]]

    disputes.acted(client, auth, disputes.HEAD_A, dispute["id"], "assign",
                   {"mediator_ids": [user_id(auth, disputes.MED_A3)]})
    client.post(f"{API}/incidents/{incident['id']}/dispatch", headers=auth.headers("center01"),
                json={"assignee_id": user_id(auth, "l3-" + VILLAGE_A)})
    assert incidents_held("center01", worker) == []
    assert disputes.listed_ids(client, auth, disputes.HEAD_A, assigned_to=mediator) == []
    assert left_holding() == {}  # every case handed on
    for bad in ("someone", "0", "-3", "1e3"):
        answer = client.get(f"{API}/incidents", headers=auth.headers("center01"),
                            query_string={"assigned_to": bad})
        assert "assigned_to" in assert_problem(answer, 422, "validation_failed")["errors"]


def notices(client, auth, username, kind):
    items = client.get(f"{API}/me/notifications", headers=auth.headers(username),
                       query_string={"limit": 200}).get_json()["items"]
    return [item for item in items if item["kind"] == kind]


def test_whoever_hands_the_cases_on_hears_that_their_holder_left(client, auth):
    incident, dispute = cases_held(client, auth)
    mediator = account_of(client, auth, disputes.MED_A2).get_json()
    worker = account_of(client, auth, L4_A1).get_json()

    # a change that takes the mediator out of post is a leaving too
    assert client.put(f"{API}/accounts/{mediator['id']}", headers=auth.headers("admin"),
                      json={**as_change(mediator), "active": False}).status_code == 200
    assert client.post(f"{API}/accounts/{worker['id']}/deactivate",
                       headers=auth.headers("admin"), json={}).status_code == 200

    told, = notices(client, auth, "center01", "incident_assignee_left")
    assert told["incident_id"] == incident["id"] and worker["name"] in told["title"]
    told, = notices(client, auth, disputes.HEAD_A, "dispute_mediator_left")
    assert told["dispute_id"] == dispute["id"] and mediator["name"] in told["title"]
    assert notices(client, auth, disputes.HEAD_B, "dispute_mediator_left") == []
    assert notices(client, auth, "admin", "incident_assignee_left") == []


def test_when_the_dispatcher_left_too_the_village_secretary_hears(client, auth):
    incident = reported(client, auth, "center01", location={
        "type": "Point", "coordinates": list(point_in(GRID_A1))})
    drive(client, auth, incident["id"], "dispatched", supervisor="center02")
    for username in ("center02", L4_A1):
        account = account_of(client, auth, username).get_json()
        assert client.post(f"{API}/accounts/{account['id']}/deactivate",
                           headers=auth.headers("admin"), json={}).status_code == 200
    told, = notices(client, auth, "l3-" + VILLAGE_A, "incident_assignee_left")
    assert told["incident_id"] == incident["id"]


def test_a_move_away_from_a_case_is_told_a_move_that_keeps_it_is_not(client, auth):
    incident, dispute = cases_held(client, auth)
    admin = auth.headers("admin")

    def moved(username, **fields):
        account = account_of(client, auth, username).get_json()
        answer = client.put(f"{API}/accounts/{account['id']}", headers=admin,
                            json={**as_change(account), **fields})
        assert answer.status_code == 200, answer.get_json()

    both = [{"level": 4, "area_id": grid(GRID_A1).id}, {"level": 4, "area_id": grid(GRID_B1).id}]
    moved(L4_A1, posts=both, phone="13911112222")  # still the case's grid: nothing to hand over
    assert notices(client, auth, "center01", "incident_assignee_left") == []
    moved(L4_A1, posts=[{"level": 4, "area_id": grid(GRID_B1).id}])
    told, = notices(client, auth, "center01", "incident_assignee_left")
    assert told["incident_id"] == incident["id"] and "已不负责" in told["title"]

    committee_b, _name = disputes.committee_of(disputes.VILLAGE_B)
    moved(disputes.MED_A2, committee_id=committee_b)
    told, = notices(client, auth, disputes.HEAD_A, "dispute_mediator_left")
    assert told["dispute_id"] == dispute["id"] and "已不在" in told["title"]


# --- the roster through the console ----------------------------------------------------

def roster_rows(client, auth):
    answer = client.get(f"{API}/accounts/roster", headers=auth.headers("admin"))
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert answer.headers["Cache-Control"] == "no-store"
    assert "filename*=UTF-8''%E8%8A%B1%E5%90%8D%E5%86%8C.csv" in answer.headers["Content-Disposition"]
    text = answer.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def upload_roster(client, auth, rows, encoding="utf-8-sig", **query):
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return client.post(f"{API}/accounts/roster", headers=auth.headers("admin"),
                       query_string=query, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(out.getvalue().encode(encoding)), "花名册.csv")})


def test_the_roster_round_trips_through_the_console_and_a_dry_run_writes_nothing(client, auth):
    rows = roster_rows(client, auth)
    assert len(rows) == 204
    unchanged = upload_roster(client, auth, rows)
    assert unchanged.status_code == 200, unchanged.get_json()
    assert unchanged.get_json() == {"dry_run": False, "created": [], "changed": [],
                                    "unchanged": 204, "absent": [], "deactivated_absent": False}

    row = next(row for row in rows if row["账号"] == L4_A1)
    row["负责区域"] = GRID_B1
    new = {**row, "账号": "l4-new", "姓名": "新来的网格员", "电话": "13800000000"}
    before = people_rows()
    tried = upload_roster(client, auth, rows + [new], encoding="gb18030", dry_run="true")
    assert tried.status_code == 200, tried.get_json()
    assert tried.get_json()["created"] == [{"username": "l4-new", "initial_password": None}]
    assert tried.get_json()["changed"] == [{"username": L4_A1,
                                            "changes": f"负责区域：{GRID_A1} → {GRID_B1}"}]
    assert people_rows() == before

    done = upload_roster(client, auth, rows + [new]).get_json()
    created, = done["created"]
    assert auth.login("l4-new", created["initial_password"]).status_code == 200
    moved = account_of(client, auth, L4_A1).get_json()
    assert [post["area"]["code"] for post in moved["posts"]] == [GRID_B1]
    record = client.get(f"{API}/accounts/{moved['id']}/events",
                        headers=auth.headers("admin")).get_json()["items"]
    assert record[-1]["operator"] == {"name": "admin", "account_id": user_id(auth, "admin")}


def test_a_roster_with_problems_is_refused_line_by_line(client, auth):
    rows = roster_rows(client, auth)
    rows[2]["负责区域"] = "441403116999001"
    rows[5]["角色"] = "厨师"
    before = people_rows()
    problem = assert_problem(upload_roster(client, auth, rows), 422, "validation_failed")
    assert {message.split("：")[0] for message in problem["errors"]["file"]} == {
        "第 4 行", "第 7 行"}
    assert people_rows() == before
    garbage = client.post(f"{API}/accounts/roster", headers=auth.headers("admin"),
                          content_type="multipart/form-data",
                          data={"file": (io.BytesIO(b"\xff\xfe\x00\x81 not text"), "x.csv")})
    assert "GB18030" in assert_problem(garbage, 422, "validation_failed")["errors"]["file"][0]
    assert people_rows() == before

    def without_admin():
        return [dict(row, **({"状态": "停用"} if row["账号"] == "admin" else {}))
                for row in roster_rows(client, auth)]

    alone = assert_problem(upload_roster(client, auth, without_admin()), 422, "validation_failed")
    assert "管理员" in alone["errors"]["file"][0]
    assert client.post(f"{API}/accounts", headers=auth.headers("admin"), json={
        "username": "admin2", "name": "第二位管理员", "roles": ["admin"]}).status_code == 201
    own = upload_roster(client, auth, without_admin())
    assert "自己" in assert_problem(own, 409, "conflict")["detail"]
    assert client.get(f"{API}/me", headers=auth.headers("admin")).status_code == 200
    assert_problem(client.get(f"{API}/accounts/roster", headers=auth.headers("center01")),
                   403, "forbidden")


def test_an_upload_creates_a_bounded_number_of_accounts(client, auth, monkeypatch):
    monkeypatch.setattr("service.people.actions.ROSTER_MAX_NEW", 2)
    rows = roster_rows(client, auth)
    worker = next(row for row in rows if row["账号"] == L4_A1)
    new = [{**worker, "账号": f"l4-new{n}", "电话": ""} for n in range(3)]
    before = people_rows()
    refused = assert_problem(upload_roster(client, auth, rows + new), 422, "validation_failed")
    assert "3 个新账号" in refused["errors"]["file"][0]
    assert people_rows() == before
    assert upload_roster(client, auth, rows + new[:2]).status_code == 200


def test_a_cell_a_spreadsheet_would_run_is_exported_inert_and_read_back_as_written(client, auth):
    account = account_of(client, auth, "center02").get_json()
    formula = "=HYPERLINK(\"http://x\",\"张\")"
    assert client.put(f"{API}/accounts/{account['id']}", headers=auth.headers("admin"),
                      json={**as_change(account), "name": formula}).status_code == 200
    row = next(row for row in roster_rows(client, auth) if row["账号"] == "center02")
    assert row["姓名"] == "'" + formula
    again = upload_roster(client, auth, roster_rows(client, auth)).get_json()
    assert again["changed"] == [] and again["unchanged"] == 204


def test_documented_in_openapi(client):
    paths = client.get(f"{API}/openapi.json").get_json()["paths"]
    operations = {(method, path): operation for path, item in paths.items()
                  for method, operation in item.items()
                  if path.startswith(f"{API}/accounts") and method != "parameters"}
    assert {(method, path.removeprefix(API)) for method, path in operations} == {
        ("get", "/accounts"), ("post", "/accounts"), ("get", "/accounts/roster"),
        ("post", "/accounts/roster"), ("get", "/accounts/{account_id}"),
        ("put", "/accounts/{account_id}"), ("post", "/accounts/{account_id}/deactivate"),
        ("post", "/accounts/{account_id}/reset-password"),
        ("get", "/accounts/{account_id}/events"), ("get", "/accounts/{account_id}/api-keys"),
        ("post", "/accounts/{account_id}/api-keys"),
        ("post", "/accounts/{account_id}/api-keys/{key_id}/revoke")}
    assert all(has_chinese(operation["summary"]) for operation in operations.values())
    assert "text/csv" in operations["get", f"{API}/accounts/roster"]["responses"]["200"]["content"]
    case_file = paths[f"{API}/disputes/{{dispute_id}}/file"]["get"]
    assert "text/html" in case_file["responses"]["200"]["content"]


def test_unknown_accounts_and_bad_bodies_get_a_problem_and_change_nothing(client, auth):
    admin = auth.headers("admin")
    before = people_rows()
    for method, path, body in [("get", "/accounts/999999", None),
                               ("put", "/accounts/999999", {"name": "某", "roles": ["worker"]}),
                               ("post", "/accounts/999999/deactivate", {}),
                               ("post", "/accounts/999999/reset-password", None),
                               ("get", "/accounts/999999/events", None)]:
        assert_problem(getattr(client, method)(API + path, headers=admin, json=body),
                       404, "not_found")
    target = user_id(auth, "center02")
    broken = client.put(f"{API}/accounts/{target}", headers=admin, data="{not json",
                        content_type="application/json")
    assert_problem(broken, 400, "bad_json")
    missing = assert_problem(client.post(f"{API}/accounts/roster", headers=admin,
                                         content_type="multipart/form-data", data={}),
                             422, "validation_failed")
    assert "file" in missing["errors"]
    assert people_rows() == before
