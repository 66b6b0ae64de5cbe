"""Command-line entry points (``flask --app service <command>``)."""
import click
from flask import current_app
from flask_migrate import upgrade

from service.demo import DemoRefused, load_demo_town, town_is_loaded
from service.extensions import db


def register_commands(app):
    app.cli.add_command(demo_group)
    app.cli.add_command(setup_command)
    from service.geography.boundary_commands import boundaries_group
    app.cli.add_command(boundaries_group)
    from service.disputes.commands import disputes_group, notifications_group
    app.cli.add_command(disputes_group)
    app.cli.add_command(notifications_group)


@click.group("demo", help="示例数据（演示镇）")
def demo_group():
    pass


@demo_group.command("load")
@click.option("--seed", default=2023, show_default=True, help="生成演示镇的随机种子")
@click.option("--if-empty", is_flag=True, help="数据库中已有镇时什么也不做")
def demo_load(seed, if_empty):
    """生成并载入示例镇：23 个村（社区）、94 个网格、各级人员。"""
    if if_empty and town_is_loaded(db.session):
        click.echo("数据库中已有镇的数据，跳过示例数据。")
        return
    try:
        town = load_demo_town(db.session, seed, current_app.config["ALLOW_DEMO_PASSWORD"])
    except DemoRefused as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"已载入示例镇：{town.name}（{town.code}），演示密码 songyuan-demo")


@click.command("setup", help="建库：执行迁移；数据库为空时载入示例镇")
@click.option("--no-demo", is_flag=True, help="不载入示例数据")
def setup_command(no_demo):
    upgrade()
    if not no_demo and current_app.config["ALLOW_DEMO_PASSWORD"] and not town_is_loaded(db.session):
        town = load_demo_town(db.session)
        click.echo(f"已载入示例镇：{town.name}（{town.code}）")
