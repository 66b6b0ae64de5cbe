"""The 2023 replay (service/replay.py): played once per backend on a copy of the demo town, then
read back through the API as the town's report, a village secretary's share and the case records.

Requests are made outside any application context, so each gets its own context — its own ``g``
(the caller's scope) and its own database session — as in production.
"""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from service.deadlines import is_working_day
from service.disputes import record
from service.extensions import db
from service.models import (Dispute, DisputeEvent, DisputeVillage, FollowUp, Incident,
                            MediationSession, UserRole, Village, WorkerAssignment)
from service.replay import REPLAY_END, Replay, ReplayRefused, replay_2023
from tests.conftest import AuthActions, make_app

API = "/api/v1"
TOWN = ZoneInfo("Asia/Shanghai")
START_2023 = datetime(2023, 1, 1, tzinfo=TOWN)
START_2024 = datetime(2024, 1, 1, tzinfo=TOWN)


@pytest.fixture(scope="module")
def replayed(databases, tmp_path_factory):
    """One replay per backend: (app, summary)."""
    tmp_path = tmp_path_factory.mktemp("replay")
    url = databases.copy_url(tmp_path)
    app = make_app(url, tmp_path)
    with app.app_context():
        summary = replay_2023(db.session)
        db.session.remove()
    yield app, summary
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    databases.drop(url)


@pytest.fixture(scope="module")
def api(replayed):
    app, _summary = replayed
    client = app.test_client()
    auth = AuthActions(client)

    def annual(username, year=2023):
        response = client.get(f"{API}/stats/annual-report?year={year}", headers=auth.headers(username))
        assert response.status_code == 200, response.get_json()
        return response.get_json()
    return annual


def in_db(replayed, read):
    app, _summary = replayed
    with app.app_context():
        try:
            return read(db.session)
        finally:
            db.session.remove()


def test_the_town_report_states_the_2023_figures(replayed, api):
    report = api("center01")
    figures = report["figures"]
    assert figures["disputes_mediated"] == 126
    assert figures["disputes_agreed"] == 126
    assert figures["success_rate"] == 1.0
    assert figures["petitions_online"] == 17
    assert figures["petitions_walk_in"] == 14
    assert figures["petitions_hotline_12345"] == 121
    assert figures["petitions_total"] == 17 + 14 + 121  # only centre-registered petitions
    text = report["text_zh"]
    assert text.count("126宗") == 2, text
    for figure in ("17宗", "14宗", "121宗"):
        assert figure in text, text
    # More was received than mediated: declined cases and two taken in late December.
    assert figures["disputes_received"] > 126
    assert figures["judicial_confirmations"] > 0
    assert figures["agreements_performed"] > 100
    assert figures["disputes_by_committee_level"]["town"]["agreed"] > 0
    # Every non-petition category was reported.
    assert set(figures["incidents_by_category"]) == {
        "dispute", "public_security", "safety_hazard", "environment", "public_service",
        "petition", "emergency", "other"}
    assert sum(figures["incidents_by_category"].values()) - 152 >= 300


def test_the_summary_matches_what_was_played(replayed):
    _app, summary = replayed
    assert summary["disputes_agreed_2023"] == 126
    assert summary["petitions"] == {"online": 17, "walk_in": 14, "hotline_12345": 121}
    assert summary["dispute_actions"]["escalate"] >= 3
    assert summary["dispute_actions"]["resolve_failed"] >= 1
    assert summary["disputes_declined"] > 0
    assert set(summary["disputes_received"]) == {"grid_worker", "walk_in", "hotline_12345"}
    # 督办: exactly the cases made late on purpose, and nothing else overdue at those moments.
    assert len(summary["supervision_steps"]) == 3, summary["supervision_steps"]
    assert {step.split(": ")[1] for step in summary["supervision_steps"]} == {"4→3", "3→2"}


def test_village_secretaries_see_their_own_share(replayed, api):
    codes = in_db(replayed, lambda s: s.scalars(select(Village.code).order_by(Village.code)).all())
    shares = {code: api(f"l3-{code}")["figures"] for code in codes}
    mediated = [f["disputes_mediated"] for f in shares.values()]
    assert all(n < 126 for n in mediated) and any(n > 0 for n in mediated)
    assert all(f["disputes_agreed"] == f["disputes_mediated"] for f in shares.values())

    # A dispute spanning several villages is in each of their shares; every other is in one.
    def extra_villages(session):
        per_dispute = (select(func.count()).select_from(DisputeVillage)
                       .where(DisputeVillage.dispute_id == Dispute.id).scalar_subquery())
        rows = session.scalars(select(per_dispute).where(
            Dispute.resolved_at >= START_2023, Dispute.resolved_at < START_2024)).all()
        return sum(n - 1 for n in rows)
    assert sum(mediated) == 126 + in_db(replayed, extra_villages)
    for key, total in (("petitions_online", 17), ("petitions_walk_in", 14),
                       ("petitions_hotline_12345", 121)):
        assert sum(f[key] for f in shares.values()) == total
        assert all(f[key] < total for f in shares.values())
    assert "本辖区" in api(f"l3-{codes[0]}")["text_zh"]


def test_the_case_records_verify(replayed):
    assert in_db(replayed, record.verify) == []


def test_who_did_what_and_when(replayed):
    def read(session):
        level4 = set(session.scalars(select(WorkerAssignment.user_id)
                                     .where(WorkerAssignment.level == 4)))
        centre = set(session.scalars(select(UserRole.user_id).where(UserRole.role == "center_staff")))
        incidents = session.execute(select(Incident.category, Incident.channel, Incident.reporter_id,
                                           Incident.created_at)).all()
        stamps = session.scalars(select(DisputeEvent.created_at)).all()
        return level4, centre, incidents, stamps
    level4, centre, incidents, stamps = in_db(replayed, read)
    for category, channel, reporter, created in incidents:
        if category == "petition":
            assert reporter in centre and channel in ("online", "walk_in", "hotline_12345")
        else:
            assert reporter in level4 and channel == "grid_worker"
        local = created.astimezone(TOWN)
        assert START_2023 <= local < START_2024
        assert is_working_day(local.date()) and 8 <= local.hour < 18
    assert max(stamps) <= REPLAY_END
    months = {created.astimezone(TOWN).month for _c, _ch, _r, created in incidents}
    assert months == set(range(1, 13))


def test_escalated_disputes_end_agreed_at_the_town_committee(replayed):
    def read(session):
        return session.execute(select(Dispute.status, Dispute.agreement_terms, Dispute.resolved_at,
                                      Dispute.failure_reason).where(Dispute.escalated)).all()
    rows = in_db(replayed, read)
    assert len(rows) >= 3
    assert any(failure for _s, _t, _r, failure in rows)  # some failed at the village first
    for status, terms, resolved, _failure in rows:
        assert status in ("agreed", "closed") and terms
        assert START_2023 <= resolved.astimezone(TOWN) < START_2024


def test_the_replay_is_deterministic_and_runs_once(replayed):
    def read(session):
        with pytest.raises(ReplayRefused):
            replay_2023(session)

        def plan():
            replay = Replay(session, 2023)
            replay.plan_incidents()
            replay.plan_petitions()
            replay.plan_disputes()
            return sorted((moment, order, kind) for moment, order, kind, _step in replay.schedule._heap)
        return plan(), plan()
    first, second = in_db(replayed, read)
    assert first == second


def test_the_clock_was_never_ahead_of_a_step(replayed):
    """Sessions and visits are recorded after they were held; nothing is stamped later than the
    case record entry that wrote it."""
    def read(session):
        sessions = session.execute(select(MediationSession.held_at, MediationSession.created_at)).all()
        visits = session.execute(select(FollowUp.visited_at, FollowUp.created_at)).all()
        return sessions, visits
    sessions, visits = in_db(replayed, read)
    assert sessions and visits
    assert all(held <= created for held, created in sessions)
    assert all(visited <= created for visited, created in visits)

