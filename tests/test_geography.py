"""The geography API: town, villages, grids, the four-level chain and /locate."""
import pytest
from geoalchemy2.shape import to_shape
from shapely.geometry import shape
from sqlalchemy import select

from service.extensions import db
from service.models import Grid, Village

WORKER = "l4-441403116201001"
SEAT = (116.3869, 24.7322)


@pytest.fixture
def headers(auth):
    return auth.headers(WORKER)


def test_geography_needs_a_token(client):
    for path in ("/api/v1/town", "/api/v1/villages", "/api/v1/grids", "/api/v1/grids/1",
                 "/api/v1/villages/1", "/api/v1/locate?lon=116.38&lat=24.73"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.mimetype == "application/problem+json"


def test_town(client, headers):
    body = client.get("/api/v1/town", headers=headers).get_json()
    assert body["code"] == "441403116" and body["name"] == "松源镇"
    assert (body["village_count"], body["grid_count"]) == (23, 94)
    assert shape(body["boundary"]).contains(shape({"type": "Point", "coordinates": list(SEAT)}))


def test_villages_page_through_all(client, headers):
    seen, cursor = [], None
    while True:
        url = "/api/v1/villages?limit=10" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url, headers=headers).get_json()
        seen += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 23 and len({v["id"] for v in seen}) == 23
    assert sum(v["grid_count"] for v in seen) == 94
    assert {v["kind"] for v in seen} == {"village", "community"}


def test_villages_as_geojson(client, headers):
    response = client.get("/api/v1/villages?limit=200",
                          headers={**headers, "Accept": "application/geo+json"})
    assert response.mimetype == "application/geo+json"
    body = response.get_json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == 23
    first = body["features"][0]
    assert shape(first["geometry"]).is_valid and first["properties"]["code"].startswith("441403116")


def test_village_detail_has_its_committee(client, headers):
    village = db.session.scalars(select(Village).order_by(Village.code)).first()
    body = client.get(f"/api/v1/villages/{village.id}", headers=headers).get_json()
    assert body["code"] == village.code and body["committee_id"] is not None
    assert shape(body["boundary"]).equals(to_shape(village.boundary))


def test_grids_filtered_by_village(client, headers):
    village = db.session.scalars(select(Village).order_by(Village.code)).first()
    body = client.get(f"/api/v1/grids?village_id={village.id}", headers=headers).get_json()
    codes = [g["code"] for g in body["items"]]
    assert codes and all(code.startswith(village.code) for code in codes)
    assert {g["village_id"] for g in body["items"]} == {village.id}


def test_grid_chain_names_the_workers(client, headers):
    grid = db.session.scalar(select(Grid).where(Grid.code == "441403116201001"))
    body = client.get(f"/api/v1/grids/{grid.id}", headers=headers).get_json()
    chain = {link["level"]: link["workers"] for link in body["chain"]}
    assert len(chain[1]) == 2 and len(chain[3]) == 1 and len(chain[4]) == 1
    me = client.get("/api/v1/me", headers=headers).get_json()
    assert chain[4][0]["id"] == me["id"]


def test_unknown_ids_are_404(client, headers):
    for path in ("/api/v1/grids/999999", "/api/v1/villages/999999"):
        response = client.get(path, headers=headers)
        assert response.status_code == 404 and response.get_json()["code"] == "not_found"


def test_locate_every_grid_by_an_inner_point(client, headers):
    for grid in db.session.scalars(select(Grid)):
        point = to_shape(grid.boundary).representative_point()
        body = client.get(f"/api/v1/locate?lon={point.x}&lat={point.y}", headers=headers).get_json()
        assert body["grid"]["id"] == grid.id
        assert body["village"]["id"] == grid.village_id


def shared_vertex_and_edge_midpoint():
    grids = {g.id: to_shape(g.boundary) for g in db.session.scalars(select(Grid))}
    ids = sorted(grids)
    for a in ids:
        for b in ids:
            if a < b:
                common = grids[a].boundary.intersection(grids[b].boundary)
                if common.geom_type in ("LineString", "MultiLineString") and common.length > 0:
                    line = common if common.geom_type == "LineString" else common.geoms[0]
                    return {a, b}, line.coords[0], line.interpolate(0.5, normalized=True).coords[0]
    raise AssertionError("no two grids share an edge")


def test_a_point_on_a_shared_edge_resolves_to_one_grid_every_time(client, headers):
    neighbours, vertex, midpoint = shared_vertex_and_edge_midpoint()
    for lon, lat in (vertex, midpoint):
        answers = {client.get(f"/api/v1/locate?lon={lon!r}&lat={lat!r}", headers=headers)
                   .get_json()["grid"]["id"] for _ in range(5)}
        assert len(answers) == 1
    answer = client.get(f"/api/v1/locate?lon={midpoint[0]!r}&lat={midpoint[1]!r}",
                        headers=headers).get_json()["grid"]["id"]
    assert answer in neighbours


def test_locate_outside_the_town(client, headers):
    response = client.get("/api/v1/locate?lon=113.26&lat=23.13", headers=headers)
    assert response.status_code == 404
    assert response.get_json()["code"] == "outside_area"


@pytest.mark.parametrize("query", ["", "lon=116.38", "lon=abc&lat=24.7", "lon=181&lat=24.7",
                                   "lon=116.38&lat=-91", "lon=nan&lat=24.7", "lon=116.38&lat=inf"])
def test_locate_rejects_bad_numbers(client, headers, query):
    response = client.get(f"/api/v1/locate?{query}", headers=headers)
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "validation_failed" and body["errors"]


def test_bad_paging_parameters(client, headers):
    for query in ("limit=0", "limit=201", "cursor=%%%", "cursor=WyJ4Il0", "village_id=-1"):
        response = client.get(f"/api/v1/grids?{query}", headers=headers)
        assert response.status_code == 422, query
