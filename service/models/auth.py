"""Issued tokens (for revocation and refresh rotation), failed sign-ins and access keys' requests
(for throttling)."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from service.extensions import db
from service.models.types import UtcDateTime, utcnow


class IssuedToken(db.Model):
    """Every token the service signs. A token whose row is missing or revoked is refused."""

    __tablename__ = "issued_tokens"
    # An account's tokens newest last: when it was last seen, which are older than its newest.
    __table_args__ = (Index("ix_issued_tokens_user_id_issued_at", "user_id", "issued_at"),)
    jti: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # access | refresh
    refresh_jti: Mapped[str | None] = mapped_column(String(36), index=True)
    device_id: Mapped[str | None] = mapped_column(String(100))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # access keys, to the hour


class AccessKeyWindow(db.Model):
    """An access key's requests in its current minute (service.auth.key_budget): one row per
    key, started afresh each minute."""

    __tablename__ = "access_key_windows"
    jti: Mapped[str] = mapped_column(ForeignKey("issued_tokens.jti", ondelete="CASCADE"),
                                     primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UtcDateTime)
    requests: Mapped[int]


class LoginFailure(db.Model):
    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_username_address_failed_at",
                            "username", "address", "failed_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(45))
    failed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
