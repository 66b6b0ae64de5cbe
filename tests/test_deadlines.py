import logging
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from service import deadlines
from service.deadlines import (DEFAULT_LIMITS, Limit, add_calendar_days, add_working_days,
                               deadline_for, follow_up_due, is_overdue, is_working_day, limits)

TOWN = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hour=10, minute=0):
    return datetime(y, m, d, hour, minute, tzinfo=TOWN)


def end_of(y, m, d):
    """The expected deadline: the end of that town-local day, in UTC."""
    return datetime.combine(date(y, m, d), time.max, tzinfo=TOWN).astimezone(timezone.utc)


def test_the_library_knows_the_2023_national_day_holiday():
    assert chinese_calendar.is_workday(date(2023, 9, 28))
    assert not any(chinese_calendar.is_workday(date(2023, 9, 29) + timedelta(n)) for n in range(8))
    assert chinese_calendar.is_workday(date(2023, 10, 7))  # Saturday, make-up day
    assert chinese_calendar.is_workday(date(2023, 10, 8))  # Sunday, make-up day


@pytest.mark.parametrize("days, due", [
    (1, (2023, 10, 7)),   # the first working day after Thursday is the make-up Saturday
    (2, (2023, 10, 8)),   # and the second the make-up Sunday
    (3, (2023, 10, 9)),
])
def test_working_days_across_national_day(days, due):
    assert add_working_days(at(2023, 9, 28), days) == end_of(*due)


def test_ten_working_days_from_monday_before_national_day():
    # 26, 27, 28 Sep; 7, 8 Oct (make-up); 9–13 Oct.
    assert add_working_days(at(2023, 9, 25), 10) == end_of(2023, 10, 13)


def test_working_days_across_spring_festival_2024():
    # 9 Feb (除夕, a working day), then off 10–17 Feb, Saturday 18 Feb is a make-up day.
    assert add_working_days(at(2024, 2, 8), 3) == end_of(2024, 2, 19)
    # Sunday 4 Feb is a make-up working day too.
    assert add_working_days(at(2024, 2, 3), 1) == end_of(2024, 2, 4)


def test_plain_week_skips_the_weekend():
    assert add_working_days(at(2023, 5, 17), 2) == end_of(2023, 5, 19)   # Wed → Fri
    assert add_working_days(at(2023, 5, 19), 1) == end_of(2023, 5, 22)   # Fri → Mon
    assert add_working_days(at(2023, 5, 20), 1) == end_of(2023, 5, 22)   # Sat → Mon
    assert add_working_days(at(2023, 5, 15), 5) == end_of(2023, 5, 22)


def test_zero_days_is_the_end_of_the_start_day():
    assert add_working_days(at(2023, 5, 20), 0) == end_of(2023, 5, 20)
    assert add_calendar_days(at(2023, 5, 20), 0) == end_of(2023, 5, 20)


def test_calendar_days_across_month_and_year_end():
    assert add_calendar_days(at(2023, 1, 31), 1) == end_of(2023, 2, 1)
    assert add_calendar_days(at(2024, 2, 15), 15) == end_of(2024, 3, 1)   # leap year
    assert add_calendar_days(at(2023, 12, 20), 30) == end_of(2024, 1, 19)


def test_the_start_day_is_the_town_local_day():
    # 17:30 UTC on Friday 19 May is already Saturday 01:30 in the town.
    start = datetime(2023, 5, 19, 17, 30, tzinfo=timezone.utc)
    assert add_calendar_days(start, 1) == end_of(2023, 5, 21)
    assert add_working_days(start, 1) == end_of(2023, 5, 22)


def test_deadline_is_aware_utc():
    due = add_working_days(at(2023, 5, 17), 1)
    assert due.utcoffset() == timedelta(0)
    assert due.astimezone(TOWN).time() == time.max


def test_bad_arguments():
    with pytest.raises(ValueError):
        add_working_days(datetime(2023, 5, 17), 1)   # naive
    with pytest.raises(ValueError):
        add_calendar_days(at(2023, 5, 17), -1)
    with pytest.raises(KeyError):
        deadline_for("dispute.nonsense", at(2023, 5, 17))


def test_default_limits():
    assert DEFAULT_LIMITS["dispute.mediate"] == Limit(30, "calendar")
    assert DEFAULT_LIMITS["hotline.enquiry"] == Limit(2, "working")
    assert deadline_for("dispute.accept", at(2023, 9, 28)) == end_of(2023, 10, 9)
    assert deadline_for("petition.handle", at(2023, 3, 1)) == end_of(2023, 4, 30)
    assert deadline_for("hotline.complaint", at(2023, 9, 25)) == end_of(2023, 10, 20)


def test_overrides():
    start = at(2023, 9, 28)
    assert deadline_for("dispute.accept", start, {"dispute.accept": Limit(1, "calendar")}) \
        == end_of(2023, 9, 29)
    assert deadline_for("dispute.accept", start, {"dispute.accept": 1}) == end_of(2023, 10, 7)
    as_mapping = {"dispute.accept": {"days": 2, "kind": "calendar"}}
    assert deadline_for("dispute.accept", start, as_mapping) == end_of(2023, 9, 30)
    assert deadline_for("dispute.mediate", start, {"dispute.mediate": (5, "working")}) \
        == end_of(2023, 10, 11)
    # Other stages keep their defaults; new stages can be added.
    assert deadline_for("dispute.mediate", start, {"dispute.accept": 1}) == end_of(2023, 10, 28)
    assert limits({"dispute.extend": (30, "calendar")})["dispute.extend"] == Limit(30, "calendar")
    with pytest.raises(ValueError):
        limits({"dispute.accept": (3, "fortnightly")})
    with pytest.raises(ValueError):
        limits({"dispute.extend": 30})   # a new stage needs a kind


def test_follow_up_after_an_agreement():
    agreed = at(2023, 6, 1)
    assert follow_up_due(agreed) == end_of(2023, 6, 16)
    assert follow_up_due(agreed, date(2023, 6, 5)) == end_of(2023, 6, 16)
    assert follow_up_due(agreed, date(2023, 8, 1)) == end_of(2023, 8, 1)


def test_is_overdue():
    due = add_working_days(at(2023, 5, 17), 1)   # end of Thursday 18 May
    assert not is_overdue(due, at(2023, 5, 18, 23, 59))
    assert is_overdue(due, at(2023, 5, 19, 0, 0))
    assert not is_overdue(None, at(2030, 1, 1))
    assert is_overdue(end_of(2020, 1, 1))   # now defaults to the current time


def test_years_outside_the_library_fall_back_to_weekends(caplog):
    # chinese_calendar 1.11 covers 2004–2026; 1 Oct 2099 is a Thursday and would be a holiday.
    year = 2099
    deadlines._warn_uncovered.cache_clear()   # the warning is logged once per year
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(year, 10, 1))
    with caplog.at_level(logging.WARNING, logger="service.deadlines"):
        assert add_working_days(at(year, 10, 1), 1) == end_of(year, 10, 2)   # Thu → Fri
        assert add_working_days(at(year, 10, 2), 1) == end_of(year, 10, 5)   # Fri → Mon
    assert is_working_day(date(year, 10, 1)) and not is_working_day(date(year, 10, 3))
    assert "2099" in caplog.text
    # Before the covered range too.
    assert add_working_days(at(2003, 1, 3), 1) == end_of(2003, 1, 6)
