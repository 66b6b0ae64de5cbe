"""Noting, during a request, each answer part that shows parties' numbers unmasked; writing the
notes when the answer is ready, after the request's own work is committed, in a transaction of
their own (a read-only request's included). An answer whose reads cannot be recorded is not
sent: the error handler answers instead."""
import logging

from flask import g, request
from sqlalchemy.exc import SQLAlchemyError

from geo.engine import end_read_only
from service.errors import DatabaseUnavailable, problem_response
from service.extensions import db
from service.models import PersonalDataRead

log = logging.getLogger(__name__)


def note_read(user, kind, dispute_id=None, detail=None):
    g.setdefault("personal_data_reads", []).append(
        {"user_id": user.id, "kind": kind, "dispute_id": dispute_id, "detail": detail})


def write_noted_reads(response):
    """``after_request``: the request's noted reads, if its answer is being sent."""
    reads = g.pop("personal_data_reads", None)
    if reads and 200 <= response.status_code < 300:
        try:
            end_read_only(db.session)
            db.session.add_all(PersonalDataRead(address=request.remote_addr, **read)
                               for read in reads)
            db.session.commit()
        except SQLAlchemyError:
            db.session.rollback()
            log.exception("personal-data reads not recorded on %s %s: answer withheld",
                          request.method, request.path)
            return problem_response(DatabaseUnavailable(), {"Retry-After": "5"})
    return response
