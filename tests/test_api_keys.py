"""Open311 access keys (接入密钥): issued by an administrator to an account made for a system,
shown once, on the account's record; they act with the account's roles and area on the Open311
endpoints only, and stop at once when revoked or when the account is deactivated."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from service.extensions import db
from service.models import AccountEvent, Incident, IssuedToken, Notification
from tests.disputes.conftest import cli, cli_text
from tests.incidents.conftest import point_in, recently, reported, user_id
from tests.problems import assert_problem
from tests.town import API, GRID_A1, GRID_B1

OPEN311 = f"{API}/georeport/v2"
L4_A1 = f"l4-{GRID_A1}"


@pytest.fixture(autouse=True)
def one_request_one_context(fresh_request_context):
    """Every test request here runs in a context of its own (tests/conftest.py)."""


def rows():
    db.session.remove()
    counted = tuple(db.session.scalar(select(func.count()).select_from(model))
                    for model in (IssuedToken, AccountEvent, Incident))
    db.session.remove()
    return counted


def issue(client, auth, username, **body):
    return client.post(f"{API}/accounts/{user_id(auth, username)}/api-keys",
                       json={"name": "梅县区 12345 平台", **body}, headers=auth.headers("admin"))


def issued(client, auth, username, **body):
    response = issue(client, auth, username, **body)
    assert response.status_code == 201, response.get_json()
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()


def events(client, auth, username):
    return client.get(f"{API}/accounts/{user_id(auth, username)}/events",
                      headers=auth.headers("admin")).get_json()["items"]


def open311_form(grid_code=GRID_A1, **extra):
    lon, lat = point_in(grid_code)
    return {"service_code": "public_service", "lat": lat, "long": lon,
            "description": "12345 转来：路灯不亮", "attribute[channel]": "hotline_12345",
            "attribute[work_order_type]": "help", **extra}


def test_a_key_files_and_reads_open311_requests_as_its_account(client, auth):
    before_seen = client.get(f"{API}/accounts/{user_id(auth, 'center01')}",
                             headers=auth.headers("admin")).get_json()["last_seen_at"]
    key = issued(client, auth, "center01", days=30)
    assert key["name"] == "梅县区 12345 平台" and key["working"] is True
    assert key["api_key"] and key["revoked_at"] is None

    # In the form of a POST, as Open311 clients send it: filed as center01's report.
    response = client.post(f"{OPEN311}/requests.json", data=open311_form(api_key=key["api_key"]))
    assert response.status_code == 200, response.get_json()
    request_id = int(response.get_json()[0]["service_request_id"])
    db.session.remove()
    incident = db.session.get(Incident, request_id)
    assert incident.reporter_id == user_id(auth, "center01")
    assert (incident.channel, incident.work_order_type) == ("hotline_12345", "help")
    # In the query of a GET, and as a bearer token.
    for response in (client.get(f"{OPEN311}/requests/{request_id}.json",
                                query_string={"api_key": key["api_key"]}),
                     client.get(f"{OPEN311}/services.json",
                                headers={"Authorization": f"Bearer {key['api_key']}"}),
                     client.get(f"{OPEN311}/discovery.json", query_string={"api_key": key["api_key"]})):
        assert response.status_code == 200, response.get_json()

    listed = client.get(f"{API}/accounts/{user_id(auth, 'center01')}/api-keys",
                        headers=auth.headers("admin")).get_json()
    assert [(k["id"], k["name"], k["working"]) for k in listed] == [
        (key["id"], key["name"], True)]
    assert "api_key" not in listed[0]
    assert events(client, auth, "center01")[-1]["action"] == "api_key_issued"
    assert events(client, auth, "center01")[-1]["action_name"] == "签发接入密钥"
    # Issuing a key is not the account signing in.
    assert client.get(f"{API}/accounts/{user_id(auth, 'center01')}",
                      headers=auth.headers("admin")).get_json()["last_seen_at"] == before_seen


def test_the_last_use_is_kept_to_the_hour(client, auth):
    key = issued(client, auth, "center01")
    account = user_id(auth, "center01")

    def last_used():
        [row] = client.get(f"{API}/accounts/{account}/api-keys",
                           headers=auth.headers("admin")).get_json()
        return row["last_used_at"]

    assert key["last_used_at"] is None
    bearer = {"Authorization": f"Bearer {key['api_key']}"}
    assert client.get(f"{API}/incidents", headers=bearer).status_code == 403
    assert client.get(f"{OPEN311}/requests/99999999.json", headers=bearer).status_code == 404
    assert last_used() is None  # refused and failed requests are no use
    assert client.get(f"{OPEN311}/services.json", headers=bearer).status_code == 200
    first = last_used()
    assert first is not None and recently(first)
    response = client.post(f"{OPEN311}/requests.json",
                           data=open311_form(api_key=key["api_key"]))
    assert response.status_code == 200
    assert last_used() == first  # within the hour: not written again
    db.session.remove()
    db.session.execute(update(IssuedToken).where(IssuedToken.jti == key["id"])
                       .values(last_used_at=datetime.now(timezone.utc) - timedelta(hours=2)))
    db.session.commit()
    db.session.remove()
    assert client.get(f"{OPEN311}/services.json", headers=bearer).status_code == 200
    assert recently(last_used())


def test_a_key_sees_only_its_accounts_area(client, auth):
    mine = reported(client, auth, L4_A1)
    other = reported(client, auth, f"l4-{GRID_B1}")
    key = issued(client, auth, L4_A1)["api_key"]
    found = client.get(f"{OPEN311}/requests.json", query_string={"api_key": key}).get_json()
    ids = {int(item["service_request_id"]) for item in found}
    assert mine["id"] in ids and other["id"] not in ids
    assert_problem(client.get(f"{OPEN311}/requests/{other['id']}.json",
                              query_string={"api_key": key}), 404, "not_found")


def test_a_key_fetches_the_photo_media_url_names_in_its_area(client, auth):
    from tests.incidents.conftest import png_bytes, uploaded
    mine = reported(client, auth, L4_A1)
    photo = uploaded(client, auth, L4_A1, mine["id"], png_bytes((1, 2, 3)), filename="p.png")
    other = reported(client, auth, f"l4-{GRID_B1}")
    other_photo = uploaded(client, auth, f"l4-{GRID_B1}", other["id"], png_bytes((3, 2, 1)),
                           filename="p.png")
    key = issued(client, auth, L4_A1)["api_key"]
    url = client.get(f"{OPEN311}/requests/{mine['id']}.json",
                     query_string={"api_key": key}).get_json()[0]["media_url"]
    path = url[url.index(API):]
    assert path == f"{API}/incidents/{mine['id']}/photos/{photo['id']}"
    for answer in (client.get(path, query_string={"api_key": key}),
                   client.get(path, headers={"Authorization": f"Bearer {key}"})):
        assert answer.status_code == 200 and answer.data.startswith(b"\x89PNG")
    assert_problem(client.get(f"{API}/incidents/{other['id']}/photos/{other_photo['id']}",
                              query_string={"api_key": key}), 404, "not_found")
    # The incident itself is not an Open311 answer.
    assert_problem(client.get(f"{API}/incidents/{mine['id']}",
                              headers={"Authorization": f"Bearer {key}"}), 403, "forbidden")


@pytest.mark.parametrize("path", ["/incidents", "/me", "/disputes", "/stats/summary"])
def test_a_key_is_refused_outside_open311(client, auth, path):
    key = issued(client, auth, "center01")["api_key"]
    body = assert_problem(client.get(f"{API}{path}", headers={"Authorization": f"Bearer {key}"}),
                          403, "forbidden")
    assert "Open311" in body["detail"]
    # The api_key parameter means nothing elsewhere.
    assert_problem(client.get(f"{API}{path}", query_string={"api_key": key}), 401, "unauthorized")


def test_a_key_cannot_end_or_renew_a_session(client, auth):
    key = issued(client, auth, "center01")["api_key"]
    assert_problem(client.post(f"{API}/auth/logout", headers={"Authorization": f"Bearer {key}"}),
                   403, "forbidden")
    response = client.post(f"{API}/auth/refresh", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code in (401, 422) and response.mimetype == "application/problem+json"
    assert client.get(f"{OPEN311}/services.json", query_string={"api_key": key}).status_code == 200


def test_a_revoked_key_stops_at_once_and_is_recorded_once(client, auth):
    key = issued(client, auth, "center01")
    revoke = f"{API}/accounts/{user_id(auth, 'center01')}/api-keys/{key['id']}/revoke"
    answer = client.post(revoke, headers=auth.headers("admin"))
    assert answer.status_code == 200 and answer.get_json()["working"] is False
    assert answer.get_json()["revoked_at"] is not None
    assert_problem(client.get(f"{OPEN311}/services.json", query_string={"api_key": key["api_key"]}),
                   401, "token_revoked")
    before = rows()
    again = client.post(revoke, headers=auth.headers("admin"))
    assert again.status_code == 200 and again.get_json() == answer.get_json()
    assert rows() == before
    assert [e["action"] for e in events(client, auth, "center01")].count("api_key_revoked") == 1
    assert events(client, auth, "center01")[-1]["detail"] == "梅县区 12345 平台"


def test_deactivating_the_account_stops_its_keys(client, auth):
    key = issued(client, auth, "center02")["api_key"]
    account = client.get(f"{API}/accounts/{user_id(auth, 'center02')}", headers=auth.headers("admin"))
    response = client.post(f"{API}/accounts/{user_id(auth, 'center02')}/deactivate", json={},
                           headers=auth.headers("admin", **{"If-Match": account.headers["ETag"]}))
    assert response.status_code == 200, response.get_json()
    response = client.get(f"{OPEN311}/services.json", query_string={"api_key": key})
    assert response.status_code == 401 and response.mimetype == "application/problem+json"
    assert_problem(issue(client, auth, "center02"), 409, "conflict")


@pytest.mark.parametrize("who, body, status, code", [
    ("admin", {}, 409, "conflict"),                      # no key for an administrator
    ("center01", {"name": ""}, 422, "validation_failed"),
    ("center01", {"name": "长" * 101}, 422, "validation_failed"),
    ("center01", {"days": 0}, 422, "validation_failed"),
    ("center01", {"days": 731}, 422, "validation_failed"),
    ("center01", {"days": "一年"}, 422, "validation_failed"),
])
def test_bad_issues_change_nothing(client, auth, who, body, status, code):
    user_id(auth, who), auth.headers("admin")  # signed in before counting: their own tokens
    before = rows()
    assert_problem(issue(client, auth, who, **body), status, code)
    assert rows() == before


def test_only_administrators_manage_keys_and_unknown_ones_are_404(client, auth):
    target = user_id(auth, "center01")
    before = rows()
    for username in ("center01", "l1-01", L4_A1):
        headers = auth.headers(username)
        assert_problem(client.post(f"{API}/accounts/{target}/api-keys", json={"name": "x"},
                                   headers=headers), 403, "forbidden")
        assert_problem(client.get(f"{API}/accounts/{target}/api-keys", headers=headers), 403,
                       "forbidden")
    assert_problem(client.post(f"{API}/accounts/{target}/api-keys/nope/revoke",
                               headers=auth.headers("admin")), 404, "not_found")
    assert_problem(client.get(f"{API}/accounts/99999999/api-keys", headers=auth.headers("admin")),
                   404, "not_found")
    assert rows()[1:] == before[1:]  # sign-ins above added tokens, nothing else


def test_a_made_up_key_is_401(client):
    for key in ("not-a-key", "a.b.c"):
        response = client.get(f"{OPEN311}/services.json", query_string={"api_key": key})
        assert_problem(response, 401, "unauthorized")


def test_the_check_command_tells_the_administrators_of_keys_about_to_expire(app, client, auth):
    soon = issued(client, auth, "center01", days=20)
    later = issued(client, auth, "center01", days=31)
    gone = issued(client, auth, "center01", days=5)
    revoked = client.post(f"{API}/accounts/{user_id(auth, 'center01')}/api-keys/{gone['id']}"
                          "/revoke", headers=auth.headers("admin"))
    assert revoked.status_code == 200
    assert client.get(f"{OPEN311}/services.json",
                      query_string={"api_key": soon["api_key"]}).status_code == 200

    result = cli(app, "api-keys", "check")
    text = cli_text(result)
    assert result.exit_code == 1, text
    assert "接入密钥“梅县区 12345 平台”将于" in text and "最近一次使用在" in text
    # the key of 20 days only: not the one of 31 days, not the revoked one
    assert len({line for line in text.splitlines() if "将于" in line}) == 1, text
    assert cli(app, "api-keys", "check").exit_code == 1  # the next day's run: told once
    db.session.remove()
    told = db.session.execute(select(Notification.user_id, Notification.title).where(
        Notification.kind == "api_key_expiring")).all()
    db.session.remove()
    assert [user for user, _ in told] == [user_id(auth, "admin")]
    assert told[0][1].startswith("接入密钥“梅县区 12345 平台”（") and told[0][1].endswith("到期")

    # Once the soon-expiring key is replaced and revoked, the check is quiet.
    client.post(f"{API}/accounts/{user_id(auth, 'center01')}/api-keys/{soon['id']}/revoke",
                headers=auth.headers("admin"))
    quiet = cli(app, "api-keys", "check")
    assert quiet.exit_code == 0 and "没有 30 天内到期的接入密钥" in cli_text(quiet)
    assert later["working"] is True
