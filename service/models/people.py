"""People, their roles and their grid-worker assignments."""
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.case_record import append_only
from service.extensions import db
from service.models.types import UtcDateTime, utcnow

ROLES = ("admin", "center_staff", "worker", "mediator", "committee_head")
WORKER_LEVELS = (1, 2, 3, 4)


class User(db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(20))
    # Read only by sign-in: not with every request's caller, nor with every row naming a person.
    password_hash: Mapped[str] = mapped_column(String(200), deferred=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    # Loaded when asked for: a case row names its reporter without their roles. The signed-in
    # caller's come with the token check, in one statement (service/auth/tokens.py).
    roles: Mapped[list["UserRole"]] = relationship(cascade="all, delete-orphan")
    assignments: Mapped[list["WorkerAssignment"]] = relationship(cascade="all, delete-orphan")
    memberships: Mapped[list["CommitteeMember"]] = relationship(viewonly=True)  # noqa: F821

    @property
    def role_names(self) -> set[str]:
        return {role.role for role in self.roles}


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'center_staff', 'worker', 'mediator', 'committee_head')",
                        name="role"),
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class WorkerAssignment(db.Model):
    """One level of the four-level chain: level 1 → the town, 2 and 3 → a village, 4 → a grid."""

    __tablename__ = "worker_assignments"
    __table_args__ = (
        CheckConstraint(
            "(level = 1 AND town_id IS NOT NULL AND village_id IS NULL AND grid_id IS NULL)"
            " OR (level IN (2, 3) AND village_id IS NOT NULL AND grid_id IS NULL)"
            " OR (level = 4 AND grid_id IS NOT NULL)",
            name="level_target"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    level: Mapped[int] = mapped_column(SmallInteger)
    town_id: Mapped[int | None] = mapped_column(ForeignKey("towns.id"))
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)

    user: Mapped[User] = relationship(back_populates="assignments")


@append_only
class AccountEvent(db.Model):
    """The record of what was done to an account, by whom and when (created, changed,
    deactivated, password reset): administration is audited like the cases are."""

    __tablename__ = "account_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(Text)
    operator: Mapped[str] = mapped_column(String(64))  # who: a system account, or a username
    # The account that made the change through the service; None when a command made it.
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
