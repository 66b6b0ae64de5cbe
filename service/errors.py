"""The service's error hierarchy and its one rendering as RFC 9457 problem+json.

Every error carries its own HTTP status, stable ``code`` and Chinese/English titles.
Domain code raises these; ``register_error_handlers`` turns them (and every werkzeug
HTTP error, and anything unexpected) into the same problem document.
"""
import logging

from flask import Response, json, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class ServiceError(Exception):
    status = 500
    code = "internal_error"
    title_zh = "服务器内部错误"
    title_en = "Internal server error"
    headers = {}  # sent with the problem wherever it is rendered (WWW-Authenticate, Retry-After)

    def __init__(self, detail_zh=None, detail_en=None, errors=None, status=None):
        super().__init__(detail_en or detail_zh or self.title_en)
        self.detail_zh = detail_zh or self.title_zh
        self.detail_en = detail_en or self.title_en
        self.errors = errors
        if status is not None:
            self.status = status


class BadJson(ServiceError):
    status, code = 400, "bad_json"
    title_zh, title_en = "请求体不是合法的 JSON", "Malformed JSON body"


class ValidationFailed(ServiceError):
    status, code = 422, "validation_failed"
    title_zh, title_en = "请求数据校验未通过", "Validation failed"


class Unauthorized(ServiceError):
    status, code = 401, "unauthorized"
    title_zh, title_en = "未登录或凭据无效", "Not signed in or invalid credentials"
    headers = {"WWW-Authenticate": "Bearer"}


class TokenExpired(Unauthorized):
    code = "token_expired"
    title_zh, title_en = "登录已过期，请重新登录", "Token expired"


class TokenRevoked(Unauthorized):
    code = "token_revoked"
    title_zh, title_en = "该令牌已注销", "Token revoked"


class Forbidden(ServiceError):
    status, code = 403, "forbidden"
    title_zh, title_en = "无权执行此操作", "Forbidden"


class NotFound(ServiceError):
    status, code = 404, "not_found"
    title_zh, title_en = "资源不存在", "Not found"


class OutsideArea(ServiceError):
    """A point in no grid: 404 on /locate, 422 on a report (pass ``status``)."""

    status, code = 404, "outside_area"
    title_zh, title_en = "该位置不在本镇任何网格内", "The point lies in no grid of the town"


class MethodNotAllowed(ServiceError):
    status, code = 405, "method_not_allowed"
    title_zh, title_en = "不支持该请求方法", "Method not allowed"


class NotAcceptable(ServiceError):
    status, code = 406, "not_acceptable"
    title_zh, title_en = "无法提供所要求的格式", "Not acceptable"


class InvalidTransition(ServiceError):
    status, code = 409, "invalid_transition"
    title_zh, title_en = "当前状态下不能执行该操作", "Action not allowed in the current state"


class ClientIdReused(ServiceError):
    status, code = 409, "client_id_reused"
    title_zh, title_en = "client_id 已用于另一份不同的上报", "client_id already used for a different report"


class Conflict(ServiceError):
    status, code = 409, "conflict"
    title_zh, title_en = "与现有数据冲突", "Conflict with existing data"


class VersionMismatch(ServiceError):
    status, code = 412, "version_mismatch"
    title_zh, title_en = "数据已被他人修改，请刷新后重试", "The resource has changed; reload and retry"


class PayloadTooLarge(ServiceError):
    status, code = 413, "payload_too_large"
    title_zh, title_en = "请求体过大", "Payload too large"


class UnsupportedMediaType(ServiceError):
    status, code = 415, "unsupported_media_type"
    title_zh, title_en = "不支持的内容类型", "Unsupported media type"


class TooManyRequests(ServiceError):
    status, code = 429, "too_many_requests"
    title_zh, title_en = "尝试次数过多，请稍后再试", "Too many requests; try again later"

    def __init__(self, detail_zh=None, detail_en=None, retry_after_s=None):
        super().__init__(detail_zh, detail_en)
        self.headers = {"Retry-After": str(retry_after_s)} if retry_after_s else {}


class DatabaseUnavailable(ServiceError):
    """Nothing of the request was kept and trying again is right."""
    status, code = 503, "database_unavailable"
    title_zh, title_en = "数据库暂时无法访问", "Database unavailable"
    headers = {"Retry-After": "5"}


class SchemaOutdated(ServiceError):
    """The database's schema is not the one the running code was written for."""
    status, code = 503, "schema_outdated"
    title_zh, title_en = "数据库结构不是本版程序所需的版本", "Database schema out of date"


class ServiceUnavailable(ServiceError):
    """Sent by the reverse proxy when no worker answers (restarting, overloaded, timed out)."""
    status, code = 503, "service_unavailable"
    title_zh, title_en = "服务暂时无法访问，请稍后重试", "Service unavailable; try again later"


# werkzeug's HTTP errors, by status, mapped onto ours so that routing-level failures
# (unknown path, wrong method, oversize body …) render exactly like domain errors.
_BY_STATUS = {
    400: BadJson, 401: Unauthorized, 403: Forbidden, 404: NotFound, 405: MethodNotAllowed,
    406: NotAcceptable, 409: Conflict, 412: VersionMismatch, 413: PayloadTooLarge,
    415: UnsupportedMediaType, 422: ValidationFailed, 429: TooManyRequests,
}

_NOT_FOUND_PATH = ("没有这个接口地址", "No such path")


def wants_english():
    if not request:
        return False
    best = request.accept_languages.best_match(["zh", "en"], default="zh")
    return best == "en"


def problem_body(error: ServiceError, english=False) -> dict:
    body = {
        "type": f"https://songyuan.example/problems/{error.code}",
        "title": error.title_en if english else error.title_zh,
        "status": error.status,
        "detail": error.detail_en if english else error.detail_zh,
        "code": error.code,
    }
    if error.errors:
        from service.schema_base import translate_messages
        body["errors"] = translate_messages(error.errors) if english else error.errors
    return body


def problem_response(error: ServiceError, headers=None) -> Response:
    """The error as problem+json, with the headers it carries and ``headers``."""
    response = Response(json.dumps(problem_body(error, wants_english()), ensure_ascii=False),
                        status=error.status, mimetype=PROBLEM_JSON)
    for name, value in {**error.headers, **(headers or {})}.items():
        response.headers[name] = value
    return response


# What the reverse proxy answers itself (deploy/nginx/songyuan.conf): a body over its own limit,
# and no worker answering. Written out as static files by ``flask proxy-pages``.
PROXY_ERRORS = {
    413: lambda: PayloadTooLarge("请求体过大：照片不能超过 10 MB", "The request body is too large; "
                                 "a photo must not exceed 10 MB"),
    500: ServiceError,
    502: lambda: ServiceUnavailable(status=502),
    503: ServiceUnavailable,
    504: lambda: ServiceUnavailable("服务响应超时，请稍后重试", "The service timed out; try again later",
                                    status=504),
}


def proxy_pages() -> dict:
    """``{"zh/413.json": body, "en/413.json": body, …}``: the proxy's own answers, in the
    service's problem+json shape, per language."""
    return {f"{language}/{status}.json": json.dumps(problem_body(make(), language == "en"),
                                                    ensure_ascii=False)
            for status, make in PROXY_ERRORS.items() for language in ("zh", "en")}


def from_http_exception(exc: HTTPException) -> ServiceError:
    status = exc.code or 500
    error_class = _BY_STATUS.get(status, ServiceError)
    if status == 404:
        return NotFound(*_NOT_FOUND_PATH)
    if status == 422:
        # flask-smorest / webargs put the field messages in exc.data["messages"]
        messages = getattr(exc, "data", {}).get("messages") or {}
        return ValidationFailed(errors=flatten_locations(messages))
    error = error_class()
    if error_class is ServiceError:
        error.status = status
    return error


def flatten_locations(messages):
    """webargs nests messages by location ({"json": {...}}); the contract wants fields."""
    flat = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            flat.update(fields)
        else:
            flat[location] = fields
    return flat


def _reads_json(view, method) -> bool:
    """Whether a flask-smorest view takes its arguments from a JSON body."""
    view = getattr(getattr(view, "view_class", None), method.lower(), view)  # MethodView
    parameters = getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", [])
    return any(parameter.get("in") == "json" for parameter in parameters)


def register_error_handlers(app):
    @app.before_request
    def _json_endpoints_take_json():
        # webargs reads a non-JSON body as "no body" and answers 422 "field required";
        # the contract's answer for a body of the wrong media type is 415.
        has_body = request.content_length or request.headers.get("Transfer-Encoding")
        if has_body and not request.is_json and _reads_json(
                app.view_functions.get(request.endpoint), request.method):
            raise UnsupportedMediaType("请以 application/json 格式发送请求体",
                                       "Send the request body as application/json")

    @app.errorhandler(ServiceError)
    def _service_error(error):
        return problem_response(error)

    @app.errorhandler(HTTPException)
    def _http_error(exc):
        headers = {}
        if exc.code == 405 and exc.valid_methods:
            headers["Allow"] = ", ".join(exc.valid_methods)
        return problem_response(from_http_exception(exc), headers)

    @app.errorhandler(OperationalError)
    def _database_trouble(exc):
        # A lost link, a restarting server, a lock or statement timed out, a deadlock: nothing
        # of the request was kept (its transaction ends with it) and trying again is right.
        log.warning("database unavailable on %s %s: %s", request.method, request.path,
                    exc.orig)
        return problem_response(DatabaseUnavailable())

    @app.errorhandler(Exception)
    def _unexpected(exc):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return problem_response(ServiceError())
