"""The case record cannot be silently edited: the database refuses UPDATE and DELETE, and an
edit made behind its back (trigger disabled) is found by ``flask disputes verify``."""
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from service.case_record import CaseRecordIsAppendOnly
from service.disputes import record
from service.extensions import db
from service.models import Dispute
from tests.disputes.conftest import (MED_A2, acted, cli, cli_text, drive, drop_append_only_guard,
                                     event_rows, execute, intaken, reported, session_body)


def a_few_actions(client, auth):
    """Two disputes with several entries each; the first one's id and number."""
    _, first = reported(client, auth)
    drive(client, auth, first["id"], "mediating")
    acted(client, auth, MED_A2, first["id"], "sessions", session_body(summary="第一次调解"))
    acted(client, auth, MED_A2, first["id"], "sessions", session_body(summary="第二次调解"))
    second = intaken(client, auth)
    drive(client, auth, second["id"], "accepted")
    assert [e.sequence for e in event_rows(first["id"])] == [1, 2, 3, 4, 5]
    return first, second


def verify_output(app, *args):
    result = cli(app, "disputes", "verify", *args)
    return result.exit_code, cli_text(result)


def test_the_database_refuses_to_update_or_delete_entries(client, auth, app):
    first, _ = a_few_actions(client, auth)
    for statement in ("UPDATE dispute_events SET note = '改过的记录' WHERE dispute_id = :id AND sequence = 4",
                      "DELETE FROM dispute_events WHERE dispute_id = :id AND sequence = 5"):
        db.session.remove()
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement), {"id": first["id"]})
            db.session.commit()
        db.session.rollback()
        db.session.remove()
    assert [e.note for e in event_rows(first["id"])][3] == "第一次调解"
    assert len(event_rows(first["id"])) == 5
    # The ORM refuses too, before any SQL is sent.
    entry = event_rows(first["id"])[1]
    entry = db.session.merge(entry)
    entry.note = "改过的记录"
    with pytest.raises(CaseRecordIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.remove()
    code, output = verify_output(app)
    assert code == 0 and "案卷记录链完整" in output


@pytest.mark.parametrize("change", [
    "note = '改过的记录'",
    "actor_id = (SELECT id FROM users WHERE username = 'admin')",
    "to_status = 'closed'",
    "details = '{\"session_id\": 999}'",
])
def test_an_edited_entry_breaks_the_chain_there(client, auth, app, change):
    first, second = a_few_actions(client, auth)
    code, output = verify_output(app)
    assert code == 0 and "案卷记录链完整" in output, output

    drop_append_only_guard()
    assert execute(f"UPDATE dispute_events SET {change} WHERE dispute_id = :id AND sequence = 4",
                   id=first["id"]) == 1
    code, output = verify_output(app)
    assert code != 0
    assert f"{first['number']} 第 4 条" in output, output
    assert second["number"] not in output  # the other chain still holds
    [broken] = record.verify(db.session)
    db.session.remove()
    assert (broken.dispute_id, broken.number, broken.sequence) == (first["id"], first["number"], 4)
    # Checking only the other dispute passes; only the edited one fails.
    assert verify_output(app, "--id", str(second["id"]))[0] == 0
    assert verify_output(app, "--id", str(first["id"]))[0] != 0


def test_a_rehashed_entry_still_breaks_the_next_link(client, auth, app):
    """Recomputing the edited entry's own hash does not help: the next entry points at the old one."""
    first, _ = a_few_actions(client, auth)
    drop_append_only_guard()
    entry = event_rows(first["id"])[2]  # sequence 3
    forged = record.entry_hash(entry.prev_hash, entry.dispute_id, entry.sequence, entry.actor_id,
                               entry.action, entry.from_status, entry.to_status, "改过的记录",
                               entry.details, entry.created_at)
    execute("UPDATE dispute_events SET note = '改过的记录', hash = :hash WHERE id = :id",
            hash=forged, id=entry.id)
    code, output = verify_output(app)
    assert code != 0 and f"{first['number']} 第 4 条" in output, output


def test_a_deleted_entry_is_found(client, auth, app):
    first, _ = a_few_actions(client, auth)
    if db.engine.dialect.name == "sqlite":
        execute("DROP TRIGGER dispute_events_no_delete")
    else:
        drop_append_only_guard()
    execute("DELETE FROM dispute_events WHERE dispute_id = :id AND sequence = 2", id=first["id"])
    code, output = verify_output(app)
    assert code != 0 and f"{first['number']} 第 3 条" in output, output


# Ways around row triggers: SQLite's REPLACE deletes the old row without firing DELETE
# triggers; PostgreSQL's TRUNCATE fires no row triggers at all. Each backend gets its own.
AROUND_ROW_TRIGGERS = {
    "sqlite": "INSERT OR REPLACE INTO {table} SELECT * FROM {table} WHERE id = :id",
    "postgresql": "TRUNCATE {table}",
}


@pytest.mark.parametrize("table", ["incident_events", "dispute_events"])
def test_neither_replace_nor_truncate_gets_round_the_guard(client, auth, table):
    reported(client, auth)
    db.session.remove()
    rows = lambda: db.session.execute(text(f"SELECT * FROM {table} ORDER BY id")).all()  # noqa: E731
    before = rows()
    assert before
    statement = AROUND_ROW_TRIGGERS[db.engine.dialect.name].format(table=table)
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(statement), {"id": before[0].id})
        db.session.commit()
    db.session.rollback()
    db.session.remove()
    assert rows() == before


def test_an_action_without_a_name_is_not_recorded(client, auth, app):
    """Every entry a phone lists has a Chinese name: an unnamed action fails where it is written."""
    _, dispute = reported(client, auth)
    row = db.session.get(Dispute, dispute["id"])
    with pytest.raises(ValueError, match="without a name"):
        record.append(db.session, row, None, "reopen", row.status)
    db.session.rollback()
    assert len(event_rows(dispute["id"])) == 1
