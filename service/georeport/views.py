"""Open311 GeoReport v2 endpoints: discovery, services, service definitions, requests."""
from flask import url_for
from flask_jwt_extended import current_user

from service.auth.current import caller_scope, key_or_token_required
from service.dumping import dumper, json_response
from service.errors import NotFound
from service.geography.queries import the_town
from service.georeport import presenters, queries, translate
from service.georeport.schemas import (LIST_WINDOW, ApiKeyQuerySchema, DiscoverySchema,
                                       JurisdictionQuerySchema,
                                       RequestFormSchema, RequestQuerySchema,
                                       RequestResponseSchema, RequestSchema,
                                       ServiceDefinitionSchema, ServiceSchema)
from service.georeport.services import SERVICES
from service.incidents import actions, photos
from service.incidents.photo_files import clean_photo
from service.incidents.queries import NOT_FOUND
from service.models.types import utcnow
from service.schema_base import KEY_BUDGET_DOC
from service.uploads import UploadBlueprint, uploaded_bytes

# A search answers up to 1,000 requests: dumped like the schema, without marshmallow's
# per-field machinery (service/dumping.py).
_dump_request = dumper(RequestSchema())


def _requests_response(rows, town_name):
    """The rows of ``queries.requests`` as Open311 requests, each dumped as it is read."""
    return json_response(list, (_dump_request(presenters.request_item(*row, town_name))
                                for row in rows))


# Its form arguments hold an uploaded photo (``media``) too.
blp = UploadBlueprint("georeport", __name__, url_prefix="/api/v1/georeport/v2",
                description="Open311 GeoReport v2：以国际通行的市政诉求接口上报与查询事件")
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-08T00:00:00+08:00"  # when this interface last changed


def town_of(jurisdiction_id):
    """The town, which an Open311 jurisdiction_id, if given, must name."""
    town = the_town()
    if jurisdiction_id is not None and jurisdiction_id != town.code:
        raise NotFound(f"本服务只受理{town.name}（{town.code}）的请求",
                       f"This endpoint serves jurisdiction {town.code} only")
    return town


@blp.route("/discovery.json", methods=["GET"])
@key_or_token_required
@blp.alt_response(429, **KEY_BUDGET_DOC)
@blp.arguments(ApiKeyQuerySchema, location="query")
@blp.response(200, DiscoverySchema)
def discovery(_args):
    """Open311 服务发现：规范、地址与格式"""
    town = the_town()
    return {"changeset": CHANGESET, "contact": f"{town.name}综治中心",
            "key_service": "api_key 为管理员签发的接入密钥（账号管理 → 接入密钥）；"
                           "也可用本服务的登录令牌（Authorization: Bearer）",
            "endpoints": [{"specification": SPECIFICATION, "changeset": CHANGESET,
                           "url": url_for("georeport.services", _external=True)
                           .removesuffix("/services.json"),
                           "type": "production", "formats": ["application/json"]}]}


@blp.route("/services.json", methods=["GET"])
@key_or_token_required
@blp.alt_response(429, **KEY_BUDGET_DOC)
@blp.arguments(JurisdictionQuerySchema, location="query")
@blp.response(200, ServiceSchema(many=True))
def services(args):
    """服务类型列表：即事件类别"""
    town_of(args["jurisdiction_id"])
    return [service.as_open311() for service in SERVICES.values()]


@blp.route("/services/<string:service_code>.json", methods=["GET"])
@key_or_token_required
@blp.alt_response(429, **KEY_BUDGET_DOC)
@blp.arguments(JurisdictionQuerySchema, location="query")
@blp.response(200, ServiceDefinitionSchema)
def service_definition(args, service_code):
    """服务类型的属性（提交时作为 attribute[code]）"""
    town_of(args["jurisdiction_id"])
    service = SERVICES.get(service_code)
    if service is None:
        raise NotFound("没有这个服务类型", "No such service")
    return service.definition()


@blp.route("/requests.json", methods=["POST"])
@key_or_token_required
@blp.alt_response(429, **KEY_BUDGET_DOC)
@blp.arguments(RequestFormSchema(), location="form")
@blp.response(200, RequestResponseSchema(many=True))
def submit(form):
    """提交请求：与 POST /incidents 同样的上报（定位、编号、重发去重、纠纷分流）

    没有经纬度时用 address_id（网格编码）定位；client_id（扩展）让重发只保存一次；以
    multipart/form-data 提交时可在 media（扩展）附一张照片。矛盾纠纷的提交人（last_name、
    first_name、phone）登记为当事人。
    """
    town_of(form["jurisdiction_id"])
    body = translate.report_body(form, queries.grid_id_of)
    scope = caller_scope()
    # Cleaned (and refused, if it is no sound JPEG or PNG) before anything is written.
    photo = None if form["media"] is None else clean_photo(uploaded_bytes(form["media"], "media"))
    attach = photo and (lambda incident_id: photos.attach_to_new_report(
        current_user, scope, incident_id, photo))
    with translate.open311_names():
        view, created, duplicates = actions.report_checked(current_user, scope, body, attach)
    committee = view.dispute_id and queries.committee_of_dispute(view.dispute_id)
    requester_given = bool(form["last_name"] or form["first_name"] or form["phone"])
    return [{"service_request_id": str(view.id), "account_id": None,
             "service_notice": presenters.notice(
                 view, created, committee, duplicates,
                 requester_given and view.category != "dispute", bool(photo))}]


@blp.route("/requests.json", methods=["GET"])
@key_or_token_required
@blp.alt_response(429, **KEY_BUDGET_DOC)
@blp.arguments(RequestQuerySchema, location="query")
@blp.response(200, RequestSchema(many=True))
def search(args):
    """查询请求：本人可见范围内的事件，最新在前，最多 1000 件

    默认为最近 90 天上报的；给出 service_request_id 时只按编号查。
    """
    town = town_of(args["jurisdiction_id"])
    if args["service_request_id"] is not None:
        rows = queries.requests(current_user, caller_scope(), ids=args["service_request_id"])
    else:
        until = args["end_date"] or (args["start_date"] + LIST_WINDOW if args["start_date"]
                                     else utcnow())
        since = args["start_date"] or until - LIST_WINDOW
        rows = queries.requests(current_user, caller_scope(), categories=args["service_code"],
                                statuses=args["status"], since=since, until=until)
    return _requests_response(rows, town.name)


@blp.route("/requests/<int:request_id>.json", methods=["GET"])
@key_or_token_required
@blp.alt_response(429, **KEY_BUDGET_DOC)
@blp.arguments(JurisdictionQuerySchema, location="query")
@blp.response(200, RequestSchema(many=True))
def request_by_id(args, request_id):
    """一件请求（Open311 以只含一项的数组回答）"""
    town = town_of(args["jurisdiction_id"])
    row = next(queries.requests(current_user, caller_scope(), ids=[request_id]), None)
    if row is None:
        raise NotFound(*NOT_FOUND)
    return _requests_response([row], town.name)
