"""The signed-in caller of the current request."""
from functools import wraps

from flask import g
from flask_jwt_extended import current_user, get_jwt, verify_jwt_in_request

from service.scope import Scope, scope_of


def login_required(view):
    """Require a valid, unrevoked access token of an active user."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        verify_jwt_in_request()
        return view(*args, **kwargs)

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
