"""``flask backup``: a copy of the database that restores into a working service, the stored
images beside it (each copied once), old copies pruned, and a clear refusal when it cannot."""
import stat
import subprocess
import uuid
from datetime import datetime

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from geo import backup as database_backup
from service.clock import clock_at
from service.disputes.record import verify
from service.extensions import db
from service.models import Dispute, DisputeEvent, Incident, IncidentPhoto
from tests.conftest import make_app
from tests.disputes.conftest import cli, cli_text, intaken
from tests.incidents.conftest import TOWN, jpeg_bytes, reported, uploaded


@pytest.fixture(autouse=True)
def one_request_one_context(fresh_request_context):
    """Every test request here runs in a context of its own, as in production."""


def counts():
    db.session.remove()
    result = {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
              for model in (Incident, IncidentPhoto, Dispute, DisputeEvent)}
    db.session.remove()
    return result


def some_cases(client, auth):
    incident = reported(client, auth, "l4-441403116001001")
    photo = uploaded(client, auth, "l4-441403116001001", incident["id"], jpeg_bytes())
    intaken(client, auth)
    return photo


def restored_url(copy, database_url):
    """A new database holding ``copy``, as the README says to restore it."""
    if copy.suffix == ".sqlite":
        return f"sqlite:///{copy}"
    url = make_url(database_url)
    name = f"{url.database}_restored_{uuid.uuid4().hex[:8]}"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    target = url.set(drivername="postgresql", database=name)
    subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname",
                    target.render_as_string(hide_password=False), str(copy)], check=True)
    return url.set(database=name).render_as_string(hide_password=False)


def drop_restored(url):
    url = make_url(url)
    if url.get_backend_name() == "postgresql":
        admin = url.set(drivername="postgresql", database="postgres").render_as_string(
            hide_password=False)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')


def test_a_backup_restores_into_a_working_service(app, client, auth, database_url, tmp_path):
    photo = some_cases(client, auth)
    before = counts()
    target = tmp_path / "backups"
    result = cli(app, "backup", str(target))
    assert result.exit_code == 0, cli_text(result)
    [copy] = [path for path in target.iterdir() if path.is_file()]
    assert copy.name.startswith("songyuan-") and str(copy) in cli_text(result)
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.stat().st_mode) == 0o700
    assert "新复制 1 个" in cli_text(result) and "PERSONAL_DATA_KEY" in cli_text(result)
    db.session.remove()
    key = db.session.get(IncidentPhoto, photo["id"]).storage_key
    db.session.remove()
    assert (target / "photos" / key).read_bytes() == (tmp_path / "photos" / key).read_bytes()

    url = restored_url(copy, database_url)
    try:
        restored = make_app(url, tmp_path / "restored")
        with restored.app_context():
            assert counts() == before
            assert verify(db.session) == []
            sign_in = restored.test_client().post("/api/v1/auth/login", json={
                "username": "center01", "password": "songyuan-demo"})
            assert sign_in.status_code == 200, sign_in.get_json()
            db.session.remove()
            db.engine.dispose()
    finally:
        drop_restored(url)


def test_each_run_copies_only_new_images_and_keeps_the_newest_copies(app, client, auth,
                                                                     tmp_path):
    some_cases(client, auth)
    target = tmp_path / "backups"
    for day in (1, 2, 3):
        with clock_at(datetime(2027, 1, day, 2, 0, tzinfo=TOWN)):
            result = cli(app, "backup", str(target), "--keep", "2")
        assert result.exit_code == 0, cli_text(result)
    assert "新复制 0 个，已有 1 个" in cli_text(result)
    assert "删除旧副本：songyuan-20270101-020000" in cli_text(result)
    assert sorted(path.name.split(".")[0] for path in target.iterdir() if path.is_file()) == [
        "songyuan-20270102-020000", "songyuan-20270103-020000"]


def test_a_backup_that_cannot_be_written_says_why_and_leaves_nothing(app, tmp_path,
                                                                      monkeypatch, database_url):
    (tmp_path / "a-file").write_text("")
    result = cli(app, "backup", str(tmp_path / "a-file" / "backups"))
    assert result.exit_code == 1 and "备份目录无法写入" in cli_text(result)
    if make_url(database_url).get_backend_name() == "postgresql":
        monkeypatch.setattr(database_backup.shutil, "which", lambda _name: None)
        result = cli(app, "backup", str(tmp_path / "backups"))
        assert result.exit_code == 1 and "找不到 pg_dump" in cli_text(result)
        assert list((tmp_path / "backups").iterdir()) == []
