"""Who saw personal data in full, when and how (个人信息查阅记录): parties' ID and phone numbers,
and the staff roster's phones."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from service.case_record import append_only
from service.extensions import db
from service.models.types import UtcDateTime, utcnow

READ_KINDS = ("dispute", "case_file", "document", "export", "search", "roster")


@append_only
class PersonalDataRead(db.Model):
    """One answer that carried parties' ID or phone numbers unmasked, or found disputes by one."""

    __tablename__ = "personal_data_reads"
    __table_args__ = (Index("ix_personal_data_reads_dispute_id_id", "dispute_id", "id"),
                      Index("ix_personal_data_reads_user_id_id", "user_id", "id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    dispute_id: Mapped[int | None] = mapped_column(ForeignKey("disputes.id"))  # none: many at once
    kind: Mapped[str] = mapped_column(String(12))
    detail: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(45))  # the client's, as the service saw it
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
