"""Periods in the town's time: dates in, UTC bounds out."""
from datetime import date, datetime, time, timedelta

from service.errors import ValidationFailed
from service.models.types import utcnow
from service.schema_base import TOWN_TIME_ZONE, town_time

EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


def bounds(start: date | None, end: date | None):
    """[start 00:00, end+1 00:00) in town time as UTC datetimes; defaults: this year so far."""
    today = town_time(utcnow()).date()
    start = start or date(today.year, 1, 1)
    end = end or today
    if start > end:
        raise ValidationFailed("开始日期晚于结束日期", "from is after to",
                               errors={"from": ["开始日期不能晚于结束日期"]})
    for name, day in (("from", start), ("to", end)):
        if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
            raise ValidationFailed(errors={name: [f"年份应在 {EARLIEST_YEAR}–{LATEST_YEAR} 之间"]})
    first = datetime.combine(start, time.min, TOWN_TIME_ZONE)
    after_last = datetime.combine(end + timedelta(days=1), time.min, TOWN_TIME_ZONE)
    return start, end, first, after_last
