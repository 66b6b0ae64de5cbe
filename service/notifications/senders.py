"""Delivery beyond the app's own inbox. A sender takes a Notification and its recipient and
raises on failure; choose one with the NOTIFICATION_SENDER setting ("module:Class")."""
import importlib
import logging

from sqlalchemy import select

from service.models import Notification, User
from service.models.types import utcnow

log = logging.getLogger(__name__)


class LogSender:
    """Writes each notification to the log (the default until an SMS or push gateway is wired)."""

    def send(self, notification, user):
        log.info("通知 %s → %s：%s", notification.id, user.username, notification.title)


def load_sender(path):
    module_name, _, class_name = path.partition(":")
    return getattr(importlib.import_module(module_name), class_name)()


def deliver_pending(session, sender, batch=500):
    """Send undelivered notifications; each is marked delivered only after its send succeeded."""
    rows = session.execute(select(Notification, User).join(User, User.id == Notification.user_id)
                           .where(Notification.delivered_at.is_(None))
                           .order_by(Notification.id).limit(batch)
                           .with_for_update(of=Notification.__table__, skip_locked=True)).all()
    delivered = 0
    for notification, user in rows:
        try:
            sender.send(notification, user)
        except Exception:  # a failed send stays in the outbox for the next run
            log.exception("通知 %s 发送失败", notification.id)
            continue
        notification.delivered_at = utcnow()
        delivered += 1
    session.commit()
    return delivered
