"""Command-line entry points (``flask --app service <command>``)."""
from pathlib import Path

import click
from flask import current_app
from flask_migrate import upgrade

from service.demo import DemoRefused, load_demo_town, town_is_loaded
from service.extensions import db


def register_commands(app):
    app.cli.add_command(demo_group)
    app.cli.add_command(setup_command)
    app.cli.add_command(proxy_pages_command)
    app.cli.add_command(supervise_command)
    from service.geography.boundary_commands import boundaries_group
    app.cli.add_command(boundaries_group)
    from service.disputes.commands import disputes_group, notifications_group
    app.cli.add_command(disputes_group)
    app.cli.add_command(notifications_group)
    from service.charts.commands import charts_group
    app.cli.add_command(charts_group)
    from service.people.commands import people_group
    app.cli.add_command(people_group)
    from service.holidays.commands import calendar_group
    app.cli.add_command(calendar_group)
    from service.auth.key_commands import api_keys_group
    app.cli.add_command(api_keys_group)
    from service.auth.token_commands import tokens_group
    app.cli.add_command(tokens_group)
    from service.backup import backup_command
    app.cli.add_command(backup_command)


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


@demo_group.command("replay-2023")
@click.option("--seed", default=2023, show_default=True, help="回放的随机种子")
def demo_replay_2023(seed):
    """在示例镇上回放 2023 年：事件上报与处置、信访、纠纷调解（与镇年度报告的数字一致）。"""
    if not current_app.config["ALLOW_DEMO_PASSWORD"]:
        raise click.ClickException("生产环境不能回放示例数据")
    _replay(seed)


def _replay(seed=2023):
    from service.replay import ReplayRefused, replay_2023
    click.echo("正在回放 2023 年的业务数据……")
    try:
        summary = replay_2023(db.session, seed)
    except ReplayRefused as exc:
        raise click.ClickException(str(exc)) from None
    received = sum(summary["disputes_received"].values())
    click.echo(f"已回放 2023 年：事件 {sum(summary['incidents_by_category'].values())} 件，"
               f"信访 {sum(summary['petitions'].values())} 件，纠纷 {received} 宗"
               f"（调解成功 {summary['disputes_agreed_2023']} 宗），用时 {summary['seconds']} 秒")


@click.command("setup", help="建库：执行迁移；数据库为空时载入示例镇并回放 2023 年")
@click.option("--no-demo", is_flag=True, help="不载入示例数据")
@click.option("--no-replay", is_flag=True, help="载入示例镇后不回放 2023 年的业务数据")
def setup_command(no_demo, no_replay):
    upgrade()
    if not no_demo and current_app.config["ALLOW_DEMO_PASSWORD"] and not town_is_loaded(db.session):
        town = load_demo_town(db.session)
        click.echo(f"已载入示例镇：{town.name}（{town.code}）")
        if not no_replay:
            _replay()


@click.command("supervise")
def supervise_command():
    """逾期督办：逾期的纠纷、信访事项和 12345 工单沿四级网格链上升一级并通知（可每几分钟运行，可并发）。"""
    from service.supervision import supervise_overdue
    done = supervise_overdue(db.session)
    for item in done:
        click.echo(f"{item.number}: 第{item.from_level}级 → 第{item.to_level}级")
    click.echo(f"督办 {len(done)} 件")


@click.command("proxy-pages", help="写出反向代理自己回答时用的 problem+json 页面（413、5xx，中英文）")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def proxy_pages_command(directory):
    from service.errors import proxy_pages
    pages = proxy_pages()
    for name, body in pages.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body + "\n", encoding="utf-8")
    click.echo(f"已写入 {len(pages)} 个页面：{directory}")
