"""The one check that a record table is append-only, at both guards: the ORM refuses to flush a
changed or deleted row (service.case_record), the database's triggers refuse raw statements."""
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from service.case_record import CaseRecordIsAppendOnly
from service.extensions import db


def assert_append_only(model, change, *statements):
    """``change(row)`` on the first stored ``model`` row is refused at flush; each raw SQL
    statement is refused by the database; nothing is left changed."""
    db.session.remove()
    change(db.session.scalar(select(model)))
    with pytest.raises(CaseRecordIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
            db.session.commit()
        db.session.rollback()
    db.session.remove()
