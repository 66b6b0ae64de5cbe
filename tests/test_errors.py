"""Every error the service sends is an RFC 9457 problem document with a stable code.

Content type decision: a JSON endpoint that receives a body declared as something other than
JSON (form data, text/plain, …) answers 415 ``unsupported_media_type`` — the request is not
malformed and no field is missing, the server just does not take that media type (RFC 9110
§15.5.16). A request with no body at all is a validation failure (422, fields required).
"""
import json
import re
from pathlib import Path

import pytest

from tests.problems import assert_problem, has_chinese

LOGIN = "/api/v1/auth/login"


def test_unknown_path_is_404_problem(client):
    body = assert_problem(client.get("/api/v1/no-such-thing"), 404, "not_found")
    assert has_chinese(body["title"])
    assert_problem(client.post("/nowhere", json={}), 404, "not_found")


def test_wrong_method_is_405_with_allow(client):
    response = client.get(LOGIN)
    assert_problem(response, 405, "method_not_allowed")
    allowed = {method.strip() for method in response.headers["Allow"].split(",")}
    assert "POST" in allowed and "GET" not in allowed
    response = client.delete("/api/v1/me")
    assert_problem(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize("data", ['{"username": "admin", ', "not json", '{"a": 1}}', "\xff\xfe"])
def test_malformed_json_is_400_bad_json(client, data):
    response = client.post(LOGIN, data=data.encode("latin-1"), content_type="application/json")
    assert_problem(response, 400, "bad_json")


def test_body_over_the_limit_is_413(client, app):
    size = 12 * 1024 * 1024
    assert size > app.config["MAX_CONTENT_LENGTH"]
    response = client.post(LOGIN, data=b"x" * size, content_type="application/json")
    assert_problem(response, 413, "payload_too_large")


@pytest.mark.parametrize("content_type, data", [
    ("application/x-www-form-urlencoded", "username=admin&password=songyuan-demo"),
    ("text/plain", '{"username": "admin", "password": "songyuan-demo"}'),
    ("application/xml", "<login><username>admin</username></login>"),
])
def test_non_json_body_on_a_json_endpoint_is_415(client, content_type, data):
    response = client.post(LOGIN, data=data, content_type=content_type)
    body = assert_problem(response, 415, "unsupported_media_type")
    assert "access_token" not in body


def test_json_with_charset_and_vendor_json_types_are_accepted(client):
    data = '{"username": "admin", "password": "songyuan-demo"}'.encode()
    assert client.post(LOGIN, data=data,
                       content_type="application/json; charset=utf-8").status_code == 200
    assert client.post(LOGIN, data=data, content_type="application/vnd.api+json").status_code == 200


def test_no_body_is_a_validation_failure(client):
    body = assert_problem(client.post(LOGIN), 422, "validation_failed")
    assert set(body["errors"]) == {"username", "password"}


def test_unhandled_exception_is_500_without_details(app, client):
    def explode():
        raise RuntimeError("secret detail")

    app.add_url_rule("/api/v1/_explode", "explode_for_test", explode)
    response = client.get("/api/v1/_explode")
    body = assert_problem(response, 500, "internal_error")
    text = response.get_data(as_text=True)
    assert "secret detail" not in text and "Traceback" not in text and "RuntimeError" not in text
    assert "errors" not in body


def test_english_on_request_chinese_by_default(client):
    zh = assert_problem(client.post(LOGIN, json={"username": 5}), 422, "validation_failed")
    en = assert_problem(client.post(LOGIN, json={"username": 5},
                                    headers={"Accept-Language": "en"}), 422, "validation_failed",
                        language="en")
    assert has_chinese(zh["title"]) and has_chinese(zh["detail"])
    assert not has_chinese(en["title"]) and not has_chinese(en["detail"])
    assert en["title"] == "Validation failed"
    assert set(zh["errors"]) == set(en["errors"]) == {"username", "password"}
    for field in ("username", "password"):
        assert all(has_chinese(message) for message in zh["errors"][field])
        assert not any(has_chinese(message) for message in en["errors"][field])
    assert en["errors"]["password"] == ["Missing data for required field."]
    assert en["errors"]["username"] == ["Not a valid string."]

    # a weighted list preferring English, and a 401 and a 404 too
    en_401 = assert_problem(client.post(LOGIN, json={"username": "x", "password": "y"},
                                        headers={"Accept-Language": "en-GB,en;q=0.9,zh;q=0.5"}),
                            401, "unauthorized", language="en")
    assert not has_chinese(en_401["title"] + en_401["detail"])
    zh_401 = assert_problem(client.post(LOGIN, json={"username": "x", "password": "y"},
                                        headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}),
                            401, "unauthorized")
    assert has_chinese(zh_401["title"]) and has_chinese(zh_401["detail"])
    en_404 = assert_problem(client.get("/api/v1/nope", headers={"Accept-Language": "en"}),
                            404, "not_found", language="en")
    assert not has_chinese(en_404["title"] + en_404["detail"])


def test_every_error_has_the_problem_shape(client, app):
    """One sweep over error paths of each kind: routing, parsing, validation, auth."""
    cases = [
        (client.get("/api/v1/missing"), 404, "not_found"),
        (client.put(LOGIN, json={}), 405, "method_not_allowed"),
        (client.post(LOGIN, data="{", content_type="application/json"), 400, "bad_json"),
        (client.post(LOGIN, json=[]), 422, "validation_failed"),
        (client.post(LOGIN, json={"username": "a", "password": "b"}), 401, "unauthorized"),
        (client.get("/api/v1/me"), 401, "unauthorized"),
        (client.get("/api/v1/me", headers={"Authorization": "Bearer x"}), 401, "unauthorized"),
        (client.post("/api/v1/auth/refresh"), 401, "unauthorized"),
    ]
    for response, status, code in cases:
        assert_problem(response, status, code)
        if status == 401:
            assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_proxys_own_pages_are_problems_for_every_status_the_site_sends_them_for(app, tmp_path):
    """``flask proxy-pages`` writes one page per status and language; deploy/nginx/songyuan.conf
    sends exactly those statuses to them."""
    written = app.test_cli_runner().invoke(args=["proxy-pages", str(tmp_path)])
    assert written.exit_code == 0, written.output
    site = (Path(__file__).resolve().parent.parent / "deploy/nginx/songyuan.conf").read_text()
    routed = {int(status) for status in re.findall(r"error_page (\d+) /proxy-pages/\1;", site)}
    for language, chinese in (("zh", True), ("en", False)):
        pages = {int(path.stem): json.loads(path.read_text(encoding="utf-8"))
                 for path in (tmp_path / language).glob("*.json")}
        assert set(pages) == routed == {413, 500, 502, 503, 504}
        for status, body in pages.items():
            assert body["status"] == status
            assert set(body) == {"type", "title", "status", "detail", "code"}
            assert body["type"].endswith(body["code"])
            assert has_chinese(body["title"] + body["detail"]) is chinese
        assert pages[413]["code"] == "payload_too_large"
        assert {pages[status]["code"] for status in (502, 503, 504)} == {"service_unavailable"}
