"""A real town set up from nothing, as in production (no demo town): migrations, the surveyed
boundaries, the roster of its people — and it works: people sign in with their initial
passwords, a report finds its grid, a dispute is routed to its village committee and can go up
to the town's. On both databases."""
import csv
import io

from flask_migrate import upgrade
from sqlalchemy import func, select

from service.extensions import db
from service.models import Committee, Town
from tests.conftest import app_in_context
from tests.incidents.conftest import geojson, point_in
from tests.town import API, GRID_A1, VILLAGE_A

# The accounts carried over: enough for every level, the centre, both kinds of committee.
PEOPLE = ("admin", "center01", "l1-01", "l2-01", f"l3-{VILLAGE_A}", f"l4-{GRID_A1}",
          "med-town-1", f"med-{VILLAGE_A}-1", f"med-{VILLAGE_A}-2")


def invoke(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_a_town_from_its_boundaries_and_its_roster(app, empty_database_url, tmp_path):
    invoke(app, "boundaries", "export", str(tmp_path / "surveyed"))
    rows = list(csv.DictReader(io.StringIO(invoke(app, "people", "export").lstrip("\ufeff"))))
    roster = tmp_path / "roster.csv"
    with roster.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.DictWriter(out, rows[0].keys())
        writer.writeheader()
        writer.writerows(row for row in rows if row["账号"] in PEOPLE)
    db.session.remove()

    with app_in_context(empty_database_url, tmp_path / "new") as town:
        upgrade()
        invoke(town, "boundaries", "import", str(tmp_path / "surveyed" / "villages.geojson"),
               str(tmp_path / "surveyed" / "grids.geojson"))
        assert db.session.scalar(select(func.count()).select_from(Committee)) == 24
        assert db.session.scalar(select(Committee.name).where(Committee.level == "town")) == \
            db.session.scalar(select(Town.name)) + "人民调解委员会"
        invoke(town, "people", "import", str(roster), "--passwords", str(tmp_path / "initial.csv"))
        passwords = dict(list(csv.reader(io.StringIO((tmp_path / "initial.csv").read_text())))[1:])
        assert sorted(passwords) == sorted(PEOPLE)

        client = town.test_client()

        def headers(username):
            answer = client.post(f"{API}/auth/login", json={"username": username,
                                                           "password": passwords[username]})
            assert answer.status_code == 200, answer.get_json()
            return {"Authorization": f"Bearer {answer.get_json()['access_token']}"}

        cadre = f"l4-{GRID_A1}"
        report = client.post(f"{API}/incidents", headers=headers(cadre), json={
            "client_id": "0f8fad5b-d9cb-469f-a165-70867728950e", "category": "dispute",
            "description": "两户村民因宅基地界址发生争执",
            "location": geojson(point_in(GRID_A1)),
            "dispute": {"type": "housing_homestead", "parties": [{"name": "张三"}]}})
        assert report.status_code == 201, report.get_json()
        assert report.get_json()["grid"]["code"] == GRID_A1
        dispute_id = report.get_json()["dispute_id"]
        head = headers(f"med-{VILLAGE_A}-1")
        dispute = client.get(f"{API}/disputes/{dispute_id}", headers=head).get_json()
        assert dispute["committee"]["level"] == "village"
        accepted = client.post(f"{API}/disputes/{dispute_id}/accept", json={}, headers=head)
        assert accepted.status_code == 200, accepted.get_json()
        escalated = client.post(f"{API}/disputes/{dispute_id}/escalate",
                                json={"reason": "涉及多户，村调委会调解不了"}, headers=head)
        assert escalated.status_code == 200, escalated.get_json()
        assert escalated.get_json()["committee"]["level"] == "town"
        town_head = client.get(f"{API}/disputes/{dispute_id}", headers=headers("med-town-1"))
        assert town_head.status_code == 200
