"""``flask disputes …``: chain verification, routing rules; and notification delivery."""
import click
from flask import current_app
from sqlalchemy import select

from service.disputes import record
from service.extensions import db
from service.models import RoutingRule
from service.notifications.senders import deliver_pending, load_sender


@click.group("disputes", help="矛盾纠纷：案卷哈希链校验、分派规则")
def disputes_group():
    pass


@disputes_group.command("verify")
@click.option("--id", "dispute_id", type=int, default=None, help="只校验这一件")
def verify_command(dispute_id):
    """校验案卷哈希链；指出每条断链的第一处。"""
    broken = record.verify(db.session, dispute_id)
    for link in broken:
        click.echo(f"{link.number} 第 {link.sequence} 条（记录 {link.event_id}）：{link.reason}", err=True)
    if broken:
        raise click.ClickException(f"{len(broken)} 件案卷的记录链被破坏")
    click.echo("案卷记录链完整")


@disputes_group.command("rules")
def rules_command():
    """列出纠纷分派规则（按优先级）。"""
    for rule in db.session.scalars(select(RoutingRule).order_by(RoutingRule.priority)):
        click.echo(f"{rule.priority:>4}  {rule.condition:<14} → {rule.target_level:<8} {rule.reason}")


@click.group("notifications", help="通知外发")
def notifications_group():
    pass


@notifications_group.command("deliver")
def deliver_command():
    """把未发送的通知交给配置的发送器（NOTIFICATION_SENDER）。"""
    sender = load_sender(current_app.config["NOTIFICATION_SENDER"])
    click.echo(f"已发送 {deliver_pending(db.session, sender)} 条通知")
