"""A dispute's changes in commit order, for phones that sync their copy (``updated_after``)."""
from sqlalchemy import bindparam, select

from service.counters import mark_change
from service.extensions import db
from service.models import Dispute
from service.models.types import UtcDateTime

CHANGE_SEQUENCE = "disputes.change_seq"


def touch(dispute):
    """Mark a change to the dispute (``counters.mark_change``)."""
    mark_change(dispute, CHANGE_SEQUENCE)


_LAST_CHANGE_AT_OR_BEFORE = (
    select(Dispute.change_seq)
    .where(Dispute.updated_at <= bindparam("moment", type_=UtcDateTime))
    .order_by(Dispute.updated_at.desc()).limit(1))


def change_seq_before(moment):
    """The change number of the last change stamped at or before ``moment`` (0 if none): a
    sync walks the change numbers from here instead of every dispute changed since."""
    return db.session.scalar(_LAST_CHANGE_AT_OR_BEFORE, {"moment": moment}) or 0
