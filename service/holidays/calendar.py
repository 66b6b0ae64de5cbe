"""Which days work: the town's entered notices first, then the library's data, then weekends.

Every server process keeps the entered days in memory and reads one counter per request that
counts working days, so a notice entered through one process is used by all of them at once.
"""
from dataclasses import dataclass, field
from datetime import date

from flask import current_app, g
from sqlalchemy import select

from service import deadlines
from service.extensions import db
from service.models import CalendarChange, CalendarDay, Counter

VERSION_COUNTER = "calendar.version"
TOWN, LIBRARY, WEEKENDS_ONLY = "town", "library", "weekends_only"


@dataclass(frozen=True)
class TownCalendar:
    days: dict[date, bool] = field(default_factory=dict)  # the entered days: working or not
    years: frozenset[int] = frozenset()                    # the years whose notice is entered

    def is_working_day(self, day: date) -> bool:
        working = self.days.get(day)
        if working is not None:
            return working
        if day.year in self.years:
            return day.weekday() < 5
        return deadlines.is_working_day(day)

    def basis(self, year: int) -> str:
        """What the year's working days rest on."""
        if year in self.years:
            return TOWN
        return LIBRARY if deadlines.library_covers(year) else WEEKENDS_ONLY


def entered_calendar(session) -> TownCalendar:
    days = dict(session.execute(select(CalendarDay.day, CalendarDay.working)).all())
    years = frozenset(session.scalars(select(CalendarChange.year).distinct()))
    return TownCalendar(days, years)


def current_calendar() -> TownCalendar:
    """The calendar in force, read once per request (per command run)."""
    if "town_calendar" not in g:
        version = db.session.scalar(select(Counter.value).where(Counter.name == VERSION_COUNTER))
        cached = current_app.extensions.get("town_calendar")
        if cached is None or cached[0] != version:
            cached = (version, entered_calendar(db.session))
            current_app.extensions["town_calendar"] = cached
        g.town_calendar = cached[1]
    return g.town_calendar


def forget_current_calendar():
    """After a notice is entered: read again on next use."""
    g.pop("town_calendar", None)
    current_app.extensions.pop("town_calendar", None)


class _InForce:
    """The calendar in force, read only when a working day is first counted: most deadlines
    count calendar days and need no database read."""

    @staticmethod
    def is_working_day(day: date) -> bool:
        return current_calendar().is_working_day(day)


IN_FORCE = _InForce()
