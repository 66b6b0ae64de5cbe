"""Access and refresh tokens: issued, rotated and revoked on the record (issued_tokens)."""
import uuid
from datetime import timedelta

from flask import current_app, g
from flask_jwt_extended import create_access_token, create_refresh_token
from sqlalchemy import false, func, or_, select, update

from service.errors import TokenExpired, TokenRevoked, Unauthorized, problem_response
from service.auth.caller import TOKEN_AND_HOLDER, caller_of
from service.extensions import db, jwt
from service.models import IssuedToken, User
from service.models.types import utcnow


def issue_token_pair(user: User, device_id=None) -> dict:
    """Sign a new access + refresh pair for ``user`` and record both."""
    now = utcnow()
    access_life = timedelta(minutes=current_app.config["ACCESS_TOKEN_MINUTES"])
    refresh_life = timedelta(days=current_app.config["REFRESH_TOKEN_DAYS"])
    refresh_jti, access_jti = str(uuid.uuid4()), str(uuid.uuid4())
    identity = str(user.id)
    refresh = create_refresh_token(identity, expires_delta=refresh_life,
                                   additional_claims={"jti": refresh_jti})
    access = create_access_token(identity, expires_delta=access_life,
                                 additional_claims={"jti": access_jti, "rjti": refresh_jti})
    db.session.add_all([
        IssuedToken(jti=refresh_jti, user_id=user.id, kind="refresh", device_id=device_id,
                    issued_at=now, expires_at=now + refresh_life),
        IssuedToken(jti=access_jti, user_id=user.id, kind="access", refresh_jti=refresh_jti,
                    device_id=device_id, issued_at=now, expires_at=now + access_life),
    ])
    return {"access_token": access, "refresh_token": refresh, "token_type": "Bearer",
            "expires_in": int(access_life.total_seconds())}


def rotate_refresh_token(user: User, refresh_jti: str) -> dict:
    """Spend a refresh token once: the conditional UPDATE lets exactly one of two racing
    refreshes through."""
    spent = db.session.execute(
        update(IssuedToken)
        .where(IssuedToken.jti == refresh_jti, IssuedToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    ).rowcount
    if spent != 1:
        raise TokenRevoked()
    device_id = db.session.get(IssuedToken, refresh_jti).device_id
    return issue_token_pair(user, device_id)


def revoke_tokens_of(user_id: int, keep=()):
    """Every token the account holds stops working now, but those of the sessions ``keep``
    names (refresh tokens' jti: the refresh token and the access tokens issued with it)."""
    kept = or_(IssuedToken.jti.in_(keep), IssuedToken.refresh_jti.in_(keep)) if keep else false()
    db.session.execute(update(IssuedToken).where(IssuedToken.user_id == user_id,
                                                 IssuedToken.revoked_at.is_(None), ~kept)
                       .values(revoked_at=utcnow()))


def sign_ins_of(user_id: int) -> dict:
    """When the account last signed in or refreshed its session (a phone in use), and how many
    sessions (devices) are signed in now; access keys, issued by an administrator, are neither."""
    now = utcnow()
    last_seen, sessions = db.session.execute(
        select(func.max(IssuedToken.issued_at),
               func.count().filter(IssuedToken.kind == "refresh",
                                   IssuedToken.revoked_at.is_(None),
                                   IssuedToken.expires_at > now))
        .where(IssuedToken.user_id == user_id, IssuedToken.kind.in_(("access", "refresh")))).one()
    return {"last_seen_at": last_seen, "signed_in_sessions": sessions}


def revoke_session(access_jti: str, refresh_jti: str | None):
    """Logout: the access token, its refresh token and that refresh's other access tokens."""
    conditions = [IssuedToken.jti == access_jti]
    if refresh_jti:
        conditions += [IssuedToken.jti == refresh_jti, IssuedToken.refresh_jti == refresh_jti]
    db.session.execute(update(IssuedToken).where(or_(*conditions), IssuedToken.revoked_at.is_(None))
                       .values(revoked_at=utcnow()))


@jwt.token_in_blocklist_loader
def _is_revoked(_header, payload):
    """Runs on every request: the token's state and its holder, in one statement."""
    jti = payload.get("jti")
    found = caller_of(db.session.execute(TOKEN_AND_HOLDER, {"jti": jti}).all())
    if found is None:
        return True  # unknown tokens are refused too
    revoked_at, holder = found
    g.token_holder = (jti, holder)
    return revoked_at is not None


@jwt.user_lookup_loader
def _load_user(_header, payload):
    """The Caller read by ``_is_revoked`` for this very token, if still active."""
    jti, holder = g.pop("token_holder", (None, None))
    try:
        user_id = int(payload["sub"])
    except (KeyError, TypeError, ValueError):
        return None
    if holder is None or jti != payload.get("jti") or holder.id != user_id:
        return None
    return holder if holder.active else None


@jwt.expired_token_loader
def _expired(_header, _payload):
    return problem_response(TokenExpired())


@jwt.revoked_token_loader
def _revoked(_header, _payload):
    return problem_response(TokenRevoked())


@jwt.invalid_token_loader
def _invalid(_reason):
    return problem_response(Unauthorized("令牌无效", "Invalid token"))


@jwt.unauthorized_loader
def _missing(_reason):
    return problem_response(Unauthorized("缺少令牌：请在 Authorization 头中提供 Bearer 令牌",
                                         "Missing bearer token"))


@jwt.user_lookup_error_loader
def _user_gone(_header, _payload):
    return problem_response(Unauthorized("账号不存在或已停用", "Account unknown or inactive"))
