"""督办: an overdue dispute climbs its village's four-level chain, one level per supervision
window, with an entry in the case record and a notification — exactly once, however many
``flask supervise`` runs race for it."""
import os
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from service import supervision
from service.supervision import supervise_overdue
from service.extensions import db
from service.models import Dispute, DisputeEvent, Notification
from tests.disputes.conftest import (API, HEAD_A, L2_A, L3_A, L3_B, L4_A1, MED_A2, acted, cli,
                                     dispute_row, drive, event_rows, execute, get, intaken,
                                     make_overdue, reported, user_id)

ROOT = Path(__file__).resolve().parents[2]


def supervise_events(dispute_id):
    return [e for e in event_rows(dispute_id) if e.action == "supervise"]


def supervised_notes(auth, username):
    rows = db.session.execute(select(Notification.dispute_id, Notification.kind).where(
        Notification.user_id == user_id(auth, username),
        Notification.kind == "dispute_supervised")).all()
    db.session.remove()
    return sorted(row.dispute_id for row in rows)


def open_window(dispute_id):
    """Let the supervision window of the last step pass."""
    execute("UPDATE disputes SET supervision_due_at = :at WHERE id = :id",
            at=datetime.now(timezone.utc) - timedelta(minutes=1), id=dispute_id)


def test_an_overdue_dispute_climbs_the_chain_once_per_window(client, auth, app):
    _, dispute = reported(client, auth, L4_A1)
    on_time = intaken(client, auth)
    finished = intaken(client, auth)
    drive(client, auth, finished["id"], "declined")
    dispute_id = dispute["id"]
    version = dispute_row(dispute_id).version

    nothing = cli(app, "supervise")
    assert nothing.exit_code == 0 and "督办 0 件" in nothing.output
    make_overdue(dispute_id)
    execute("UPDATE disputes SET due_at = :at WHERE id = :id",
            at=datetime.now(timezone.utc) - timedelta(days=5), id=finished["id"])

    result = cli(app, "supervise")
    assert result.exit_code == 0, result.output
    assert f"{dispute['number']}: 第4级 → 第3级" in result.output and "督办 1 件" in result.output
    row = dispute_row(dispute_id)
    assert row.supervision_level == 3 and row.version == version + 1
    assert row.supervision_due_at > datetime.now(timezone.utc)
    assert row.status == "received"  # supervision does not change the state
    db.session.remove()
    [entry] = supervise_events(dispute_id)
    assert entry.actor_id is None and entry.from_status == entry.to_status == "received"
    assert entry.sequence == len(event_rows(dispute_id))
    assert supervised_notes(auth, L3_A) == [dispute_id]
    assert supervised_notes(auth, L3_B) == [] and supervised_notes(auth, L2_A) == []
    assert supervise_events(on_time["id"]) == [] and supervise_events(finished["id"]) == []
    shown = get(client, auth, L3_A, dispute_id).get_json()
    assert shown["supervision_level"] == 3 and shown["overdue"] is True
    record = client.get(f"{API}/disputes/{dispute_id}/events", headers=auth.headers(L3_A))
    assert record.get_json()["items"][-1]["action"] == "supervise"
    assert record.get_json()["items"][-1]["action_name"] == "督办"
    assert record.get_json()["items"][-1]["actor"] is None

    # Within the supervision window nothing more happens.
    again = cli(app, "supervise")
    assert again.exit_code == 0 and "督办 0 件" in again.output
    assert len(supervise_events(dispute_id)) == 1 and dispute_row(dispute_id).supervision_level == 3
    db.session.remove()

    # Each window that passes moves it one level up: the stationed leader, then the town's leaders.
    open_window(dispute_id)
    assert "第3级 → 第2级" in cli(app, "supervise").output
    assert supervised_notes(auth, L2_A) == [dispute_id]
    open_window(dispute_id)
    assert "第2级 → 第1级" in cli(app, "supervise").output
    assert supervised_notes(auth, "l1-01") == [dispute_id] == supervised_notes(auth, "l1-02")
    open_window(dispute_id)
    assert "督办 0 件" in cli(app, "supervise").output  # level 1 is the top
    assert dispute_row(dispute_id).supervision_level == 1
    db.session.remove()
    assert [e.details for e in supervise_events(dispute_id)] == [
        '{"from_level": 4, "to_level": 3}', '{"from_level": 3, "to_level": 2}',
        '{"from_level": 2, "to_level": 1}']
    assert supervised_notes(auth, L3_A) == [dispute_id]  # told once, at its own step
    assert cli(app, "disputes", "verify").exit_code == 0

    # Acting on the case starts a new stage: the chain starts again from level 4.
    answer = acted(client, auth, HEAD_A, dispute_id, "accept")
    assert answer["supervision_level"] == 4 and answer["overdue"] is False


def test_a_closed_agreement_is_supervised_while_its_return_visit_is_overdue(client, auth, app):
    """Closing the case does not end the duty to visit the parties: an overdue 回访 climbs the
    chain like any overdue stage, and the visit itself ends the supervision."""
    visited, pending = intaken(client, auth), intaken(client, auth)
    for dispute in (visited, pending):
        closed = drive(client, auth, dispute["id"], "closed")
        assert closed["due_at"] is not None  # the return visit's deadline
    on_record = acted(client, auth, MED_A2, visited["id"], "follow-ups",
                      {"visited_at": datetime.now(timezone.utc).isoformat(), "performed": True,
                       "satisfaction": 5})
    assert on_record["due_at"] is None  # nothing left to do on it
    referred = intaken(client, auth)
    drive(client, auth, referred["id"], "referred")
    for dispute in (pending, referred):
        make_overdue(dispute["id"], days=3)

    result = cli(app, "supervise")
    assert result.exit_code == 0, result.output
    assert "督办 1 件" in result.output and f"{pending['number']}: 第4级 → 第3级" in result.output
    assert supervised_notes(auth, L3_A) == [pending["id"]]
    row = dispute_row(pending["id"])
    assert (row.status, row.supervision_level) == ("closed", 3)
    db.session.remove()
    assert supervise_events(visited["id"]) == [] and supervise_events(referred["id"]) == []

    # The visit, made late, ends the supervision: the chain starts again and nothing is due.
    answer = acted(client, auth, MED_A2, pending["id"], "follow-ups",
                   {"visited_at": datetime.now(timezone.utc).isoformat(), "performed": True,
                    "satisfaction": 4})
    assert (answer["status"], answer["due_at"], answer["overdue"]) == ("closed", None, False)
    assert answer["supervision_level"] == 4
    open_window(pending["id"])
    assert "督办 0 件" in cli(app, "supervise").output
    assert cli(app, "disputes", "verify").exit_code == 0


def test_a_stale_step_is_refused_even_after_the_list_was_read(app, client, auth, monkeypatch):
    """The step is conditional on the level it read: a second run with the same view does nothing."""
    dispute = intaken(client, auth)
    make_overdue(dispute["id"])
    now = datetime.now(timezone.utc)
    assert len(supervise_overdue(db.session, now)) == 1
    db.session.remove()
    execute("UPDATE disputes SET supervision_due_at = NULL WHERE id = :id", id=dispute["id"])
    # A run that still believes the dispute is at level 4 …
    monkeypatch.setattr(supervision, "overdue_candidates", lambda session, kind, at: [
        (dispute["id"], 4)] if kind.model is Dispute else [])
    assert supervise_overdue(db.session, now) == []
    db.session.remove()
    assert len(supervise_events(dispute["id"])) == 1
    assert dispute_row(dispute["id"]).supervision_level == 3
    db.session.remove()


def overdue_disputes(client, auth, count):
    ids = [intaken(client, auth)["id"] for _ in range(count)]
    for dispute_id in ids:
        make_overdue(dispute_id)
    db.session.remove()
    return ids


def assert_each_escalated_once(auth, ids):
    db.session.remove()
    per_dispute = dict(db.session.execute(
        select(DisputeEvent.dispute_id, func.count()).where(DisputeEvent.action == "supervise")
        .group_by(DisputeEvent.dispute_id)).all())
    db.session.remove()
    assert per_dispute == {dispute_id: 1 for dispute_id in ids}
    for dispute_id in ids:
        assert dispute_row(dispute_id).supervision_level == 3
    db.session.remove()
    assert supervised_notes(auth, L3_A) == sorted(ids)


def test_two_concurrent_runs_escalate_each_case_once(app, client, auth, monkeypatch):
    ids = overdue_disputes(client, auth, 6)
    read_the_list = threading.Barrier(2)
    read_candidates = supervision.overdue_candidates

    def both_read_before_either_moves(session, kind, now):
        """The worst interleaving: both runs hold the same list of overdue cases."""
        candidates = read_candidates(session, kind, now)
        session.commit()  # end the read (on SQLite it holds the write lock)
        read_the_list.wait(timeout=60)
        return candidates

    monkeypatch.setattr(supervision, "overdue_candidates", both_read_before_either_moves)
    results, errors = [], []

    def run():
        try:
            with app.app_context():
                results.append(supervise_overdue(db.session))
                db.session.remove()
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert len(results) == 2
    assert sorted(item.number for done in results for item in done) == sorted(
        get(client, auth, "center01", dispute_id).get_json()["number"] for dispute_id in ids)
    assert_each_escalated_once(auth, ids)
    assert cli(app, "disputes", "verify").exit_code == 0


class HeldDatabase:
    """Holds a lock that stops the commands' first query, so that both start together."""

    def __init__(self, database_url):
        url = make_url(database_url)
        self.sqlite = url.get_backend_name() == "sqlite"
        if self.sqlite:
            self.path = url.database
            self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.conn.execute("BEGIN IMMEDIATE")  # the commands' BEGIN IMMEDIATE waits
        else:
            plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
            self.conn = psycopg.connect(plain)
            self.conn.execute("LOCK TABLE disputes IN ACCESS EXCLUSIVE MODE")
            self.watch = psycopg.connect(plain, autocommit=True)

    def _waiting(self, runs):
        if self.sqlite:  # each command has opened the database file: its next step blocks
            if not os.path.isdir("/proc/self/fd"):
                time.sleep(5)  # no way to look: give both commands time to start
                return len(runs)

            def opened(pid):
                try:
                    return any(os.path.realpath(f"/proc/{pid}/fd/{fd}") == os.path.realpath(self.path)
                               for fd in os.listdir(f"/proc/{pid}/fd"))
                except OSError:
                    return False
            return sum(opened(run.pid) for run in runs)
        return self.watch.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'").fetchone()[0]

    def release_when_waiting(self, runs, timeout=120):
        deadline = time.monotonic() + timeout
        while self._waiting(runs) < len(runs) and time.monotonic() < deadline:
            if any(run.poll() is not None for run in runs):
                break
            time.sleep(0.05)
        time.sleep(0.3 if self.sqlite else 0)
        self.conn.rollback()
        self.conn.close()
        if not self.sqlite:
            self.watch.close()


def test_two_concurrent_commands_escalate_each_case_once(app, client, auth, database_url, tmp_path):
    ids = overdue_disputes(client, auth, 12)
    db.session.remove()
    db.engine.dispose()  # no connection of ours holds a lock while the commands run
    env = {**os.environ, "DATABASE_URL": database_url, "APP_ENV": "testing",
           "PHOTO_DIR": str(tmp_path / "photos")}
    command = [sys.executable, "-m", "flask", "--app", "service", "supervise"]
    held = HeldDatabase(database_url)
    runs = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    held.release_when_waiting(runs)
    outputs = [run.communicate(timeout=180) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    done = sum(int(out.rsplit("督办", 1)[1].split("件")[0]) for out, _ in outputs)
    assert done == len(ids), outputs
    assert_each_escalated_once(auth, ids)
