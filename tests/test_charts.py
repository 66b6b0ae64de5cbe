"""Charts: PNG pictures of the summary figures, in the caller's scope and period.

Each test runs on SpatiaLite and PostGIS. The pictures are opened with Pillow; what they
show is checked on the figures handed to the drawing functions (a spy around them), since
pixels say little: the caller's scope, the period, the per-month and per-grid counts.
"""
import io
from datetime import date, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from service.charts import fonts, render
from service.charts.commands import charts_group
from service.extensions import db
from service.models import Dispute, Grid, Incident, Village
from tests.incidents.conftest import reported

API = "/api/v1"
VILLAGE_A, VILLAGE_B = "441403116201", "441403116205"
GRID_A, GRID_B = VILLAGE_A + "001", VILLAGE_B + "001"
CHARTS = ["incidents-by-village.png", "disputes-by-month.png", "grid-map.png"]


pytestmark = pytest.mark.usefixtures("fresh_request_context")


def village_id(code):
    return db.session.scalar(select(Village.id).where(Village.code == code))


def intake(client, auth, village_code):
    body = {"channel": "hotline_12345", "description": "宅基地界址争议",
            "village_id": village_id(village_code),
            "dispute": {"type": "housing_homestead", "parties": [
                {"name": "王五", "phone": "13812345678", "id_number": "11010519491231002X"}]}}
    response = client.post(f"{API}/disputes", json=body, headers=auth.headers("center01"))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture
def world(client, auth):
    """Three incidents in grid A, one in grid B; a dispute in each village, A's settled."""
    for _ in range(3):
        reported(client, auth, f"l4-{GRID_A}")
    reported(client, auth, f"l4-{GRID_B}")
    a, b = intake(client, auth, VILLAGE_A), intake(client, auth, VILLAGE_B)
    row = db.session.get(Dispute, a["id"])
    row.agreement_terms, row.status, row.resolved_at = "赔偿并修复围墙", "agreed", row.created_at
    db.session.commit()
    return {"dispute_a": a, "dispute_b": b}


def chart(client, auth, username, name, **params):
    return client.get(f"{API}/charts/{name}", query_string=params, headers=auth.headers(username))


def png(response, min_width=600, min_height=300):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "image/png"
    image = Image.open(io.BytesIO(response.get_data()))
    image.verify()
    image = Image.open(io.BytesIO(response.get_data()))
    assert image.format == "PNG"
    width, height = image.size
    assert min_width <= width <= 3000 and min_height <= height <= 3000, image.size
    return image


class Spy:
    """Wraps the drawing functions and keeps what they were given."""

    def __init__(self, monkeypatch):
        self.calls = {}
        for name in ("incidents_by_village", "disputes_by_month", "grid_map"):
            original = getattr(render, name)
            monkeypatch.setattr(render, name, self._wrap(name, original))

    def _wrap(self, name, original):
        def wrapper(*args):
            self.calls[name] = args
            return original(*args)
        return wrapper


@pytest.fixture
def spy(monkeypatch):
    return Spy(monkeypatch)


@pytest.mark.parametrize("name", CHARTS)
@pytest.mark.parametrize("username", ["center01", f"l3-{VILLAGE_A}"])
def test_each_chart_is_a_png(client, auth, world, name, username):
    png(chart(client, auth, username, name))


@pytest.mark.parametrize("name", CHARTS)
def test_charts_render_without_any_data(client, auth, name):
    png(chart(client, auth, "center01", name))


def test_incidents_by_village_in_scope(client, auth, world, spy):
    png(chart(client, auth, "center01", "incidents-by-village.png"))
    rows, total, _period, area = spy.calls["incidents_by_village"]
    counts = {code: count for code, _name, count in rows}
    assert len(rows) == db.session.scalar(select(func.count()).select_from(Village))
    assert counts[VILLAGE_A] == 3 and counts[VILLAGE_B] == 1 and total == 4
    assert rows[0][0] == VILLAGE_A  # most first
    assert area == "松源镇"

    png(chart(client, auth, f"l3-{VILLAGE_A}", "incidents-by-village.png"))
    rows, total, _period, area = spy.calls["incidents_by_village"]
    assert [(code, count) for code, _name, count in rows] == [(VILLAGE_A, 3)] and total == 3
    assert area == "本辖区"


def test_disputes_by_month_with_settled_share(client, auth, world, spy):
    today = datetime.fromisoformat(world["dispute_a"]["created_at"]).date()
    start = date(today.year, 1, 1) - timedelta(days=40)
    png(chart(client, auth, "center01", "disputes-by-month.png", **{"from": start.isoformat()}))
    rows, figures, period, _area = spy.calls["disputes_by_month"]
    months = [month for month, _, _ in rows]
    assert months[0] == f"{start:%Y-%m}" and months[-1] == f"{today:%Y-%m}"
    assert len(months) == len(set(months)) == (today.year - start.year) * 12 + today.month - start.month + 1
    assert dict((m, (r, s)) for m, r, s in rows)[f"{today:%Y-%m}"] == (2, 1)
    assert sum(r for _, r, _ in rows) == 2
    assert figures["received"] == 2 and figures["agreed"] == 1
    assert period.start == start and period.end == today

    png(chart(client, auth, f"l3-{VILLAGE_B}", "disputes-by-month.png"))
    rows, figures, _period, _area = spy.calls["disputes_by_month"]
    assert sum(r for _, r, _ in rows) == 1 and sum(s for _, _, s in rows) == 0
    assert figures["received"] == 1


def test_grid_map_shades_grids_by_count_in_scope(client, auth, world, spy):
    png(chart(client, auth, "center01", "grid-map.png"), min_height=500)
    data, _period, _area, limited = spy.calls["grid_map"]
    assert len(data.grids) == db.session.scalar(select(func.count()).select_from(Grid)) == 94
    assert len(data.villages) == 23 and not limited
    counts = {code: count for _id, code, _name, _vid, _shape, count, _in in data.grids}
    assert counts[GRID_A] == 3 and counts[GRID_B] == 1 and data.total == 4

    png(chart(client, auth, f"l3-{VILLAGE_A}", "grid-map.png"), min_height=500)
    data, _period, _area, limited = spy.calls["grid_map"]
    counts = {code: count for _id, code, _name, _vid, _shape, count, _in in data.grids}
    assert limited and counts[GRID_A] == 3 and counts[GRID_B] == 0 and data.total == 3
    in_area = {code for _id, code, _name, _vid, _shape, _count, inside in data.grids if inside}
    assert in_area and all(code.startswith(VILLAGE_A) for code in in_area)

    png(chart(client, auth, f"l3-{VILLAGE_A}", "grid-map.png", village_id=village_id(VILLAGE_A)),
        min_height=300)
    data, _period, area, _limited = spy.calls["grid_map"]
    assert {row[1][:12] for row in data.grids} == {VILLAGE_A} and len(data.villages) == 1
    assert area == data.villages[0][2]


def test_period_excludes_older_incidents(client, auth, world, spy):
    incident = db.session.scalar(select(Incident).order_by(Incident.id).limit(1))
    incident.created_at -= timedelta(days=800)
    old = incident.created_at.date()
    db.session.commit()
    png(chart(client, auth, "center01", "grid-map.png"))
    assert spy.calls["grid_map"][0].total == 3
    png(chart(client, auth, "center01", "grid-map.png",
              **{"from": (old - timedelta(days=2)).isoformat(), "to": (old + timedelta(days=2)).isoformat()}))
    assert spy.calls["grid_map"][0].total == 1


def test_charts_render_without_a_chinese_font(client, auth, world, monkeypatch):
    import matplotlib
    fonts.setup()
    monkeypatch.setattr(fonts, "_family", None)
    monkeypatch.setattr(fonts, "_ready", True)
    monkeypatch.setitem(matplotlib.rcParams, "font.sans-serif", [fonts.FALLBACK_FAMILY])
    for name in CHARTS:
        png(chart(client, auth, "center01", name))


@pytest.mark.parametrize("name", CHARTS)
def test_village_outside_scope_is_404(client, auth, name):
    response = chart(client, auth, f"l3-{VILLAGE_A}", name, village_id=village_id(VILLAGE_B))
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "not_found"


@pytest.mark.parametrize("name", CHARTS)
def test_bad_period_is_422(client, auth, name):
    for params in ({"from": "2024-03-01", "to": "2024-01-01"}, {"from": "yesterday"},
                   {"to": "1999-12-31"}):
        response = chart(client, auth, "center01", name, **params)
        assert response.status_code == 422 and response.get_json()["code"] == "validation_failed"


def test_sign_in_required(client):
    response = client.get(f"{API}/charts/grid-map.png")
    assert response.status_code == 401 and response.mimetype == "application/problem+json"


def test_documented_in_openapi(client):
    spec = client.get(f"{API}/openapi.json").get_json()
    for name in CHARTS:
        operation = spec["paths"][f"/api/v1/charts/{name}"]["get"]
        assert operation["summary"]
        assert list(operation["responses"]["200"]["content"]) == ["image/png"]
        assert {"from", "to", "village_id"} <= {p["name"] for p in operation["parameters"]}


def test_cli_writes_the_three_charts(app, client, auth, world, tmp_path):
    app.cli.add_command(charts_group)  # service/cli.py registers it in the application
    result = app.test_cli_runner().invoke(args=["charts", "render", str(tmp_path / "docs")])
    assert result.exit_code == 0, result.output
    for name in CHARTS:
        image = Image.open(tmp_path / "docs" / name)
        assert image.format == "PNG" and image.size[0] >= 600
    result = app.test_cli_runner().invoke(
        args=["charts", "render", str(tmp_path / "x"), "--from", "2024-02-01", "--to", "2024-01-01"])
    assert result.exit_code != 0 and not (tmp_path / "x").exists()
