"""Pooled PostgreSQL connections: one broken while idle in the pool is replaced before a
request uses it; one in steady use is not pinged on every request (geo/engine.py); a request
that meets a broken one anyway is told to try again, and the next one gets a fresh link."""
import psycopg
from sqlalchemy.engine import make_url

from service.extensions import db
from tests.conftest import app_in_context

API = "/api/v1"


def _break_idle_connections(database_url):
    """What a server restart does to the pool's connections: end every other backend."""
    admin = make_url(database_url).set(drivername="postgresql").render_as_string(
        hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        return conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchone()[0]


def _pings(monkeypatch):
    dialect, calls = db.engine.dialect, []
    real_ping = dialect.do_ping

    def counted(dbapi_connection):
        calls.append(dbapi_connection)
        return real_ping(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", counted)
    return calls


def _sign_in_and_list(client):
    """A function listing incidents as a signed-in user. Each request gives its connection
    back to the pool at its end, as in production (the test's app context outlives them)."""
    answer = client.post(f"{API}/auth/login",
                         json={"username": "center01", "password": "songyuan-demo"})
    assert answer.status_code == 200, answer.get_json()
    token = answer.get_json()["access_token"]
    db.session.remove()

    def list_incidents():
        answer = client.get(f"{API}/incidents", headers={"Authorization": f"Bearer {token}"})
        db.session.remove()
        return answer

    return list_incidents


def test_a_connection_broken_while_idle_is_replaced_before_use(database_url, tmp_path,
                                                               monkeypatch):
    with app_in_context(database_url, tmp_path, DB_PING_AFTER_IDLE_SECONDS=0) as app:
        pings = _pings(monkeypatch)
        list_incidents = _sign_in_and_list(app.test_client())
        if db.engine.dialect.name == "postgresql":
            assert _break_idle_connections(database_url) >= 1
        answer = list_incidents()
        assert answer.status_code == 200, answer.get_json()
        if db.engine.dialect.name == "postgresql":
            assert pings, "an idle connection was used without a ping"
        else:
            assert pings == []  # an embedded database has no link to lose


def test_a_connection_in_steady_use_is_not_pinged(database_url, tmp_path, monkeypatch):
    with app_in_context(database_url, tmp_path, DB_PING_AFTER_IDLE_SECONDS=60) as app:
        pings = _pings(monkeypatch)
        list_incidents = _sign_in_and_list(app.test_client())
        for _ in range(5):
            assert list_incidents().status_code == 200
        assert pings == []


def test_a_request_that_meets_a_broken_link_is_told_to_try_again(database_url, tmp_path):
    with app_in_context(database_url, tmp_path, DB_PING_AFTER_IDLE_SECONDS=3600) as app:
        list_incidents = _sign_in_and_list(app.test_client())
        if db.engine.dialect.name == "postgresql":
            _break_idle_connections(database_url)
            answer = list_incidents()
            assert answer.status_code == 503
            assert answer.mimetype == "application/problem+json"
            assert answer.get_json()["code"] == "database_unavailable"
            assert answer.headers["Retry-After"] == "5"
        answer = list_incidents()  # the phone's retry: the pool has opened a new link
        assert answer.status_code == 200, answer.get_json()
