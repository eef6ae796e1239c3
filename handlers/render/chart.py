"""The 📈 chart: a PNG of a client's daily total assets, Chinese labels in a CJK font.

Rendered with matplotlib's Agg backend on an explicit Figure (no pyplot global state, so
concurrent renders in worker threads do not interfere). The CJK font comes from the
`pylopdf-fonts-zh-cn` package (Noto Sans SC, SIL OFL) or, failing that, any CJK font installed
on the system; without one the chart still renders but its labels fall back to English.
"""

from __future__ import annotations

import importlib
import io
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, DateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from crm.clients import AssetHistory
from handlers.i18n import t

# Fonts shipped in Python packages: (module, attribute giving the path, or a file name in it).
_PACKAGED_FONTS: tuple[tuple[str, str], ...] = (
    ("pylopdf_fonts_zh_cn", "sans_path"),
    ("cvttf_NotoSansCJK_Regular", "NotoSansCJKtc-Regular.otf"),
)
_SYSTEM_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
)


def _packaged_font_path(module_name: str, locator: str) -> Path | None:
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    found = getattr(module, locator, None)
    if callable(found):
        path = Path(found())
    elif module.__file__ is not None:
        path = Path(module.__file__).parent / locator
    else:
        return None
    return path if path.is_file() else None


@lru_cache(maxsize=1)
def cjk_font_family() -> str | None:
    """The family name of a usable CJK font (registered with matplotlib), or None."""
    for module_name, locator in _PACKAGED_FONTS:
        path = _packaged_font_path(module_name, locator)
        if path is not None:
            font_manager.fontManager.addfont(str(path))
            return font_manager.FontProperties(fname=str(path)).get_name()
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    return next((family for family in _SYSTEM_FAMILIES if family in installed), None)


def _money_axis(language: str) -> Callable[[float, int], str]:
    def label(value: float, _position: int) -> str:
        if language == "zh":
            return f"{value / 10_000:,.0f}万"
        return f"{value / 1_000_000:,.2f}M"

    return label


def render_asset_chart(history: AssetHistory, language: str, *, days: int = 120) -> bytes:
    """PNG bytes of the total-assets line; the title names the client and the period."""
    family = cjk_font_family()
    # Without a CJK font Chinese would be drawn as empty boxes: use English labels instead.
    labels = language if family is not None else "en"
    fonts = [family, "DejaVu Sans"] if family else ["DejaVu Sans"]
    figure = Figure(figsize=(8, 4.5), dpi=120)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    days_axis = date2num([point.day for point in history.points])
    values = [float(point.total_assets) for point in history.points]
    if values:
        axes.plot(days_axis, values, color="#1f6feb", linewidth=2)
        axes.fill_between(days_axis, values, min(values), color="#1f6feb", alpha=0.12)
        axes.xaxis.set_major_locator(AutoDateLocator(minticks=4, maxticks=8))
        axes.xaxis.set_major_formatter(DateFormatter("%m-%d"))
    else:
        axes.text(
            0.5,
            0.5,
            t(labels, "chart_no_data"),
            ha="center",
            va="center",
            transform=axes.transAxes,
            fontfamily=fonts,
        )
    name = history.name if family is not None or history.name.isascii() else history.client_id
    axes.set_title(t(labels, "chart_title", name=name, days=days), fontfamily=fonts, fontsize=14)
    axes.set_xlabel(t(labels, "chart_x_label"), fontfamily=fonts)
    axes.set_ylabel(t(labels, "chart_y_label"), fontfamily=fonts)
    axes.yaxis.set_major_formatter(FuncFormatter(_money_axis(labels)))
    axes.tick_params(labelfontfamily=fonts)
    axes.grid(True, alpha=0.3)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
