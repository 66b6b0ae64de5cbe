"""A dispute's changes in commit order, for phones that sync their copy (``updated_after``)."""
from service.changes import mark_change

CHANGE_SEQUENCE = "disputes.change_seq"


def touch(dispute):
    """Mark a change to the dispute (``changes.mark_change``)."""
    mark_change(dispute, CHANGE_SEQUENCE)
