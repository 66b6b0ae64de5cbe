"""Engine setup per dialect: the only place that knows SpatiaLite from PostGIS at connect time.

SpatiaLite: many Python builds cannot load SQLite extensions, so the DBAPI module is
``pysqlite3`` where the stdlib one can't; ``mod_spatialite`` is loaded on every connection;
transactions are driven by us (``BEGIN``) so that SAVEPOINT works, as SQLAlchemy documents
for pysqlite. PostGIS: the extension must exist in the database.
"""
import os
import sqlite3
import time

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlalchemy.orm import scoped_session


class SpatialSetupError(RuntimeError):
    """The database lacks its spatial extension; the message says what to install."""


SPATIALITE_HINT = (
    "无法加载 SpatiaLite 扩展 mod_spatialite。请安装：sudo apt-get install libsqlite3-mod-spatialite"
    "（Debian/Ubuntu），或设置 SPATIALITE_LIBRARY_PATH 指向 mod_spatialite 文件。"
)
POSTGIS_HINT = (
    "数据库中没有 PostGIS 扩展。请安装 postgresql-<版本>-postgis-3，"
    "然后在该数据库执行：CREATE EXTENSION postgis;"
)


def dialect_of(url) -> str:
    """'spatialite' or 'postgis' for a database URL."""
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        return "spatialite"
    if backend == "postgresql":
        return "postgis"
    raise SpatialSetupError(f"不支持的数据库：{backend}（只支持 SpatiaLite 和 PostGIS）")


def sqlite_dbapi():
    """A sqlite3 module that can load extensions: the stdlib one if it can, else pysqlite3."""
    if hasattr(sqlite3.Connection, "enable_load_extension"):
        return sqlite3
    try:
        from pysqlite3 import dbapi2
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise SpatialSetupError(
            "此 Python 的 sqlite3 不能加载扩展，请安装 pysqlite3-binary（pip install pysqlite3-binary）"
        ) from exc
    return dbapi2


def engine_options(url) -> dict:
    """Keyword arguments for create_engine that this dialect needs."""
    if dialect_of(url) == "spatialite":
        options = {"module": sqlite_dbapi(),
                   "connect_args": {"timeout": 30, "check_same_thread": False}}
        if make_url(url).database in (None, "", ":memory:"):
            from sqlalchemy.pool import StaticPool
            options["poolclass"] = StaticPool
        return options
    # JIT off: the statistics' aggregates are short; compiling them cost more than running
    # them (over a second for one monthly count at a million incidents).
    return {"pool_size": 5, "max_overflow": 5, "connect_args": {"options": "-c jit=off"}}


def install_hooks(engine, ping_after_idle_s):
    """Attach the per-connection set-up for the engine's dialect."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _connect_spatialite)
        event.listen(engine, "begin", _begin_sqlite)
    elif engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _connect_postgis)
        _ping_when_idle(engine, ping_after_idle_s)


def _ping_when_idle(engine, after_s):
    """Ping a pooled connection before use if it lay idle in the pool ``after_s`` seconds or
    more: a server restart or a dropped link breaks idle connections unseen. A connection in
    steady use is not pinged — SQLAlchemy's ``pool_pre_ping`` would add that round trip to
    every request. A failed ping makes the pool try a fresh connection."""
    @event.listens_for(engine.pool, "checkin")
    def _stamp(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _ping(dbapi_connection, record, _proxy):
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < after_s:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # whatever the driver raises for a dead link
            raise DisconnectionError("空闲连接已断开") from exc
        if not alive:
            raise DisconnectionError("空闲连接已断开")


def load_spatialite(dbapi_connection):
    dbapi_connection.enable_load_extension(True)
    path = os.environ.get("SPATIALITE_LIBRARY_PATH", "mod_spatialite")
    try:
        dbapi_connection.load_extension(path)
    except Exception as exc:
        raise SpatialSetupError(SPATIALITE_HINT) from exc
    finally:
        dbapi_connection.enable_load_extension(False)


def _connect_spatialite(dbapi_connection, _record):
    # Autocommit at the driver level; _begin_sqlite emits BEGIN itself so that
    # SAVEPOINT and transactional DDL behave.
    dbapi_connection.isolation_level = None
    load_spatialite(dbapi_connection)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA busy_timeout = 30000")
    if cursor.execute("PRAGMA database_list").fetchone()[2]:  # a file, not :memory:
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    if not cursor.execute("SELECT CheckSpatialMetaData()").fetchone()[0]:
        cursor.execute("SELECT InitSpatialMetaData(1)")
    cursor.close()


def _begin_sqlite(connection):
    # IMMEDIATE takes the write lock at BEGIN: a read-then-write transaction can then never
    # fail half-way with SQLITE_BUSY; writers queue on busy_timeout instead.
    mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
    connection.exec_driver_sql(f"BEGIN {mode}")


def read_only_transaction(session):
    """Begin a read-only request's transaction: SQLite takes the shared lock instead of the
    write lock; PostgreSQL begins READ ONLY, so a write in it fails instead of being kept.
    End it with ``end_read_only``."""
    session = _plain(session)
    if session.in_transaction():
        return
    session.connection(execution_options=_READ_ONLY[session.get_bind().dialect.name])
    session.info["read_only"] = True


_READ_ONLY = {"sqlite": {"sqlite_begin": "DEFERRED"}, "postgresql": {"postgresql_readonly": True}}


def in_read_only_transaction(session) -> bool:
    """Whether ``read_only_transaction`` began the session's open transaction."""
    session = _plain(session)
    return bool(session.info.get("read_only")) and session.in_transaction()


def write_after_work(session, statement, params):
    """Run a write that goes with a request's answer, once the request's own work is done:
    on a connection of its own when the request only read (its read-only transaction stays
    as it is: a streamed answer may read on in it, and SQLite takes no write lock for it),
    else in the request's session, whose work is committed already, and committed."""
    if in_read_only_transaction(session):
        with session.get_bind().engine.begin() as connection:
            connection.execute(statement, params)
    else:
        session.execute(statement, params)
        session.commit()


def write_before_work(session, statement, params):
    """Run a write that goes before a request's own work and stays whatever becomes of it, and
    return its result rows: on a connection of its own, committed at once — unless the session
    has begun writing already, then in its transaction (on SQLite that connection would wait
    for the session's write lock, which is held until after it)."""
    if not _plain(session).in_transaction() or in_read_only_transaction(session):
        with session.get_bind().engine.begin() as connection:
            return connection.execute(statement, params).all()
    return session.execute(statement, params).all()


def end_read_only(session):
    """Commit the transaction ``read_only_transaction`` began, if it is still open.

    Rolling it back would do the same to the data but not to the connection: psycopg forgets
    every prepared statement on ROLLBACK, so each request's statements were planned anew
    (the token look-up took 1.7 ms instead of 0.6)."""
    session = _plain(session)
    if session.info.pop("read_only", False) and session.in_transaction():
        try:
            session.commit()
        except SQLAlchemyError:  # a statement failed in it: nothing to keep either way
            session.rollback()


def plan_each_time(session):
    """Have PostgreSQL plan the rest of this transaction's statements for their own values.

    psycopg prepares a statement run five times on a connection, and after five more runs
    PostgreSQL may keep a generic plan for it, blind to the period a figure covers: the town's
    all-time summary at 1M incidents went from 0.57 s to 0.95 s on its eleventh request.
    For aggregates, planning costs little beside running. SQLite plans every statement anyway."""
    session = _plain(session)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def _plain(session):
    """The Session itself: a scoped_session does not proxy in_transaction()."""
    return session() if isinstance(session, scoped_session) else session


def _connect_postgis(dbapi_connection, _record):
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")
        has_postgis = cursor.fetchone() is not None
    dbapi_connection.commit()
    if not has_postgis:
        raise SpatialSetupError(POSTGIS_HINT)
