"""People's mediation committees (1 town + 1 per village) and the villages' legal advisors."""
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.extensions import db
from service.models.people import User

COMMITTEE_LEVELS = ("town", "village")


class Committee(db.Model):
    __tablename__ = "committees"
    __table_args__ = (
        CheckConstraint("(level = 'town' AND village_id IS NULL)"
                        " OR (level = 'village' AND village_id IS NOT NULL)", name="level_village"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"), index=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id"), unique=True)
    level: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(80))

    members: Mapped[list["CommitteeMember"]] = relationship(
        back_populates="committee", cascade="all, delete-orphan", lazy="selectin")


class CommitteeMember(db.Model):
    __tablename__ = "committee_members"
    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id", ondelete="CASCADE"),
                                              primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)
    is_head: Mapped[bool] = mapped_column(Boolean, default=False)

    committee: Mapped[Committee] = relationship(back_populates="members")
    user: Mapped[User] = relationship(lazy="joined")


class LegalAdvisor(db.Model):
    """一村（社区）一法律顾问: each village has one."""

    __tablename__ = "legal_advisors"
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    organization: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20))
