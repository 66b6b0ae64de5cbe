"""``flask tokens prune``: the sign-in record without what no check needs any more, for cron.

Every sign-in and every refresh (a phone in use: one every half hour) records two tokens; a
town's phones add some seven million rows a year. A token that expired is refused by its
signature's time alone, so its row only tells when the account was last seen: each account
keeps its newest. Access keys stay (they are on the account's record until revoked and
beyond). Failed sign-ins are needed for the lockout window only."""
from datetime import timedelta

import click
from sqlalchemy import delete, select
from sqlalchemy.orm import aliased

from service.extensions import db
from service.models import IssuedToken, LoginFailure
from service.models.types import utcnow

SIGN_IN_KINDS = ("access", "refresh")  # not api_key
BATCH = 5000  # rows a statement: SQLite's writers wait no longer than one batch


@click.group("tokens", help="登录令牌记录")
def tokens_group():
    pass


@tokens_group.command("prune")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 3650),
              help="删除过期已满这么多天的登录令牌记录和这么多天前的登录失败记录")
def prune_command(days):
    """删除过期已久的登录令牌记录（每个账号保留最近的一条，“最近登录”不变；接入密钥不删）和旧的登录失败记录。"""
    cutoff = utcnow() - timedelta(days=days)
    token, newer = aliased(IssuedToken), aliased(IssuedToken)
    stale = select(token.jti).where(
        token.kind.in_(SIGN_IN_KINDS), token.expires_at < cutoff,
        select(newer.jti).where(newer.user_id == token.user_id, newer.kind.in_(SIGN_IN_KINDS),
                                newer.issued_at > token.issued_at)
        .correlate(token).exists()).limit(BATCH)
    tokens = _in_batches(lambda: delete(IssuedToken).where(IssuedToken.jti.in_(stale)))
    old_failures = select(LoginFailure.id).where(LoginFailure.failed_at < cutoff).limit(BATCH)
    failures = _in_batches(lambda: delete(LoginFailure).where(LoginFailure.id.in_(old_failures)))
    click.echo(f"删除了 {tokens} 条过期满 {days} 天的登录令牌记录、{failures} 条登录失败记录")


def _in_batches(statement):
    removed = 0
    while True:
        count = db.session.execute(statement(), execution_options={
            "synchronize_session": False}).rowcount
        db.session.commit()
        removed += count
        if count < BATCH:
            return removed
