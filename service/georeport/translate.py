"""An Open311 request as the body ``POST /incidents`` takes, and the report's problems told in
Open311's parameter names."""
import uuid
from contextlib import contextmanager

from marshmallow import ValidationError

from service.errors import ValidationFailed
from service.georeport.schemas import attribute_key
from service.georeport.services import ATTRIBUTE_CODES, COMMON_ATTRIBUTES, SERVICES
from service.incidents.schemas import ReportSchema

# Report field → the Open311 parameter it came from.
REPORT_FIELDS = {"client_id": "client_id", "category": "service_code",
                 "description": "description", "location": "lat", "grid_id": "address_id",
                 **{a.code: attribute_key(a.code) for a in COMMON_ATTRIBUTES}}
DISPUTE_FIELDS = {"type": attribute_key("dispute_type"), "serious": attribute_key("serious")}
PARTY_FIELDS = {"name": "last_name", "phone": "phone"}
_report_schema = ReportSchema()


def report_body(form, grid_id_of):
    """The loaded report body of an Open311 request (``RequestFormSchema``); ``grid_id_of``
    finds a grid's id by its code. Problems raise ValidationFailed in Open311's names."""
    service = SERVICES[form["service_code"]]
    given = {code: form[f"attribute_{code}"] for code in ATTRIBUTE_CODES
             if form[f"attribute_{code}"] is not None}
    takes = {a.code for a in service.attributes}
    errors = {attribute_key(code): [f"服务类型 {service.code} 没有这个属性"]
              for code in given if code not in takes}
    errors.update({attribute_key(a.code): ["必填字段"] for a in service.attributes
                   if a.required and a.code not in given})
    body = {"client_id": str(form["client_id"] or uuid.uuid4()), "category": service.code,
            "description": _description(form),
            **{a.code: given[a.code] for a in COMMON_ATTRIBUTES if a.code in given}}
    if form["lat"] is not None:
        body["location"] = {"type": "Point", "coordinates": [form["long"], form["lat"]]}
    else:
        body["grid_id"] = grid_id_of(form["address_id"])
        if body["grid_id"] is None:
            errors["address_id"] = ["没有这个网格编码"]
    if service.code == "dispute":
        parties, problem = _requester(form)
        errors.update(problem)
        body["dispute"] = {"type": given.get("dispute_type"),
                           "serious": given.get("serious", "false"), "parties": parties}
    if errors:
        raise ValidationFailed(errors=errors)
    with open311_names():
        try:
            return _report_schema.load(body)
        except ValidationError as error:
            raise ValidationFailed(errors=error.messages) from None


def _description(form):
    """The description with the address and photo link the request also gave, each on its
    own line: the service neither geocodes the one nor fetches the other, a person reads them."""
    lines = [form["description"]]
    if form["address_string"]:
        lines.append(f"地址：{form['address_string']}")
    if form["media_url"]:
        lines.append(f"照片链接：{form['media_url']}")
    return "\n".join(lines)


def _requester(form):
    """The requester as the dispute's party (surname first), and any problem with that."""
    name = f"{form['last_name'] or ''}{form['first_name'] or ''}".strip()
    if not name:
        problem = {"last_name": ["给出电话时须给出姓名（last_name、first_name）"]} if form["phone"] else {}
        return [], problem
    return [{"name": name, "phone": form["phone"]}], {}


@contextmanager
def open311_names():
    """A report's ValidationFailed raised inside, with its fields renamed to the Open311
    parameters they came from."""
    try:
        yield
    except ValidationFailed as error:
        error.errors = renamed(error.errors or {})
        raise


def renamed(messages):
    """Report field messages (nested for the dispute and its parties) by Open311 parameter."""
    flat = {}
    for name, value in messages.items():
        if name == "dispute" and isinstance(value, dict):
            for inner, inner_value in value.items():
                if inner == "parties" and isinstance(inner_value, dict):
                    for party in inner_value.values():
                        for field, field_messages in party.items():
                            flat.setdefault(PARTY_FIELDS.get(field, field), []).extend(
                                field_messages)
                else:
                    flat[DISPUTE_FIELDS.get(inner, f"dispute.{inner}")] = inner_value
        else:
            flat[REPORT_FIELDS.get(name, name)] = value
    return flat
