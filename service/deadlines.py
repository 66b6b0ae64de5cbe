"""Deadline arithmetic for cases, in the town's time (Asia/Shanghai).

Rule: a limit of N days started at ``start`` ends at the end of the Nth (working or calendar)
day *after* the start's local day, i.e. at 23:59:59.999999 town time, returned as an aware UTC
datetime. The start day itself never counts (a matter received on Friday evening with 1 working
day is due by the end of Monday); with N = 0 the deadline is the end of the start day.
A case is overdue once ``now`` is later than that instant.

Working days follow the Chinese public-holiday calendar: weekends and public holidays are off,
make-up working weekends (调休) are on. A ``WorkingCalendar`` says which days work; the default
is the ``chinese_calendar`` library's data. The State Council announces each year's holidays in
the autumn before, often before the library has them, so the town enters them itself
(service.calendar) and that calendar, where entered, comes first. For years neither covers,
weekends-only is used and a warning is logged once per year.
"""
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

import chinese_calendar

TOWN_TIME_ZONE = ZoneInfo("Asia/Shanghai")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    days: int
    kind: Literal["working", "calendar"]

    def __post_init__(self):
        if self.kind not in ("working", "calendar"):
            raise ValueError(f"limit kind must be 'working' or 'calendar', not {self.kind!r}")
        if isinstance(self.days, bool) or not isinstance(self.days, int) or self.days < 0:
            raise ValueError(f"limit days must be a non-negative integer, not {self.days!r}")


# Keyed "<case type>.<stage>"; each counts from the event that starts the stage.
DEFAULT_LIMITS: dict[str, Limit] = {
    # No statute sets an acceptance limit for people's mediation: 3 working days is a product
    # default, between the 12345 limits for an enquiry (2) and a help request (10), so a party
    # hears within the same working week whether the committee takes the case.
    "dispute.accept": Limit(3, "working"),
    # 人民调解工作若干规定 (2002) art. 33: "一般在一个月内调结"; counted from acceptance.
    "dispute.mediate": Limit(30, "calendar"),
    # Return visit (回访) after an agreement; see follow_up_due for agreements with a perform-by date.
    "dispute.follow_up": Limit(15, "calendar"),
    # 人民调解法 art. 33: joint application for judicial confirmation within 30 days.
    "judicial_confirmation": Limit(30, "calendar"),
    # 信访工作条例 (2022).
    "petition.register": Limit(15, "calendar"),
    "petition.handle": Limit(60, "calendar"),
    # … which may be extended, in all, by this many days (延期).
    "petition.extension": Limit(30, "calendar"),
    # A petitioner may ask for a review (复查) within 30 days of the written answer, and for a
    # re-review (复核) within 30 days of the review's; each is decided within 30 days.
    "petition.review_request": Limit(30, "calendar"),
    "petition.review": Limit(30, "calendar"),
    "petition.re_review": Limit(30, "calendar"),
    # 广东 12345 rules (2022).
    "hotline.enquiry": Limit(2, "working"),
    "hotline.help": Limit(10, "working"),
    "hotline.suggestion": Limit(10, "working"),
    "hotline.complaint": Limit(15, "working"),
    "hotline.report": Limit(15, "working"),
}
# 12345 work-order types, each with its limit above.
WORK_ORDER_TYPES = tuple(stage.removeprefix("hotline.") for stage in DEFAULT_LIMITS
                         if stage.startswith("hotline."))


@lru_cache(maxsize=None)
def _warn_uncovered(year: int) -> None:
    log.warning("chinese_calendar has no holiday data for %s: counting weekends only", year)


def library_covers(year: int) -> bool:
    """Whether ``chinese_calendar`` has the holidays of ``year``."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def is_working_day(day: date) -> bool:
    """By the library's data; weekends only for a year it does not cover."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        _warn_uncovered(day.year)
        return day.weekday() < 5


class WorkingCalendar(Protocol):
    def is_working_day(self, day: date) -> bool: ...


class LibraryCalendar:
    """The library's data alone."""

    @staticmethod
    def is_working_day(day: date) -> bool:
        return is_working_day(day)


LIBRARY_CALENDAR = LibraryCalendar()


def _local_day(start: datetime) -> date:
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("deadline arithmetic needs an aware datetime")
    return start.astimezone(TOWN_TIME_ZONE).date()


def end_of_day(day: date) -> datetime:
    """The last instant of a town-local day, as aware UTC."""
    return datetime.combine(day, time.max, tzinfo=TOWN_TIME_ZONE).astimezone(timezone.utc)


def _check_days(days: int) -> None:
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise ValueError(f"days must be a non-negative integer, not {days!r}")


def add_working_days(start: datetime, days: int,
                     calendar: WorkingCalendar = LIBRARY_CALENDAR) -> datetime:
    _check_days(days)
    day = _local_day(start)
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            remaining -= 1
    return end_of_day(day)


def add_calendar_days(start: datetime, days: int) -> datetime:
    _check_days(days)
    return end_of_day(_local_day(start) + timedelta(days=days))


def _as_limit(stage: str, value, default: Limit | None) -> Limit:
    if isinstance(value, Limit):
        return value
    if isinstance(value, Mapping):
        return Limit(value["days"], value.get("kind", default.kind if default else None))
    if isinstance(value, int) and not isinstance(value, bool):
        if default is None:
            raise ValueError(f"time limit for new stage {stage!r} needs a kind")
        return Limit(value, default.kind)
    days, kind = value
    return Limit(days, kind)


def limits(overrides: Mapping | None = None) -> dict[str, Limit]:
    """DEFAULT_LIMITS with ``overrides`` applied (from app config, e.g. ``DEADLINE_LIMITS``).

    An override is a Limit, a ``{"days": n, "kind": "working"|"calendar"}`` mapping, a
    ``(days, kind)`` pair, or a bare number of days that keeps the default's kind.
    """
    table = dict(DEFAULT_LIMITS)
    for stage, value in (overrides or {}).items():
        table[stage] = _as_limit(stage, value, table.get(stage))
    return table


def deadline_for(stage: str, start: datetime, overrides: Mapping | None = None,
                 calendar: WorkingCalendar = LIBRARY_CALENDAR) -> datetime:
    table = limits(overrides)
    if stage not in table:
        raise KeyError(f"no time limit defined for stage {stage!r}")
    limit = table[stage]
    if limit.kind == "working":
        return add_working_days(start, limit.days, calendar)
    return add_calendar_days(start, limit.days)


def follow_up_due(agreed_at: datetime, perform_by: date | datetime | None = None,
                  overrides: Mapping | None = None) -> datetime:
    """When the return visit is due: the follow-up limit after the agreement, or, when the
    agreement is performed later than that, the end of the perform-by day (a visit before it
    could not check performance)."""
    due = deadline_for("dispute.follow_up", agreed_at, overrides)
    if perform_by is not None:
        if isinstance(perform_by, datetime):
            perform_by = _local_day(perform_by)
        due = max(due, end_of_day(perform_by))
    return due


def is_overdue(due_at: datetime | None, now: datetime | None = None) -> bool:
    if due_at is None:
        return False
    return (now or datetime.now(timezone.utc)) > due_at
