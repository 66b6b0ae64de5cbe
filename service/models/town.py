"""The town, its villages and its grids.

Boundaries are deferred: a case row that names its grid and village must not drag their
polygons along; the geography endpoints ask for them (``undefer``) when they show them.
"""
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from geo.types import multipolygon
from service.extensions import db

VILLAGE_KINDS = ("village", "community")
VILLAGE_KIND_NAMES = {"village": "村", "community": "社区"}


class Town(db.Model):
    __tablename__ = "towns"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(9), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    boundary = mapped_column(multipolygon(), nullable=False, deferred=True)

    villages: Mapped[list["Village"]] = relationship(back_populates="town", order_by="Village.code")


class Village(db.Model):
    __tablename__ = "villages"
    __table_args__ = (CheckConstraint("kind IN ('village', 'community')", name="kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"), index=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(10))
    boundary = mapped_column(multipolygon(), nullable=False, deferred=True)

    town: Mapped[Town] = relationship(back_populates="villages")
    grids: Mapped[list["Grid"]] = relationship(back_populates="village", order_by="Grid.code")


class Grid(db.Model):
    __tablename__ = "grids"
    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    code: Mapped[str] = mapped_column(String(15), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    boundary = mapped_column(multipolygon(), nullable=False, deferred=True)

    village: Mapped[Village] = relationship(back_populates="grids")
