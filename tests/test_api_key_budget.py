"""An access key's budget of requests per minute (接入密钥限流): past it, 429 with Retry-After
until the next minute, nothing done; each key has a budget of its own, counted in the
database; the phones' sign-in tokens have none."""
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
import requests
from sqlalchemy import select

from bench.common import PASSWORD

from service.clock import clock_at
from service.extensions import db
from service.models import AccessKeyWindow
from tests.incidents.conftest import user_id
from tests.problems import assert_problem
from tests.servers import serve
from tests.test_api_keys import OPEN311, issued, open311_form, rows
from tests.town import API

LIMIT = 3
# Well inside a minute, so that a test's requests all fall into the same one.
MINUTE = datetime(2026, 12, 8, 2, 15, 10, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def small_budget(app, fresh_request_context):
    app.config["ACCESS_KEY_REQUESTS_PER_MINUTE"] = LIMIT


def services(client, key):
    return client.get(f"{OPEN311}/services.json", query_string={"api_key": key})


def window(key_id):
    db.session.remove()
    row = db.session.scalar(select(AccessKeyWindow).where(AccessKeyWindow.jti == key_id))
    db.session.remove()
    return row and (row.window_start, row.requests)


def test_past_its_budget_a_key_waits_for_the_next_minute(client, auth):
    key = issued(client, auth, "center01")
    with clock_at(MINUTE):
        for left in range(LIMIT - 1, -1, -1):
            answer = services(client, key["api_key"])
            assert answer.status_code == 200
            assert (answer.headers["RateLimit-Limit"], answer.headers["RateLimit-Remaining"],
                    answer.headers["RateLimit-Reset"]) == (str(LIMIT), str(left), "50")
        refused = services(client, key["api_key"])
        body = assert_problem(refused, 429, "too_many_requests")
        assert "每分钟最多 3 次请求" in body["detail"] and "50 秒后再试" in body["detail"]
        assert refused.headers["Retry-After"] == "50"
        assert refused.headers["RateLimit-Remaining"] == "0"
        assert window(key["id"]) == (MINUTE.replace(second=0), LIMIT + 1)
    with clock_at(MINUTE + timedelta(seconds=49)):
        assert services(client, key["api_key"]).status_code == 429
    with clock_at(MINUTE + timedelta(seconds=50)):  # the next minute: a new budget
        assert services(client, key["api_key"]).status_code == 200
        assert window(key["id"]) == (MINUTE.replace(second=0) + timedelta(minutes=1), 1)


def test_a_refused_report_is_not_filed_and_failed_requests_count(client, auth):
    key = issued(client, auth, "center01")
    form = open311_form(api_key=key["api_key"])
    db.session.remove()  # the test's read ends before the requests, as no client holds one open
    with clock_at(MINUTE):
        bad = client.post(f"{OPEN311}/requests.json", data={**form, "lat": "91"})
        assert_problem(bad, 422, "validation_failed")
        for _ in range(LIMIT - 1):
            assert services(client, key["api_key"]).status_code == 200
        before = rows()
        refused = client.post(f"{OPEN311}/requests.json", data=form)
        assert_problem(refused, 429, "too_many_requests")
        assert rows() == before
        # In the Authorization header too: the key is the same key.
        assert_problem(client.get(f"{OPEN311}/services.json",
                                  headers={"Authorization": f"Bearer {key['api_key']}"}),
                       429, "too_many_requests")


def test_each_key_has_its_own_budget_and_sign_in_tokens_none(client, auth):
    first, second = issued(client, auth, "center01"), issued(client, auth, "center01")
    with clock_at(MINUTE):
        for _ in range(LIMIT):
            assert services(client, first["api_key"]).status_code == 200
        assert services(client, first["api_key"]).status_code == 429
        assert services(client, second["api_key"]).status_code == 200
        for _ in range(2 * LIMIT):  # the account's own sign-in: a phone, not an integration
            response = client.get(f"{OPEN311}/services.json", headers=auth.headers("center01"))
            assert response.status_code == 200 and "RateLimit-Limit" not in response.headers


def test_a_revoked_or_forged_key_is_refused_as_before(client, auth):
    key = issued(client, auth, "center01")
    forged = key["api_key"][:-4] + ("AAAA" if not key["api_key"].endswith("AAAA") else "BBBB")
    with clock_at(MINUTE):
        for _ in range(LIMIT + 1):
            assert_problem(services(client, forged), 401, "unauthorized")
        assert window(key["id"]) is None  # a bad signature spends nothing of the key's
    revoked = client.post(f"{API}/accounts/{user_id(auth, 'center01')}/api-keys/{key['id']}/revoke",
                          headers=auth.headers("admin"))
    assert revoked.status_code == 200, revoked.get_json()
    with clock_at(MINUTE):
        assert_problem(services(client, key["api_key"]), 401, "token_revoked")


def test_no_budget_when_the_limit_is_0(client, auth, app):
    app.config["ACCESS_KEY_REQUESTS_PER_MINUTE"] = 0
    key = issued(client, auth, "center01")
    with clock_at(MINUTE):
        for _ in range(2 * LIMIT):
            assert services(client, key["api_key"]).status_code == 200
    assert window(key["id"]) is None


@pytest.mark.slow
def test_the_workers_of_a_server_spend_from_one_budget(app, database_url, tmp_path):
    """A real gunicorn with two workers: 16 requests at once with a budget of 10 give 10
    answers and 6 refusals, not 10 a worker."""
    server = serve(database_url, tmp_path, workers=2, ACCESS_KEY_REQUESTS_PER_MINUTE="10")
    try:
        signed_in = requests.post(f"{server.base}/auth/login", timeout=10,
                                  json={"username": "admin", "password": PASSWORD}).json()
        admin = {"Authorization": f"Bearer {signed_in['access_token']}"}
        account = requests.get(f"{server.base}/accounts", params={"q": "center01"},
                               headers=admin, timeout=10).json()["items"][0]["id"]
        key = requests.post(f"{server.base}/accounts/{account}/api-keys", headers=admin,
                            json={"name": "梅县区 12345 平台"}, timeout=10).json()["api_key"]
        if datetime.now().second >= 45:  # all 16 inside one minute
            time.sleep(61 - datetime.now().second)
        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(lambda _: requests.get(
                f"{server.base}/georeport/v2/services.json", params={"api_key": key},
                timeout=30), range(16)))
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [200] * 10 + [429] * 6, statuses
        assert all(0 < int(a.headers["Retry-After"]) <= 60 for a in answers if a.status_code == 429)
        assert len(server.worker_pids()) == 2
    finally:
        server.stop()
