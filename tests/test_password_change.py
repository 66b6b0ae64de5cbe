"""POST /me/password: the holder changes their own password (the initial one from the roster,
the demo one): the current password is required and guessing it is throttled like sign-ins;
a weak new one is refused in Chinese; other sessions are signed out, this one stays; the
account's record says so."""
import pytest

from service.extensions import db
from service.models import AccountEvent, User
from tests.disputes.conftest import cli
from tests.problems import assert_problem
from tests.town import API

PASSWORD = "songyuan-demo"
NEW = "河边路灯-2026-护栏"


def change(client, headers, current, new):
    return client.post(f"{API}/me/password", headers=headers,
                       json={"current_password": current, "new_password": new})


def password_hash(username):
    db.session.remove()
    return db.session.scalar(db.select(User.password_hash).where(User.username == username))


def test_the_holder_changes_it_and_other_sessions_are_signed_out(app, client, auth):
    other_phone = auth.login("center01").get_json()["access_token"]
    this_phone = auth.headers("center01")
    answer = change(client, this_phone, PASSWORD, NEW)
    assert answer.status_code == 204, answer.get_json()

    assert client.get(f"{API}/me", headers=this_phone).status_code == 200
    assert client.get(f"{API}/me", headers={"Authorization": f"Bearer {other_phone}"}
                      ).status_code == 401
    assert auth.login("center01").status_code == 401
    assert auth.login("center01", NEW).status_code == 200
    refreshed = client.post(f"{API}/auth/refresh", headers={
        "Authorization": f"Bearer {auth.tokens('center01')['refresh_token']}"})
    assert refreshed.status_code == 200  # this session goes on
    result = cli(app, "people", "history", "center01")
    assert "center01（账号）  本人修改密码" in result.output
    assert db.session.query(AccountEvent).count() == 1


@pytest.mark.parametrize("new, message", [
    ("short-1", "至少 10 个字符"),
    ("aaaaaaaaaaaa", "至少要有 4 个不同的字符"),
    ("center01-mine-2026", "不能包含账号"),
    (PASSWORD, "不能是演示密码"),
])
def test_a_weak_new_password_is_refused_and_nothing_changes(client, auth, new, message):
    before = password_hash("center01")
    problem = assert_problem(change(client, auth.headers("center01"), PASSWORD, new), 422,
                             "validation_failed")
    assert any(message in text for text in problem["errors"]["new_password"])
    assert password_hash("center01") == before


def test_guessing_the_current_password_is_throttled(client, auth):
    headers = auth.headers("center01")
    before = password_hash("center01")
    for _ in range(5):
        problem = assert_problem(change(client, headers, "wrong-guess", NEW), 422,
                                 "validation_failed")
        assert problem["errors"]["current_password"] == ["当前密码不对"]
    assert_problem(change(client, headers, PASSWORD, NEW), 429, "too_many_requests")
    assert password_hash("center01") == before
