"""Access keys (接入密钥) for systems that speak Open311: Open311 clients authenticate with an
``api_key`` and cannot sign in. A key is a long-lived access token of an account, issued by an
administrator and on the record like every token (issued_tokens, kind ``api_key``): it acts
with that account's roles and area, only on the Open311 endpoints (and the photos their
answers link to), until it expires or is revoked — by the administrator, or with the account's
other tokens (停用, 重设密码, 修改密码)."""
import logging
import uuid
from datetime import timedelta

from flask import g
from flask_jwt_extended import create_access_token
from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from geo.engine import write_after_work
from service.errors import Conflict, NotFound
from service.extensions import db
from service.models import IssuedToken
from service.models.types import UtcDateTime, utcnow

log = logging.getLogger(__name__)

KIND = "api_key"
CLAIM = "api_key"  # marks the access token as a key (service.auth.current.login_required)
# Where a key is taken: the Open311 endpoints, and the photos their media_url points at.
BLUEPRINTS = frozenset({"georeport"})
ENDPOINTS = frozenset({"incidents.photo"})


def taken_here(request):
    """Whether ``request`` goes to an endpoint that takes access keys."""
    return request.blueprint in BLUEPRINTS or request.endpoint in ENDPOINTS


# A key's last use is kept to the hour: one write an hour per key, not one per request.
USE_PRECISION = timedelta(hours=1)
_tokens = IssuedToken.__table__
_MARK_USED = update(_tokens).where(
    _tokens.c.jti == bindparam("key_jti"),
    or_(_tokens.c.last_used_at.is_(None),
        _tokens.c.last_used_at < bindparam("stale", type_=UtcDateTime))
).values(last_used_at=bindparam("now", type_=UtcDateTime))


def note_use(jti):
    """The request is made with key ``jti`` (written by ``write_use`` if it succeeds)."""
    g.api_key_used = jti


def write_use(response):
    """``after_request``: the key's last use, when its request succeeded and the last one
    written is an hour old (``write_after_work``); a failure to write is logged, the answer
    still sent."""
    jti = g.pop("api_key_used", None)
    if jti is None or not 200 <= response.status_code < 300:
        return response
    now = utcnow()
    params = {"key_jti": jti, "stale": now - USE_PRECISION, "now": now}
    try:
        write_after_work(db.session, _MARK_USED, params)
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("last use of access key %s not written", jti[:8], exc_info=True)
    return response


def refuse_for(user):
    """Keys are for accounts made for the system that uses them, never an administrator's."""
    if "admin" in user.role_names:
        raise Conflict("管理员账号不能签发接入密钥：请为接入的系统建一个专用账号",
                       "No access key for an administrator: make an account for the system")


def issue(user, name, days):
    """A new key of ``user`` named ``name``, valid for ``days``: (its record, the key itself,
    which is not stored and is shown only now)."""
    now, jti = utcnow(), str(uuid.uuid4())
    life = timedelta(days=days)
    key = create_access_token(str(user.id), expires_delta=life,
                              additional_claims={"jti": jti, CLAIM: True})
    row = IssuedToken(jti=jti, user_id=user.id, kind=KIND, device_id=name, issued_at=now,
                      expires_at=now + life)
    db.session.add(row)
    return row, key


def keys_of(user_id):
    """The account's keys, newest first."""
    return db.session.scalars(select(IssuedToken).where(IssuedToken.user_id == user_id,
                                                        IssuedToken.kind == KIND)
                              .order_by(IssuedToken.issued_at.desc())).all()


def revoke(user_id, key_id):
    """Stop key ``key_id`` of the account working: (its record, whether this revoked it — a
    key revoked before stays as it was)."""
    row = db.session.scalar(select(IssuedToken).where(
        IssuedToken.jti == key_id, IssuedToken.user_id == user_id, IssuedToken.kind == KIND))
    if row is None:
        raise NotFound("接入密钥不存在", "Access key not found")
    changed = db.session.execute(update(IssuedToken).where(IssuedToken.jti == key_id,
                                                           IssuedToken.revoked_at.is_(None))
                                 .values(revoked_at=utcnow())).rowcount == 1
    db.session.refresh(row)
    return row, changed
