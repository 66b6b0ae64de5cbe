"""The town's holiday calendar: a year's notice entered by the administrator comes before the
library's data; entering it moves the stored working-day deadlines it changes, each a change
phones sync and an entry on its case's record; wrong notices are refused whole."""
from datetime import date, datetime, timedelta

import chinese_calendar
import pytest
from sqlalchemy import func, select

from service.clock import clock_at
from service.deadlines import add_working_days
from service.disputes.record import verify
from service.extensions import db
from service.holidays.calendar import TownCalendar, current_calendar
from service.models import CalendarChange, CalendarDay, IncidentEvent, Notification, User
from tests.append_only import assert_append_only
from tests.conftest import make_app
from tests.disputes.conftest import HEAD_A, cli, cli_text, dispute_row, event_rows, intaken
from tests.incidents.conftest import TOWN, end_of, incident_row, reported
from tests.problems import assert_problem

API = "/api/v1"
# Not the real 2027 notice (it is the town's to enter): a plausible one for the tests. 1 January
# 2027 is a Friday; 6 February a Saturday; 31 January and 20 February are a Sunday and a Saturday.
NOTICE_2027 = {
    "notice": "国务院办公厅关于2027年部分节假日安排的通知（测试用）",
    "holidays": [{"name": "元旦", "first_day": "2027-01-01", "last_day": "2027-01-03"},
                 {"name": "春节", "first_day": "2027-02-06", "last_day": "2027-02-14"}],
    "make_up_days": [{"day": "2027-01-31", "holiday": "春节"},
                     {"day": "2027-02-20", "holiday": "春节"}],
}
NEW_YEARS_EVE = datetime(2026, 12, 31, 10, 0, tzinfo=TOWN)  # a Thursday


@pytest.fixture(autouse=True)
def one_request_one_context(fresh_request_context):
    """Every test request here runs in a context of its own, as in production."""


def put(client, auth, year, body, username="admin", **headers):
    return client.put(f"{API}/calendar/{year}", json=body,
                      headers=auth.headers(username, **headers))


def get(client, auth, year, username="l4-441403116001001"):
    response = client.get(f"{API}/calendar/{year}", headers=auth.headers(username))
    assert response.status_code == 200, response.get_json()
    return response


def weekdays_of(year):
    first = date(year, 1, 1)
    return sum((first + timedelta(days=offset)).weekday() < 5
               for offset in range((date(year, 12, 31) - first).days + 1))


def stored_calendar():
    db.session.remove()
    rows = db.session.execute(select(CalendarDay.day, CalendarDay.working, CalendarDay.name)
                              .order_by(CalendarDay.day)).all()
    changes = db.session.scalar(select(func.count()).select_from(CalendarChange))
    db.session.remove()
    return rows, changes


def test_a_year_the_library_covers_is_shown_from_it(client, auth):
    year = get(client, auth, 2026).get_json()
    assert year["basis"] == "library" and year["version"] == 0 and year["notice"] is None
    assert {"name": "春节", "first_day": "2026-02-15", "last_day": "2026-02-23"} in year["holidays"]
    assert {"day": "2026-02-28", "holiday": "春节"} in year["make_up_days"]
    assert year["working_days"] == len(chinese_calendar.get_workdays(date(2026, 1, 1),
                                                                     date(2026, 12, 31)))


def test_a_year_nobody_has_entered_counts_weekends_only(client, auth):
    year = get(client, auth, 2027).get_json()
    assert year["basis"] == "weekends_only"
    assert year["holidays"] == [] and year["make_up_days"] == []
    assert year["working_days"] == weekdays_of(2027)


def test_entering_a_notice_moves_the_deadlines_it_changes(client, auth):
    with clock_at(NEW_YEARS_EVE):
        # 3 working days to accept: counted by weekends only, Friday 1, Monday 4, Tuesday 5.
        dispute = intaken(client, auth)
        # A 12345 enquiry, 2 working days: Friday 1 and Monday 4 January.
        enquiry = reported(client, auth, "center01", channel="hotline_12345",
                           category="public_service", work_order_type="enquiry")
    with clock_at(datetime(2026, 12, 21, 10, 0, tzinfo=TOWN)):
        # Due Wednesday 23 December, before any day the notice changes: left alone.
        earlier = reported(client, auth, "center01", channel="hotline_12345",
                           category="public_service", work_order_type="enquiry")
    assert datetime.fromisoformat(dispute["due_at"]) == end_of(date(2027, 1, 5))
    assert datetime.fromisoformat(enquiry["due_at"]) == end_of(date(2027, 1, 4))
    before = {"dispute": dispute_row(dispute["id"]), "enquiry": incident_row(enquiry["id"]),
              "earlier": incident_row(earlier["id"])}
    db.session.remove()

    with clock_at(NEW_YEARS_EVE + timedelta(hours=2)):
        response = put(client, auth, 2027, NOTICE_2027)
    assert response.status_code == 200, response.get_json()
    year = response.get_json()
    assert response.headers["ETag"] == '"calendar-2027-1"'
    assert year["basis"] == "town" and year["version"] == 1
    assert year["notice"] == NOTICE_2027["notice"]
    assert year["holidays"] == NOTICE_2027["holidays"]
    assert year["make_up_days"] == NOTICE_2027["make_up_days"]
    # Five weekdays off (1 January; 8–12 February), two weekend days worked.
    assert year["working_days"] == weekdays_of(2027) - 6 + 2
    [change] = year["changes"]
    assert change["deadlines_moved"] == 2 and change["operator"]["name"]

    # With 1–3 January off: the dispute is due Wednesday 6 January, the enquiry Tuesday 5.
    moved_dispute = dispute_row(dispute["id"])
    assert moved_dispute.due_at == end_of(date(2027, 1, 6))
    assert moved_dispute.version == before["dispute"].version + 1
    assert moved_dispute.change_seq > before["dispute"].change_seq
    last = event_rows(dispute["id"])[-1]
    assert (last.action, last.from_status, last.to_status) == ("deadline_moved", "received",
                                                               "received")
    assert "2027-01-05" in last.note and "2027-01-06" in last.note
    assert NOTICE_2027["notice"] in last.note and last.actor_id == change["operator"]["id"]
    assert verify(db.session, dispute["id"]) == []
    # Told to whoever carries it: the committee's head while no mediator is assigned.
    told = db.session.execute(select(Notification.user_id, Notification.title, Notification.body)
                              .where(Notification.kind == "deadline_moved")).all()
    head = db.session.scalar(select(User.id).where(User.username == HEAD_A))
    assert told == [(head, f"期限调整：纠纷 {dispute['number']}", last.note)]
    db.session.remove()

    moved_enquiry = incident_row(enquiry["id"])
    assert moved_enquiry.due_at == end_of(date(2027, 1, 5))
    assert moved_enquiry.version == before["enquiry"].version + 1
    assert moved_enquiry.change_seq > before["enquiry"].change_seq
    entry = db.session.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == enquiry["id"])
                               .order_by(IncidentEvent.id.desc()).limit(1)).one()
    assert entry.action == "deadline_moved" and entry.actor_id == change["operator"]["id"]
    db.session.remove()
    untouched = incident_row(earlier["id"])
    assert (untouched.due_at, untouched.version) == (before["earlier"].due_at,
                                                     before["earlier"].version)

    # The moved case reaches the phones that sync it, and its answer shows the new deadline.
    shown = client.get(f"{API}/disputes/{dispute['id']}", headers=auth.headers("center01"))
    assert datetime.fromisoformat(shown.get_json()["due_at"]) == end_of(date(2027, 1, 6))
    with clock_at(NEW_YEARS_EVE + timedelta(hours=3)):
        synced = client.get(f"{API}/incidents", headers=auth.headers("center01"), query_string={
            "updated_after": (NEW_YEARS_EVE + timedelta(hours=1)).isoformat()}).get_json()
    assert [item["id"] for item in synced["items"]] == [enquiry["id"]]
    assert synced["items"][0]["due_at"].startswith("2027-01-05T23:59:59")
    record = client.get(f"{API}/disputes/{dispute['id']}/events",
                        headers=auth.headers("center01")).get_json()
    assert record["items"][-1]["action"] == "deadline_moved"

    # New cases count by the entered notice at once.
    with clock_at(NEW_YEARS_EVE):
        later = intaken(client, auth)
    assert datetime.fromisoformat(later["due_at"]) == end_of(date(2027, 1, 6))


def test_the_overview_names_this_year_next_year_and_every_entered_year(client, auth):
    def overview():
        with clock_at(datetime(2026, 12, 5, 9, 0, tzinfo=TOWN)):
            response = client.get(f"{API}/calendar", headers=auth.headers("l1-01"))
        assert response.status_code == 200, response.get_json()
        return [(item["year"], item["basis"], item["version"], item["notice"])
                for item in response.get_json()["items"]]

    assert overview() == [(2027, "weekends_only", 0, None), (2026, "library", 0, None)]
    assert put(client, auth, 2027, NOTICE_2027).status_code == 200
    assert put(client, auth, 2027, {**NOTICE_2027, "notice": "更正"}).status_code == 200
    assert put(client, auth, 2030, {**NOTICE_2027, "notice": "远年", "make_up_days": [],
                                    "holidays": [{"name": "元旦", "first_day": "2030-01-01",
                                                  "last_day": "2030-01-01"}]}).status_code == 200
    assert overview() == [(2030, "town", 1, "远年"), (2027, "town", 2, "更正"),
                          (2026, "library", 0, None)]


def test_a_correction_replaces_the_year_and_needs_the_current_version(client, auth):
    assert put(client, auth, 2027, NOTICE_2027).status_code == 200
    corrected = {**NOTICE_2027, "notice": "更正", "make_up_days": NOTICE_2027["make_up_days"][:1]}
    stale = put(client, auth, 2027, corrected, **{"If-Match": '"calendar-2027-0"'})
    assert_problem(stale, 412, "version_mismatch")
    assert get(client, auth, 2027).get_json()["version"] == 1

    response = put(client, auth, 2027, corrected, **{"If-Match": '"calendar-2027-1"'})
    assert response.status_code == 200, response.get_json()
    year = response.get_json()
    assert year["version"] == 2 and year["notice"] == "更正"
    assert year["make_up_days"] == corrected["make_up_days"]
    assert [change["notice"] for change in year["changes"]] == [NOTICE_2027["notice"], "更正"]
    days, changes = stored_calendar()
    assert changes == 2 and date(2027, 2, 20) not in [day for day, _, _ in days]
    assert_append_only(CalendarChange, lambda row: setattr(row, "source", "改写"),
                       "UPDATE calendar_changes SET source = '改写'", "DELETE FROM calendar_changes")


def test_only_an_administrator_enters_a_notice(client, auth):
    for username in ("center01", "l1-01", "l4-441403116001001"):
        assert_problem(put(client, auth, 2027, NOTICE_2027, username), 403, "forbidden")
    assert stored_calendar() == ([], 0)
    assert client.put(f"{API}/calendar/2027", json=NOTICE_2027).status_code == 401


@pytest.mark.parametrize("change, field", [
    ({"holidays": [{"name": "元旦", "first_day": "2027-01-03", "last_day": "2027-01-01"}]},
     "holidays.0.last_day"),
    ({"holidays": [{"name": "春节", "first_day": "2027-02-01", "last_day": "2027-02-28"}]},
     "holidays.0.last_day"),
    ({"holidays": [{"name": "国庆节", "first_day": "2028-10-01", "last_day": "2028-10-07"}]},
     "holidays.0"),
    ({"holidays": [*NOTICE_2027["holidays"],
                   {"name": "除夕", "first_day": "2027-02-05", "last_day": "2027-02-06"}]},
     "holidays.2"),
    ({"make_up_days": [{"day": "2027-02-19", "holiday": "春节"}]}, "make_up_days.0.day"),
    ({"make_up_days": [{"day": "2027-02-06", "holiday": "春节"}]}, "make_up_days.0.day"),
    ({"make_up_days": [{"day": "2027-02-20", "holiday": "国庆节"}]}, "make_up_days.0.holiday"),
    ({"holidays": []}, "holidays"),
    ({"notice": ""}, "notice"),
    ({"holidays": [{"name": "元旦", "first_day": "2027-13-01", "last_day": "2027-01-01"}]},
     "holidays"),
])
def test_a_wrong_notice_is_refused_whole(client, auth, change, field):
    response = put(client, auth, 2027, {**NOTICE_2027, **change})
    assert_problem(response, 422, "validation_failed")
    assert field in response.get_json()["errors"], response.get_json()
    assert stored_calendar() == ([], 0)
    assert get(client, auth, 2027).get_json()["basis"] == "weekends_only"


def test_a_day_another_years_notice_sets_cannot_be_set_again(client, auth):
    notice_2028 = {"notice": "2028 年通知（测试用）", "make_up_days": [],
                   "holidays": [{"name": "元旦", "first_day": "2027-12-31", "last_day": "2028-01-02"}]}
    assert put(client, auth, 2028, notice_2028).status_code == 200
    overlapping = {**NOTICE_2027, "holidays": [
        *NOTICE_2027["holidays"], {"name": "元旦", "first_day": "2027-12-31",
                                   "last_day": "2027-12-31"}]}
    response = put(client, auth, 2027, overlapping)
    assert_problem(response, 422, "validation_failed")
    assert "已由 2028 年的安排设定" in response.get_json()["errors"]["holidays"][0]
    assert get(client, auth, 2027).get_json()["basis"] == "weekends_only"


def test_a_year_out_of_range_is_422(client, auth):
    assert_problem(client.get(f"{API}/calendar/1999", headers=auth.headers("admin")), 422,
                   "validation_failed")
    assert_problem(put(client, auth, 2101, NOTICE_2027), 422, "validation_failed")


def test_every_server_process_counts_by_a_notice_another_entered(client, auth, app,
                                                                 database_url, tmp_path):
    other = make_app(database_url, tmp_path / "other")
    with other.app_context():
        day = datetime(2027, 1, 1, tzinfo=TOWN)
        assert current_calendar().is_working_day(day.date())  # read and kept by this process
    assert put(client, auth, 2027, NOTICE_2027).status_code == 200
    with other.app_context():
        assert not current_calendar().is_working_day(day.date())
        db.session.remove()


def test_the_entered_notice_comes_before_the_library():
    # 2026 per the library: 1 January off, 4 January (a Sunday) worked.
    entered = TownCalendar({date(2026, 1, 2): False}, frozenset({2026}))
    assert not entered.is_working_day(date(2026, 1, 2))
    assert entered.is_working_day(date(2026, 1, 1))      # not in the entered notice: a Thursday
    assert not entered.is_working_day(date(2026, 1, 4))  # a Sunday the notice does not name
    assert TownCalendar().is_working_day(date(2026, 1, 4))  # the library: 调休
    start = datetime(2025, 12, 31, 9, 0, tzinfo=TOWN)
    assert add_working_days(start, 1, entered) == end_of(date(2026, 1, 1))
    assert add_working_days(start, 1) == end_of(date(2026, 1, 4))
    assert entered.basis(2026) == "town" and TownCalendar().basis(2026) == "library"
    assert TownCalendar().basis(2099) == "weekends_only"


def test_the_check_command_says_when_next_years_notice_is_missing(app):
    with clock_at(datetime(2026, 12, 5, 9, 0, tzinfo=TOWN)):
        missing = cli(app, "calendar", "check")
    assert missing.exit_code == 1 and "2027 年的节假日安排尚未录入" in cli_text(missing)
    with clock_at(datetime(2026, 12, 6, 9, 0, tzinfo=TOWN)):
        assert cli(app, "calendar", "check").exit_code == 1  # the next day's run: told once
    db.session.remove()
    told = db.session.execute(select(User.username, Notification.title).join(
        User, User.id == Notification.user_id).where(Notification.kind == "calendar_missing")).all()
    db.session.remove()
    assert told == [("admin", "请录入 2027 年节假日安排")]
    with clock_at(datetime(2026, 6, 1, 9, 0, tzinfo=TOWN)):
        early = cli(app, "calendar", "check")
    assert early.exit_code == 0, cli_text(early)
    assert "2026 年：内置节假日数据" in cli_text(early)
