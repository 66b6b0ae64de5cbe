"""Notifications: an outbox written in the transaction that causes it, read in the app, and
delivered further by a pluggable sender."""
from sqlalchemy import select

from service.models import Notification, User, UserRole


def notify(session, user_ids, kind, title, body, dispute_id=None, at=None, incident_id=None):
    for user_id in sorted(set(user_ids)):
        session.add(Notification(user_id=user_id, kind=kind, title=title, body=body,
                                 dispute_id=dispute_id, incident_id=incident_id,
                                 **({"created_at": at} if at else {})))


def active_with_role(session, role):
    """The active holders of ``role``: whom a notice for that desk goes to."""
    return session.scalars(select(UserRole.user_id).join(User, User.id == UserRole.user_id)
                           .where(User.active, UserRole.role == role)).all()


def remind_administrators(session, kind, title, body):
    """Tell every active administrator in the app, once: a reminder a daily check repeats
    while its cause lasts is sent to each of them the first time only."""
    told = set(session.scalars(select(Notification.user_id).where(
        Notification.kind == kind, Notification.title == title)))
    notify(session, [user_id for user_id in active_with_role(session, "admin")
                     if user_id not in told], kind, title, body)
