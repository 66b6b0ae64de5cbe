"""Sign-in actions: check, act, raise a domain error."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from config import DEMO_PASSWORD
from service.auth.passwords import hash_password, verify_password, weak_password_problems
from service.auth.tokens import (issue_token_pair, revoke_session, revoke_tokens_of,
                                 rotate_refresh_token)
from service.errors import Forbidden, TooManyRequests, Unauthorized, ValidationFailed
from service.extensions import db
from service.models import LoginFailure, User
from service.models.types import utcnow

BAD_CREDENTIALS = ("用户名或密码错误", "Wrong username or password")


def login(username: str, password: str, address: str, device_id=None) -> dict:
    _refuse_when_throttled(username, address)
    user = db.session.scalar(select(User).where(User.username == username))
    if not _verified(user.password_hash if user else None, password, username, address):
        raise Unauthorized(*BAD_CREDENTIALS)
    if password == DEMO_PASSWORD and not current_app.config["ALLOW_DEMO_PASSWORD"]:
        raise Forbidden("演示密码在生产环境中不可用，请由管理员重设密码",
                        "The demo password is refused in production; have it reset")
    if not user.active:
        raise Forbidden("账号已停用，请联系管理员", "This account is deactivated")
    db.session.execute(delete(LoginFailure).where(LoginFailure.username == username,
                                                  LoginFailure.address == address))
    tokens = issue_token_pair(user, device_id)
    db.session.commit()
    return {**tokens, "user": user}


def _verified(password_hash, password, username, address) -> bool:
    """Whether ``password`` is right. A wrong one counts against the name and address
    (throttling) and is stored at once, whatever the request does next."""
    if verify_password(password_hash, password):
        return True
    db.session.add(LoginFailure(username=username, address=address))
    db.session.commit()
    return False


def _refuse_when_throttled(username, address):
    window = timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])
    failures = db.session.scalar(
        select(func.count()).select_from(LoginFailure).where(
            LoginFailure.username == username, LoginFailure.address == address,
            LoginFailure.failed_at > utcnow() - window))
    if failures >= current_app.config["LOGIN_FAILURE_LIMIT"]:
        minutes = int(window.total_seconds() // 60)
        raise TooManyRequests(f"登录失败次数过多，请 {minutes} 分钟后再试",
                              f"Too many failed sign-ins; try again in {minutes} minutes",
                              retry_after_s=int(window.total_seconds()))


def refresh(user: User, refresh_jti: str) -> dict:
    tokens = rotate_refresh_token(user, refresh_jti)
    db.session.commit()
    return tokens


def logout(claims: dict):
    revoke_session(claims["jti"], claims.get("rjti"))
    db.session.commit()


def change_password(caller, claims: dict, current: str, new: str, address: str):
    """The holder's own new password. A wrong current password counts as a failed sign-in
    (a stolen phone cannot guess it unthrottled); every other session is signed out."""
    from service.people.accounts import Operator, record
    _refuse_when_throttled(caller.username, address)
    user = db.session.get(User, caller.id)
    if not _verified(user.password_hash, current, user.username, address):
        raise ValidationFailed(errors={"current_password": ["当前密码不对"]})
    problems = weak_password_problems(new, user.username, current)
    if problems:
        raise ValidationFailed(errors={"new_password": problems})
    user.password_hash = hash_password(new)
    revoke_tokens_of(user.id, keep=[claims["rjti"]] if claims.get("rjti") else [])
    record(db.session, user, "password_changed", None, Operator(user.username, user.id))
    db.session.commit()
