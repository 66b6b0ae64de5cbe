"""An access key's budget of requests (接入密钥限流): at most ACCESS_KEY_REQUESTS_PER_MINUTE in a
minute, then 429 with ``Retry-After`` until the next minute begins. An integration gone wrong —
a loop filing the same report, a search polled every second — is slowed down before it takes
the workers from the phones.

Counted per key in the database, so every worker and every server spends from one budget;
counted before the request's own work and committed at once (``write_before_work``), so a
refused request costs one statement and a request that fails later counts too."""
import logging
import math

from flask import current_app, g
from flask_jwt_extended import decode_token
from flask_jwt_extended.exceptions import JWTExtendedException
from jwt import PyJWTError
from sqlalchemy import bindparam, text
from sqlalchemy.exc import IntegrityError

from geo.engine import write_before_work
from service.auth import api_keys
from service.errors import TooManyRequests
from service.extensions import db
from service.models.types import UtcDateTime, utcnow

log = logging.getLogger(__name__)

# One row per key: the same minute adds one, a new minute starts again at one.
_SPEND = text(
    "INSERT INTO access_key_windows (jti, window_start, requests) VALUES (:jti, :window, 1) "
    "ON CONFLICT (jti) DO UPDATE SET requests = CASE "
    "WHEN access_key_windows.window_start = excluded.window_start "
    "THEN access_key_windows.requests + 1 ELSE 1 END, window_start = excluded.window_start "
    "RETURNING requests").bindparams(bindparam("window", type_=UtcDateTime))


def key_of(bearer_token):
    """The key id (jti) when ``bearer_token`` is a well-signed, unexpired access key, else None
    (whether it is revoked is for the token check that follows)."""
    try:
        claims = decode_token(bearer_token)
    except (PyJWTError, JWTExtendedException):
        return None
    return claims["jti"] if claims.get(api_keys.CLAIM) else None


def spend(jti):
    """Count one request of key ``jti``; TooManyRequests past its budget for this minute."""
    limit = current_app.config["ACCESS_KEY_REQUESTS_PER_MINUTE"]
    if not limit:
        return
    now = utcnow()
    try:
        [(requests,)] = write_before_work(
            db.session, _SPEND, {"jti": jti, "window": now.replace(second=0, microsecond=0)})
    except IntegrityError:
        db.session.rollback()
        return  # a key without its record: the token check that follows refuses it
    seconds = math.ceil(60 - now.second - now.microsecond / 1e6) or 1
    g.key_budget = {"RateLimit-Limit": str(limit),
                    "RateLimit-Remaining": str(max(limit - requests, 0)),
                    "RateLimit-Reset": str(seconds)}
    if requests <= limit:
        return
    if requests == limit + 1:
        log.warning("access key %s over its budget of %d requests a minute", jti[:8], limit)
    raise TooManyRequests(f"接入密钥每分钟最多 {limit} 次请求，请 {seconds} 秒后再试",
                          f"An access key may make {limit} requests a minute; "
                          f"try again in {seconds} s", retry_after_s=seconds)


def tell_budget(response):
    """``after_request``: a key's answer says what is left of its budget (RateLimit-Limit,
    -Remaining, -Reset in seconds), so that an integration can pace itself."""
    response.headers.extend(g.pop("key_budget", {}))
    return response
