"""GET /health: the service, its database, and whether the database's schema is the one this
code needs (else 503 schema_outdated, before any endpoint answers 500 on a missing column)."""
from pathlib import Path

from sqlalchemy import text

from service.extensions import db
from tests.problems import assert_problem

HEALTH = "/api/v1/health"
# The newest migration by its number, read off the files (independently of Alembic).
NEWEST = max(path.stem for path in (Path(__file__).parent.parent / "migrations" / "versions")
             .glob("[0-9][0-9][0-9][0-9]_*.py"))


def set_revision(sql):
    db.session.remove()
    db.session.execute(text(sql))
    db.session.commit()
    db.session.remove()


def test_health_names_the_database_and_its_schema(client, database_url):
    answer = client.get(HEALTH)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["status"] == "ok" and body["schema"] == body["schema_needed"] == NEWEST
    assert body["database"] == ("postgis" if database_url.startswith("postgresql") else "spatialite")


def test_an_old_schema_is_503_before_anything_answers_500(client):
    set_revision("UPDATE alembic_version SET version_num = '0021_access_key_last_use'")
    outdated = client.get(HEALTH)
    body = assert_problem(outdated, 503, "schema_outdated")
    assert "0021_access_key_last_use" in body["detail"] and NEWEST in body["detail"]
    assert "db upgrade" in body["detail"]
    english = client.get(HEALTH, headers={"Accept-Language": "en"})
    assert "run flask --app service db upgrade" in assert_problem(
        english, 503, "schema_outdated", "en")["detail"]


def test_a_newer_schema_keeps_the_old_code_serving(client):
    """A rolling deploy migrates first: servers still on the old code stay in rotation."""
    set_revision("UPDATE alembic_version SET version_num = '9999_from_newer_code'")
    body = client.get(HEALTH).get_json()
    assert (body["status"], body["schema"], body["schema_needed"]) == (
        "ok", "9999_from_newer_code", NEWEST)


def test_a_database_never_migrated_is_503_too(client):
    set_revision("DROP TABLE alembic_version")
    body = assert_problem(client.get(HEALTH), 503, "schema_outdated")
    assert "数据库结构尚未建立" in body["detail"]
    set_revision("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
    set_revision(f"INSERT INTO alembic_version VALUES ('{NEWEST}')")
    assert client.get(HEALTH).status_code == 200
