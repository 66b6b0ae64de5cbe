"""A year's notice as it is entered — holidays as periods, make-up working days (调休上班) —
checked and turned into days, and the same shape read back from days, the library's included."""
from datetime import date, timedelta
from itertools import groupby

import chinese_calendar
from chinese_calendar.constants import Holiday

from service.errors import ValidationFailed

MAX_PERIOD_DAYS = 15   # the longest holiday ever announced (春节 2020, extended) was 10 days
HOLIDAY_NAMES_ZH = {holiday.value: holiday.chinese for holiday in Holiday}
WEEKDAY_NAMES = "一二三四五六日"


def window(year: int) -> tuple[date, date]:
    """The days a notice for ``year`` may name: 元旦 may start in the last days of the year
    before (2019: 30 December 2018, with 29 December a make-up day)."""
    return date(year - 1, 12, 20), date(year, 12, 31)


def days_from(first: date, last: date):
    """Every day from ``first`` to ``last``, both included."""
    return (first + timedelta(days=offset) for offset in range((last - first).days + 1))


def notice_days(year, holidays, make_up_days, taken) -> dict[date, tuple[bool, str]]:
    """The days the notice sets: day → (working, name). ``taken``: day → the year of another
    entered notice that already sets it. Every problem is reported at once (422)."""
    errors = {}
    earliest, latest = window(year)
    days = {}
    for index, period in enumerate(holidays):
        where = f"holidays.{index}"
        first, last = period["first_day"], period["last_day"]
        if last < first:
            errors[f"{where}.last_day"] = ["结束日早于开始日"]
        elif (last - first).days + 1 > MAX_PERIOD_DAYS:
            errors[f"{where}.last_day"] = [f"一段假期不超过 {MAX_PERIOD_DAYS} 天"]
        elif first < earliest or last > latest:
            errors[where] = [f"{year} 年的安排只含 {earliest:%Y-%m-%d} 至 {latest:%Y-%m-%d} 的日子"]
        else:
            for day in days_from(first, last):
                if day in days:
                    errors[where] = [f"与「{days[day][1]}」的假期重叠（{day:%Y-%m-%d}）"]
                    break
                days[day] = (False, period["name"])
    names = {period["name"] for period in holidays}
    for index, make_up in enumerate(make_up_days):
        where, day = f"make_up_days.{index}", make_up["day"]
        if make_up["holiday"] not in names:
            errors[f"{where}.holiday"] = ["应是本次安排中的一个节日"]
        elif day < earliest or day > latest:
            errors[f"{where}.day"] = [f"{year} 年的安排只含 {earliest:%Y-%m-%d} 至 {latest:%Y-%m-%d} 的日子"]
        elif day.weekday() < 5:
            errors[f"{where}.day"] = [f"调休上班日应是周六或周日，{day:%Y-%m-%d} 是周{WEEKDAY_NAMES[day.weekday()]}"]
        elif day in days:
            errors[f"{where}.day"] = [f"{day:%Y-%m-%d} 已是「{days[day][1]}」的假日或调休上班日"]
        else:
            days[day] = (True, make_up["holiday"])
    for day in sorted(set(days) & set(taken)):
        errors.setdefault("make_up_days" if days[day][0] else "holidays", []).append(
            f"{day:%Y-%m-%d} 已由 {taken[day]} 年的安排设定")
    if errors:
        raise ValidationFailed("节假日安排有误", "The holiday calendar has errors", errors=errors)
    return days


def periods(days: dict[date, tuple[bool, str]]) -> tuple[list[dict], list[dict]]:
    """The notice's shape from its days: holiday periods (consecutive days of one name) and
    make-up days, in date order."""
    ordered = sorted(days.items())
    holidays = []
    off = [(day, name) for day, (working, name) in ordered if not working]
    for _, run in groupby(enumerate(off), key=lambda item: (item[1][0].toordinal() - item[0],
                                                             item[1][1])):
        run = [day for _, day in run]
        holidays.append({"name": run[0][1], "first_day": run[0][0], "last_day": run[-1][0]})
    make_up = [{"day": day, "holiday": name} for day, (working, name) in ordered if working]
    return holidays, make_up


def library_days(year: int) -> dict[date, tuple[bool, str]]:
    """The library's holidays and make-up days of ``year``, as a notice's days."""
    def named(source, working):
        return {day: (working, HOLIDAY_NAMES_ZH.get(name, name)) for day, name in source.items()
                if day.year == year and name}
    return {**named(chinese_calendar.holidays, False), **named(chinese_calendar.workdays, True)}
