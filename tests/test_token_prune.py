"""``flask tokens prune``: expired sign-in tokens go once expired long enough, but each
account's newest stays, so "last seen" does not change; access keys and tokens still in force
stay; failed sign-ins go after the same time."""
from datetime import datetime, timedelta, timezone

import jwt
import pytest
from sqlalchemy import func, select, update

from service.extensions import db
from service.models import IssuedToken, LoginFailure, User
from tests.disputes.conftest import cli, cli_text
from tests.town import API, GRID_A1, VILLAGE_A

L4, L3 = f"l4-{GRID_A1}", f"l3-{VILLAGE_A}"
NOW = datetime.now(timezone.utc)


@pytest.fixture(autouse=True)
def one_request_one_context(fresh_request_context):
    """Every test request here runs in a context of its own (tests/conftest.py)."""


def signed_in(auth, username):
    response = auth.login(username)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def session_jtis(tokens):
    return {jwt.decode(tokens[kind], options={"verify_signature": False})["jti"]
            for kind in ("access_token", "refresh_token")}


def age(jtis, issued_days_ago, expired_days_ago):
    db.session.execute(update(IssuedToken).where(IssuedToken.jti.in_(jtis)).values(
        issued_at=NOW - timedelta(days=issued_days_ago),
        expires_at=NOW - timedelta(days=expired_days_ago)))
    db.session.commit()


def jtis_left():
    db.session.remove()
    left = set(db.session.scalars(select(IssuedToken.jti)))
    db.session.remove()
    return left


def account_id(username):
    """Looked up, not signed in: a sign-in would be the account's newest."""
    found = db.session.scalar(select(User.id).where(User.username == username))
    db.session.remove()
    return found


def last_seen(client, auth, username):
    return client.get(f"{API}/accounts/{account_id(username)}",
                      headers=auth.headers("admin")).get_json()["last_seen_at"]


def test_prune_keeps_what_a_check_or_last_seen_needs(app, client, auth):
    l4_old, l4_recent, l4_now = (session_jtis(signed_in(auth, L4)) for _ in range(3))
    age(l4_old, 70, 40)
    age(l4_recent, 35, 10)  # expired, but not for 30 days yet
    l3_only = session_jtis(signed_in(auth, L3))
    age(l3_only, 70, 40)  # the account's newest, however old
    key = client.post(f"{API}/accounts/{account_id('center01')}/api-keys", json={"name": "平台"},
                      headers=auth.headers("admin")).get_json()
    age({key["id"]}, 800, 40)
    db.session.add_all([LoginFailure(username=L4, address="10.0.0.1", failed_at=NOW - timedelta(days=31)),
                        LoginFailure(username=L4, address="10.0.0.1", failed_at=NOW - timedelta(days=1))])
    db.session.commit()
    seen = {name: last_seen(client, auth, name) for name in (L4, L3)}
    before = jtis_left()

    result = cli(app, "tokens", "prune")
    assert result.exit_code == 0, cli_text(result)
    assert before - jtis_left() == l4_old
    assert "删除了 2 条过期满 30 天的登录令牌记录、1 条登录失败记录" in cli_text(result)
    assert {name: last_seen(client, auth, name) for name in (L4, L3)} == seen
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 1
    db.session.remove()
    # The session in force works as before; the next run finds nothing more.
    assert client.get(f"{API}/me", headers=auth.headers(L4)).status_code == 200
    assert l4_now <= jtis_left()
    again = cli(app, "tokens", "prune")
    assert "删除了 0 条" in cli_text(again) and "0 条登录失败记录" in cli_text(again)


def test_prune_takes_its_time_in_days(app, auth):
    old = session_jtis(signed_in(auth, L4))
    signed_in(auth, L4)
    age(old, 20, 10)
    assert "删除了 0 条" in cli_text(cli(app, "tokens", "prune"))
    assert "删除了 2 条过期满 7 天" in cli_text(cli(app, "tokens", "prune", "--days", "7"))
    assert old.isdisjoint(jtis_left())
    refused = cli(app, "tokens", "prune", "--days", "0")
    assert refused.exit_code == 2 and "--days" in cli_text(refused)
