"""The migrations create exactly the schema the models describe, on both databases."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from geo.migration import include_object
from service.extensions import db


def test_autogenerate_finds_nothing(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "include_object": include_object, "compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_every_model_table_exists(app):
    with db.engine.connect() as connection:
        existing = set(db.inspect(connection).get_table_names())
    assert set(db.metadata.tables) <= existing


def test_incident_deadlines_migration_keeps_the_record_and_its_guards(app, client, auth):
    """0009 copies the case-record table on SQLite to let an entry have no actor (督办): the
    entries, the append-only guards and the acceptance times of earlier reports survive a
    downgrade and upgrade, and open petitions stored before it get their deadline."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from tests.incidents.conftest import acted, reported

    incident = reported(client, auth, "center01", category="petition", channel="walk_in")
    accepted = acted(client, auth, "center01", incident["id"], "accept")
    db.session.remove()
    downgrade(revision="0008_incident_event_assignee")
    upgrade()
    with db.engine.connect() as connection:
        entries = connection.execute(text(
            "SELECT action, created_at FROM incident_events WHERE incident_id = :id ORDER BY id"),
            {"id": incident["id"]}).all()
        assert [entry.action for entry in entries] == ["report", "accept"]
        accepted_at = connection.execute(text("SELECT accepted_at FROM incidents WHERE id = :id"),
                                         {"id": incident["id"]}).scalar()
        assert accepted_at == entries[1].created_at
        connection.execute(text(
            "INSERT INTO incident_events (incident_id, actor_id, action, from_status, to_status, "
            "created_at) VALUES (:id, NULL, 'supervise', 'accepted', 'accepted', :at)"),
            {"id": incident["id"], "at": entries[1].created_at})
        for statement in ("UPDATE incident_events SET note = 'x'", "DELETE FROM incident_events"):
            with pytest.raises(DBAPIError, match="append-only"):
                with connection.begin_nested():
                    connection.execute(text(statement))
    assert accepted["status"] == "accepted"
    assert accepted["due_at"] is not None
    db.session.remove()
    shown = client.get(f"/api/v1/incidents/{incident['id']}", headers=auth.headers("center01"))
    assert shown.get_json()["due_at"] == accepted["due_at"]


def test_reply_and_visit_migration_dates_what_was_stored_before_it(app, client, auth):
    """0010: a 12345 work order handled before it (when handling ended its limit) is due again
    until its caller is answered; a closed incident gets its closing time from its record; the
    satisfaction rating is held to 1–5 by the database after a downgrade and upgrade."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from tests.incidents.conftest import acted, drive, reported

    order = reported(client, auth, "center01", category="public_service",
                     channel="hotline_12345", work_order_type="help")
    handled = drive(client, auth, order["id"], "handled")
    closed = drive(client, auth, reported(client, auth, "center01")["id"], "closed")
    acted(client, auth, "center01", closed["id"], "visit", satisfaction=5)
    db.session.remove()
    downgrade(revision="0009_incident_deadlines")
    with db.engine.begin() as connection:  # as 0009's rule left it: handling ended the limit
        connection.execute(text("UPDATE incidents SET due_at = NULL WHERE id = :id"),
                           {"id": handled["id"]})
    upgrade()
    db.session.remove()
    shown = {item["id"]: item for item in (
        client.get(f"/api/v1/incidents/{incident_id}", headers=auth.headers("center01")).get_json()
        for incident_id in (handled["id"], closed["id"]))}
    assert shown[handled["id"]]["due_at"] == handled["due_at"] is not None
    assert shown[closed["id"]]["closed_at"] == closed["closed_at"] is not None
    assert shown[closed["id"]]["satisfaction"] is None  # dropped with its column
    with db.engine.connect() as connection:
        with pytest.raises(DBAPIError):
            connection.execute(text("UPDATE incidents SET satisfaction = 9 WHERE id = :id"),
                               {"id": closed["id"]})


def test_dispute_change_numbers_are_given_in_the_order_disputes_last_changed(app, client, auth):
    """0016 numbers the disputes stored before it by their last change, and the counter goes on
    from there: a phone's first sync after the upgrade sees them in that order."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from tests.disputes.conftest import HEAD_A, acted, intaken

    first, second = intaken(client, auth), intaken(client, auth)
    acted(client, auth, HEAD_A, first["id"], "accept")  # the first changed last
    db.session.remove()
    downgrade(revision="0015_dispute_documents")
    upgrade()
    with db.engine.connect() as connection:
        numbers = dict(connection.execute(text("SELECT id, change_seq FROM disputes")).all())
        counter = connection.execute(text(
            "SELECT value FROM counters WHERE name = 'disputes.change_seq'")).scalar()
    assert numbers == {second["id"]: 1, first["id"]: 2} and counter == 2
    db.session.remove()
    third = intaken(client, auth)
    page = client.get("/api/v1/disputes", query_string={"updated_after": "2000-01-01T00:00:00Z"},
                      headers=auth.headers(HEAD_A)).get_json()
    assert [item["id"] for item in page["items"]] == [second["id"], first["id"], third["id"]]
