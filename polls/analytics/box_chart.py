"""The chart of the question box's numbers (``polls.analytics.box_numbers``): its own
module, so that matplotlib is imported only when a chart is drawn, never on start-up."""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure

import polls.drawing  # noqa: F401  (matplotlib set up before the first figure)
from polls.analytics.box_numbers import Numbers
from polls.analytics.charts import BAR, BAR_LIGHT, MUTED, TEXT, render, wrap
from polls.analytics.describe import suppressed
from polls.i18n import gettext


def reply_chart(shown: Numbers) -> bytes:
    """Per month (oldest first), the share answered within 24 h and within 48 h; a month
    whose numbers are hidden is drawn as a grey placeholder with its reason."""
    figure = Figure(figsize=(8.0, 3.6), dpi=100, layout="constrained")
    figure.suptitle(
        wrap(gettext("Questions answered within 24 h and 48 h, by month"), 70),
        x=0.01,
        ha="left",
        fontsize=12,
        fontweight="bold",
        color=TEXT,
    )
    draw_reply_chart(figure.add_subplot(), shown)
    return render(figure, "png")


def draw_reply_chart(ax: Axes, shown: Numbers) -> None:
    """The bars of ``reply_chart`` on ``ax`` (the PDF report draws them on its page)."""
    months = list(reversed(shown.months))
    positions = range(len(months))
    due = [m.within_due or 0 for m in months]
    latest = [m.within_latest or 0 for m in months]
    ax.bar([p - 0.2 for p in positions], due, width=0.4, color=BAR, label=gettext("within 24 h"))
    ax.bar(
        [p + 0.2 for p in positions],
        latest,
        width=0.4,
        color=BAR_LIGHT,
        label=gettext("within 48 h"),
    )
    for p, m in zip(positions, months, strict=True):
        if m.total is None:
            ax.text(
                p,
                0.05,
                wrap(suppressed(shown.min_group_size), 14),
                ha="center",
                fontsize=8,
                color=MUTED,
            )
    ax.set_xticks(list(positions), [m.month for m in months])
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(lambda value, _: f"{round(value * 100)} %")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="upper left", frameon=False, fontsize=9)
