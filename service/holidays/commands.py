"""``flask calendar check``: whether this year's and next year's holidays are known, for cron."""
from datetime import date

import click

from service.extensions import db
from service.holidays.calendar import WEEKENDS_ONLY, entered_calendar
from service.models.types import utcnow
from service.notifications import remind_administrators
from service.schema_base import town_time

BASIS_NAMES = {"town": "本镇录入的通知", "library": "内置节假日数据", WEEKENDS_ONLY: "无安排，只按周末计"}
# From this day of December on, working-day limits reach into the next year.
NEXT_YEAR_NEEDED_FROM = (12, 1)


@click.group("calendar", help="节假日安排（按工作日计的期限据此计算）")
def calendar_group():
    pass


@calendar_group.command("check")
def check_command():
    """列出今年和明年的节假日安排依据；今年没有安排，或 12 月起明年还没有时，通知管理员（每年一次）并以退出码 1 结束。"""
    today = town_time(utcnow()).date()
    calendar = entered_calendar(db.session)
    missing = []
    for year in (today.year, today.year + 1):
        basis = calendar.basis(year)
        click.echo(f"{year} 年：{BASIS_NAMES[basis]}")
        needed = year == today.year or today >= date(today.year, *NEXT_YEAR_NEEDED_FROM)
        if basis == WEEKENDS_ONLY and needed:
            missing.append(year)
    for year in missing:
        message = (f"{year} 年的节假日安排尚未录入：按工作日计的期限（12345 工单、纠纷受理、督办）"
                   f"在 {year} 年只按周末计算。请管理员按国务院办公厅的通知录入"
                   f"（PUT /api/v1/calendar/{year}）。")
        click.echo(message, err=True)
        remind_administrators(db.session, "calendar_missing", f"请录入 {year} 年节假日安排", message)
    db.session.commit()
    if missing:
        raise SystemExit(1)
