"""Exports: CSV / Excel / GeoJSON of the caller's disputes and incidents.

Each test runs on SpatiaLite and PostGIS (the ``app`` fixture). The bodies are parsed back
(csv module, openpyxl, json); out-of-scope rows must be absent, parties' phones and ID
numbers masked exactly as the API masks them.
"""
import csv
import io
import json
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote

import pytest
from geoalchemy2.shape import to_shape
from openpyxl import load_workbook
from sqlalchemy import select, update

from service.exports import queries as export_queries
from service.extensions import db
from service.models import Grid, Incident, Village
from tests.problems import assert_problem

API = "/api/v1"
VILLAGE_A, VILLAGE_B = "441403116201", "441403116205"
GRID_A, GRID_B = VILLAGE_A + "001", VILLAGE_B + "001"
PHONE, ID_NUMBER = "13812345678", "11010519491231002X"
PHONE_MASKED, ID_MASKED = "138****5678", "110105********002X"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INCIDENT_HEADER = ["案件编号", "类别", "渠道", "状态", "村（社区）", "网格", "网格编码", "上报人",
                   "处置人", "经度", "纬度", "定位精度（米）", "发生时间", "上报时间", "更新时间",
                   "本阶段期限", "是否逾期", "答复时间", "结案时间", "回访时间", "满意度",
                   "复查复核", "关联纠纷编号", "事件描述"]


pytestmark = pytest.mark.usefixtures("fresh_request_context")


def village_id(code):
    return db.session.scalar(select(Village.id).where(Village.code == code))


def point_in(grid_code):
    point = to_shape(db.session.scalar(select(Grid.boundary).where(Grid.code == grid_code)))
    point = point.representative_point()
    return [point.x, point.y]


def report(client, auth, grid_code, **overrides):
    body = {"client_id": str(uuid.uuid4()), "category": "safety_hazard",
            "description": "村道边坡有落石，存在安全隐患",
            "location": {"type": "Point", "coordinates": point_in(grid_code)}, "accuracy_m": 8}
    body.update(overrides)
    response = client.post(f"{API}/incidents", json=body, headers=auth.headers(f"l4-{grid_code}"))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def intake(client, auth, village_code, username="center01", parties=None):
    body = {"channel": "walk_in", "description": "两户因排水沟堵塞发生争执",
            "village_id": village_id(village_code),
            "dispute": {"type": "neighbour", "parties": parties or [
                {"name": "张三", "phone": PHONE, "id_number": ID_NUMBER},
                {"name": "李四"}]}}
    response = client.post(f"{API}/disputes", json=body, headers=auth.headers(username))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture
def world(client, auth):
    """Incident A in village A, incident B (an environment report) in village B, a dispute
    with a party's phone and ID number in each village."""
    a = report(client, auth, GRID_A)
    b = report(client, auth, GRID_B, category="environment", description="河道有垃圾堆积")
    return {"incident_a": a, "incident_b": b,
            "dispute_a": intake(client, auth, VILLAGE_A), "dispute_b": intake(client, auth, VILLAGE_B)}


def get(client, auth, username, path, **params):
    return client.get(f"{API}/exports/{path}", query_string=params, headers=auth.headers(username))


def csv_rows(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv"
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM for Excel"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def xlsx_rows(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == XLSX
    workbook = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def as_dicts(rows):
    header, *body = rows
    return [dict(zip(header, row)) for row in body]


# --- incidents --------------------------------------------------------------------------

def test_incident_csv_streams_with_chinese_headers_and_town_times(client, auth, world):
    response = get(client, auth, "center01", "incidents")
    assert response.is_streamed
    rows = csv_rows(response)
    assert rows[0] == INCIDENT_HEADER
    found = {row["案件编号"]: row for row in as_dicts(rows)}
    a, b = world["incident_a"], world["incident_b"]
    assert set(found) == {a["number"], b["number"]}
    row = found[a["number"]]
    assert row["类别"] == "安全隐患" and row["渠道"] == "网格员上报" and row["状态"] == "已上报"
    assert row["村（社区）"] == a["village"]["name"] and row["网格"] == a["grid"]["name"]
    assert row["网格编码"] == GRID_A
    assert row["事件描述"] == "村道边坡有落石，存在安全隐患"
    assert found[b["number"]]["类别"] == "环境卫生"
    reported_at = datetime.fromisoformat(row["上报时间"])
    assert reported_at.utcoffset() == timedelta(hours=8)
    assert reported_at == datetime.fromisoformat(a["created_at"]).replace(microsecond=0)
    assert float(row["经度"]) == pytest.approx(a["location"]["coordinates"][0])
    assert float(row["纬度"]) == pytest.approx(a["location"]["coordinates"][1])


def test_incident_exports_carry_the_time_limit_and_whether_it_has_passed(client, auth, world):
    petition = report(client, auth, GRID_A, category="petition", channel="walk_in",
                      description="群众反映宅基地审批久拖未办")
    late = datetime.now(timezone.utc) - timedelta(hours=1)
    db.session.execute(update(Incident).where(Incident.id == petition["id"]).values(due_at=late))
    db.session.commit()
    rows = {row["案件编号"]: row for row in as_dicts(csv_rows(get(client, auth, "center01",
                                                                "incidents")))}
    assert datetime.fromisoformat(rows[petition["number"]]["本阶段期限"]) == late.replace(microsecond=0)
    assert rows[petition["number"]]["是否逾期"] == "是"
    ordinary = rows[world["incident_a"]["number"]]  # no time limit for a safety hazard
    assert (ordinary["本阶段期限"], ordinary["是否逾期"]) == ("", "否")
    body = json.loads(get(client, auth, "center01", "incidents", format="geojson").get_data())
    properties = {f["properties"]["number"]: f["properties"] for f in body["features"]}
    assert properties[petition["number"]]["overdue"] is True
    assert datetime.fromisoformat(properties[petition["number"]]["due_at"]) == late.replace(
        microsecond=0)
    assert (properties[world["incident_a"]["number"]]["due_at"],
            properties[world["incident_a"]["number"]]["overdue"]) == (None, False)


def test_incident_exports_carry_the_answer_closing_and_return_visit(client, auth, world):
    from tests.incidents.conftest import acted, drive
    order = report(client, auth, GRID_A, category="public_service", channel="hotline_12345",
                   description="12345 工单：群众反映路灯不亮")
    drive(client, auth, order["id"], "closed")  # answered (答复) before it is verified
    visited = acted(client, auth, "center01", order["id"], "visit", satisfaction=3)
    row = {row["案件编号"]: row for row in as_dicts(csv_rows(get(
        client, auth, "center01", "incidents")))}[order["number"]]
    for header, field in (("答复时间", "replied_at"), ("结案时间", "closed_at"),
                          ("回访时间", "visited_at")):
        assert datetime.fromisoformat(row[header]) == datetime.fromisoformat(
            visited[field]).replace(microsecond=0), header
    assert row["满意度"] == "3"
    assert row["复查复核"] == ""  # not a petition
    assert as_dicts(csv_rows(get(client, auth, "center01", "incidents")))[-1]["满意度"] == ""
    body = json.loads(get(client, auth, "center01", "incidents", format="geojson").get_data())
    properties = {f["properties"]["number"]: f["properties"] for f in body["features"]}
    assert properties[order["number"]]["satisfaction"] == 3
    assert properties[order["number"]]["replied_at"] is not None


def test_incident_exports_say_where_a_petitions_review_stands(client, auth, world):
    from tests.incidents.conftest import acted, drive
    petition = report(client, auth, GRID_A, category="petition", channel="walk_in",
                      description="群众反映宅基地审批久拖未办")
    drive(client, auth, petition["id"], "closed")

    def cell():
        rows = as_dicts(csv_rows(get(client, auth, "center01", "incidents")))
        return {row["案件编号"]: row for row in rows}[petition["number"]]["复查复核"]

    assert cell() == ""
    steps = [("request_review", "请求复查", "复查中"), ("decide_review", "维持", "已复查"),
             ("request_review", "请求复核", "复核中"), ("decide_review", "维持", "已复核")]
    for action, note, shown in steps:
        acted(client, auth, "center01", petition["id"], action, note=note)
        assert cell() == shown, action
    body = json.loads(get(client, auth, "center01", "incidents", format="geojson").get_data())
    properties = {f["properties"]["number"]: f["properties"] for f in body["features"]}
    assert properties[petition["number"]]["re_review_decided_at"] is not None


def test_export_arrives_in_batches(client, auth, world, monkeypatch):
    monkeypatch.setattr(export_queries, "BATCH", 1)
    for _ in range(3):
        report(client, auth, GRID_A)
    response = client.get(f"{API}/exports/incidents", headers=auth.headers("center01"),
                          buffered=False)
    chunks = [chunk for chunk in response.response if chunk]
    response.close()
    assert len(chunks) == 1 + 5  # the header, then one chunk per batch of one row
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"), newline="")))
    assert len(rows) == 1 + 5


def test_content_disposition_names_the_file_in_chinese(client, auth, world):
    response = get(client, auth, "center01", "incidents", **{"from": "2020-01-01"})
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=\"")
    ascii_name = disposition.split('filename="')[1].split('"')[0]
    assert ascii_name.isascii() and ascii_name.endswith(".csv") and "-incidents-20200101-" in ascii_name
    name = unquote(disposition.split("filename*=UTF-8''")[1])
    assert name.startswith("松源镇事件清单_20200101-") and name.endswith(".csv")
    disposition = get(client, auth, "center01", "disputes", format="xlsx").headers["Content-Disposition"]
    assert unquote(disposition.split("filename*=UTF-8''")[1]).endswith(".xlsx")
    assert "纠纷台账" in unquote(disposition)


def test_incident_xlsx_parses_back(client, auth, world):
    rows = xlsx_rows(get(client, auth, "center01", "incidents", format="xlsx"))
    assert rows[0] == INCIDENT_HEADER
    found = {row["案件编号"]: row for row in as_dicts(rows)}
    a = world["incident_a"]
    assert set(found) == {a["number"], world["incident_b"]["number"]}
    row = found[a["number"]]
    assert row["类别"] == "安全隐患" and row["网格编码"] == GRID_A
    # Excel has no offsets: the town's wall-clock time as a date cell.
    created = datetime.fromisoformat(a["created_at"])
    assert row["上报时间"] == created.replace(tzinfo=None, microsecond=0)
    assert row["经度"] == pytest.approx(a["location"]["coordinates"][0])


def test_xlsx_continues_on_a_new_sheet_past_the_row_limit(client, auth, world, monkeypatch):
    from service.exports import xlsx
    monkeypatch.setattr(xlsx, "MAX_ROWS", 2)  # the header and one row per sheet
    report(client, auth, GRID_A)
    workbook = load_workbook(io.BytesIO(get(client, auth, "center01", "incidents", format="xlsx").get_data()))
    assert workbook.sheetnames == ["事件清单", "事件清单（2）", "事件清单（3）"]
    for sheet in workbook.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[0]) == INCIDENT_HEADER and len(rows) == 2


def test_incident_geojson_is_a_feature_collection_of_points(client, auth, world):
    response = get(client, auth, "center01", "incidents", format="geojson")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    assert response.is_streamed
    body = json.loads(response.get_data())
    assert body["type"] == "FeatureCollection"
    features = {item["properties"]["number"]: item for item in body["features"]}
    a = world["incident_a"]
    assert set(features) == {a["number"], world["incident_b"]["number"]}
    feature = features[a["number"]]
    assert feature["type"] == "Feature" and feature["id"] == a["id"]
    assert feature["geometry"]["type"] == "Point"
    assert feature["geometry"]["coordinates"] == pytest.approx(a["location"]["coordinates"])
    assert feature["properties"]["category_name"] == "安全隐患"
    assert feature["properties"]["village"] == a["village"]["name"]
    assert datetime.fromisoformat(feature["properties"]["created_at"]).utcoffset() == timedelta(hours=8)
    assert response.headers["Content-Disposition"].endswith(".geojson")


def test_empty_geojson_is_still_valid(client, auth):
    body = json.loads(get(client, auth, "center01", "incidents", format="geojson").get_data())
    assert body == {"type": "FeatureCollection", "features": []}


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson"])
def test_village_secretary_gets_only_their_village(client, auth, world, fmt):
    response = get(client, auth, f"l3-{VILLAGE_A}", "incidents", format=fmt)
    if fmt == "geojson":
        numbers = {item["properties"]["number"] for item in json.loads(response.get_data())["features"]}
    else:
        rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
        numbers = {row["案件编号"] for row in as_dicts(rows)}
    assert numbers == {world["incident_a"]["number"]}


def test_incident_filters(client, auth, world):
    a, b = world["incident_a"]["number"], world["incident_b"]["number"]

    def numbers(**params):
        response = get(client, auth, "center01", "incidents", **params)
        return {row["案件编号"] for row in as_dicts(csv_rows(response))}

    assert numbers(category="environment") == {b}
    assert numbers(status="reported") == {a, b}
    assert numbers(status="closed") == set()
    assert numbers(village_id=village_id(VILLAGE_A)) == {a}
    today = datetime.fromisoformat(world["incident_a"]["created_at"]).date()
    assert numbers(**{"from": today.isoformat(), "to": today.isoformat()}) == {a, b}
    assert numbers(to=(today - timedelta(days=1)).isoformat()) == set()
    assert numbers(**{"from": (today + timedelta(days=1)).isoformat()}) == set()


def test_old_incidents_fall_outside_the_period(client, auth, world):
    incident = db.session.get(Incident, world["incident_a"]["id"])
    incident.created_at -= timedelta(days=400)
    db.session.commit()
    today = datetime.fromisoformat(world["incident_b"]["created_at"]).date()
    rows = as_dicts(csv_rows(get(client, auth, "center01", "incidents",
                                 **{"from": (today - timedelta(days=30)).isoformat()})))
    assert {row["案件编号"] for row in rows} == {world["incident_b"]["number"]}


def test_spreadsheet_formulas_are_never_formulas(client, auth):
    report(client, auth, GRID_A, description="=HYPERLINK(\"http://example.com\",\"点我\")\x01")
    row = as_dicts(csv_rows(get(client, auth, "center01", "incidents")))[0]
    assert row["事件描述"].startswith("'=HYPERLINK")
    response = get(client, auth, "center01", "incidents", format="xlsx")
    workbook = load_workbook(io.BytesIO(response.get_data()))
    cell = workbook.worksheets[0].cell(row=2, column=INCIDENT_HEADER.index("事件描述") + 1)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK") and "\x01" not in cell.value


# --- disputes: masking ----------------------------------------------------------------

def dispute_rows(client, auth, username, fmt="csv", **params):
    response = get(client, auth, username, "disputes", format=fmt, **params)
    rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
    assert rows[0][:7] == ["案件编号", "类别", "渠道", "状态", "村（社区）", "网格", "调解委员会"]
    assert {"上报时间", "当事人", "电话", "身份证号"} <= set(rows[0])
    return {row["案件编号"]: row for row in as_dicts(rows)}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_level3_worker_sees_their_village_with_masked_personal_data(client, auth, world, fmt):
    rows = dispute_rows(client, auth, f"l3-{VILLAGE_A}", fmt)
    assert set(rows) == {world["dispute_a"]["number"]}
    row = rows[world["dispute_a"]["number"]]
    assert row["当事人"] == "张三；李四"
    assert row["电话"] == f"{PHONE_MASKED}；—"
    assert row["身份证号"] == f"{ID_MASKED}；—"
    body = json.dumps(rows, ensure_ascii=False, default=str)
    assert PHONE not in body and ID_NUMBER not in body


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_centre_staff_see_personal_data_in_full(client, auth, world, fmt):
    rows = dispute_rows(client, auth, "center01", fmt)
    assert set(rows) == {world["dispute_a"]["number"], world["dispute_b"]["number"]}
    row = rows[world["dispute_a"]["number"]]
    assert row["类别"] == "邻里" and row["渠道"] == "来访" and row["状态"] == "已登记"
    assert row["电话"] == f"{PHONE}；—" and row["身份证号"] == f"{ID_NUMBER}；—"
    assert row["村（社区）"] and row["调解委员会"].endswith("人民调解委员会")
    assert row["简要情况"] == "两户因排水沟堵塞发生争执"


def test_masking_follows_the_api_per_dispute(client, auth, world):
    """The head of village A's committee sees A's parties in full, exactly as GET /disputes/{id}."""
    head = f"med-{VILLAGE_A}-1"
    rows = dispute_rows(client, auth, head)
    row = rows[world["dispute_a"]["number"]]
    api = client.get(f"{API}/disputes/{world['dispute_a']['id']}", headers=auth.headers(head)).get_json()
    assert row["电话"].split("；")[0] == api["parties"][0]["phone"] == PHONE
    assert row["身份证号"].split("；")[0] == api["parties"][0]["id_number"] == ID_NUMBER
    assert world["dispute_b"]["number"] not in rows
    for username in (f"l3-{VILLAGE_A}", f"med-{VILLAGE_A}-2"):
        api = client.get(f"{API}/disputes/{world['dispute_a']['id']}",
                         headers=auth.headers(username)).get_json()
        row = dispute_rows(client, auth, username)[world["dispute_a"]["number"]]
        assert row["电话"].split("；")[0] == api["parties"][0]["phone"] == PHONE_MASKED
        assert row["身份证号"].split("；")[0] == api["parties"][0]["id_number"] == ID_MASKED


def test_dispute_export_in_batches_keeps_each_rows_parties(client, auth, world, monkeypatch):
    """Batches of one: parties and mediators are loaded per batch, beside the open cursor."""
    monkeypatch.setattr(export_queries, "BATCH", 1)
    intake(client, auth, VILLAGE_A, parties=[{"name": "王五", "phone": "13900000000"}])
    response = client.get(f"{API}/exports/disputes", headers=auth.headers("center01"),
                          buffered=False)
    chunks = [chunk for chunk in response.response if chunk]
    response.close()
    assert len(chunks) == 1 + 3
    rows = as_dicts(list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"), newline=""))))
    assert [row["当事人"] for row in rows] == ["王五", "张三；李四", "张三；李四"]
    assert rows[0]["电话"] == "13900000000" and rows[0]["身份证号"] == ""


def test_dispute_filters(client, auth, world):
    a, b = world["dispute_a"]["number"], world["dispute_b"]["number"]
    assert set(dispute_rows(client, auth, "center01", status="received")) == {a, b}
    assert set(dispute_rows(client, auth, "center01", status="closed")) == set()
    assert set(dispute_rows(client, auth, "center01", village_id=village_id(VILLAGE_B))) == {b}


# --- errors -----------------------------------------------------------------------------

@pytest.mark.parametrize("path,fmt", [("disputes", "geojson"), ("disputes", "pdf"),
                                      ("incidents", "pdf"), ("incidents", "")])
def test_unknown_format_is_422(client, auth, path, fmt):
    response = get(client, auth, "center01", path, format=fmt)
    assert_problem(response, 422, "validation_failed")
    assert "format" in response.get_json()["errors"]


@pytest.mark.parametrize("path", ["disputes", "incidents"])
def test_bad_filters_are_422(client, auth, path):
    assert_problem(get(client, auth, "center01", path, status="nonsense"), 422, "validation_failed")
    assert_problem(get(client, auth, "center01", path, **{"from": "2024-02-01", "to": "2024-01-01"}),
                   422, "validation_failed")
    assert_problem(get(client, auth, "center01", path, to="1999-12-31"), 422, "validation_failed")
    assert_problem(get(client, auth, "center01", path, village_id="x"), 422, "validation_failed")


@pytest.mark.parametrize("path", ["disputes", "incidents"])
def test_village_outside_scope_is_404(client, auth, path):
    assert_problem(get(client, auth, f"l3-{VILLAGE_A}", path, village_id=village_id(VILLAGE_B)),
                   404, "not_found")
    assert_problem(get(client, auth, "center01", path, village_id=99999), 404, "not_found")


@pytest.mark.parametrize("path", ["disputes", "incidents"])
def test_sign_in_required(client, path):
    assert_problem(client.get(f"{API}/exports/{path}"), 401, "unauthorized")


def test_documented_in_openapi(client):
    spec = client.get(f"{API}/openapi.json").get_json()
    for path, types in (("/exports/disputes", {"text/csv", XLSX}),
                        ("/exports/incidents", {"text/csv", XLSX, "application/geo+json"})):
        operation = spec["paths"][f"/api/v1{path}"]["get"]
        assert operation["summary"]
        assert set(operation["responses"]["200"]["content"]) == types
        assert "Content-Disposition" in operation["responses"]["200"]["headers"]
        assert {"format", "from", "to", "village_id", "status"} <= {
            parameter["name"] for parameter in operation["parameters"]}


# --- the Excel writer itself -------------------------------------------------------------

def test_xlsx_bytes_flow_before_the_last_batch_is_read_and_parse_back():
    from datetime import timezone
    from decimal import Decimal

    from service.exports.xlsx import xlsx_chunks
    read = []
    moment = datetime(2023, 5, 4, 1, 30, 15, 999, tzinfo=timezone.utc)  # 09:30:15 in the town

    def batches():
        for number in range(3):
            read.append(number)
            yield [(f"SJ{number}{row:05d}", row, Decimal("12.50"), number == 1, None, moment,
                    "=1+1\x07") for row in range(2000)]

    chunks = xlsx_chunks("清单", ["编号", "序号", "金额", "是否", "空", "时间", "描述"],
                         [16] * 7, batches())
    first = next(chunks)
    assert first and read == [0]  # the file has begun while two batches are still unread
    data = first + b"".join(chunks)
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 6001 and rows[0] == ("编号", "序号", "金额", "是否", "空", "时间", "描述")
    assert rows[2001] == ("SJ100000", 0, 12.5, "是", None, datetime(2023, 5, 4, 9, 30, 15), "=1+1")
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    assert sheet.cell(row=2, column=7).data_type == "s"


def test_an_empty_xlsx_has_its_header():
    from service.exports.xlsx import xlsx_chunks
    data = b"".join(xlsx_chunks("清单", ["编号", "状态"], [10, 10], iter([])))
    rows = list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
    assert rows == [("编号", "状态")]
