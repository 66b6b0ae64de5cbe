"""``flask people export|import|deactivate|reset-password``: the town's accounts from the
command line (the roster format is in service/people/roster.py)."""
import getpass
import os
import sys
from pathlib import Path

import click

from service.extensions import db
from service.schema_base import town_time
from service.people.accounts import (ACCOUNT_ACTION_NAMES, Operator, account, apply_roster,
                                     deactivate, history, operator_label,
                                     reset_password)
from service.people.roster import (Places, RosterErrors, all_users, decode_roster, read_roster,
                                  roster_csv)


@click.group("people", help="人员账号：花名册导出与导入、停用、重设密码、变更记录")
def people_group():
    pass


def operator():
    """Who is running the command, for the account's record: the person behind ``sudo`` rather
    than root."""
    return Operator(os.environ.get("SUDO_USER") or getpass.getuser())


@people_group.command("export")
@click.argument("roster_file", default="-", type=click.Path(dir_okay=False, allow_dash=True))
def export_command(roster_file):
    """导出花名册（CSV，表格软件可直接打开；文件仅本人可读）；不带文件名时写到标准输出。"""
    users = all_users(db.session)
    text = roster_csv(users, Places.of(db.session))
    if roster_file == "-":
        click.echo(text, nl=False)
    else:
        _write_private(roster_file, text)  # it holds everyone's phone number
        click.echo(f"已导出 {len(users)} 个账号到 {roster_file}（仅本人可读）", err=True)


@people_group.command("import")
@click.argument("roster_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--passwords", "passwords_file", type=click.Path(dir_okay=False),
              help="新账号的初始密码写到这个文件（仅本人可读）；有新账号时必填")
@click.option("--deactivate-absent", is_flag=True,
              help="停用文件中没有的在岗账号（文件是完整的花名册，离开的人已从中删去）")
@click.option("--dry-run", is_flag=True, help="只校验并列出将要做的变更，不写入")
def import_command(roster_file, passwords_file, deactivate_absent, dry_run):
    """校验并导入花名册：文件中的账号改成文件所写（调动网格、任职、停用……），文件中没有的账号不动
    （加 --deactivate-absent 则停用）；有任何错误时逐行列出，不写入任何数据。"""
    places = Places.of(db.session)
    try:
        people = read_roster(_read_text(roster_file), places)
        with click.progressbar(length=len(people), label="导入账号", file=sys.stderr) as bar:
            changes = apply_roster(db.session, people, places, operator(), bar.update,
                                   deactivate_absent)
    except RosterErrors as errors:
        db.session.rollback()
        for line, message in errors.problems:
            click.echo(f"第 {line} 行：{message}" if line else message, err=True)
        raise click.ClickException(f"发现 {len(errors.problems)} 个问题，未写入任何数据") from None
    if changes.created and not passwords_file and not dry_run:
        db.session.rollback()
        raise click.ClickException(
            f"有 {len(changes.created)} 个新账号，请用 --passwords 指定写入初始密码的文件；未写入任何数据")
    for username, differences in changes.changed:
        click.echo(f"变更：{username}：{differences}")
    for username, _ in changes.created:
        click.echo(f"新建：{username}")
    if changes.deactivated:
        for username in changes.absent:
            click.echo(f"停用：{username}（花名册中没有）")
    summary = (f"新建 {len(changes.created)} 个、变更 {len(changes.changed)} 个、"
               f"未变 {changes.unchanged} 个账号")
    if changes.absent:
        summary += (f"、停用文件中没有的 {len(changes.absent)} 个" if changes.deactivated else
                    f"；文件中没有的 {len(changes.absent)} 个在岗账号未改动"
                    f"（离开的人要停用：加 --deactivate-absent）")
    if dry_run:
        db.session.rollback()
        click.echo(f"（试运行，未写入）{summary}")
        return
    if changes.created:
        _write_private(passwords_file, "账号,初始密码\r\n" + "".join(
            f"{username},{password}\r\n" for username, password in changes.created))
    db.session.commit()
    click.echo(summary + (f"；初始密码已写入 {passwords_file}" if changes.created else ""))


@people_group.command("deactivate")
@click.argument("username")
def deactivate_command(username):
    """停用账号：不能再登录，已发的令牌随即失效；案卷中的记录不变。"""
    _act(lambda: deactivate(db.session, account(db.session, username), operator()))
    click.echo(f"已停用 {username}")


@people_group.command("reset-password")
@click.argument("username")
def reset_password_command(username):
    """重设密码：生成新密码并只显示这一次，已发的令牌随即失效。"""
    password = _act(lambda: reset_password(db.session, account(db.session, username),
                                                 operator()))
    click.echo(f"{username} 的新密码：{password}")


@people_group.command("history")
@click.argument("username")
def history_command(username):
    """账号的变更记录：何时、由谁（运行命令的系统账号）做了什么。"""
    for entry in _act(lambda: history(db.session, account(db.session, username))):
        line = (f"{town_time(entry.created_at):%Y-%m-%d %H:%M:%S}  {operator_label(entry)}  "
                f"{ACCOUNT_ACTION_NAMES[entry.action]}")
        click.echo(line + (f"  {entry.detail}" if entry.detail else ""))


def _act(action):
    try:
        result = action()
    except LookupError as missing:
        db.session.rollback()
        raise click.ClickException(f"没有账号 {missing.args[0]}") from None
    except RosterErrors as errors:
        db.session.rollback()
        raise click.ClickException(errors.problems[0][1]) from None
    db.session.commit()
    return result


def _read_text(path):
    try:
        return decode_roster(Path(path).read_bytes())
    except RosterErrors as errors:
        raise click.ClickException(f"{path}：{errors.problems[0][1]}") from None


def _write_private(path, text):
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # also when the file was there before
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as out:
        out.write(text)
