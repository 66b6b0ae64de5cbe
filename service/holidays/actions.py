"""Reading a year's calendar, and entering its notice (administrators)."""
import json
from datetime import date

from sqlalchemy import delete, func, select

from service.counters import next_value
from service.errors import Forbidden, ValidationFailed
from service.extensions import db
from service.holidays.calendar import (TOWN, VERSION_COUNTER, TownCalendar, entered_calendar,
                                       forget_current_calendar)
from service.holidays.moved import changed_days, move_deadlines
from service.holidays.notice import days_from, library_days, notice_days, periods, window
from service.models import CalendarChange, CalendarDay, User
from service.versions import check_if_match

EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


def check_year(year):
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise ValidationFailed(errors={"year": [f"年份应在 {EARLIEST_YEAR}–{LATEST_YEAR} 之间"]})


def etag_of(year, version):
    return f"calendar-{year}-{version}"


def _changes(year):
    return db.session.execute(
        select(CalendarChange, User.name).join(User, User.id == CalendarChange.operator_id)
        .where(CalendarChange.year == year).order_by(CalendarChange.version)).all()


def year_view(year: int) -> dict:
    """The year's holidays and make-up days, what they rest on, and every entry of its notice."""
    check_year(year)
    calendar = entered_calendar(db.session)
    basis = calendar.basis(year)
    if basis == TOWN:
        days = {day: (working, name) for day, working, name in db.session.execute(
            select(CalendarDay.day, CalendarDay.working, CalendarDay.name)
            .where(CalendarDay.year == year))}
    else:
        days = library_days(year)
    holidays, make_up_days = periods(days)
    changes = _changes(year)
    return {
        "year": year, "basis": basis, "version": len(changes),
        "notice": changes[-1][0].source if changes else None,
        "holidays": holidays, "make_up_days": make_up_days,
        "working_days": sum(map(calendar.is_working_day,
                                days_from(date(year, 1, 1), date(year, 12, 31)))),
        "changes": [{"version": change.version, "notice": change.source,
                     "deadlines_moved": change.deadlines_moved,
                     "operator": {"id": change.operator_id, "name": name},
                     "created_at": change.created_at} for change, name in changes],
    }


def years_view(today: date) -> list[dict]:
    """This year, next year and every year entered, newest first: what each rests on."""
    calendar = entered_calendar(db.session)
    latest = {}  # year → (version, notice) of its latest entry
    for year, version, notice in db.session.execute(
            select(CalendarChange.year, CalendarChange.version, CalendarChange.source)
            .order_by(CalendarChange.version)):
        latest[year] = (version, notice)
    return [{"year": year, "basis": calendar.basis(year),
             "version": latest.get(year, (0, None))[0], "notice": latest.get(year, (0, None))[1]}
            for year in sorted({today.year, today.year + 1, *latest}, reverse=True)]


def enter_notice(caller, year: int, body: dict, if_match=None) -> dict:
    """Replace the year's entered notice with ``body`` and move the stored deadlines it changes.
    Two administrators entering at once are taken one after the other (the version counter's
    row lock); a stale ``If-Match`` is 412 and changes nothing."""
    if "admin" not in caller.role_names:
        raise Forbidden("只有管理员可以录入节假日安排", "Only administrators enter holiday calendars")
    check_year(year)
    next_value(db.session, VERSION_COUNTER)
    version = db.session.scalar(select(func.count()).where(CalendarChange.year == year))
    check_if_match(if_match, etag_of(year, version), version, "该年的节假日安排", "holiday calendar")
    before = entered_calendar(db.session)
    taken = dict(db.session.execute(select(CalendarDay.day, CalendarDay.year)
                                    .where(CalendarDay.year != year)).all())
    days = notice_days(year, body["holidays"], body["make_up_days"], taken)
    after = TownCalendar(  # the other years' entered days, and this notice's
        {**{day: working for day, working in before.days.items() if day in taken},
         **{day: working for day, (working, _name) in days.items()}},
        before.years | {year})
    changed = changed_days(before, after, *window(year))
    moved = move_deadlines(db.session, caller.id, after, changed[0], body["notice"]) \
        if changed else 0
    db.session.execute(delete(CalendarDay).where(CalendarDay.year == year))
    db.session.add_all(CalendarDay(day=day, year=year, working=working, name=name)
                       for day, (working, name) in days.items())
    holidays, make_up_days = periods(days)
    db.session.add(CalendarChange(
        year=year, version=version + 1, source=body["notice"], deadlines_moved=moved,
        operator_id=caller.id, content=json.dumps(
            {"holidays": holidays, "make_up_days": make_up_days}, ensure_ascii=False,
            default=str)))
    db.session.commit()
    forget_current_calendar()
    return year_view(year)
