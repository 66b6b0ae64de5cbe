"""A consistent copy of the database while the service runs: SQLite's online backup for
SpatiaLite (the copy is itself a database file), ``pg_dump``'s custom format for PostGIS
(restored with ``pg_restore``). Written aside and renamed, so a failed copy leaves nothing."""
import os
import shutil
import subprocess
from pathlib import Path

from sqlalchemy.engine import Engine


class BackupFailed(RuntimeError):
    pass


def copy_database(engine: Engine, directory: Path, stem: str) -> Path:
    if engine.dialect.name == "sqlite":
        return _sqlite_copy(engine, directory / f"{stem}.sqlite")
    return _pg_dump(engine, directory / f"{stem}.dump")


def _partial(target: Path) -> Path:
    """An empty file beside ``target`` that only its owner may read: the copy holds personal data."""
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return partial


def _sqlite_copy(engine, target):
    partial = _partial(target)
    try:
        source = engine.raw_connection()
        try:
            copy = engine.dialect.dbapi.connect(str(partial))
            try:
                source.driver_connection.backup(copy)
                status = copy.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                copy.close()
        finally:
            source.close()
        if status != "ok":
            raise BackupFailed(f"副本完整性检查未通过：{status}")
    except BaseException:  # a full disk, a failed check: no half copy left behind
        partial.unlink(missing_ok=True)
        raise
    return partial.rename(target)


def _pg_dump(engine, target):
    program = shutil.which("pg_dump")
    if program is None:
        raise BackupFailed("找不到 pg_dump：请安装与数据库服务器同一主版本的 PostgreSQL 客户端"
                           "（Debian/Ubuntu：postgresql-client-N）")
    url = engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)  # not on the command line, where ps shows it
    dsn = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    partial = _partial(target)
    result = subprocess.run([program, "--format=custom", "--file", str(partial), "--dbname", dsn],
                            env=env, capture_output=True, text=True)
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupFailed(f"pg_dump 失败：{result.stderr.strip()}")
    return partial.rename(target)
