"""The one check of a problem answer (RFC 9457) the tests share: status, stable code, and a
message a grid worker can read — Chinese unless English was asked for."""
import re

PROBLEM_JSON = "application/problem+json"
PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def has_chinese(text):
    return bool(CHINESE.search(text))


def assert_problem(response, status, code, language="zh"):
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    assert response.mimetype == PROBLEM_JSON
    body = response.get_json()
    assert PROBLEM_KEYS <= body.keys(), body
    assert body["status"] == status and body["code"] == code, body
    assert body["type"].endswith(code), body
    assert all(isinstance(body[key], str) and body[key] for key in ("type", "title", "detail")), body
    if language == "zh":
        messages = [body["title"], body["detail"], *(
            message for field_messages in (body.get("errors") or {}).values()
            for message in _flattened(field_messages))]
        assert all(has_chinese(message) for message in messages), body
    return body


def _flattened(messages):
    """marshmallow nests errors of list items and nested fields: {0: {"name": [...]}}."""
    if isinstance(messages, str):
        yield messages
    elif isinstance(messages, dict):
        for value in messages.values():
            yield from _flattened(value)
    else:
        for value in messages:
            yield from _flattened(value)
