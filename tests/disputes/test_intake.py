"""Intake without a field report (walk-in, hotline), a field report replayed by the phone, and
the notification outbox handed to its sender."""
import uuid

from sqlalchemy import select

from service.extensions import db
from service.models import Notification
from tests.disputes.conftest import (API, GRID_A1, HEAD_A, L3_A, L3_B, L4_A1, L4_A2, MED_A2,
                                     TOWN_HEAD, VILLAGE_A, VILLAGE_B, acted, assert_problem, cli,
                                     counts, drive, geojson, get, intaken, point_in, report_body,
                                     user_id, village_id)


def post_intake(client, auth, username, **body):
    payload = {"channel": "walk_in", "description": "来访群众反映邻里纠纷",
               "dispute": {"type": "neighbour", "parties": [{"name": "张三"}]}, **body}
    return client.post(f"{API}/disputes", json=payload, headers=auth.headers(username))


def test_intake_by_village_or_by_location(client, auth):
    by_village = intaken(client, auth, L3_A)
    assert by_village["village_id"] == village_id(VILLAGE_A) and by_village["grid_id"] is None
    assert by_village["channel"] == "walk_in" and by_village["incident_id"] is None
    assert by_village["status"] == "received" and by_village["committee"]["level"] == "village"
    response = post_intake(client, auth, "center01", channel="hotline_12345",
                           work_order_type="help", location=geojson(point_in(GRID_A1)))
    assert response.status_code == 201, response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/disputes/{response.get_json()['id']}")
    located = response.get_json()
    assert located["grid_id"] and located["village_id"] == village_id(VILLAGE_A)
    # Located in a grid: that grid's worker sees it; another grid's does not.
    assert get(client, auth, L4_A1, located["id"]).status_code == 200
    assert_problem(get(client, auth, L4_A2, located["id"]), 404, "not_found")


def test_intake_refusals(client, auth):
    before = counts()
    # Only centre staff and grid workers register disputes.
    for username in (HEAD_A, MED_A2, TOWN_HEAD):
        assert_problem(post_intake(client, auth, username, village_id=village_id(VILLAGE_A)),
                       403, "forbidden")
    # A village secretary registers in their own village only.
    assert_problem(post_intake(client, auth, L3_B, village_id=village_id(VILLAGE_A)), 422,
                   "validation_failed")
    assert_problem(post_intake(client, auth, "center01", village_id=999999), 422,
                   "validation_failed")
    assert_problem(post_intake(client, auth, "center01", location=geojson((100.0, 30.0))), 422,
                   "outside_area")
    for body in ({}, {"village_id": village_id(VILLAGE_A), "channel": "pigeon"},
                 {"village_id": village_id(VILLAGE_A), "description": "   "},
                 {"village_id": village_id(VILLAGE_A), "dispute": {"type": "gossip"}},
                 {"village_id": village_id(VILLAGE_A), "dispute": None},
                 {"village_id": village_id(VILLAGE_A), "work_order_type": "praise"}):
        assert_problem(post_intake(client, auth, "center01", **body), 422, "validation_failed")
    assert_problem(client.post(f"{API}/disputes", json={}), 401, "unauthorized")
    assert counts() == before


def test_a_replayed_field_report_opens_no_second_dispute(client, auth):
    body = report_body(GRID_A1)
    first = client.post(f"{API}/incidents", json=body, headers=auth.headers(L4_A1))
    assert first.status_code == 201, first.get_json()
    before = counts()
    again = client.post(f"{API}/incidents", json=body, headers=auth.headers(L4_A1))
    assert again.status_code == 200
    assert again.get_json()["dispute_id"] == first.get_json()["dispute_id"]
    assert counts() == before
    changed = client.post(f"{API}/incidents", json={**body, "description": "另一件事"},
                          headers=auth.headers(L4_A1))
    assert_problem(changed, 409, "client_id_reused")
    # An unknown village in a field report: refused, and neither incident nor dispute stored.
    bad = report_body(GRID_A1, village_ids=[village_id(VILLAGE_B), 999999])
    assert_problem(client.post(f"{API}/incidents", json=bad, headers=auth.headers(L4_A1)), 422,
                   "validation_failed")
    # A dispute body on a non-dispute report is refused too.
    other = {**report_body(GRID_A1), "client_id": str(uuid.uuid4()), "category": "environment"}
    assert_problem(client.post(f"{API}/incidents", json=other, headers=auth.headers(L4_A1)), 422,
                   "validation_failed")
    assert counts() == before


class FailingSender:
    def send(self, notification, user):
        raise ConnectionError("gateway down")


def delivered(auth, username):
    rows = db.session.scalars(select(Notification).where(
        Notification.user_id == user_id(auth, username))).all()
    db.session.remove()
    return [row.delivered_at is not None for row in rows]


def test_the_outbox_is_delivered_once_and_kept_when_sending_fails(client, auth, app):
    dispute = intaken(client, auth)
    drive(client, auth, dispute["id"], "mediating")
    acted(client, auth, MED_A2, dispute["id"], "escalate", {"reason": "请镇调委会调解"})
    kinds = db.session.scalars(select(Notification.kind).where(
        Notification.user_id == user_id(auth, TOWN_HEAD))).all()
    db.session.remove()
    assert kinds == ["dispute_escalated"]

    app.config["NOTIFICATION_SENDER"] = "tests.disputes.test_intake:FailingSender"
    failed = cli(app, "notifications", "deliver")
    assert failed.exit_code == 0 and "已发送 0 条通知" in failed.output
    assert delivered(auth, HEAD_A) == [False]

    app.config["NOTIFICATION_SENDER"] = "service.notifications.senders:LogSender"
    sent = cli(app, "notifications", "deliver")
    assert sent.exit_code == 0 and "已发送 3 条通知" in sent.output  # routed, assigned, escalated
    assert delivered(auth, HEAD_A) == [True] and delivered(auth, MED_A2) == [True]
    assert "已发送 0 条通知" in cli(app, "notifications", "deliver").output
    # Delivery is not reading: the inbox still shows it unread.
    inbox = client.get(f"{API}/me/notifications", headers=auth.headers(HEAD_A)).get_json()
    assert [n["read_at"] for n in inbox["items"]] == [None]
