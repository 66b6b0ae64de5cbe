"""matplotlib, set up once per process: the Agg backend and a font with Chinese glyphs.

A CJK font is looked for among matplotlib's known fonts, then (for a font installed after
matplotlib built its font cache) through fontconfig, ``fc-list :lang=zh``, and by file name
in the system font directories. Debian/Ubuntu: ``apt-get install fonts-wqy-microhei`` (5 MB)
or ``fonts-noto-cjk`` (90 MB). Without one, charts still render, in DejaVu Sans with English
titles and codes instead of Chinese names (see ``chinese()``).
"""
import logging
import os
import re
import shutil
import subprocess
import threading

log = logging.getLogger(__name__)

CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
    "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK JP", "Noto Sans CJK TC",
    "Droid Sans Fallback", "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC",
    "AR PL UMing CN", "AR PL UKai CN",
)
CJK_FILE_NAMES = re.compile(
    r"wqy|cjk|droidsansfallback|uming|ukai|sourcehan|simhei|simsun|msyh|pingfang|notosanssc",
    re.IGNORECASE)
FALLBACK_FAMILY = "DejaVu Sans"  # ships with matplotlib

_lock = threading.Lock()
_family = None
_ready = False


def _known_cjk_family(font_manager):
    names = {entry.name for entry in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in names), None)


def _fontconfig_zh_files():
    if not shutil.which("fc-list"):
        return set()
    try:
        listing = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True,
                                 text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return set()
    return {line.split(":")[0].strip() for line in listing.splitlines() if line.strip()}


def _installed_cjk_family(font_manager):
    """A font installed after matplotlib built its font cache: found through fontconfig's
    Chinese fonts, or by file name in the system font directories (no fontconfig needed)."""
    chinese_files = _fontconfig_zh_files()
    candidates = chinese_files | {
        path for path in font_manager.findSystemFonts(fontext="ttf")
        if CJK_FILE_NAMES.search(os.path.basename(path))}
    added = []
    for path in sorted(candidates):
        if not path.lower().endswith((".ttf", ".otf", ".ttc")):
            continue
        try:
            font_manager.fontManager.addfont(path)
            added.append(font_manager.FontProperties(fname=path).get_name())
        except Exception:  # noqa: BLE001 - an unreadable font file is simply skipped
            log.debug("charts: cannot use font %s", path, exc_info=True)
    return _known_cjk_family(font_manager) or (added[0] if added else None)


def setup():
    """Agg and the fonts, once; returns the CJK family in use or None."""
    global _family, _ready
    if _ready:
        return _family
    with _lock:
        if not _ready:
            import matplotlib
            matplotlib.use("Agg")
            from matplotlib import font_manager
            family = _known_cjk_family(font_manager) or _installed_cjk_family(font_manager)
            matplotlib.rcParams["font.family"] = "sans-serif"
            matplotlib.rcParams["font.sans-serif"] = (
                [family] if family else []) + [FALLBACK_FAMILY]
            matplotlib.rcParams["axes.unicode_minus"] = False  # CJK fonts lack U+2212
            matplotlib.rcParams["svg.fonttype"] = "none"
            if family is None:
                log.warning("charts: no font with Chinese glyphs found (apt-get install "
                            "fonts-wqy-microhei or fonts-noto-cjk); drawing English labels")
            _family, _ready = family, True
    return _family


def chinese() -> bool:
    """Whether charts can be labelled in Chinese."""
    return setup() is not None
