"""The holiday calendar the town enters from the State Council's yearly notice (节假日安排)."""
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.case_record import append_only
from service.extensions import db
from service.models.types import UtcDateTime, utcnow


class CalendarDay(db.Model):
    """A day the notice of ``year`` sets apart from the weekday rule: a holiday on a weekday
    (off) or a make-up working day on a weekend (调休上班). A notice may name a day of the year
    before (元旦 starting on 30 December)."""

    __tablename__ = "calendar_days"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    working: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(20))  # the holiday, or the holiday it makes up for


@append_only
class CalendarChange(db.Model):
    """Each entry of a year's notice, as entered: who, when, from which document, and how many
    stored deadlines it moved. The latest one for a year is that year's calendar."""

    __tablename__ = "calendar_changes"
    __table_args__ = (UniqueConstraint("year", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(200))     # the notice, e.g. 国办发明电〔2026〕7号
    content: Mapped[str] = mapped_column(Text)           # the holidays and make-up days, as JSON
    deadlines_moved: Mapped[int] = mapped_column(Integer)
    operator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
