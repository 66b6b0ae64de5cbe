"""The signed-in caller of the current request."""
from functools import wraps

from flask import g, request
from flask_jwt_extended import current_user, get_jwt, verify_jwt_in_request

from service.auth import api_keys, key_budget
from service.errors import Forbidden
from service.scope import Scope, scope_of


def login_required(view):
    """Require a valid, unrevoked access token of an active user; an access key only where
    keys are taken (``api_keys.taken_here``)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        verify_jwt_in_request()
        claims = get_jwt()
        if claims.get(api_keys.CLAIM):
            if not api_keys.taken_here(request):
                raise Forbidden("接入密钥只能用于 Open311 接口（/api/v1/georeport/v2/）",
                                "An access key works on the Open311 endpoints only")
            api_keys.note_use(claims["jti"])
        return view(*args, **kwargs)

    return wrapper


def key_or_token_required(view):
    """``login_required``, where Open311's ``api_key`` parameter (query or form) may stand
    for the bearer token: the key is checked exactly as a token in the header is, after its
    request is counted against its budget (``key_budget``)."""
    checked = login_required(view)

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.values.get("api_key")
        if key and "Authorization" not in request.headers:
            # flask-jwt-extended reads tokens from the header; werkzeug's request headers are
            # a view of the WSGI environ, read when asked.
            request.environ["HTTP_AUTHORIZATION"] = f"Bearer {key}"
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        jti = key_budget.key_of(token) if scheme == "Bearer" else None
        if jti is not None:
            key_budget.spend(jti)
        return checked(*args, **kwargs)

    return wrapper


def caller():
    return current_user


def caller_scope() -> Scope:
    """The caller's scope, computed once per request (keyed by user, so a reused ``g`` in
    tests or background jobs can never hand one user's scope to another)."""
    cached = g.get("caller_scope")
    if cached is None or cached[0] != current_user.id:
        cached = g.caller_scope = (current_user.id, scope_of(current_user))
    return cached[1]


def token_claims() -> dict:
    return get_jwt()
