"""Smoke test of the real server: gunicorn with two workers, over HTTP, on each database.

It catches what the Flask test client cannot: the WSGI entry point ``service:create_app()``,
configuration from the environment (APP_ENV, DATABASE_URL), connections opened in forked
workers, and answers as they leave the socket.
"""
import pytest
import requests

from bench.common import PASSWORD
from tests.servers import serve


@pytest.fixture
def server(database_url, tmp_path):
    server = serve(database_url, tmp_path)
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.slow
def test_gunicorn_serves_the_api(server, database_url):
    http = requests.Session()
    health = http.get(f"{server.base}/health", timeout=10).json()
    assert health["status"] == "ok"
    expected_database = "postgis" if database_url.startswith("postgresql") else "spatialite"
    assert health["database"] == expected_database

    login = http.post(f"{server.base}/auth/login",
                      json={"username": "admin", "password": PASSWORD}, timeout=10)
    assert login.status_code == 200, login.text
    tokens = login.json()
    assert tokens["token_type"] == "Bearer"
    http.headers["Authorization"] = f"Bearer {tokens['access_token']}"

    # Several calls, so that both workers answer with the same token.
    for _ in range(4):
        me = http.get(f"{server.base}/me", timeout=10)
        assert me.status_code == 200, me.text
        assert me.json()["username"] == "admin"
        assert "admin" in me.json()["roles"]

    located = http.get(f"{server.base}/locate", params={"lon": 116.3869, "lat": 24.7322},
                       timeout=10)
    assert located.status_code == 200, located.text
    assert located.json()["grid"]["code"]
    assert located.json()["village"]["code"]

    villages = http.get(f"{server.base}/villages", timeout=10)
    assert villages.status_code == 200, villages.text
    assert len(villages.json()["items"]) == 23
    assert "村" in villages.text or "社区" in villages.text  # Chinese arrives unescaped and intact

    missing = http.get(f"{server.base}/no-such-resource", timeout=10)
    assert missing.status_code == 404
    assert missing.headers["Content-Type"].startswith("application/problem+json")
    assert missing.json()["code"] == "not_found"
    assert missing.json()["status"] == 404

    unauthenticated = requests.get(f"{server.base}/me", timeout=10)
    assert unauthenticated.status_code == 401
    assert unauthenticated.headers["Content-Type"].startswith("application/problem+json")

    assert server.stop() == 0, server.output()
