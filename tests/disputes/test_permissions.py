"""Who may act at each step of a dispute, what each step demands of its body, which steps a
state allows, and optimistic locking with If-Match. Every refusal changes nothing."""
import pytest

from tests.disputes.conftest import (AGREEMENT, HEAD_A, HEAD_B, L2_A, L3_A, L3_B, L4_A1, L4_A2,
                                     L4_B1, MED_A2, MED_A3, MED_B2, TOWN_HEAD, TOWN_MED2, act,
                                     acted, assert_problem, drive, get, intaken, now_iso,
                                     reported, session_body, snapshot, user_id)

# Can see a village-A dispute, but are no member of its committee and hold no role in it.
OUTSIDERS = (HEAD_B, MED_B2, L3_B, L4_B1, L4_A2, TOWN_HEAD, TOWN_MED2)
ALL_PATHS = ("accept", "decline", "assign", "sessions", "resolve", "escalate", "close", "follow-ups")


def valid_body(auth, path, mediator=MED_A2):
    """A body that passes validation, so that only the actor decides the answer."""
    return {
        "accept": {"note": "受理"},
        "decline": {"reason": "一方明确拒绝调解"},
        "assign": {"mediator_ids": [user_id(auth, mediator)]},
        "sessions": session_body(),
        "resolve": {"outcome": "failed", "reason": "双方分歧过大"},
        "escalate": {"reason": "请镇调委会调解"},
        "close": {"note": "结案"},
        "follow-ups": {"visited_at": now_iso(), "performed": True, "satisfaction": 4},
    }[path]


def refused(client, auth, dispute_id, path, users, status, code, body=None, mediator=MED_A2):
    """Each of ``users`` gets ``status``/``code`` for the action, and nothing changes."""
    before = snapshot(dispute_id)
    for username in users:
        response = act(client, auth, username, dispute_id, path,
                       body if body is not None else valid_body(auth, path, mediator))
        assert response.status_code == status, (path, username, response.get_json())
        assert_problem(response, status, code)
    assert snapshot(dispute_id) == before, path


def forbidden(client, auth, dispute_id, path, users, **kwargs):
    refused(client, auth, dispute_id, path, users, 403, "forbidden", **kwargs)


def invisible(client, auth, dispute_id, users=OUTSIDERS):
    """Outsiders cannot tell the dispute exists: 404 on reading it and on every action."""
    for username in users:
        assert_problem(get(client, auth, username, dispute_id), 404, "not_found")
    for path in ALL_PATHS:
        refused(client, auth, dispute_id, path, users, 404, "not_found")


def test_every_step_refuses_everyone_but_its_actors(client, auth):
    _, dispute = reported(client, auth, L4_A1)
    dispute_id = dispute["id"]

    # received: accept and decline are the head's and the centre's.
    invisible(client, auth, dispute_id)
    for path in ("accept", "decline"):
        forbidden(client, auth, dispute_id, path,
                  (L4_A1, L3_A, L2_A, "l1-01", "admin", MED_A2, MED_A3))
    forbidden(client, auth, dispute_id, "escalate", (L4_A1, MED_A2, MED_A3, "center01", "admin"))
    acted(client, auth, HEAD_A, dispute_id, "accept")

    # accepted: assigning is for the head, the centre and level 1–3 of the village.
    invisible(client, auth, dispute_id)
    forbidden(client, auth, dispute_id, "assign", (L4_A1, MED_A2, MED_A3, "admin"))
    forbidden(client, auth, dispute_id, "decline", (L4_A1, L3_A, MED_A2, MED_A3))
    for username in ("center01", L3_A, L2_A, "l1-01", HEAD_A):  # each may (re)assign
        answer = acted(client, auth, username, dispute_id, "assign", valid_body(auth, "assign"))
        assert answer["status"] == "mediating"
        assert [m["id"] for m in answer["mediators"]] == [user_id(auth, MED_A2)]

    # mediating: only the assigned mediator records sessions and resolves.
    invisible(client, auth, dispute_id)
    not_assigned = (MED_A3, HEAD_A, L3_A, L2_A, "l1-01", "center01", L4_A1, "admin")
    forbidden(client, auth, dispute_id, "sessions", not_assigned)
    forbidden(client, auth, dispute_id, "resolve", not_assigned)
    forbidden(client, auth, dispute_id, "escalate", (MED_A3, L4_A1, "center01", "admin"))
    acted(client, auth, MED_A2, dispute_id, "sessions", session_body())
    acted(client, auth, MED_A2, dispute_id, "resolve", valid_body(auth, "resolve"))

    # failed: the head or the centre closes; the assigned mediator may not.
    invisible(client, auth, dispute_id)
    forbidden(client, auth, dispute_id, "close",
              (MED_A2, MED_A3, L3_A, L2_A, "l1-01", L4_A1, "admin"))
    forbidden(client, auth, dispute_id, "escalate", (MED_A3, L4_A1, "center01", "admin"))

    # Escalated: the village's mediators keep reading it but act no more; the town's do.
    acted(client, auth, MED_A2, dispute_id, "escalate", valid_body(auth, "escalate"))
    assert get(client, auth, TOWN_MED2, dispute_id).status_code == 200
    assert get(client, auth, MED_A2, dispute_id).status_code == 200
    for path in ("accept", "decline"):
        forbidden(client, auth, dispute_id, path, (HEAD_A, MED_A2, L3_A, L4_A1, TOWN_MED2))
    acted(client, auth, TOWN_HEAD, dispute_id, "accept")
    forbidden(client, auth, dispute_id, "assign", (HEAD_A, TOWN_MED2, L4_A1),
              body=valid_body(auth, "assign", TOWN_MED2))
    # A village mediator is no member of the town committee.
    refused(client, auth, dispute_id, "assign", (TOWN_HEAD,), 422, "validation_failed",
            body=valid_body(auth, "assign", MED_A2))
    acted(client, auth, TOWN_HEAD, dispute_id, "assign", valid_body(auth, "assign", TOWN_MED2))
    forbidden(client, auth, dispute_id, "sessions", (MED_A2, HEAD_A, TOWN_HEAD, "med-town-3"))
    forbidden(client, auth, dispute_id, "resolve", (MED_A2, HEAD_A, TOWN_HEAD, "med-town-3"))
    acted(client, auth, TOWN_MED2, dispute_id, "resolve",
          {"outcome": "agreed", "agreement": AGREEMENT})

    # agreed: closing is the head's and the centre's; follow-ups are the committee's mediators'.
    forbidden(client, auth, dispute_id, "close", (TOWN_MED2, HEAD_A, MED_A2, L3_A, L4_A1, "admin"))
    forbidden(client, auth, dispute_id, "follow-ups",
              (HEAD_A, MED_A2, MED_A3, L3_A, L2_A, "l1-01", "center01", L4_A1, "admin"))
    acted(client, auth, "center01", dispute_id, "close")
    forbidden(client, auth, dispute_id, "follow-ups", (HEAD_A, MED_A2, L3_A, "center01", L4_A1))
    visited = acted(client, auth, TOWN_MED2, dispute_id, "follow-ups", valid_body(auth, "follow-ups"))
    assert visited["status"] == "closed"
    invisible(client, auth, dispute_id, (HEAD_B, MED_B2, L3_B, L4_B1, L4_A2))


def test_a_village_committee_closes_and_follows_up_its_own_agreements(client, auth):
    dispute = intaken(client, auth)
    drive(client, auth, dispute["id"], "agreed")
    forbidden(client, auth, dispute["id"], "close", (MED_A2, MED_A3, L3_A, L2_A, "l1-01"))
    forbidden(client, auth, dispute["id"], "follow-ups", (L3_A, L2_A, "l1-01", "center01", "admin"))
    # Any mediator of the committee pays the visit, assigned or not, before or after closing.
    acted(client, auth, MED_A3, dispute["id"], "follow-ups", valid_body(auth, "follow-ups"))
    acted(client, auth, HEAD_A, dispute["id"], "close")
    acted(client, auth, HEAD_A, dispute["id"], "follow-ups", valid_body(auth, "follow-ups"))


@pytest.mark.parametrize("actor", ["assigned", HEAD_A, L3_A, L2_A, "l1-01"])
def test_who_may_escalate(client, auth, actor):
    dispute = intaken(client, auth)
    drive(client, auth, dispute["id"], "mediating")
    answer = acted(client, auth, MED_A2 if actor == "assigned" else actor, dispute["id"],
                   "escalate", valid_body(auth, "escalate"))
    assert answer["status"] == "received" and answer["committee"]["level"] == "town"
    assert answer["mediators"] == []


def test_assigning_outside_the_committee_is_invalid(client, auth):
    dispute = intaken(client, auth)
    drive(client, auth, dispute["id"], "accepted")
    for outsider in (MED_B2, TOWN_MED2, L4_A1, L3_A, "center01"):
        refused(client, auth, dispute["id"], "assign", (HEAD_A,), 422, "validation_failed",
                body={"mediator_ids": [user_id(auth, outsider)]})
    for body in ({"mediator_ids": [user_id(auth, MED_A2), user_id(auth, MED_B2)]},
                 {"mediator_ids": [999999]}, {"mediator_ids": []}, {"mediator_ids": None}, {}):
        refused(client, auth, dispute["id"], "assign", (HEAD_A,), 422, "validation_failed",
                body=body)
    answer = acted(client, auth, HEAD_A, dispute["id"], "assign",
                   {"mediator_ids": [user_id(auth, MED_A2), user_id(auth, MED_A3)]})
    assert sorted(m["id"] for m in answer["mediators"]) == sorted(
        [user_id(auth, MED_A2), user_id(auth, MED_A3)])


def test_a_resolution_needs_its_agreement_or_its_reason(client, auth):
    dispute = intaken(client, auth)
    drive(client, auth, dispute["id"], "mediating")
    bad = [
        {"outcome": "agreed"},
        {"outcome": "agreed", "agreement": None},
        {"outcome": "agreed", "reason": "没有协议"},
        {"outcome": "agreed", "agreement": {"form": "written"}},
        {"outcome": "agreed", "agreement": {"terms": "赔偿", "form": "handshake"}},
        {"outcome": "agreed", "agreement": {"terms": "赔偿", "form": "written", "amount_yuan": "-1"}},
        {"outcome": "failed"},
        {"outcome": "failed", "reason": None},
        {"outcome": "failed", "reason": ""},
        {"outcome": "failed", "reason": "   "},
        {"outcome": "settled", "reason": "x"},
        {"reason": "双方分歧过大"},
    ]
    for body in bad:
        refused(client, auth, dispute["id"], "resolve", (MED_A2,), 422, "validation_failed",
                body=body)
    oral = acted(client, auth, MED_A2, dispute["id"], "resolve",
                 {"outcome": "agreed", "agreement": {"terms": "口头约定互相道歉", "form": "oral"}})
    assert oral["status"] == "agreed" and oral["agreement"]["form"] == "oral"
    assert oral["agreement"]["amount_yuan"] is None


def test_sessions_are_held_between_registration_and_now(client, auth):
    dispute = intaken(client, auth)
    drive(client, auth, dispute["id"], "mediating")
    for body in (session_body(held_at=now_iso(days=-1)), session_body(held_at=now_iso(hours=1)),
                 session_body(held_at="2023-05-04T09:30:00"), session_body(summary=""),
                 {"summary": "缺少时间"}, {"held_at": now_iso()}):
        refused(client, auth, dispute["id"], "sessions", (MED_A2,), 422, "validation_failed",
                body=body)
    acted(client, auth, MED_A2, dispute["id"], "sessions", session_body())


def test_follow_ups_need_an_agreement_and_a_satisfaction_from_1_to_5(client, auth):
    dispute = intaken(client, auth)
    drive(client, auth, dispute["id"], "mediating")
    # Before the agreement: the state does not allow a follow-up.
    refused(client, auth, dispute["id"], "follow-ups", (MED_A2, MED_A3), 409, "invalid_transition")
    acted(client, auth, MED_A2, dispute["id"], "resolve",
          {"outcome": "agreed", "agreement": AGREEMENT})
    visit = valid_body(auth, "follow-ups")
    for satisfaction in (0, 6, -1, None, "很好"):
        refused(client, auth, dispute["id"], "follow-ups", (MED_A2,), 422, "validation_failed",
                body={**visit, "satisfaction": satisfaction})
    for missing in ("visited_at", "performed", "satisfaction"):
        refused(client, auth, dispute["id"], "follow-ups", (MED_A2,), 422, "validation_failed",
                body={k: v for k, v in visit.items() if k != missing})
    # A visit cannot predate the agreement nor lie in the future.
    for visited_at in (now_iso(days=-2), now_iso(hours=2)):
        refused(client, auth, dispute["id"], "follow-ups", (MED_A2,), 422, "validation_failed",
                body={**visit, "visited_at": visited_at})
    for satisfaction in (1, 5):
        acted(client, auth, MED_A2, dispute["id"], "follow-ups", {**visit, "satisfaction": satisfaction})


@pytest.mark.parametrize("status", ["closed", "referred", "declined"])
def test_a_finished_case_takes_no_more_actions(client, auth, status):
    dispute = intaken(client, auth)
    drive(client, auth, dispute["id"], status)
    for path in ALL_PATHS:
        if status == "closed" and path == "follow-ups":
            continue  # the return visit comes after closing
        actor = MED_A2 if path in ("sessions", "resolve") else HEAD_A
        refused(client, auth, dispute["id"], path, (actor, "center01"), 409, "invalid_transition")


def test_wrong_state_actions_are_invalid_transitions(client, auth):
    dispute = intaken(client, auth)
    for path in ("assign", "sessions", "resolve", "close", "follow-ups"):
        refused(client, auth, dispute["id"], path, (HEAD_A,), 409, "invalid_transition")
    drive(client, auth, dispute["id"], "accepted")
    for path in ("accept", "sessions", "resolve", "close", "follow-ups"):
        refused(client, auth, dispute["id"], path, (HEAD_A,), 409, "invalid_transition")


def test_the_town_committee_cannot_escalate(client, auth):
    town_dispute = intaken(client, auth, serious=True)
    assert town_dispute["committee"]["level"] == "town"
    refused(client, auth, town_dispute["id"], "escalate", (TOWN_HEAD, L3_A, "l1-01"), 409,
            "invalid_transition")
    # Nor a second time, after a failed mediation at the town committee.
    dispute = intaken(client, auth)
    drive(client, auth, dispute["id"], "mediating")
    acted(client, auth, MED_A2, dispute["id"], "escalate", {"reason": "请镇调委会调解"})
    acted(client, auth, TOWN_HEAD, dispute["id"], "accept")
    acted(client, auth, TOWN_HEAD, dispute["id"], "assign",
          {"mediator_ids": [user_id(auth, TOWN_MED2)]})
    failed = acted(client, auth, TOWN_MED2, dispute["id"], "resolve",
                   {"outcome": "failed", "reason": "调解不成"})
    assert failed["status"] == "failed"
    refused(client, auth, dispute["id"], "escalate", (TOWN_MED2, TOWN_HEAD, L3_A), 409,
            "invalid_transition")
    # A failure at the town committee closes as referred to the other channels.
    assert acted(client, auth, TOWN_HEAD, dispute["id"], "close")["status"] == "referred"


def test_a_stale_if_match_changes_nothing(client, auth):
    dispute = intaken(client, auth)
    first = get(client, auth, HEAD_A, dispute["id"])
    etag = first.headers["ETag"]
    assert first.get_json()["version"] == dispute["version"]
    accepted = acted(client, auth, HEAD_A, dispute["id"], "accept", {}, if_match=etag)
    assert accepted["version"] == dispute["version"] + 1
    for path, body in (("assign", valid_body(auth, "assign")), ("decline", {"reason": "拒绝"}),
                       ("escalate", {"reason": "上报"})):
        before = snapshot(dispute["id"])
        for stale in (etag, f'"{dispute["version"]}"', f'W/{etag}'):
            response = act(client, auth, HEAD_A, dispute["id"], path, body, if_match=stale)
            assert_problem(response, 412, "version_mismatch")
        assert snapshot(dispute["id"]) == before
    current = get(client, auth, HEAD_A, dispute["id"]).headers["ETag"]
    assert current != etag
    assert acted(client, auth, HEAD_A, dispute["id"], "assign", valid_body(auth, "assign"),
                 if_match=current)["status"] == "mediating"


def test_two_assigns_with_the_same_if_match(client, auth):
    dispute = intaken(client, auth)
    drive(client, auth, dispute["id"], "accepted")
    etag = get(client, auth, HEAD_A, dispute["id"]).headers["ETag"]
    first = act(client, auth, HEAD_A, dispute["id"], "assign",
                {"mediator_ids": [user_id(auth, MED_A2)]}, if_match=etag)
    assert first.status_code == 200, first.get_json()
    assert first.headers["ETag"] != etag
    before = snapshot(dispute["id"])
    second = act(client, auth, "center01", dispute["id"], "assign",
                 {"mediator_ids": [user_id(auth, MED_A3)]}, if_match=etag)
    assert_problem(second, 412, "version_mismatch")
    assert snapshot(dispute["id"]) == before
    assert before["mediators"] == [user_id(auth, MED_A2)]


def test_declining_and_escalating_need_a_reason(client, auth):
    dispute = intaken(client, auth)
    for path in ("decline", "escalate"):
        for body in ({}, {"reason": None}, {"reason": ""}, {"reason": "  \n "}):
            refused(client, auth, dispute["id"], path, (HEAD_A,), 422, "validation_failed",
                    body=body)
    declined = acted(client, auth, HEAD_A, dispute["id"], "decline", {"reason": "一方明确拒绝调解"})
    assert declined["status"] == "declined" and declined["due_at"] is None


def test_no_token_is_401_whatever_the_body(client, auth):
    dispute = intaken(client, auth)
    before = snapshot(dispute["id"])
    calls = [("post", "/disputes", {}), ("get", "/disputes?status=bogus", None),
             ("get", f"/disputes/{dispute['id']}", None),
             ("get", f"/disputes/{dispute['id']}/events?limit=0", None),
             ("get", "/me/notifications?unread=maybe", None)]
    calls += [("post", f"/disputes/{dispute['id']}/{path}", {"bogus": 1}) for path in ALL_PATHS]
    for method, path, body in calls:
        for headers in ({}, {"Authorization": "Bearer not-a-token"}):
            response = getattr(client, method)(f"/api/v1{path}", json=body, headers=headers)
            assert response.status_code == 401, (path, response.get_json())
            assert response.get_json()["code"] == "unauthorized"
    assert snapshot(dispute["id"]) == before
