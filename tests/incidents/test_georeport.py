"""Open311 GeoReport v2: the same reports as POST /incidents, through the civic-issue standard.

Answers are checked against the standard's own JSON Schemas (tests/incidents/open311/).
"""
import io
import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jsonschema_rs
import pytest
from PIL import ExifTags, Image

from service.exports.labels import DISPUTE_TYPE_NAMES, WORK_ORDER_TYPE_NAMES
from service.deadlines import WORK_ORDER_TYPES
from service.disputes.schemas import DISPUTE_TYPES
from service.georeport.services import SERVICES
from service.models.incidents import CATEGORIES
from tests.incidents.conftest import (API, GRID_A1, GRID_A2, GRID_B1, NOWHERE,
                                      VILLAGE_A, assert_problem, backdate, counts, drive,
                                      event_rows, gps_jpeg_bytes, grid, incident_row,
                                      is_town_time, jpeg_bytes, moved, png_bytes, point_in,
                                      reported, uploaded, user_id)

OPEN311 = f"{API}/georeport/v2"
SCHEMAS = Path(__file__).parent / "open311"
L4_A1 = f"l4-{GRID_A1}"


def _schema(name):
    """One of the standard's schemas, its references to the others written in place."""
    def inlined(node):
        if isinstance(node, dict):
            if str(node.get("$ref", "")).endswith(".json"):
                rest = {key: value for key, value in node.items() if key != "$ref"}
                return {**_schema(node["$ref"]), **rest}
            return {key: inlined(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inlined(value) for value in node]
        return node

    return inlined(json.loads((SCHEMAS / name).read_text()))


def assert_valid(instance, schema_name):
    jsonschema_rs.validator_for(_schema(schema_name), validate_formats=True).validate(instance)


def form(**overrides):
    """A valid Open311 request from a level-4 worker in grid A1."""
    lon, lat = point_in(GRID_A1)
    data = {"service_code": "safety_hazard", "lat": lat, "long": lon,
            "description": "村道边坡有落石，存在安全隐患", "attribute[accuracy_m]": "8"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def submit(client, auth, username=L4_A1, **overrides):
    return client.post(f"{OPEN311}/requests.json", data=form(**overrides),
                       headers=auth.headers(username))


def submitted(client, auth, username=L4_A1, **overrides):
    response = submit(client, auth, username, **overrides)
    assert response.status_code == 200, response.get_json()
    [answer] = response.get_json()
    return answer


def fetched(client, auth, request_id, username=L4_A1):
    response = client.get(f"{OPEN311}/requests/{request_id}.json", headers=auth.headers(username))
    assert response.status_code == 200, response.get_json()
    assert_valid(response.get_json(), "requests.json")
    [request] = response.get_json()
    return request


def listed(client, auth, username=L4_A1, **query):
    response = client.get(f"{OPEN311}/requests.json", query_string=query,
                          headers=auth.headers(username))
    assert response.status_code == 200, response.get_json()
    assert_valid(response.get_json(), "requests.json")
    return [int(item["service_request_id"]) for item in response.get_json()]


# --- services ------------------------------------------------------------------------

def test_the_services_are_the_incident_categories_with_their_definitions(client, auth):
    headers = auth.headers(L4_A1)
    response = client.get(f"{OPEN311}/services.json", headers=headers)
    assert response.status_code == 200
    assert_valid(response.get_json(), "services.json")
    assert [s["service_code"] for s in response.get_json()] == list(CATEGORIES)
    assert {s["service_name"] for s in response.get_json()} >= {"矛盾纠纷", "安全隐患", "信访诉求"}

    for code in CATEGORIES:
        definition = client.get(f"{OPEN311}/services/{code}.json", headers=headers).get_json()
        assert_valid(definition, "service-definition.json")
        attributes = {a["code"]: a for a in definition["attributes"]}
        assert {"channel", "occurred_at", "accuracy_m", "work_order_type"} <= attributes.keys()
        assert [a["order"] for a in definition["attributes"]] == list(
            range(1, len(attributes) + 1))
        assert ("dispute_type" in attributes) == (code == "dispute")
    dispute = client.get(f"{OPEN311}/services/dispute.json", headers=headers).get_json()
    [dispute_type] = [a for a in dispute["attributes"] if a["code"] == "dispute_type"]
    assert dispute_type["required"] is True
    assert [v["key"] for v in dispute_type["values"]] == list(DISPUTE_TYPES)

    assert_problem(client.get(f"{OPEN311}/services/fireworks.json", headers=headers), 404,
                   "not_found")
    assert_problem(client.get(f"{OPEN311}/services.json"), 401, "unauthorized")


def test_every_listed_code_has_a_chinese_name():
    assert tuple(SERVICES) == CATEGORIES
    assert set(WORK_ORDER_TYPE_NAMES) == set(WORK_ORDER_TYPES)
    assert set(DISPUTE_TYPE_NAMES) == set(DISPUTE_TYPES)


def test_discovery_names_the_endpoint(client, auth):
    body = client.get(f"{OPEN311}/discovery.json", headers=auth.headers(L4_A1)).get_json()
    [endpoint] = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/api/v1/georeport/v2")
    assert endpoint["formats"] == ["application/json"]


def test_a_jurisdiction_other_than_the_town_is_404(client, auth):
    headers = auth.headers(L4_A1)
    assert client.get(f"{OPEN311}/services.json", query_string={"jurisdiction_id": "441403116"},
                      headers=headers).status_code == 200
    before = counts()
    for response in (
        client.get(f"{OPEN311}/services.json", query_string={"jurisdiction_id": "110101001"},
                   headers=headers),
        client.get(f"{OPEN311}/requests.json", query_string={"jurisdiction_id": "x"},
                   headers=headers),
        submit(client, auth, jurisdiction_id="110101001"),
    ):
        body = assert_problem(response, 404, "not_found")
        assert "441403116" in body["detail"]
    assert counts() == before


# --- submitting ----------------------------------------------------------------------

def test_a_request_is_filed_as_the_same_report_as_post_incidents(client, auth):
    before = counts()
    answer = submitted(client, auth, **{"attribute[channel]": "walk_in",
                                        "attribute[occurred_at]": "2024-05-04T09:30:00+08:00"})

    assert answer["account_id"] is None
    incident = client.get(f"{API}/incidents/{answer['service_request_id']}",
                          headers=auth.headers(L4_A1)).get_json()
    assert incident["number"] in answer["service_notice"]
    assert (incident["category"], incident["channel"], incident["status"]) == (
        "safety_hazard", "walk_in", "reported")
    assert incident["grid"]["code"] == GRID_A1
    assert incident["reporter"]["id"] == user_id(auth, L4_A1)
    assert incident["accuracy_m"] == 8
    assert incident["description"] == "村道边坡有落石，存在安全隐患"
    assert datetime.fromisoformat(incident["occurred_at"]) == datetime(
        2024, 5, 4, 1, 30, tzinfo=timezone.utc)
    assert counts() == {**before, "incidents": before["incidents"] + 1,
                        "incident_events": before["incident_events"] + 1}

    request = fetched(client, auth, answer["service_request_id"])
    assert request["service_request_id"] == str(incident["id"])
    assert request["number"] == incident["number"]
    assert (request["status"], request["status_notes"]) == ("open", "已上报")
    assert (request["service_code"], request["service_name"]) == ("safety_hazard", "安全隐患")
    assert request["address_id"] == GRID_A1
    assert request["address"].startswith(incident["grid"]["name"])
    assert request["address"].endswith("松源镇")
    assert (request["long"], request["lat"]) == pytest.approx(point_in(GRID_A1), abs=1e-9)
    assert request["agency_responsible"] == incident["village"]["name"]
    assert is_town_time(request["requested_datetime"])
    assert request["requested_datetime"] == incident["created_at"]
    assert request["media_url"] is None


def test_a_replay_with_the_same_client_id_is_stored_once(client, auth):
    client_id = str(uuid.uuid4())
    first = submitted(client, auth, client_id=client_id)
    before = counts()
    again = submitted(client, auth, client_id=client_id)
    assert again["service_request_id"] == first["service_request_id"]
    assert "重发" in again["service_notice"]
    assert counts() == before

    body = assert_problem(submit(client, auth, client_id=client_id, description="另一件事"), 409,
                          "client_id_reused")
    assert body["detail"]
    assert counts() == before
    # Without a client_id every submission is a report of its own.
    assert submitted(client, auth)["service_request_id"] != submitted(client, auth)[
        "service_request_id"]


def test_without_gps_the_grid_code_places_the_request(client, auth):
    answer = submitted(client, auth, lat=None, long=None, address_id=GRID_A1)
    request = fetched(client, auth, answer["service_request_id"])
    assert request["address_id"] == GRID_A1
    assert (request["lat"], request["long"]) == (None, None)
    assert incident_row(int(answer["service_request_id"])).grid_id == grid(GRID_A1).id

    before = counts()
    # A grid outside the reporter's area, and a code no grid has.
    body = assert_problem(submit(client, auth, lat=None, long=None, address_id=GRID_B1), 422,
                          "validation_failed")
    assert list(body["errors"]) == ["address_id"]
    body = assert_problem(submit(client, auth, lat=None, long=None,
                                 address_id=VILLAGE_A + "999"), 422, "validation_failed")
    assert list(body["errors"]) == ["address_id"]
    assert counts() == before


def test_address_and_photo_link_are_kept_in_the_description_for_a_person_to_read(client, auth):
    answer = submitted(client, auth, address_string="松源圩镇中山路 12 号旁",
                       media_url="https://example.org/p/1.jpg")
    incident = incident_row(int(answer["service_request_id"]))
    assert incident.description == ("村道边坡有落石，存在安全隐患\n地址：松源圩镇中山路 12 号旁\n"
                                    "照片链接：https://example.org/p/1.jpg")


def test_a_dispute_request_opens_a_routed_dispute_with_the_requester_as_party(client, auth):
    answer = submitted(client, auth, service_code="dispute", description="两户因宅基地界线争执",
                       last_name="张", first_name="三", phone="13800138000",
                       **{"attribute[dispute_type]": "housing_homestead"})
    incident = client.get(f"{API}/incidents/{answer['service_request_id']}",
                          headers=auth.headers("center01")).get_json()
    assert incident["dispute_id"] is not None
    dispute = client.get(f"{API}/disputes/{incident['dispute_id']}",
                         headers=auth.headers("center01")).get_json()
    assert dispute["type"] == "housing_homestead"
    assert [(p["name"], p["phone"]) for p in dispute["parties"]] == [("张三", "13800138000")]
    assert dispute["committee"]["level"] == "village"
    assert dispute["committee"]["name"] in answer["service_notice"]
    request = fetched(client, auth, answer["service_request_id"], "center01")
    assert request["agency_responsible"] == dispute["committee"]["name"]
    assert dispute["due_at"] is not None  # the committee's time to accept it
    assert datetime.fromisoformat(request["expected_datetime"]) == datetime.fromisoformat(
        dispute["due_at"])

    serious = submitted(client, auth, service_code="dispute", description="多人聚集争执",
                        **{"attribute[dispute_type]": "neighbour", "attribute[serious]": "true"})
    incident = client.get(f"{API}/incidents/{serious['service_request_id']}",
                          headers=auth.headers("center01")).get_json()
    dispute = client.get(f"{API}/disputes/{incident['dispute_id']}",
                         headers=auth.headers("center01")).get_json()
    assert dispute["committee"]["level"] == "town"
    assert dispute["parties"] == []


def test_contact_details_of_other_requests_are_not_kept(client, auth):
    answer = submitted(client, auth, last_name="李", first_name="四", phone="13900139000",
                       email="li@example.org")
    assert "未保存" in answer["service_notice"]
    incident = incident_row(int(answer["service_request_id"]))
    assert "13900139000" not in incident.description and "李四" not in incident.description


def test_the_notice_names_possible_duplicates_nearby(client, auth):
    first = reported(client, auth, L4_A1)
    where = moved(tuple(first["location"]["coordinates"]), east_m=30)
    answer = submitted(client, auth, lat=where[1], long=where[0])
    assert first["number"] in answer["service_notice"]
    assert "是否重复" in answer["service_notice"]
    other = submitted(client, auth, service_code="environment", lat=where[1], long=where[0])
    assert "是否重复" not in other["service_notice"]


def test_a_hotline_work_order_takes_its_type_and_deadline(client, auth):
    answer = submitted(client, auth, "center01", service_code="public_service",
                       **{"attribute[channel]": "hotline_12345",
                          "attribute[work_order_type]": "enquiry"})
    request = fetched(client, auth, answer["service_request_id"], "center01")
    incident = incident_row(int(answer["service_request_id"]))
    assert incident.work_order_type == "enquiry"
    assert request["expected_datetime"] is not None
    assert datetime.fromisoformat(request["expected_datetime"]) == incident.due_at


def submit_with_media(client, auth, data, filename="photo.jpg", username=L4_A1, **overrides):
    return client.post(f"{OPEN311}/requests.json",
                       data={**form(**overrides), "media": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data", headers=auth.headers(username))


def test_a_photo_sent_with_the_request_is_cleaned_and_stored_with_it(client, auth):
    response = submit_with_media(client, auth, gps_jpeg_bytes())
    assert response.status_code == 200, response.get_json()
    [answer] = response.get_json()
    assert "附照片 1 张" in answer["service_notice"]
    request_id = int(answer["service_request_id"])
    assert [e.action for e in event_rows(request_id)] == ["report", "photo"]
    url = fetched(client, auth, request_id)["media_url"]
    image = client.get(url[url.index(API):], headers=auth.headers(L4_A1))
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    stored = Image.open(io.BytesIO(image.data))
    assert ExifTags.IFD.GPSInfo not in stored.getexif()


@pytest.mark.parametrize("data, filename, status, code", [
    (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n", "photo.jpg", 415, "unsupported_media_type"),
    (None, "photo.jpg", 422, "validation_failed"),           # a truncated JPEG
    (b"", "photo.jpg", 422, "validation_failed"),
    (b"\xff" * (10 * 1024 * 1024 + 1), "big.jpg", 413, "payload_too_large"),
])
def test_a_bad_photo_files_nothing_at_all(client, auth, data, filename, status, code):
    data = jpeg_bytes()[:200] if data is None else data
    before = counts()
    assert_problem(submit_with_media(client, auth, data, filename), status, code)
    assert counts() == before  # not the report either


def test_media_must_be_a_file(client, auth):
    before = counts()
    body = assert_problem(submit(client, auth, media="https://example.org/p.jpg"), 422,
                          "validation_failed")
    assert list(body["errors"]) == ["media"]
    assert counts() == before


FUTURE = (datetime.now(timezone.utc) + timedelta(days=2)).isoformat()
BAD_REQUESTS = {
    "no service_code": ({"service_code": None}, "service_code"),
    "unknown service_code": ({"service_code": "fireworks"}, "service_code"),
    "lat without long": ({"long": None}, "long"),
    "no location at all": ({"lat": None, "long": None}, "lat"),
    "lat and long swapped": ({"lat": 116.4, "long": 24.7}, "lat"),
    "lat not a number": ({"lat": "北纬24度"}, "lat"),
    "no description": ({"description": None}, "description"),
    "blank description": ({"description": "   "}, "description"),
    "blank description with an address": ({"description": " ", "address_string": "中山路"},
                                          "description"),
    "10,000-character description": ({"description": "长" * 10_000}, "description"),
    "unknown attribute": ({"attribute[colour]": "red"}, "attribute[colour]"),
    "unknown channel": ({"attribute[channel]": "fax"}, "attribute[channel]"),
    "occurred in the future": ({"attribute[occurred_at]": FUTURE}, "attribute[occurred_at]"),
    "occurred without offset": ({"attribute[occurred_at]": "2024-05-04T09:30:00"},
                                "attribute[occurred_at]"),
    "negative accuracy": ({"attribute[accuracy_m]": "-1"}, "attribute[accuracy_m]"),
    "accuracy not a number": ({"attribute[accuracy_m]": "很准"}, "attribute[accuracy_m]"),
    "seriousness neither true nor false": ({"service_code": "dispute", "attribute[serious]": "也许",
                                            "attribute[dispute_type]": "labour"},
                                           "attribute[serious]"),
    "work order type without the hotline": ({"attribute[work_order_type]": "help"},
                                            "attribute[work_order_type]"),
    "dispute type on another service": ({"attribute[dispute_type]": "neighbour"},
                                        "attribute[dispute_type]"),
    "dispute without its type": ({"service_code": "dispute"}, "attribute[dispute_type]"),
    "unknown dispute type": ({"service_code": "dispute", "attribute[dispute_type]": "duel"},
                             "attribute[dispute_type]"),
    "party's phone malformed": ({"service_code": "dispute", "attribute[dispute_type]": "labour",
                                 "last_name": "王", "phone": "不告诉你"}, "phone"),
    "party's phone without a name": ({"service_code": "dispute", "phone": "13800138000",
                                      "attribute[dispute_type]": "labour"}, "last_name"),
    "malformed client_id": ({"client_id": "123"}, "client_id"),
    "photo link not http": ({"media_url": "file:///etc/passwd"}, "media_url"),
    "malformed grid code": ({"lat": None, "long": None, "address_id": "A1"}, "address_id"),
}


@pytest.mark.parametrize("case", list(BAD_REQUESTS))
def test_bad_requests_get_a_clear_answer_and_change_nothing(client, auth, case):
    overrides, field = BAD_REQUESTS[case]
    before = counts()
    body = assert_problem(submit(client, auth, **overrides), 422, "validation_failed")
    assert field in body["errors"], body
    assert counts() == before


def test_a_point_outside_the_town_is_outside_area(client, auth):
    before = counts()
    assert_problem(submit(client, auth, lat=NOWHERE[1], long=NOWHERE[0]), 422, "outside_area")
    assert counts() == before


def test_a_json_body_is_not_a_request(client, auth):
    before = counts()
    response = client.post(f"{OPEN311}/requests.json", json=form(),
                           headers=auth.headers(L4_A1))
    body = assert_problem(response, 422, "validation_failed")
    assert "service_code" in body["errors"]
    assert counts() == before


def test_english_messages_on_request(client, auth):
    response = client.post(f"{OPEN311}/requests.json", data=form(service_code=None),
                           headers=auth.headers(L4_A1, **{"Accept-Language": "en"}))
    body = assert_problem(response, 422, "validation_failed", language="en")
    assert body["errors"]["service_code"] == ["Missing data for required field."]


# --- reading -------------------------------------------------------------------------

def test_the_search_filters_by_ids_service_status_and_time(client, auth):
    fresh = int(submitted(client, auth)["service_request_id"])
    other_kind = int(submitted(client, auth, service_code="environment")["service_request_id"])
    closed = int(submitted(client, auth)["service_request_id"])
    drive(client, auth, closed, "closed")
    old = int(submitted(client, auth)["service_request_id"])
    backdate(old, days=100)
    ours = {fresh, other_kind, closed, old}

    assert set(listed(client, auth)) & ours == {fresh, other_kind, closed}  # the last 90 days
    assert set(listed(client, auth, service_code="safety_hazard")) & ours == {fresh, closed}
    assert set(listed(client, auth, service_code="environment,safety_hazard")) & ours == {
        fresh, other_kind, closed}
    assert set(listed(client, auth, status="open")) & ours == {fresh, other_kind}
    assert set(listed(client, auth, status="closed")) & ours == {closed}
    assert set(listed(client, auth, status="open,closed")) & ours == {fresh, other_kind, closed}
    long_ago = (datetime.now(timezone.utc) - timedelta(days=120)).isoformat()
    assert set(listed(client, auth, start_date=long_ago)) & ours == {old}
    assert set(listed(client, auth, service_request_id=f"{old},{fresh}")) == {old, fresh}
    newest_first = listed(client, auth)
    assert newest_first.index(closed) < newest_first.index(fresh)
    assert fetched(client, auth, closed)["status"] == "closed"


@pytest.mark.parametrize("query, field", [
    ({"status": "pending"}, "status"),
    ({"service_code": "safety_hazard,fireworks"}, "service_code"),
    ({"service_request_id": "1,二"}, "service_request_id"),
    ({"service_request_id": ",".join(str(n) for n in range(1, 202))}, "service_request_id"),
    ({"start_date": "2024-03-01T00:00:00+08:00", "end_date": "2024-01-01T00:00:00+08:00"},
     "start_date"),
    ({"start_date": "2024-01-01T00:00:00+08:00", "end_date": "2024-06-01T00:00:00+08:00"},
     "end_date"),
    ({"end_date": "tomorrow"}, "end_date"),
])
def test_bad_searches_are_422(client, auth, query, field):
    response = client.get(f"{OPEN311}/requests.json", query_string=query,
                          headers=auth.headers(L4_A1))
    body = assert_problem(response, 422, "validation_failed")
    assert field in body["errors"], body


def test_media_url_is_the_first_photo_for_those_who_may_see_it(client, auth):
    answer = submitted(client, auth)
    request_id = int(answer["service_request_id"])
    photo = uploaded(client, auth, L4_A1, request_id, png_bytes((5, 6, 7)), filename="p.png")
    uploaded(client, auth, L4_A1, request_id, png_bytes((8, 9, 10)), filename="q.png")
    url = fetched(client, auth, request_id)["media_url"]
    assert url.endswith(f"{API}/incidents/{request_id}/photos/{photo['id']}")
    path = url[url.index(API):]
    image = client.get(path, headers=auth.headers(L4_A1))
    assert image.status_code == 200 and image.data.startswith(b"\x89PNG")
    assert_problem(client.get(path, headers=auth.headers(f"l4-{GRID_A2}")), 404, "not_found")


def test_documented_in_openapi(client):
    spec = client.get(f"{API}/openapi.json").get_json()
    submit_operation = spec["paths"]["/api/v1/georeport/v2/requests.json"]["post"]
    assert submit_operation["summary"]
    form_schema = submit_operation["requestBody"]["content"][
        "application/x-www-form-urlencoded"]["schema"]
    assert form_schema  # the form's fields, attribute[...] among them
    for path in ("/discovery.json", "/services.json", "/services/{service_code}.json",
                 "/requests/{request_id}.json"):
        assert spec["paths"][f"/api/v1/georeport/v2{path}"]["get"]["summary"]
