"""Dumping plain dicts exactly as a marshmallow schema would, without its per-field machinery.

A page of 50 incidents is over a thousand field values; marshmallow spends most of a sync
page's time looking each one up and dispatching it. ``dumper(schema)`` reads the schema once
and returns a function that turns the presenters' plain dicts into the same JSON-ready dict
(tests/test_dumping.py keeps the two equal). The schema stays the documented contract.
"""
from flask import current_app, request
from marshmallow import fields

from service.schema_base import TOWN_TIME_ZONE, LocalDateTime

_CASTS = {fields.String: str, fields.Integer: int, fields.Float: float}


def _unless_none(convert):
    return lambda value: None if value is None else convert(value)


def _converter(field):
    if isinstance(field, LocalDateTime):
        return _unless_none(lambda value: value.astimezone(TOWN_TIME_ZONE).isoformat())
    if isinstance(field, fields.Nested):
        inner = dumper(field.schema)
        return _unless_none((lambda value: [inner(item) for item in value]) if field.many else inner)
    if isinstance(field, fields.List):
        inner = _converter(field.inner)
        return _unless_none(lambda value: [inner(item) for item in value])
    cast = _CASTS.get(type(field))
    if cast is not None:
        return _unless_none(cast)
    return lambda value: field._serialize(value, None, None)  # the field's own rule


def dumper(schema):
    """A function dumping a dict like ``schema.dump``: declared fields only, absent keys left out."""
    plan = [(name, field.data_key or name, _converter(field))
            for name, field in schema.dump_fields.items()]

    def dump(item):
        return {key: convert(item[name]) for name, key, convert in plan if name in item}

    return dump


def json_response(dump, body, status=200):
    """``body`` dumped by ``dump`` as a JSON response (flask-smorest passes a Response through)."""
    response = current_app.json.response(dump(body))
    response.status_code = status
    return response


def page_response(dump, body):
    """A list page as ``json_response``, with a weak ETag of the page as sent: a phone polling on
    a weak signal that already has this page gets 304 and no body. Made from what the caller
    sees, so it tells nothing more."""
    response = json_response(dump, body)
    response.add_etag(weak=True)
    return response.make_conditional(request)
