"""Sign-in endpoints: /auth/login, /auth/refresh, /auth/logout, /me, /me/password."""
from flask import request
from flask_jwt_extended import current_user, get_jwt, verify_jwt_in_request
from flask_smorest import Blueprint

from service.auth import actions
from service.auth.current import login_required
from service.auth.schemas import (LoginAnswerSchema, LoginSchema, MeSchema, PasswordChangeSchema,
                                  TokenPairSchema)
from service.scope import levels_of, scope_of

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="登录与当前用户")


def describe_user(user):
    scope = scope_of(user)
    return {
        "id": user.id, "username": user.username, "name": user.name,
        "roles": sorted(user.role_names), "levels": levels_of(user),
        "scope": {"town": scope.town_wide, "village_ids": sorted(scope.village_ids),
                  "grid_ids": sorted(scope.grid_ids), "committee_ids": sorted(scope.committee_ids)},
    }


@blp.route("/auth/login", methods=["POST"])
@blp.arguments(LoginSchema)
@blp.response(200, LoginAnswerSchema)
@blp.alt_response(401, response="UNAUTHORIZED", description="用户名或密码不对（两者不分）")
@blp.alt_response(429, response="TOO_MANY_REQUESTS",
                  description="此用户名从此地址登录失败次数过多（带 Retry-After）")
@blp.doc(security=[])
def login(body):
    """登录：用户名和密码换取访问令牌与刷新令牌"""
    answer = actions.login(body["username"], body["password"], request.remote_addr or "",
                           body["device_id"])
    return {**answer, "user": describe_user(answer["user"])}


@blp.route("/auth/refresh", methods=["POST"])
@blp.response(200, TokenPairSchema)
@blp.doc(security=[{"bearerAuth": []}], description="以刷新令牌作为 Bearer；旧刷新令牌随即失效")
def refresh():
    """刷新：用刷新令牌换一对新令牌（轮换）"""
    verify_jwt_in_request(refresh=True)
    return actions.refresh(current_user, get_jwt()["jti"])


@blp.route("/auth/logout", methods=["POST"])
@login_required
@blp.response(204)
def logout():
    """退出登录：注销访问令牌及其刷新令牌"""
    actions.logout(get_jwt())


@blp.route("/me", methods=["GET"])
@login_required
@blp.response(200, MeSchema)
def me():
    """当前用户：角色、网格员级别与可见范围"""
    return describe_user(current_user)


@blp.route("/me/password", methods=["POST"])
@login_required
@blp.arguments(PasswordChangeSchema)
@blp.response(204)
@blp.alt_response(429, response="TOO_MANY_REQUESTS", description="当前密码错误次数过多")
def change_password(body):
    """修改本人密码：须提供当前密码；本次登录保留，其他设备上的登录随即失效"""
    actions.change_password(current_user, get_jwt(), body["current_password"],
                            body["new_password"], request.remote_addr or "")
