"""Whether the database's schema is the one this code was written for: its Alembic revision
against the newest migration the code carries. New code on an old schema would answer 500 on
whatever it added; health says so first (a load balancer takes the server out of rotation)."""
from functools import cache

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import OperationalError, ProgrammingError

_REVISION = text("SELECT version_num FROM alembic_version")


@cache
def _revisions(directory):
    """The code's migrations, newest first."""
    return tuple(script.revision for script in ScriptDirectory(directory).walk_revisions())


def code_revisions() -> tuple:
    return _revisions(current_app.extensions["migrate"].directory)


def behind(revision) -> bool:
    """Whether a database at ``revision`` lacks migrations this code needs. A revision the code
    does not know is newer (the migrations ran before this server's code was replaced, as in a
    rolling deploy): migrations add, so the code still works on it."""
    known = code_revisions()
    return revision is None or revision in known[1:]


def database_revision(session) -> str | None:
    """The database's revision; None when it has none (never migrated)."""
    try:
        with session.begin_nested():  # a missing table must not end the request's transaction
            return session.execute(_REVISION).scalar_one_or_none()
    except (OperationalError, ProgrammingError):
        return None
