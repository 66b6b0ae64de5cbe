"""GET requests run in a read-only transaction that ends by COMMIT (geo/engine.py): nothing
they do can write, and the driver keeps its prepared statements from one request to the next."""
import pytest
from sqlalchemy import event, insert, select, text
from sqlalchemy.exc import DBAPIError

from geo.engine import end_read_only, read_only_transaction
from service.extensions import db
from service.models import Counter, Grid, Incident

API = "/api/v1"
pytestmark = pytest.mark.usefixtures("fresh_request_context")


def _on_postgis():
    return db.engine.dialect.name == "postgresql"


def test_a_read_only_transaction_refuses_writes_on_postgis_and_ends_by_commit(app):
    read_only_transaction(db.session)
    assert db.session.info["read_only"]
    if _on_postgis():
        with pytest.raises(DBAPIError, match="read-only transaction"):
            db.session.execute(insert(Counter).values(name="read-only.test", value=1))
        end_read_only(db.session)  # the failed transaction is rolled back, not an error
        assert not db.session().in_transaction()
        assert db.session.scalar(select(Counter).where(Counter.name == "read-only.test")) is None
    else:
        assert db.session.scalar(select(Grid.id).limit(1)) is not None
        end_read_only(db.session)
        assert not db.session().in_transaction()
    assert "read_only" not in db.session.info


def test_writes_still_happen_after_a_read(client, auth):
    headers = auth.headers("center01")
    assert client.get(f"{API}/incidents", headers=headers).status_code == 200
    answer = client.post(f"{API}/incidents", headers=headers, json={
        "client_id": "0d5e7c1a-4a36-4c55-9a43-6f0f3c1b2a11", "category": "environment",
        "channel": "walk_in", "description": "读之后仍可写", "location": None,
        "grid_id": db.session.scalar(text("SELECT min(id) FROM grids"))})
    assert answer.status_code == 201, answer.get_json()
    db.session.remove()
    assert db.session.get(Incident, answer.get_json()["id"]) is not None


def test_read_only_requests_keep_the_drivers_prepared_statements(client, auth):
    """psycopg prepares a statement run five times on a connection, and forgets all of them
    on ROLLBACK: read-only requests ended by rolling back never reused a plan."""
    headers = auth.headers("center01")
    for _ in range(8):
        assert client.get(f"{API}/incidents", headers=headers).status_code == 200
    with db.engine.connect() as connection:  # the connection those requests used
        if not _on_postgis():
            assert connection.scalar(text("SELECT 1")) == 1
            return
        prepared = connection.scalar(text("SELECT count(*) FROM pg_prepared_statements"))
    assert prepared >= 1


def test_page_statements_carry_their_limit_in_the_sql(client, auth):
    """A prepared statement may be given one generic plan: planned without the LIMIT, a page
    would scan and sort the whole table."""
    sent = []

    def capture(_conn, _cursor, statement, _params, _context, _many):
        if "FROM incidents" in statement and "ORDER BY" in statement:
            sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        assert client.get(f"{API}/incidents?limit=20",
                          headers=auth.headers("center01")).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert sent and all("LIMIT 21" in statement for statement in sent)
