"""Small charts drawn on the server as PNG images for the summary e-mail
(matplotlib's object API with the Agg canvas: no pyplot state, no display,
safe in the scheduler's threads)."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence


def bar_chart_png(
    title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]]
) -> bytes:
    """Grouped bars, 480x200 pixels, one colour per series."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(4.8, 2.0), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    width = 0.8 / max(1, len(series))
    colours = ("#1976d2", "#43a047", "#f9a825", "#e53935")
    for n, (name, values) in enumerate(series):
        positions = [i + n * width for i in range(len(labels))]
        axes.bar(
            positions, [v or 0 for v in values], width, label=name, color=colours[n % 4]
        )
    axes.set_xticks([i + width * (len(series) - 1) / 2 for i in range(len(labels))])
    axes.set_xticklabels(labels, fontsize=7)
    axes.tick_params(axis="y", labelsize=7)
    axes.set_title(title, fontsize=9)
    if len(series) > 1:
        axes.legend(fontsize=7, frameon=False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()
