"""Disputes (矛盾纠纷调解): the case, its parties, routing, sessions, outcome, follow-ups,
its hash-chained case record, and the notifications it causes."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer,
                        Numeric, SmallInteger, String, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.case_record import append_only
from service.extensions import db
from service.models.committees import Committee
from service.models.images import StoredImage
from service.models.people import User
from service.models.types import UtcDateTime, utcnow

DISPUTE_STATUSES = ("received", "accepted", "mediating", "agreed", "failed", "closed",
                    "referred", "declined")
TERMINAL_STATUSES = ("closed", "referred", "declined")
ROUTING_CONDITIONS = ("escalated", "serious", "multi_village", "default")


class Dispute(db.Model):
    __tablename__ = "disputes"
    __table_args__ = (
        UniqueConstraint("town_id", "number"),
        CheckConstraint("status IN ('received', 'accepted', 'mediating', 'agreed', 'failed', "
                        "'closed', 'referred', 'declined')", name="status"),
        CheckConstraint("supervision_level BETWEEN 1 AND 4", name="supervision_level"),
        Index("ix_disputes_committee_id_id", "committee_id", "id"),
        Index("ix_disputes_status_due_at", "status", "due_at"),
        Index("ix_disputes_number", "number"),  # found by its number (?number=)
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"))
    number: Mapped[str] = mapped_column(String(20))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    work_order_type: Mapped[str | None] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(30), index=True)
    serious: Mapped[bool] = mapped_column(Boolean, default=False)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id"))
    status: Mapped[str] = mapped_column(String(12))
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    supervision_level: Mapped[int] = mapped_column(SmallInteger, default=4)
    stage_started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    supervision_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    failure_reason: Mapped[str | None] = mapped_column(Text)
    agreement_terms: Mapped[str | None] = mapped_column(Text)
    agreement_form: Mapped[str | None] = mapped_column(String(10))
    agreement_amount_yuan: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    agreement_perform_by: Mapped[date | None] = mapped_column(Date)
    judicial_confirmation_due: Mapped[datetime | None] = mapped_column(UtcDateTime)
    judicially_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Taken in commit order at every change (service.disputes.changes.touch), for phone sync.
    change_seq: Mapped[int | None] = mapped_column(BigInteger, index=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)

    committee: Mapped[Committee] = relationship(lazy="joined", innerjoin=True)
    parties: Mapped[list["DisputeParty"]] = relationship(lazy="selectin", order_by="DisputeParty.id")
    mediators: Mapped[list["DisputeMediator"]] = relationship(lazy="selectin",
                                                              cascade="all, delete-orphan")
    villages: Mapped[list["DisputeVillage"]] = relationship(lazy="selectin")


class DisputeVillage(db.Model):
    __tablename__ = "dispute_villages"
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), primary_key=True)
    # index: a village's own workers see the disputes it is involved in (disputes.queries)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), primary_key=True,
                                            index=True)


class DisputeParty(db.Model):
    """A party. The ID number is stored encrypted, with a blind index for look-ups and its
    masked form for display; the phone is kept as given and masked on the way out."""

    __tablename__ = "dispute_parties"
    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(20), index=True)  # ?party=<phone>
    id_number_encrypted: Mapped[str | None] = mapped_column(Text)
    id_number_index: Mapped[str | None] = mapped_column(String(64), index=True)
    id_number_masked: Mapped[str | None] = mapped_column(String(18))


class DisputeMediator(db.Model):
    __tablename__ = "dispute_mediators"
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)


class RoutingRule(db.Model):
    """Routing as data: the first matching rule (lowest priority) decides the committee level."""

    __tablename__ = "routing_rules"
    __table_args__ = (
        CheckConstraint("condition IN ('escalated', 'serious', 'multi_village', 'default')",
                        name="condition"),
        CheckConstraint("target_level IN ('town', 'village')", name="target_level"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    priority: Mapped[int] = mapped_column(Integer, unique=True)
    condition: Mapped[str] = mapped_column(String(20))
    target_level: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(200))


class RoutingDecision(db.Model):
    __tablename__ = "routing_decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id"), index=True)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("routing_rules.id"))
    reason: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class MediationSession(db.Model):
    __tablename__ = "mediation_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    held_at: Mapped[datetime] = mapped_column(UtcDateTime)
    summary: Mapped[str] = mapped_column(Text)
    attendees: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    recorded_by: Mapped[User] = relationship(lazy="joined", innerjoin=True)


class FollowUp(db.Model):
    __tablename__ = "follow_ups"
    __table_args__ = (CheckConstraint("satisfaction BETWEEN 1 AND 5", name="satisfaction"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    visited_at: Mapped[datetime] = mapped_column(UtcDateTime)
    performed: Mapped[bool] = mapped_column(Boolean)
    satisfaction: Mapped[int] = mapped_column(SmallInteger)
    note: Mapped[str | None] = mapped_column(Text)
    visitor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    visitor: Mapped[User] = relationship(lazy="joined", innerjoin=True)


DOCUMENT_KINDS = ("application", "identity", "investigation", "evidence", "agreement",
                  "performance", "judicial_confirmation", "other")


@append_only
class DisputeDocument(StoredImage, db.Model):
    """A page of the case file kept as an image: the signed application or agreement, a party's
    identity papers, evidence, receipts. Filed once and never rewritten, like the record."""

    __tablename__ = "dispute_documents"
    __table_args__ = (
        UniqueConstraint("dispute_id", "sha256"),
        CheckConstraint(f"kind IN ({', '.join(repr(kind) for kind in DOCUMENT_KINDS)})",
                        name="kind"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str | None] = mapped_column(String(100))

    uploader: Mapped[User] = relationship(lazy="joined", innerjoin=True)


@append_only
class DisputeEvent(db.Model):
    """The dispute's case record; each entry carries the hash of the one before it."""

    __tablename__ = "dispute_events"
    __table_args__ = (
        UniqueConstraint("dispute_id", "sequence"),
        Index("ix_dispute_events_action_created_at", "action", "created_at"),  # 督办 counts
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text)
    details: Mapped[str | None] = mapped_column(Text)  # canonical JSON
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    actor: Mapped[User | None] = relationship(lazy="joined")


class Notification(db.Model):
    """The outbox: written in the transaction that causes it; delivered by a pluggable sender."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_id_id", "user_id", "id"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    dispute_id: Mapped[int | None] = mapped_column(ForeignKey("disputes.id"), index=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
