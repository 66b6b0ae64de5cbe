"""Noting, during a request, each answer part that shows parties' numbers unmasked; writing the
notes when the answer is ready. A reading request's transaction is left as it is — the notes go
in on a connection of their own, and a streamed export reads on in it, on SQLite without the
write lock; a changing request has committed its work and holds the write lock already, so the
notes are committed in its session. An answer whose reads cannot be recorded is not sent."""
import logging

from flask import g, request
from sqlalchemy import insert
from sqlalchemy.exc import SQLAlchemyError

from geo.engine import write_after_work
from service.errors import DatabaseUnavailable, problem_response
from service.extensions import db
from service.models import PersonalDataRead

log = logging.getLogger(__name__)
_RECORD = insert(PersonalDataRead.__table__)


def note_read(user, kind, dispute_id=None, detail=None):
    g.setdefault("personal_data_reads", []).append(
        {"user_id": user.id, "kind": kind, "dispute_id": dispute_id, "detail": detail})


def write_noted_reads(response):
    """``after_request``: the request's noted reads, if its answer is being sent."""
    reads = g.pop("personal_data_reads", None)
    if reads and 200 <= response.status_code < 300:
        rows = [{**read, "address": request.remote_addr} for read in reads]
        try:
            write_after_work(db.session, _RECORD, rows)
        except SQLAlchemyError:
            db.session.rollback()
            log.exception("personal-data reads not recorded on %s %s: answer withheld",
                          request.method, request.path)
            return problem_response(DatabaseUnavailable())
    return response
