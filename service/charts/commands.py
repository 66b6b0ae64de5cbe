"""``flask charts render DIR``: the three charts for the whole town, as PNG files."""
from pathlib import Path
from types import SimpleNamespace

import click

from service.charts import build
from service.scope import Scope

TOWN_WIDE = Scope(town_wide=True, village_ids=frozenset(), grid_ids=frozenset(),
                  committee_ids=frozenset(), head_of_committee_ids=frozenset())
NOBODY = SimpleNamespace(id=None)  # no one's own reports: the town-wide scope covers them all


@click.group("charts", help="统计图表（PNG）")
def charts_group():
    pass


@charts_group.command("render")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="开始日期（含），默认当年 1 月 1 日")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="结束日期（含），默认今天")
def render_command(directory, start, end):
    """把全镇的三张图表写入 DIRECTORY：incidents-by-village.png、disputes-by-month.png、grid-map.png。"""
    try:
        period = build.period_of(start and start.date(), end and end.date())
    except Exception as exc:  # ValidationFailed: from after to, year out of range
        raise click.BadParameter(getattr(exc, "detail_zh", str(exc))) from None
    directory.mkdir(parents=True, exist_ok=True)
    for name, chart in build.CHARTS.items():
        path = directory / name
        path.write_bytes(chart(NOBODY, TOWN_WIDE, period))
        click.echo(f"{path}")
