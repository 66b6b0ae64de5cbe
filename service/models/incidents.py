"""Incident reports (事件上报), their case record and photos."""
from datetime import datetime

from sqlalchemy import (BigInteger, CheckConstraint, ForeignKey, Index, Integer, SmallInteger,
                        String, Text, UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from geo.types import point
from service.case_record import append_only
from service.incidents.awaiting import AWAITING, condition as awaiting_condition
from service.extensions import db
from service.models.images import StoredImage
from service.models.people import User
from service.models.town import Grid, Village
from service.models.types import UtcDateTime, utcnow

CATEGORIES = ("dispute", "public_security", "safety_hazard", "environment", "public_service",
              "petition", "emergency", "other")
CHANNELS = ("grid_worker", "walk_in", "online", "hotline_12345", "letter")
STATUSES = ("reported", "accepted", "dispatched", "handled", "closed", "rejected")
OPEN_STATUSES = ("reported", "accepted", "dispatched", "handled")


def _one_of(column, values):
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class Incident(db.Model):
    __tablename__ = "incidents"
    __table_args__ = (
        UniqueConstraint("reporter_id", "client_id"),
        UniqueConstraint("town_id", "number"),
        CheckConstraint(_one_of("category", CATEGORIES), name="category"),
        CheckConstraint(_one_of("channel", CHANNELS), name="channel"),
        CheckConstraint(_one_of("status", STATUSES), name="status"),
        CheckConstraint("satisfaction BETWEEN 1 AND 5", name="satisfaction"),
        Index("ix_incidents_created_at_id", "created_at", "id"),
        Index("ix_incidents_number", "number"),  # found by its number (?number=)
        Index("ix_incidents_grid_id_created_at_id", "grid_id", "created_at", "id"),
        Index("ix_incidents_village_id_created_at_id", "village_id", "created_at", "id"),
        Index("ix_incidents_reporter_id_created_at_id", "reporter_id", "created_at", "id"),
        Index("ix_incidents_status_created_at_id", "status", "created_at", "id"),
        # assigned_to=me, and with a status (待我处置); a new report has no assignee yet
        *(Index(name, *columns, postgresql_where=text("assignee_id IS NOT NULL"),
                sqlite_where=text("assignee_id IS NOT NULL")) for name, columns in (
            ("ix_incidents_assignee_id_created_at_id", ("assignee_id", "created_at", "id")),
            ("ix_incidents_assignee_id_status_created_at_id",
             ("assignee_id", "status", "created_at", "id")))),
        # Only the cases whose deadline runs (few: open petitions and 12345 work orders); the
        # overdue list and 督办 read exactly the overdue ones from it.
        Index("ix_incidents_due_at", "due_at", postgresql_where=text("due_at IS NOT NULL"),
              sqlite_where=text("due_at IS NOT NULL")),
        # Each to-do list (待答复, 待回访, 待出具复查复核意见) from an index of just its cases.
        *(Index(f"ix_incidents_awaiting_{name}", "created_at", "id",
                postgresql_where=awaiting_condition(name), sqlite_where=awaiting_condition(name))
          for name in AWAITING),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"))
    number: Mapped[str] = mapped_column(String(20))
    client_id: Mapped[str] = mapped_column(String(36))
    request_hash: Mapped[str] = mapped_column(String(64))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    category: Mapped[str] = mapped_column(String(20), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12))
    description: Mapped[str] = mapped_column(Text)
    location = mapped_column(point(), nullable=True)
    accuracy_m: Mapped[float | None]
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"))
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    dispute_id: Mapped[int | None] = mapped_column(Integer)  # joined from here only: no index
    work_order_type: Mapped[str | None] = mapped_column(String(20))  # 12345 work orders only
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    extension_days: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    # The current stage's deadline, for petitions and 12345 work orders (service.incidents.due).
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    supervision_level: Mapped[int] = mapped_column(SmallInteger, default=4, server_default="4")
    supervision_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    replied_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # 答复: petitions, 12345
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    visited_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # 回访, after closing
    satisfaction: Mapped[int | None] = mapped_column(SmallInteger)    # 1–5, given at the visit
    # A closed petition's review (复查) and re-review (复核): asked for, decided.
    review_requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    review_decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    re_review_requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    re_review_decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    change_seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)

    grid: Mapped[Grid] = relationship(lazy="joined", innerjoin=True)
    village: Mapped[Village] = relationship(lazy="joined", innerjoin=True)
    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id], lazy="joined", innerjoin=True)
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="joined")


@append_only
class IncidentEvent(db.Model):
    """One entry of an incident's case record. Appended in the change's own transaction;
    never updated or deleted (the ORM refuses, and database triggers refuse too)."""

    __tablename__ = "incident_events"
    # 督办 steps are few among the entries: the summary counts those of a period from here.
    __table_args__ = (Index("ix_incident_events_supervise_created_at", "created_at",
                            postgresql_where=text("action = 'supervise'"),
                            sqlite_where=text("action = 'supervise'")),)
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # none for 督办
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # after the change
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[actor_id])
    assignee: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[assignee_id])


class IncidentPhoto(StoredImage, db.Model):
    __tablename__ = "incident_photos"
    __table_args__ = (UniqueConstraint("incident_id", "sha256"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)


class Counter(db.Model):
    """Named counters (case numbers per town and year, the change sequence)."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)
