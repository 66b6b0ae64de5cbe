"""Settings: the factory, environment-driven configuration, production safety checks and the
spatial set-up errors of both databases."""
import os
import secrets
import uuid

import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

import config
from config import ConfigError, ProductionConfig, load_config
from geo.engine import SpatialSetupError
from service import create_app
from service.auth.passwords import hash_password
from service.extensions import db

STRONG = "k" * 16 + secrets.token_hex(16)  # 48 characters, not the demo secret
ADMIN_URL = "postgresql://postgres@127.0.0.1/postgres"


# --- the factory -------------------------------------------------------------------------

def test_config_names(monkeypatch):
    monkeypatch.delenv("APP_ENV", raising=False)
    assert not create_app().testing
    assert create_app("testing").testing
    assert create_app("testing").config["TESTING"] is True
    assert create_app("development").config["TESTING"] is False


def test_config_is_read_from_the_environment_when_created(monkeypatch, tmp_path):
    first = str(tmp_path / "first.sqlite")
    monkeypatch.setenv("SECRET_KEY", "first-" + STRONG)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{first}")
    settings = load_config("testing")
    assert settings.SECRET_KEY == "first-" + STRONG
    assert settings.JWT_SECRET_KEY == "first-" + STRONG
    assert settings.SQLALCHEMY_DATABASE_URI == f"sqlite:///{first}"
    app = create_app("testing")
    assert app.config["SECRET_KEY"] == app.config["JWT_SECRET_KEY"] == "first-" + STRONG
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{first}"

    # the module is long imported; a changed environment still shows in the next app
    second = str(tmp_path / "second.sqlite")
    monkeypatch.setenv("SECRET_KEY", "second-" + STRONG)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{second}")
    assert load_config("testing").SECRET_KEY == "second-" + STRONG
    app = create_app("testing")
    assert app.config["SECRET_KEY"] == "second-" + STRONG
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{second}"

    monkeypatch.delenv("SECRET_KEY")
    monkeypatch.delenv("DATABASE_URL")
    assert load_config("testing").SECRET_KEY == config.DEMO_SECRET
    assert load_config("testing").SQLALCHEMY_DATABASE_URI == "sqlite:///:memory:"


@pytest.mark.parametrize("value", ["one", "-1", "6", ""])
def test_proxies_in_front_must_be_a_small_count(value):
    with pytest.raises(ConfigError, match="PROXIES_IN_FRONT"):
        load_config("testing", {"PROXIES_IN_FRONT": value})


def test_proxies_in_front_defaults_to_trusting_no_forwarded_header():
    assert load_config("testing", {}).PROXIES_IN_FRONT == 0
    assert load_config("testing", {"PROXIES_IN_FRONT": "1"}).PROXIES_IN_FRONT == 1


def test_app_env_chooses_the_config(monkeypatch):
    monkeypatch.setenv("APP_ENV", "testing")
    assert load_config().TESTING is True
    assert create_app().testing
    monkeypatch.setenv("APP_ENV", "staging")
    with pytest.raises(ConfigError, match="staging"):
        load_config()
    with pytest.raises(ConfigError):
        create_app()
    with pytest.raises(ConfigError):
        load_config("prod", {})


# --- production safety -------------------------------------------------------------------

GOOD_DB = "postgresql+psycopg://songyuan@db.example/songyuan"


@pytest.mark.parametrize("environ", [
    {"DATABASE_URL": GOOD_DB},
    {"DATABASE_URL": GOOD_DB, "SECRET_KEY": ""},
    {"DATABASE_URL": GOOD_DB, "SECRET_KEY": config.DEMO_SECRET},
    {"DATABASE_URL": GOOD_DB, "SECRET_KEY": "x" * (config.MIN_SECRET_LENGTH - 1)},
    {"DATABASE_URL": GOOD_DB, "SECRET_KEY": "short"},
    {"SECRET_KEY": STRONG},
    {"SECRET_KEY": STRONG, "DATABASE_URL": ""},
], ids=["no-secret", "empty-secret", "demo-secret", "31-chars", "short", "no-database",
        "empty-database"])
def test_production_refuses_unsafe_settings(environ):
    with pytest.raises(ConfigError):
        load_config("production", environ)


def test_production_refuses_at_app_creation(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", GOOD_DB)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app("production")
    monkeypatch.setenv("SECRET_KEY", config.DEMO_SECRET)
    with pytest.raises(ConfigError):
        create_app("production")
    monkeypatch.setenv("APP_ENV", "production")
    with pytest.raises(ConfigError):
        create_app()


def test_production_accepts_a_good_secret():
    settings = load_config("production", {"SECRET_KEY": STRONG, "DATABASE_URL": GOOD_DB})
    assert isinstance(settings, ProductionConfig)
    assert settings.SECRET_KEY == settings.JWT_SECRET_KEY == STRONG
    assert settings.SQLALCHEMY_DATABASE_URI == GOOD_DB
    assert settings.ALLOW_DEMO_PASSWORD is False and settings.TESTING is False
    exactly = "y" * config.MIN_SECRET_LENGTH
    assert load_config("production", {"SECRET_KEY": exactly, "DATABASE_URL": GOOD_DB})


def test_production_refuses_the_demo_password_at_login(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", STRONG)
    monkeypatch.setenv("DATABASE_URL", database_url)
    app = create_app("production", {"SQLALCHEMY_DATABASE_URI": database_url,
                                    "PHOTO_DIR": str(tmp_path / "photos")})
    assert app.config["SECRET_KEY"] == STRONG and not app.testing
    client = app.test_client()
    try:
        with app.app_context():
            refused = client.post("/api/v1/auth/login",
                                  json={"username": "admin", "password": config.DEMO_PASSWORD})
            assert refused.status_code in (401, 403)
            assert refused.mimetype == "application/problem+json"
            assert "access_token" not in refused.get_json()

            # a real password works in production: it is the demo password that is refused
            from service.models import User
            admin = db.session.scalar(select(User).where(User.username == "admin"))
            admin.password_hash = hash_password("a-real-password-for-production-use")
            db.session.commit()
            accepted = client.post("/api/v1/auth/login",
                                   json={"username": "admin",
                                         "password": "a-real-password-for-production-use"})
            assert accepted.status_code == 200
            me = client.get("/api/v1/me", headers={
                "Authorization": f"Bearer {accepted.get_json()['access_token']}"})
            assert me.status_code == 200 and me.get_json()["username"] == "admin"
            db.session.remove()
    finally:
        with app.app_context():
            db.engine.dispose()


# --- spatial set-up ----------------------------------------------------------------------

def test_missing_spatialite_names_the_package(monkeypatch, tmp_path):
    monkeypatch.setenv("SPATIALITE_LIBRARY_PATH", "/nonexistent")
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}"})
    with app.app_context():
        try:
            with pytest.raises(SpatialSetupError, match="libsqlite3-mod-spatialite"):
                with db.engine.connect():
                    pass
        finally:
            db.engine.dispose()


def _admin_url():
    """The maintenance database of the test server (TEST_DATABASE_URL's host, if set)."""
    test_url = os.environ.get("TEST_DATABASE_URL")
    if not test_url:
        return ADMIN_URL
    return make_url(test_url).set(drivername="postgresql", database="postgres") \
        .render_as_string(hide_password=False)


def _admin_connection():
    try:
        return psycopg.connect(_admin_url(), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true 但无法连接 PostgreSQL（{_admin_url()}）：{exc}")
        pytest.skip(f"无法连接 PostgreSQL：{exc}")


def test_database_without_postgis_names_the_fix(tmp_path):
    name = f"songyuan_nopostgis_{uuid.uuid4().hex[:12]}"
    with _admin_connection() as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    try:
        url = make_url(_admin_url()).set(drivername="postgresql+psycopg", database=name)
        app = create_app("testing", {
            "SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False)})
        with app.app_context():
            try:
                with pytest.raises(SpatialSetupError, match="CREATE EXTENSION postgis"):
                    with db.engine.connect():
                        pass
            finally:
                db.engine.dispose()
    finally:
        with _admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_unreachable_postgres_fails_under_ci(monkeypatch):
    """The PostGIS check above must fail, not skip, under CI when the server is down."""
    monkeypatch.setenv("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/x")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        _admin_connection()
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        _admin_connection()


def test_postgis_sessions_run_without_jit(app):
    """The statistics' short aggregates would spend longer being compiled than running."""
    from sqlalchemy import text

    from service.extensions import db
    if db.engine.dialect.name != "postgresql":
        assert db.session.execute(text("SELECT spatialite_version()")).scalar()
        return
    assert db.session.execute(text("SHOW jit")).scalar() == "off"


def test_gunicorn_workers_keep_their_start_up_objects_out_of_the_collector():
    """gunicorn.conf.py freezes what a worker loaded (gc.freeze): full collections stop walking
    the whole app, which paused a worker for about 80 ms every few dozen requests."""
    import gc
    import runpy
    from pathlib import Path

    settings = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    assert settings["timeout"] >= 300 and settings["limit_request_line"] == 0
    gc.unfreeze()
    try:
        settings["post_worker_init"](None)
        assert gc.get_freeze_count() > 10_000  # the test session's modules and app, at least
        tracked_before = len(gc.get_objects())
        assert tracked_before < gc.get_freeze_count() / 10  # the collector sees little else
    finally:
        gc.unfreeze()


def test_an_access_keys_budget_is_a_count_per_minute():
    assert load_config("testing", {}).ACCESS_KEY_REQUESTS_PER_MINUTE == 120
    assert load_config("testing", {"ACCESS_KEY_REQUESTS_PER_MINUTE": "0"}) \
        .ACCESS_KEY_REQUESTS_PER_MINUTE == 0  # no limit
    for value in ("many", "-5", "1.5"):
        with pytest.raises(ConfigError, match="ACCESS_KEY_REQUESTS_PER_MINUTE"):
            load_config("testing", {"ACCESS_KEY_REQUESTS_PER_MINUTE": value})
