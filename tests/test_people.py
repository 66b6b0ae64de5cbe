"""``flask people``: the roster exported, edited and imported back (a worker moved, a new
account, a mediator who left), every problem listed by line with nothing written, accounts
deactivated and passwords reset with their tokens revoked — on both databases."""
import csv
import getpass
import io
import os
import stat
import uuid

import pytest
from sqlalchemy import func, select

from service.extensions import db
from service.models import AccountEvent, CommitteeMember, User, UserRole, WorkerAssignment
from service.people.roster import COLUMNS
from tests.append_only import assert_append_only
from tests.disputes.conftest import cli, cli_text
from tests.incidents.conftest import point_in, reported
from tests.town import API, GRID_A1, GRID_B1, VILLAGE_A, VILLAGE_B, grid, village

L4_A1 = f"l4-{GRID_A1}"


@pytest.fixture(autouse=True)
def one_request_one_context(fresh_request_context):
    """Every test request here runs in a context of its own (tests/conftest.py)."""


def exported(app):
    result = cli(app, "people", "export")
    assert result.exit_code == 0, cli_text(result)
    return list(csv.DictReader(io.StringIO(result.output.lstrip("\ufeff"))))


def roster_file(tmp_path, rows, encoding="utf-8-sig"):
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / f"roster-{uuid.uuid4().hex[:6]}.csv"
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def row_of(rows, username):
    return next(row for row in rows if row["账号"] == username)


def people_counts():
    db.session.remove()
    counts = tuple(db.session.scalar(select(func.count()).select_from(model))
                   for model in (User, UserRole, WorkerAssignment, CommitteeMember))
    db.session.remove()
    return counts


def new_worker_row(username="l4-new", grid_code=GRID_B1):
    return {"账号": username, "姓名": "新来的网格员", "电话": "13800000000", "角色": "网格员",
            "网格员层级": "4", "负责区域": grid_code, "调委会": "", "调委会主任": "", "状态": "在岗"}


def test_the_roster_read_back_changes_nothing(app, tmp_path):
    rows = exported(app)
    assert len(rows) == 204 and set(rows[0]) == set(COLUMNS)
    assert row_of(rows, "l3-" + VILLAGE_A)["负责区域"] == VILLAGE_A
    assert row_of(rows, f"med-{VILLAGE_A}-1")["调委会主任"] == "是"
    before = people_counts()
    result = cli(app, "people", "import", str(roster_file(tmp_path, rows)))
    assert result.exit_code == 0, cli_text(result)
    assert "新建 0 个、变更 0 个、未变 204 个账号" in result.output
    assert people_counts() == before and exported(app) == rows
    written = tmp_path / "export.csv"
    assert cli(app, "people", "export", str(written)).exit_code == 0
    assert stat.S_IMODE(written.stat().st_mode) == 0o600  # everyone's phone number is in it
    assert list(csv.DictReader(io.StringIO(written.read_text(encoding="utf-8-sig")))) == rows


def test_a_worker_moved_to_another_grid_sees_that_grid_from_the_next_request(app, client, auth,
                                                                             tmp_path):
    incident = reported(client, auth, "center01", location={
        "type": "Point", "coordinates": list(point_in(GRID_A1))})
    headers = auth.headers(L4_A1)
    assert client.get(f"{API}/incidents/{incident['id']}", headers=headers).status_code == 200
    tag = client.get(f"{API}/incidents", headers=headers,
                     query_string={"updated_after": "2020-01-01T00:00:00+08:00"}
                     ).get_json()["scope_tag"]

    rows = exported(app)
    row_of(rows, L4_A1)["负责区域"] = GRID_B1
    result = cli(app, "people", "import", str(roster_file(tmp_path, rows)))
    assert result.exit_code == 0, cli_text(result)
    assert f"变更：{L4_A1}：负责区域：{GRID_A1} → {GRID_B1}" in result.output
    assert "变更 1 个" in result.output

    me = client.get(f"{API}/me", headers=headers).get_json()  # the same token
    assert me["scope"]["grid_ids"] == [grid(GRID_B1).id]
    assert client.get(f"{API}/incidents/{incident['id']}", headers=headers).status_code == 404
    moved = client.get(f"{API}/incidents", headers=headers,
                       query_string={"updated_after": "2020-01-01T00:00:00+08:00"}).get_json()
    assert moved["scope_tag"] != tag
    assert incident["id"] not in [item["id"] for item in moved["items"]]


def test_a_new_account_gets_an_initial_password_only_its_holder_file_can_read(app, client, auth,
                                                                            tmp_path):
    path = roster_file(tmp_path, [new_worker_row()])
    before = people_counts()
    refused = cli(app, "people", "import", str(path))
    assert refused.exit_code != 0 and "--passwords" in cli_text(refused)
    assert people_counts() == before

    passwords = tmp_path / "initial.csv"
    result = cli(app, "people", "import", str(path), "--passwords", str(passwords))
    assert result.exit_code == 0, cli_text(result)
    assert "新建：l4-new" in result.output
    assert stat.S_IMODE(passwords.stat().st_mode) == 0o600
    (username, password), = list(csv.reader(io.StringIO(passwords.read_text())))[1:]
    signed_in = auth.login(username, password)
    assert signed_in.status_code == 200, signed_in.get_json()
    me = client.get(f"{API}/me", headers={
        "Authorization": f"Bearer {signed_in.get_json()['access_token']}"}).get_json()
    assert me["levels"] == [4] and len(me["scope"]["grid_ids"]) == 1


def test_every_problem_is_listed_by_line_and_nothing_is_written(app, tmp_path):
    rows = [
        new_worker_row("ok-row"),
        {**new_worker_row("bad grid"), "负责区域": "441403116999001"},          # line 3
        {**new_worker_row("l4-x"), "网格员层级": "4", "负责区域": VILLAGE_A},   # line 4
        {**new_worker_row("l4-y"), "角色": "厨师"},                              # line 5
        {**new_worker_row("l3-x"), "网格员层级": "3",
         "负责区域": f"{VILLAGE_A}、{VILLAGE_B}"},                               # line 6
        {**new_worker_row("med-x"), "角色": "调解员", "网格员层级": "", "负责区域": ""},  # line 7
        {**new_worker_row("ok-row"), "姓名": ""},                                # line 8
        {**new_worker_row("l2-x"), "网格员层级": "2、3", "负责区域": VILLAGE_A},  # line 9
    ]
    before = people_counts()
    result = cli(app, "people", "import", str(roster_file(tmp_path, rows)), "--passwords",
                 str(tmp_path / "p.csv"))
    text = cli_text(result)
    assert result.exit_code != 0 and "未写入任何数据" in text
    for line, fragment in ((3, "账号须为"), (3, "没有代码为 441403116999001 的村（社区）或网格"),
                           (4, f"{VILLAGE_A} 是村（社区），所填层级中没有第3级"),
                           (4, "第4级网格员须填负责的网格代码"), (5, "没有“厨师”"),
                           (6, "只负责一个村"), (7, "调解员须填所在调委会"),
                           (8, "姓名不能为空"), (8, "与第 2 行重复"), (9, "二级、三级不能同在")):
        assert any(said.startswith(f"第 {line} 行：") and fragment in said
                   for said in text.splitlines()), (line, fragment, text)
    assert "第 2 行" not in text.replace("与第 2 行重复", "")
    assert people_counts() == before and not (tmp_path / "p.csv").exists()


def test_one_person_may_hold_two_levels(app, client, auth, tmp_path):
    """A village secretary (level 3) who is also a grid's cadre (level 4): each area code says
    which post it is; the row reads back as it was written."""
    secretary = f"l3-{VILLAGE_A}"
    rows = exported(app)
    row_of(rows, secretary).update({"网格员层级": "3、4", "负责区域": f"{GRID_A1}、{VILLAGE_A}"})
    result = cli(app, "people", "import", str(roster_file(tmp_path, rows)))
    assert result.exit_code == 0, cli_text(result)
    me = client.get(f"{API}/me", headers=auth.headers(secretary)).get_json()
    assert me["levels"] == [3, 4] and me["scope"]["grid_ids"] == [grid(GRID_A1).id]
    assert me["scope"]["village_ids"] == [village(VILLAGE_A).id]
    again = row_of(exported(app), secretary)
    assert (again["网格员层级"], again["负责区域"]) == ("3、4", f"{VILLAGE_A}、{GRID_A1}")
    reread = cli(app, "people", "import", str(roster_file(tmp_path, exported(app))))
    assert "变更 0 个" in reread.output


def test_a_roster_saved_by_a_chinese_spreadsheet_is_read(app, tmp_path):
    """GB18030, as Excel on a Chinese Windows saves CSV, with the empty lines it leaves."""
    rows = exported(app)
    row_of(rows, L4_A1)["姓名"] = "改了名字"
    rows.insert(3, dict.fromkeys(COLUMNS, ""))
    result = cli(app, "people", "import", str(roster_file(tmp_path, rows, "gb18030")))
    assert result.exit_code == 0, cli_text(result)
    assert row_of(exported(app), L4_A1)["姓名"] == "改了名字"


def test_a_mediator_who_left_is_deactivated_by_the_roster_and_signed_out(app, client, auth,
                                                                        tmp_path):
    mediator = f"med-{VILLAGE_A}-2"
    headers = auth.headers(mediator)
    rows = exported(app)
    row_of(rows, mediator)["状态"] = "停用"
    result = cli(app, "people", "import", str(roster_file(tmp_path, rows)))
    assert result.exit_code == 0, cli_text(result)
    assert client.get(f"{API}/me", headers=headers).status_code == 401
    assert auth.login(mediator).status_code == 403


def test_deactivate_and_reset_password(app, client, auth):
    headers = auth.headers("center02")
    result = cli(app, "people", "deactivate", "center02")
    assert result.exit_code == 0, cli_text(result)
    assert client.get(f"{API}/me", headers=headers).status_code == 401
    assert auth.login("center02").status_code == 403

    old = auth.headers("center01")
    result = cli(app, "people", "reset-password", "center01")
    assert result.exit_code == 0, cli_text(result)
    password = result.output.strip().rsplit("：", 1)[1]
    assert client.get(f"{API}/me", headers=old).status_code == 401
    assert auth.login("center01").status_code == 401
    assert auth.login("center01", password).status_code == 200

    missing = cli(app, "people", "deactivate", "nobody")
    assert missing.exit_code != 0 and "没有账号 nobody" in cli_text(missing)


def test_the_last_administrator_stays(app, tmp_path):
    refused = cli(app, "people", "deactivate", "admin")
    assert refused.exit_code != 0 and "管理员" in cli_text(refused)
    rows = exported(app)
    row_of(rows, "admin")["状态"] = "停用"
    before = people_counts()
    result = cli(app, "people", "import", str(roster_file(tmp_path, rows)))
    assert result.exit_code != 0 and "没有在岗的管理员" in cli_text(result)
    assert people_counts() == before
    assert row_of(exported(app), "admin")["状态"] == "在岗"


def history_lines(app, username):
    result = cli(app, "people", "history", username)
    assert result.exit_code == 0, cli_text(result)
    return result.output.splitlines()


def test_every_change_is_on_the_accounts_record_with_who_made_it(app, tmp_path):
    rows = exported(app)
    row_of(rows, L4_A1)["负责区域"] = GRID_B1
    assert cli(app, "people", "import", str(roster_file(tmp_path, rows + [new_worker_row()])),
               "--passwords", str(tmp_path / "p.csv")).exit_code == 0
    assert cli(app, "people", "reset-password", L4_A1).exit_code == 0
    assert cli(app, "people", "deactivate", L4_A1).exit_code == 0

    operator = (os.environ.get("SUDO_USER") or getpass.getuser()) + "（系统用户）"
    moved = history_lines(app, L4_A1)
    assert [line.split()[2:4] for line in moved] == [
        [operator, "变更"], [operator, "重设密码"], [operator, "停用"]]
    assert f"负责区域：{GRID_A1} → {GRID_B1}" in moved[0]
    created, = history_lines(app, "l4-new")
    assert "新建" in created and f"负责区域：{GRID_B1}" in created
    assert history_lines(app, "center01") == []  # read back unchanged: nothing to record


def test_the_record_names_the_person_behind_sudo(app, monkeypatch):
    monkeypatch.setenv("SUDO_USER", "zhang.wei")
    assert cli(app, "people", "reset-password", "center02").exit_code == 0
    assert history_lines(app, "center02")[0].split()[2:4] == ["zhang.wei（系统用户）", "重设密码"]


def test_the_accounts_record_is_append_only(app, tmp_path):
    assert cli(app, "people", "reset-password", "center01").exit_code == 0
    assert_append_only(AccountEvent, lambda entry: setattr(entry, "detail", "改写"),
                       "UPDATE account_events SET operator = 'someone'", "DELETE FROM account_events")
    assert db.session.scalar(select(func.count()).select_from(AccountEvent)) == 1


def test_a_full_roster_deactivates_whoever_was_taken_off_it(app, client, auth, tmp_path):
    leaver = f"med-{VILLAGE_A}-3"
    headers = auth.headers(leaver)
    path = roster_file(tmp_path, [row for row in exported(app) if row["账号"] != leaver])

    kept = cli(app, "people", "import", str(path))
    assert kept.exit_code == 0 and "文件中没有的 1 个在岗账号未改动" in kept.output
    dry = cli(app, "people", "import", str(path), "--deactivate-absent", "--dry-run")
    assert dry.exit_code == 0 and f"停用：{leaver}" in dry.output
    assert client.get(f"{API}/me", headers=headers).status_code == 200  # nothing written yet

    done = cli(app, "people", "import", str(path), "--deactivate-absent")
    assert done.exit_code == 0, cli_text(done)
    assert f"停用：{leaver}（花名册中没有）" in done.output and "停用文件中没有的 1 个" in done.output
    assert client.get(f"{API}/me", headers=headers).status_code == 401
    assert history_lines(app, leaver)[-1].endswith("停用  花名册中没有")
