"""The signed-in caller of the current request."""
from functools import wraps

from flask import g
from flask_jwt_extended import current_user, get_jwt, verify_jwt_in_request

from service.extensions import db
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
    if "scope" not in g:
        g.scope = scope_of(current_user, db.session)
    return g.scope


def token_claims() -> dict:
    return get_jwt()
