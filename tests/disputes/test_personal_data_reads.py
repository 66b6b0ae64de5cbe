"""个人信息查阅记录: every answer that shows parties' ID or phone numbers unmasked — a dispute's
detail or an action's answer, the printed case file, a case-file page, an export, a search by a
full number — is recorded (who, which dispute, how, from where), and nothing masked is; an answer
whose read cannot be recorded is not sent; only the administrator reads the record."""
from sqlalchemy import select

from geo.engine import in_read_only_transaction
from service.exports.labels import DOCUMENT_KIND_NAMES
from service.extensions import db
from service.models import PersonalDataRead
from tests.append_only import assert_append_only
from tests.disputes.conftest import (API, HEAD_A, ID_NUMBER, L3_A, MED_A2, MED_A3, PHONE,
                                     acted, assert_problem, drive, execute, get, intaken,
                                     listed_ids, session_body, user_id)
from tests.disputes.test_documents import filed, page_image
from tests.incidents.conftest import jpeg_bytes


def reads():
    db.session.remove()
    rows = [(read.user_id, read.dispute_id, read.kind, read.detail, read.address)
            for read in db.session.scalars(select(PersonalDataRead).order_by(PersonalDataRead.id))]
    db.session.remove()
    return rows


def test_a_dispute_shown_in_full_is_recorded_and_a_masked_one_is_not(client, auth):
    dispute = intaken(client, auth)
    center = user_id(auth, "center01")
    assert reads() == [(center, dispute["id"], "dispute", None, "127.0.0.1")]  # the intake answer

    shown = get(client, auth, "center01", dispute["id"])
    assert shown.get_json()["parties"][0]["phone"] == PHONE
    assert len(reads()) == 2
    assert get(client, auth, L3_A, dispute["id"]).get_json()["parties"][0]["phone"] != PHONE
    assert listed_ids(client, auth, "center01") == [dispute["id"]]  # lists mask every party
    assert len(reads()) == 2

    drive(client, auth, dispute["id"], "mediating")  # accepted by HEAD_A, assigned to MED_A2
    acted(client, auth, MED_A2, dispute["id"], "sessions", session_body())
    mediator = user_id(auth, MED_A2)
    assert (mediator, dispute["id"], "dispute", None, "127.0.0.1") in reads()


def test_the_case_file_and_its_pages_are_recorded_for_full_readers_only(client, auth):
    dispute = intaken(client, auth)
    drive(client, auth, dispute["id"], "mediating")
    page = filed(client, auth, MED_A2, dispute["id"], jpeg_bytes(), kind="identity")
    before = len(reads())

    assert client.get(f"{API}/disputes/{dispute['id']}/file",
                      headers=auth.headers(MED_A3)).status_code == 200  # masked: not recorded
    assert len(reads()) == before
    assert client.get(f"{API}/disputes/{dispute['id']}/file",
                      headers=auth.headers(HEAD_A)).status_code == 200
    assert page_image(client, auth, HEAD_A, dispute["id"], page["id"]).status_code == 200
    head = user_id(auth, HEAD_A)
    assert reads()[before:] == [(head, dispute["id"], "case_file", "含卷宗材料图片 1 页",
                                 "127.0.0.1"),
                                (head, dispute["id"], "document",
                                 f"{DOCUMENT_KIND_NAMES['identity']}（第 {page['id']} 号）",
                                 "127.0.0.1")]


def test_a_search_by_a_full_number_is_recorded_masked(client, auth):
    dispute = intaken(client, auth)
    before = len(reads())
    assert listed_ids(client, auth, "center01", party="张三") == [dispute["id"]]
    assert len(reads()) == before  # a name: nothing unmasked
    assert listed_ids(client, auth, "center01", party=ID_NUMBER) == [dispute["id"]]
    assert listed_ids(client, auth, MED_A3, party=PHONE) == []  # found nothing, tried anyway
    [by_id, by_phone] = reads()[before:]
    assert by_id[2:4] == ("search", "按身份证号查找（110105********002X）")
    assert by_phone[:4] == (user_id(auth, MED_A3), None, "search", "按电话查找（138****5678）")
    assert all(ID_NUMBER not in str(row) and PHONE not in str(row) for row in reads())


def test_an_export_records_how_many_disputes_it_showed_in_full(client, auth):
    intaken(client, auth)
    intaken(client, auth, parties=[{"name": "王五"}])  # no numbers to show
    before = len(reads())
    assert client.get(f"{API}/exports/disputes", headers=auth.headers(L3_A)).status_code == 200
    assert len(reads()) == before  # every party masked
    response = client.get(f"{API}/exports/disputes", headers=auth.headers("center01"))
    assert response.status_code == 200 and PHONE in response.get_data(as_text=True)
    [export] = reads()[before:]
    assert export[1:4] == (None, "export", "纠纷台账（csv）：1 件的当事人号码未掩码")


def test_recording_leaves_a_reading_requests_transaction_as_it_was(app, client, auth):
    seen = []

    @app.teardown_request
    def _still_read_only(_error):  # runs before the app's own teardown ends the transaction
        seen.append(in_read_only_transaction(db.session))

    dispute = intaken(client, auth)
    assert get(client, auth, "center01", dispute["id"]).status_code == 200
    assert seen[-1] is True and reads()[-1][2] == "dispute"


def test_the_roster_export_is_recorded(client, auth):
    response = client.get(f"{API}/accounts/roster", headers=auth.headers("admin"))
    assert response.status_code == 200
    rows = len(response.get_data(as_text=True).splitlines()) - 1
    assert reads()[-1][:4] == (user_id(auth, "admin"), None, "roster",
                                f"花名册：{rows} 个账号，含电话")


def test_an_answer_whose_read_cannot_be_recorded_is_not_sent(client, auth):
    dispute = intaken(client, auth)
    execute("ALTER TABLE personal_data_reads RENAME TO personal_data_reads_away")
    response = client.get(f"{API}/disputes/{dispute['id']}", headers=auth.headers("center01"))
    assert_problem(response, 503, "database_unavailable")
    assert PHONE not in response.get_data(as_text=True)


def test_only_the_administrator_reads_the_record(client, auth):
    first = intaken(client, auth)
    second = intaken(client, auth)
    get(client, auth, "center01", first["id"])
    for username in ("center01", "l1-01", HEAD_A):
        assert_problem(client.get(f"{API}/personal-data/reads", headers=auth.headers(username)),
                       403, "forbidden")
    page = client.get(f"{API}/personal-data/reads", query_string={"dispute_id": first["id"]},
                      headers=auth.headers("admin")).get_json()
    assert [item["kind"] for item in page["items"]] == ["dispute", "dispute"]
    newest = page["items"][0]
    assert newest["user"]["name"] and newest["dispute"] == {"id": first["id"],
                                                            "number": first["number"]}
    assert newest["created_at"].endswith("+08:00") and newest["address"] == "127.0.0.1"
    everyone = client.get(f"{API}/personal-data/reads", query_string={"limit": 2},
                          headers=auth.headers("admin")).get_json()
    assert everyone["items"][0]["dispute"]["id"] == first["id"] and everyone["next_cursor"]
    rest = client.get(f"{API}/personal-data/reads", query_string={"cursor": everyone["next_cursor"]},
                      headers=auth.headers("admin")).get_json()
    assert [item["dispute"]["id"] for item in rest["items"]] == [first["id"]]
    assert second["id"] in [item["dispute"]["id"] for item in everyone["items"]]
    assert_problem(client.get(f"{API}/personal-data/reads", query_string={"kind": "peek"},
                              headers=auth.headers("admin")), 422, "validation_failed")
    assert_append_only(PersonalDataRead, lambda row: setattr(row, "kind", "search"),
                       "UPDATE personal_data_reads SET kind = 'search'",
                       "DELETE FROM personal_data_reads")
