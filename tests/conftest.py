"""Fixtures: every test that takes ``app`` runs on SpatiaLite and on PostGIS.

A migrated database holding the demo town is built once per backend per session, as a
template; each test gets its own copy (a file copy, or CREATE DATABASE … TEMPLATE).
PostGIS runs where TEST_DATABASE_URL points at a PostgreSQL server; without it the PostGIS
tests are skipped, except under CI (CI=true), where they fail.
"""
import itertools
import os
import shutil
from contextlib import contextmanager

import psycopg
import pytest
from flask import g
from argon2 import PasswordHasher
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

from service import create_app
from service.demo import load_demo_town
from service.extensions import db

BACKENDS = ["spatialite", "postgis"]
# The demo password hashed with argon2's lowest cost: sign-ins in tests stay fast; production
# hashes keep argon2-cffi's defaults.
CHEAP_DEMO_HASH = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("songyuan-demo")
_copies = itertools.count(1)


def make_app(database_url, tmp_path, **overrides):
    return create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url,
                                  "PHOTO_DIR": str(tmp_path / "photos"), **overrides})


class SpatiaLiteDatabases:
    def __init__(self, directory):
        self.template = directory / "template.sqlite"

    def template_url(self):
        return f"sqlite:///{self.template}"

    def copy_url(self, tmp_path):
        copy = tmp_path / "test.sqlite"
        shutil.copyfile(self.template, copy)
        return f"sqlite:///{copy}"

    def empty_url(self, tmp_path):
        return f"sqlite:///{tmp_path / 'empty.sqlite'}"

    def drop(self, url):
        pass

    def drop_template(self):
        pass


class PostGISDatabases:
    def __init__(self, base_url):
        self.base = make_url(base_url)
        self.prefix = f"{self.base.database}_{os.getpid()}"
        self.template_name = f"{self.prefix}_template"

    def _admin(self):
        url = self.base.set(drivername="postgresql", database="postgres")
        return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)

    def _create(self, name, template="template1"):
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.base.set(database=name).render_as_string(hide_password=False)

    def template_url(self):
        return self._create_postgis(self.template_name)

    def _create_postgis(self, name):
        url = self._create(name)
        plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        return url

    def copy_url(self, tmp_path):
        return self._create(f"{self.prefix}_{next(_copies)}", self.template_name)

    def empty_url(self, tmp_path):
        return self._create_postgis(f"{self.prefix}_empty_{next(_copies)}")

    def drop(self, url):
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')

    def drop_template(self):
        self.drop(self.base.set(database=self.template_name))


def _postgis_or_skip():
    url = os.environ.get("TEST_DATABASE_URL")
    on_ci = os.environ.get("CI", "").lower() == "true"
    if not url:
        if on_ci:
            pytest.fail("CI=true 但没有设置 TEST_DATABASE_URL：PostGIS 测试不能跳过")
        pytest.skip("TEST_DATABASE_URL 未设置，跳过 PostGIS")
    try:
        with psycopg.connect(make_url(url).set(drivername="postgresql", database="postgres")
                             .render_as_string(hide_password=False), connect_timeout=5):
            pass
    except psycopg.OperationalError as exc:
        if on_ci:
            pytest.fail(f"无法连接 PostGIS（{url}）：{exc}")
        pytest.skip(f"无法连接 PostGIS：{exc}")
    return url


@pytest.fixture(scope="session", params=BACKENDS)
def databases(request, tmp_path_factory):
    """A template database per backend: migrated, with the demo town loaded."""
    if request.param == "spatialite":
        databases = SpatiaLiteDatabases(tmp_path_factory.mktemp("spatialite"))
    else:
        databases = PostGISDatabases(_postgis_or_skip())
    url = databases.template_url()
    app = make_app(url, tmp_path_factory.mktemp("template"))
    with app.app_context():
        upgrade()
        load_demo_town(db.session, password_hash=CHEAP_DEMO_HASH)
        db.session.remove()
        db.engine.dispose()
    yield databases
    databases.drop_template()


@pytest.fixture
def database_url(databases, tmp_path):
    url = databases.copy_url(tmp_path)
    yield url
    databases.drop(url)


@pytest.fixture
def empty_database_url(databases, tmp_path):
    """A database of the test's backend with nothing in it, not even the schema."""
    url = databases.empty_url(tmp_path)
    yield url
    databases.drop(url)


@contextmanager
def app_in_context(database_url, tmp_path, **overrides):
    """An app inside its application context; its session and pool closed afterwards."""
    app = make_app(database_url, tmp_path, **overrides)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(database_url, tmp_path):
    with app_in_context(database_url, tmp_path) as app:
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


class AuthActions:
    """Signs demo users in and hands out their headers, one token per user per test."""

    PASSWORD = "songyuan-demo"

    def __init__(self, client):
        self._client = client
        self._tokens = {}

    def login(self, username, password=PASSWORD):
        return self._client.post("/api/v1/auth/login",
                                 json={"username": username, "password": password})

    def tokens(self, username):
        if username not in self._tokens:
            response = self.login(username)
            assert response.status_code == 200, response.get_json()
            self._tokens[username] = response.get_json()
        return self._tokens[username]

    def headers(self, username, **extra):
        return {"Authorization": f"Bearer {self.tokens(username)['access_token']}", **extra}


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def fresh_request_context(app):
    """Each test request with its own session and its own ``g``, as in production.

    The ``app`` fixture keeps one application context open for the whole test and Flask
    reuses it for every test-client request, so ``g`` (the caller's scope, the current user)
    and the database session would otherwise carry over from one request to the next.
    """
    @app.before_request
    def _forget_previous_caller():
        vars(g).clear()

    def _end_session(_exc):
        db.session.remove()

    # Last of the teardowns (Flask runs them in reverse order), as the application context's
    # teardown is in production: the app's own teardown ends a read-only transaction first.
    app.teardown_request_funcs.setdefault(None, []).insert(0, _end_session)

    yield
    db.session.remove()
