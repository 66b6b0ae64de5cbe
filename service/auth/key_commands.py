"""``flask api-keys check``: access keys that stop working soon, for cron. A key that expires
unnoticed stops a 12345 platform filing into the town overnight."""
from datetime import timedelta

import click
from sqlalchemy import select

from service.auth import api_keys
from service.extensions import db
from service.models import IssuedToken, User
from service.models.types import utcnow
from service.notifications import remind_administrators
from service.schema_base import town_time

WARN_DAYS = 30
KIND = "api_key_expiring"


@click.group("api-keys", help="Open311 接入密钥")
def api_keys_group():
    pass


@api_keys_group.command("check")
def check_command():
    """列出 30 天内到期的接入密钥；有则通知在岗的管理员（每把密钥一次）并以退出码 1 结束。"""
    now = utcnow()
    expiring = db.session.execute(
        select(IssuedToken, User).join(User, User.id == IssuedToken.user_id).where(
            IssuedToken.kind == api_keys.KIND, IssuedToken.revoked_at.is_(None), User.active,
            IssuedToken.expires_at > now, IssuedToken.expires_at <= now + timedelta(days=WARN_DAYS))
        .order_by(IssuedToken.expires_at)).all()
    if not expiring:
        click.echo(f"没有 {WARN_DAYS} 天内到期的接入密钥")
    for key, account in expiring:
        title, message = reminder(key, account)
        click.echo(message, err=True)
        remind_administrators(db.session, KIND, title, message)
    db.session.commit()
    if expiring:
        raise SystemExit(1)


def reminder(key, account):
    expires = town_time(key.expires_at).strftime("%Y-%m-%d %H:%M")
    used = (f"最近一次使用在 {town_time(key.last_used_at):%Y-%m-%d %H} 时" if key.last_used_at
            else "还没有用过")
    title = f"接入密钥“{key.device_id}”（{account.name}）将于 {expires} 到期"
    message = (f"{account.name}（{account.username}）的接入密钥“{key.device_id}”将于 {expires} 到期，"
               f"{used}。到期后用它的系统不能再提交和查询：请为该账号签发新密钥"
               f"（POST /api/v1/accounts/{account.id}/api-keys）交给对方，换上后吊销旧的。")
    return title, message
