"""Drawing the charts: matplotlib's object API on the Agg canvas (no pyplot, so no global
figure registry and nothing shared between requests), each figure closed after its PNG is
written. Chinese labels when a CJK font is present (service.charts.fonts), else English
titles and codes, so that a chart always renders.
"""
import io
import math
import warnings

from service.charts.fonts import chinese, setup

DPI = 110
BAR = "#3b78b0"
SETTLED = "#4f9d5d"
SHARE = "#d0612b"
OUTSIDE = "#e6e6e6"
NO_DATA_ZH, NO_DATA_EN = "所选时段暂无数据", "No data in this period"


def _figure(width, height):
    setup()
    from matplotlib.figure import Figure
    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def _png(figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    buffer = io.BytesIO()
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from")
            FigureCanvasAgg(figure).print_png(buffer)
    finally:
        figure.clear()  # close: release the artists at once, not at the next GC
    return buffer.getvalue()


def _title(figure, zh, title_zh, title_en, subtitle):
    figure.suptitle(title_zh if zh else title_en, fontsize=16)
    axes = figure.axes[0]
    axes.set_title(subtitle, fontsize=10, color="#555555")


def period_text(period, zh):
    return (f"{period.start:%Y-%m-%d} 至 {period.end:%Y-%m-%d}" if zh
            else f"{period.start:%Y-%m-%d} – {period.end:%Y-%m-%d}")


def _no_data(axes, zh):
    axes.text(0.5, 0.5, NO_DATA_ZH if zh else NO_DATA_EN, transform=axes.transAxes,
              ha="center", va="center", fontsize=13, color="#888888")


def incidents_by_village(rows, total, period, area_zh):
    """Horizontal bars: incidents per village, most first."""
    zh = chinese()
    height = max(3.5, 0.34 * len(rows) + 1.8)
    figure = _figure(10, height)
    axes = figure.add_subplot()
    labels = [name if zh else code for code, name, _ in rows]
    counts = [count for _, _, count in rows]
    positions = range(len(rows))
    bars = axes.barh(positions, counts, color=BAR, height=0.65)
    axes.set_yticks(list(positions), labels)
    axes.invert_yaxis()
    axes.bar_label(bars, padding=3, fontsize=9)
    axes.set_xlabel("事件数（件）" if zh else "Incidents")
    axes.spines[["top", "right"]].set_visible(False)
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.set_xlim(0, max(counts + [1]) * 1.12)
    if not total:
        _no_data(axes, zh)
    subtitle = (f"{period_text(period, zh)} · 共 {total} 件" if zh
                else f"{period_text(period, zh)} · {total} in total")
    _title(figure, zh, f"{area_zh}各村（社区）上报事件数", "Incidents reported, by village", subtitle)
    return _png(figure)


def disputes_by_month(rows, figures, period, area_zh):
    """Bars: disputes received per month, the settled ones inside; line: the settled share."""
    zh = chinese()
    figure = _figure(11, 5.6)
    axes = figure.add_subplot()
    months = [month for month, _, _ in rows]
    received = [count for _, count, _ in rows]
    settled = [agreed for _, _, agreed in rows]
    positions = list(range(len(rows)))
    axes.bar(positions, received, color="#9cc3e4", width=0.7, label="受理" if zh else "Received")
    axes.bar(positions, settled, color=SETTLED, width=0.7,
             label="其中调解成功" if zh else "of which settled")
    axes.set_ylabel("纠纷数（件）" if zh else "Disputes")
    axes.set_ylim(0, max(received + [1]) * 1.15)
    axes.yaxis.get_major_locator().set_params(integer=True)
    step = max(1, math.ceil(len(months) / 24))
    axes.set_xticks(positions[::step], months[::step], rotation=45 if len(months) > 8 else 0,
                    ha="right" if len(months) > 8 else "center")
    axes.spines[["top"]].set_visible(False)
    share_axes = axes.twinx()
    shares = [agreed / count * 100 if count else math.nan for _, count, agreed in rows]
    share_axes.plot(positions, shares, color=SHARE, marker="o", markersize=4, linewidth=1.8,
                    label="调解成功占比" if zh else "Share settled")
    share_axes.set_ylim(0, 105)
    share_axes.set_ylabel("调解成功占比（%）" if zh else "Share settled (%)")
    share_axes.spines[["top"]].set_visible(False)
    handles = axes.get_legend_handles_labels()
    more = share_axes.get_legend_handles_labels()
    figure.legend(handles[0] + more[0], handles[1] + more[1], loc="outside lower center",
                  frameon=False, ncols=3, fontsize=9)
    if not figures["received"]:
        _no_data(axes, zh)
    rate = figures["success_rate"]
    rate_text = "—" if rate is None else f"{rate * 100:.1f}%"
    subtitle = (f"{period_text(period, zh)} · 受理 {figures['received']} 件 · 调结 "
                f"{figures['mediated']} 件 · 调解成功 {figures['agreed']} 件 · 成功率 {rate_text}"
                if zh else
                f"{period_text(period, zh)} · received {figures['received']} · mediated "
                f"{figures['mediated']} · settled {figures['agreed']} · success rate {rate_text}")
    _title(figure, zh, f"{area_zh}矛盾纠纷受理与调解成功（按受理月份）",
           "Disputes received per month and the share settled", subtitle)
    return _png(figure)


def _patch(geometry):
    """A matplotlib path of a (multi)polygon, holes included."""
    from matplotlib.path import Path
    polygons = getattr(geometry, "geoms", [geometry])
    paths = []
    for polygon in polygons:
        for ring in [polygon.exterior, *polygon.interiors]:
            coords = list(ring.coords)
            codes = [Path.MOVETO] + [Path.LINETO] * (len(coords) - 2) + [Path.CLOSEPOLY]
            paths.append(Path(coords, codes))
    return Path.make_compound_path(*paths)


def _extent(grids):
    if not grids:
        return None
    bounds = [row[4].bounds for row in grids]
    return (min(b[0] for b in bounds), min(b[1] for b in bounds),
            max(b[2] for b in bounds), max(b[3] for b in bounds))


def grid_map(data, period, area_zh, limited):
    """Choropleth: every grid shaded by its incident count; village outlines and names."""
    zh = chinese()
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.collections import PathCollection
    from matplotlib.colors import Normalize
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    extent = _extent(data.grids)
    ratio = 1.0
    if extent:
        xmin, ymin, xmax, ymax = extent
        stretch = 1 / math.cos(math.radians((ymin + ymax) / 2))
        ratio = (ymax - ymin) * stretch / max(xmax - xmin, 1e-9)
    figure = _figure(10.5, min(max(8.4 * ratio + 1.6, 4.5), 16))
    axes = figure.add_subplot()
    counts = [row[5] for row in data.grids]
    norm = Normalize(vmin=0, vmax=max(counts + [1]))
    cmap = colormaps["YlOrRd"]
    colours = [OUTSIDE if limited and not in_area and not count else cmap(norm(count))
               for (_, _, _, _, _, count, in_area) in data.grids]
    grids = PathCollection([_patch(row[4]) for row in data.grids], facecolors=colours,
                           edgecolors="#ffffff", linewidths=0.6)
    axes.add_collection(grids)
    villages = PathCollection([_patch(row[3]) for row in data.villages], facecolors="none",
                              edgecolors="#444444", linewidths=1.2)
    axes.add_collection(villages)
    for _, code, name, geometry in data.villages:
        point = geometry.representative_point()
        axes.annotate(name if zh else code[-3:], (point.x, point.y), ha="center", va="center",
                      fontsize=8 if len(data.villages) > 5 else 11, color="#222222",
                      bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.6})
    if len(data.villages) <= 3:  # one village: the counts are readable in the grids
        for _, _, _, _, geometry, count, _ in data.grids:
            point = geometry.representative_point()
            axes.annotate(str(count), (point.x, point.y), xytext=(0, -12),
                          textcoords="offset points", ha="center", fontsize=9)
    if extent:
        pad_x, pad_y = (xmax - xmin) * 0.03, (ymax - ymin) * 0.03
        axes.set_xlim(xmin - pad_x, xmax + pad_x)
        axes.set_ylim(ymin - pad_y, ymax + pad_y)
        # Degrees of longitude are shorter than degrees of latitude by cos(latitude).
        axes.set_aspect(stretch)
    else:
        _no_data(axes, zh)
    axes.set_xlabel("经度" if zh else "Longitude")
    axes.set_ylabel("纬度" if zh else "Latitude")
    axes.tick_params(labelsize=8)
    bar = figure.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=axes, shrink=0.7, pad=0.02)
    bar.set_label("事件数（件）" if zh else "Incidents")
    bar.locator = MaxNLocator(integer=True)
    bar.update_ticks()
    if limited:
        axes.legend(handles=[Patch(facecolor=OUTSIDE, edgecolor="#999999",
                                   label="不在本人负责范围" if zh else "Outside your area")],
                    loc="lower left", frameon=False, fontsize=9)
    subtitle = (f"{period_text(period, zh)} · 共 {data.total} 件 · {len(data.grids)} 个网格" if zh
                else f"{period_text(period, zh)} · {data.total} incidents · {len(data.grids)} grids")
    _title(figure, zh, f"{area_zh}各网格上报事件数", "Incidents reported, by grid", subtitle)
    return _png(figure)
