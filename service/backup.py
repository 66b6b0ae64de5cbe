"""``flask backup DIRECTORY``: the database and the stored images, copied while the service runs.

The database first, then the image files: a file is written before the row naming it commits,
so every image the copy names is there. Images are stored by content and never rewritten, so
each run copies only the files the directory lacks. The personal-data key is not copied: keep
it apart from the backups, which are no use for ID numbers without it.
"""
import re
import shutil
from pathlib import Path

import click
from flask import current_app

from geo.backup import BackupFailed, copy_database
from service.extensions import db
from service.models.types import utcnow
from service.schema_base import town_time

COPY_NAME = re.compile(r"^songyuan-\d{8}-\d{6}\.(sqlite|dump)$")


def copy_images(source: Path, target: Path) -> tuple[int, int]:
    """Files under ``source`` not yet under ``target``, copied: (copied, already there)."""
    copied = present = 0
    for path in sorted(source.rglob("*")):
        if not path.is_file() or path.name.startswith("."):  # a write in progress
            continue
        destination = target / path.relative_to(source)
        if destination.exists():
            present += 1
            continue
        destination.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = destination.with_name(f".{destination.name}.partial")
        shutil.copyfile(path, partial)
        partial.rename(destination)
        copied += 1
    return copied, present


def prune(directory: Path, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` database copies; the ones removed."""
    copies = sorted(path for path in directory.iterdir() if COPY_NAME.match(path.name))
    old = copies[:-keep] if keep else copies
    for path in old:
        path.unlink()
    return old


@click.command("backup")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--keep", type=click.IntRange(min=1), default=14, show_default=True,
              help="保留最近几份数据库副本（图片不删）")
def backup_command(directory, keep):
    """备份：数据库的一致副本（SpatiaLite 为数据库文件，PostGIS 为 pg_dump 归档）和新增的图片，写入 DIRECTORY。"""
    stem = f"songyuan-{town_time(utcnow()):%Y%m%d-%H%M%S}"
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)  # personal data: owner only
        copy = copy_database(db.engine, directory, stem)
    except BackupFailed as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"备份目录无法写入：{exc}") from None
    click.echo(f"数据库：{copy}（{copy.stat().st_size:,} 字节）")
    photos = Path(current_app.config["PHOTO_DIR"])
    copied, present = copy_images(photos, directory / "photos") if photos.is_dir() else (0, 0)
    click.echo(f"图片：新复制 {copied} 个，已有 {present} 个（{directory / 'photos'}）")
    for path in prune(directory, keep):
        click.echo(f"删除旧副本：{path.name}")
    click.echo("个人信息密钥 PERSONAL_DATA_KEY 不在备份中：请另行妥善保管，恢复时要用同一个密钥。")
