"""Sign-in: login, throttling, refresh rotation, logout, token checks and /me."""
from datetime import timedelta

import jwt as pyjwt
import pytest
from flask_jwt_extended import create_access_token
from sqlalchemy import delete, select

from service.extensions import db
from service.models import (Committee, CommitteeMember, Grid, IssuedToken, LoginFailure, User,
                            UserRole, Village, WorkerAssignment)
from service.models.types import utcnow
from tests.conftest import make_app

LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/me"
PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def user_named(username):
    return db.session.scalar(select(User).where(User.username == username))


def assert_401(response, code):
    assert response.status_code == 401, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert response.headers.get("WWW-Authenticate", "").startswith("Bearer")
    body = response.get_json()
    assert PROBLEM_KEYS <= body.keys()
    assert body["status"] == 401
    if isinstance(code, str):
        assert body["code"] == code, body
    else:
        assert body["code"] in code, body
    return body


# --- login -------------------------------------------------------------------------------

def test_login_answers_token_pair_and_user(client, auth):
    response = auth.login("l2-01")
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert isinstance(body["access_token"], str) and body["access_token"].count(".") == 2
    assert isinstance(body["refresh_token"], str) and body["refresh_token"] != body["access_token"]
    assert body["expires_in"] == client.application.config["ACCESS_TOKEN_MINUTES"] * 60
    user = body["user"]
    expected = user_named("l2-01")
    assert user["id"] == expected.id and user["username"] == "l2-01" and user["name"] == expected.name
    assert "worker" in user["roles"]
    assert user["levels"] == [2]
    assert set(user["scope"]) == {"town", "village_ids", "grid_ids", "committee_ids"}
    assert user["scope"]["town"] is False and user["scope"]["village_ids"]
    assert "password" not in user and "password_hash" not in user
    # the access token works
    assert client.get(ME, headers=bearer(body["access_token"])).status_code == 200


def test_wrong_password_and_unknown_user_get_the_same_answer(client, auth):
    wrong = auth.login("l2-01", "not-the-password")
    unknown = auth.login("nobody-at-all", "not-the-password")
    unknown_demo = auth.login("nobody-else", auth.PASSWORD)
    first = assert_401(wrong, "unauthorized")
    assert first == assert_401(unknown, "unauthorized") == assert_401(unknown_demo, "unauthorized")
    assert "access_token" not in first


@pytest.mark.parametrize("body, fields", [
    ({}, {"username", "password"}),
    ({"username": "l2-01"}, {"password"}),
    ({"password": "songyuan-demo"}, {"username"}),
    ({"username": 12, "password": ["songyuan-demo"]}, {"username", "password"}),
    ({"username": "", "password": "songyuan-demo"}, {"username"}),
    ({"username": "l2-01", "password": None}, {"password"}),
])
def test_login_validation_failures_name_each_field(client, body, fields):
    response = client.post(LOGIN, json=body)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["code"] == "validation_failed" and problem["status"] == 422
    assert set(problem["errors"]) == fields
    for messages in problem["errors"].values():
        assert isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages)


def test_inactive_user_cannot_sign_in_and_their_tokens_stop_working(client, auth):
    tokens = auth.tokens("l2-02")
    assert client.get(ME, headers=bearer(tokens["access_token"])).status_code == 200

    user = user_named("l2-02")
    user.active = False
    db.session.commit()

    refused = auth.login("l2-02")
    assert refused.status_code in (401, 403)
    assert refused.mimetype == "application/problem+json"
    assert "access_token" not in refused.get_json()
    # a wrong password for the inactive account still looks like any other wrong password
    assert (assert_401(auth.login("l2-02", "wrong"), "unauthorized")
            == assert_401(auth.login("nobody", "wrong"), "unauthorized"))

    assert_401(client.get(ME, headers=bearer(tokens["access_token"])), "unauthorized")
    assert_401(client.post(REFRESH, headers=bearer(tokens["refresh_token"])), "unauthorized")
    # others are unaffected
    assert client.get(ME, headers=auth.headers("l2-03")).status_code == 200


def test_repeated_failures_throttle_that_username_from_that_address(client, app):
    limit = app.config["LOGIN_FAILURE_LIMIT"]
    assert limit == 5
    here = {"REMOTE_ADDR": "10.1.2.3"}

    def login(username, password, environ=here):
        return client.post(LOGIN, json={"username": username, "password": password},
                           environ_base=environ)

    for _ in range(limit):
        assert_401(login("l3-441403116201", "wrong"), "unauthorized")
    throttled = login("l3-441403116201", "songyuan-demo")
    assert throttled.status_code == 429
    assert throttled.mimetype == "application/problem+json"
    body = throttled.get_json()
    assert body["code"] == "too_many_requests" and "access_token" not in body
    assert throttled.headers["Retry-After"] == str(15 * 60)  # the phone knows when to try again
    assert login("l3-441403116201", "wrong").status_code == 429
    # another username from the same address, and the same username elsewhere, still sign in
    assert login("l2-01", "songyuan-demo").status_code == 200
    assert login("l3-441403116201", "songyuan-demo", {"REMOTE_ADDR": "10.9.9.9"}).status_code == 200


@pytest.mark.parametrize("proxies", [0, 1])
def test_the_throttled_address_is_the_one_the_trusted_proxy_saw(database_url, tmp_path, proxies):
    """Behind nginx (PROXIES_IN_FRONT=1) every request comes from 127.0.0.1: the caller is the
    address nginx appended to X-Forwarded-For, so one phone's failures do not lock the account
    on every other phone. Whatever the setting, an invented X-Forwarded-For does not dodge it."""
    app = make_app(database_url, tmp_path, PROXIES_IN_FRONT=proxies)
    client = app.test_client()
    proxy = {"REMOTE_ADDR": "127.0.0.1"}

    def login(password, forwarded):
        return client.post(LOGIN, json={"username": "l2-05", "password": password},
                           environ_base=proxy, headers={"X-Forwarded-For": forwarded})

    # a phone at 10.0.0.7 fails, inventing a new first address each time
    for attempt in range(app.config["LOGIN_FAILURE_LIMIT"]):
        assert login("wrong", f"192.0.2.{attempt}, 10.0.0.7").status_code == 401
    assert login("songyuan-demo", "198.51.100.1, 10.0.0.7").status_code == 429
    # another phone, at 10.0.0.8: behind a trusted proxy it still signs in
    other_phone = login("songyuan-demo", "10.0.0.8")
    assert other_phone.status_code == (200 if proxies else 429)
    with app.app_context():
        addresses = set(db.session.scalars(select(LoginFailure.address)
                                           .where(LoginFailure.username == "l2-05")))
        db.session.remove()
        db.engine.dispose()
    assert addresses == ({"10.0.0.7"} if proxies else {"127.0.0.1"})


def test_failures_below_the_limit_do_not_throttle_and_success_resets(client, app):
    here = {"REMOTE_ADDR": "10.1.2.4"}

    def login(password):
        return client.post(LOGIN, json={"username": "l2-04", "password": password},
                           environ_base=here)

    for _ in range(app.config["LOGIN_FAILURE_LIMIT"] - 1):
        assert login("wrong").status_code == 401
    assert login("songyuan-demo").status_code == 200
    # the success cleared the count: another limit-1 failures still leave sign-in open
    for _ in range(app.config["LOGIN_FAILURE_LIMIT"] - 1):
        assert login("wrong").status_code == 401
    assert login("songyuan-demo").status_code == 200


# --- refresh and logout ------------------------------------------------------------------

def test_refresh_rotates_the_refresh_token(client, auth):
    old = auth.tokens("l2-01")
    response = client.post(REFRESH, headers=bearer(old["refresh_token"]))
    assert response.status_code == 200
    new = response.get_json()
    assert {"access_token", "refresh_token", "expires_in"} <= new.keys()
    assert new["access_token"] != old["access_token"]
    assert new["refresh_token"] != old["refresh_token"]
    assert client.get(ME, headers=bearer(new["access_token"])).get_json()["username"] == "l2-01"

    assert_401(client.post(REFRESH, headers=bearer(old["refresh_token"])), "token_revoked")
    again = client.post(REFRESH, headers=bearer(new["refresh_token"]))
    assert again.status_code == 200


def test_access_token_is_refused_on_refresh_and_refresh_token_on_resources(client, auth):
    tokens = auth.tokens("l2-01")
    assert_401(client.post(REFRESH, headers=bearer(tokens["access_token"])), "unauthorized")
    assert_401(client.get(ME, headers=bearer(tokens["refresh_token"])), "unauthorized")
    assert_401(client.post(REFRESH), "unauthorized")


def test_logout_revokes_access_and_refresh_token(client, auth):
    tokens = auth.tokens("l2-01")
    other = auth.tokens("l2-05")
    response = client.post(LOGOUT, headers=bearer(tokens["access_token"]))
    assert response.status_code == 204
    assert response.get_data() == b""
    assert_401(client.get(ME, headers=bearer(tokens["access_token"])), "token_revoked")
    assert_401(client.post(REFRESH, headers=bearer(tokens["refresh_token"])), "token_revoked")
    assert_401(client.post(LOGOUT, headers=bearer(tokens["access_token"])), "token_revoked")
    # another session is untouched
    assert client.get(ME, headers=bearer(other["access_token"])).status_code == 200
    # and the user can sign in again
    assert auth.login("l2-01").status_code == 200


def test_logout_after_refresh_revokes_the_rotated_pair(client, auth):
    old = auth.tokens("l2-06")
    new = client.post(REFRESH, headers=bearer(old["refresh_token"])).get_json()
    assert client.post(LOGOUT, headers=bearer(new["access_token"])).status_code == 204
    assert_401(client.post(REFRESH, headers=bearer(new["refresh_token"])), "token_revoked")


# --- token checks ------------------------------------------------------------------------

def test_token_signed_with_another_key_is_refused(client, auth):
    tokens = auth.tokens("admin")
    claims = pyjwt.decode(tokens["access_token"], options={"verify_signature": False})
    forged = pyjwt.encode(claims, "another-key-" + "x" * 40, algorithm="HS256")
    assert_401(client.get(ME, headers=bearer(forged)), "unauthorized")


@pytest.mark.parametrize("authorization", [
    "Bearer not-a-token",
    "Bearer a.b.c",
    "Bearer ",
    "Basic YWRtaW46c29uZ3l1YW4tZGVtbw==",
    "",
])
def test_malformed_or_missing_token_is_refused(client, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    assert_401(client.get(ME, headers=headers), "unauthorized")


def test_expired_token_is_refused_as_expired(app, client):
    admin = user_named("admin")
    token = create_access_token(str(admin.id), expires_delta=timedelta(seconds=-1))
    jti = pyjwt.decode(token, options={"verify_signature": False})["jti"]
    # never recorded in issued_tokens: expiry is checked before the record is
    assert db.session.get(IssuedToken, jti) is None
    assert_401(client.get(ME, headers=bearer(token)), "token_expired")


def test_expired_token_that_was_issued_is_still_expired(app, client, auth):
    tokens = auth.tokens("admin")
    claims = pyjwt.decode(tokens["access_token"], options={"verify_signature": False})
    claims["exp"] = claims["iat"] - 1
    expired = pyjwt.encode(claims, app.config["JWT_SECRET_KEY"], algorithm="HS256")
    assert db.session.get(IssuedToken, claims["jti"]) is not None
    assert_401(client.get(ME, headers=bearer(expired)), "token_expired")


def test_token_with_unknown_jti_is_refused(app, client):
    admin = user_named("admin")
    token = create_access_token(str(admin.id))
    jti = pyjwt.decode(token, options={"verify_signature": False})["jti"]
    assert db.session.get(IssuedToken, jti) is None
    assert_401(client.get(ME, headers=bearer(token)), ("unauthorized", "token_revoked"))


def test_token_for_a_user_that_does_not_exist_is_refused(app, client):
    token = create_access_token("999999")
    db.session.add(IssuedToken(jti=pyjwt.decode(token, options={"verify_signature": False})["jti"],
                               user_id=user_named("admin").id, kind="access",
                               expires_at=utcnow() + timedelta(minutes=5)))
    db.session.commit()
    assert_401(client.get(ME, headers=bearer(token)), "unauthorized")


# --- /me ---------------------------------------------------------------------------------

def me(client, auth, username):
    response = client.get(ME, headers=auth.headers(username))
    assert response.status_code == 200
    return response.get_json()


def test_me_level_two_lists_its_stationed_villages(client, auth):
    body = me(client, auth, "l2-01")
    user = user_named("l2-01")
    stationed = db.session.scalars(select(WorkerAssignment.village_id).where(
        WorkerAssignment.user_id == user.id, WorkerAssignment.level == 2)).all()
    assert stationed
    assert body["id"] == user.id and body["username"] == "l2-01"
    assert body["levels"] == [2]
    assert body["scope"]["town"] is False
    assert sorted(body["scope"]["village_ids"]) == sorted(set(stationed))
    assert body["scope"]["grid_ids"] == []


def test_me_level_four_has_its_grid(client, auth):
    body = me(client, auth, "l4-441403116201001")
    user = user_named("l4-441403116201001")
    grids = db.session.scalars(select(WorkerAssignment.grid_id).where(
        WorkerAssignment.user_id == user.id, WorkerAssignment.level == 4)).all()
    assert len(grids) == 1 and grids[0] is not None
    assert body["levels"] == [4]
    assert body["scope"] == {"town": False, "village_ids": [], "grid_ids": grids,
                             "committee_ids": []}


def test_me_town_committee_head(client, auth):
    body = me(client, auth, "med-town-1")
    town_committee = db.session.scalar(select(Committee.id).where(Committee.level == "town"))
    assert {"mediator", "committee_head"} <= set(body["roles"])
    assert town_committee in body["scope"]["committee_ids"]
    assert body["scope"]["town"] is False
    # another town mediator is a member but not the head
    other = me(client, auth, "med-town-2")
    assert "committee_head" not in other["roles"] and "mediator" in other["roles"]
    assert town_committee in other["scope"]["committee_ids"]


def test_me_admin_sees_the_whole_town(client, auth):
    body = me(client, auth, "admin")
    assert "admin" in body["roles"]
    assert body["scope"]["town"] is True


def test_me_needs_a_token(client):
    assert_401(client.get(ME), "unauthorized")


def test_a_person_with_several_roles_levels_and_committees_is_read_whole(client, auth):
    """The caller is read with the token as one row per role × assignment × membership: each
    counts once, and a change counts from the very next request made with the same token."""
    user = user_named("l4-441403116201001")
    own_grid = db.session.scalar(select(WorkerAssignment.grid_id).where(
        WorkerAssignment.user_id == user.id))
    other_grids = db.session.scalars(select(Grid.id).where(Grid.id != own_grid)
                                     .order_by(Grid.id).limit(2)).all()
    village = db.session.scalar(select(Village.id).order_by(Village.id.desc()).limit(1))
    committee = db.session.scalar(select(Committee.id).where(Committee.level == "town"))
    headers = auth.headers("l4-441403116201001")
    db.session.add_all([
        *(WorkerAssignment(user_id=user.id, level=4, grid_id=grid) for grid in other_grids),
        WorkerAssignment(user_id=user.id, level=3, village_id=village),
        UserRole(user_id=user.id, role="mediator"),
        CommitteeMember(committee_id=committee, user_id=user.id, is_head=False)])
    db.session.commit()

    body = client.get(ME, headers=headers).get_json()
    assert body["roles"] == ["mediator", "worker"]
    assert body["levels"] == [3, 4]
    assert body["scope"] == {"town": False, "village_ids": [village],
                             "grid_ids": sorted([own_grid, *other_grids]),
                             "committee_ids": [committee]}

    db.session.execute(delete(WorkerAssignment).where(
        WorkerAssignment.user_id == user.id, WorkerAssignment.grid_id.in_(other_grids)))
    db.session.execute(delete(UserRole).where(UserRole.user_id == user.id,
                                              UserRole.role == "mediator"))
    db.session.commit()
    body = client.get(ME, headers=headers).get_json()
    assert body["roles"] == ["worker"]
    assert body["scope"]["grid_ids"] == [own_grid]
    assert body["scope"]["village_ids"] == [village]
