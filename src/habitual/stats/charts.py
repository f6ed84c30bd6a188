"""SVG charts, drawn as text: a year heatmap and a weekly trend. Pure functions, no I/O.

Only presentation attributes are used (no <style>, no scripts), so the charts render under the
API's `Content-Security-Policy: default-src 'none'`; every piece of user text is XML-escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from xml.sax.saxutils import escape, quoteattr

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
WEEKDAY_LABELS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
SHADES = ["#ebedf0", "#9be9a8", "#40c463", "#30a14e", "#216e39"]  # none .. all of the goal
OUTSIDE = "#f6f8fa"  # before the habit started, after today
SKIPPED = "#c8d3e0"
FONT = 'font-family="system-ui, sans-serif"'

CELL, GAP = 12, 3
LEFT, TOP = 40, 56


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label={quoteattr(title)}>',
            f"<title>{escape(title)}</title>",
            f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
            f'<text x="{width // 2}" y="22" text-anchor="middle" font-size="15" '
            f'font-weight="600" fill="#24292f" {FONT}>{escape(title)}</text>',
            *body,
            "</svg>",
            "",
        ]
    )


def shade(fraction: float) -> str:
    """The colour of a day that reached `fraction` of its goal."""
    if fraction <= 0:
        return SHADES[0]
    return SHADES[min(4, 1 + int(fraction * 3.999))]


def calendar_svg(
    title: str,
    year: int,
    fractions: Mapping[date, float | None],
    week_start: int,
) -> str:
    """A heatmap of one year: a column per week, a row per weekday, a cell per day.

    `fractions` maps days to how much of the goal was reached (0..1), None for a skipped day;
    days missing from it lie outside the habit's life and are drawn faint.
    """
    first = date(year, 1, 1)
    grid_start = first - timedelta(days=(first.weekday() - week_start) % 7)
    last = date(year, 12, 31)
    columns = (last - grid_start).days // 7 + 1
    width = LEFT + columns * (CELL + GAP) + 20
    height = TOP + 7 * (CELL + GAP) + 40
    body: list[str] = []
    for row in range(7):
        if row % 2 == 0:
            label = WEEKDAY_LABELS[(week_start + row) % 7]
            y = TOP + row * (CELL + GAP) + CELL - 2
            body.append(
                f'<text x="{LEFT - 6}" y="{y}" text-anchor="end" font-size="10" '
                f'fill="#57606a" {FONT}>{label}</text>'
            )
    for month in range(1, 13):
        column = (date(year, month, 1) - grid_start).days // 7
        body.append(
            f'<text x="{LEFT + column * (CELL + GAP)}" y="{TOP - 8}" font-size="10" '
            f'fill="#57606a" {FONT}>{MONTHS[month - 1]}</text>'
        )
    day = first
    while day <= last:
        offset = (day - grid_start).days
        x = LEFT + (offset // 7) * (CELL + GAP)
        y = TOP + (offset % 7) * (CELL + GAP)
        if day in fractions:
            fraction = fractions[day]
            fill = SKIPPED if fraction is None else shade(fraction)
            label = "skipped" if fraction is None else f"{round(fraction * 100)}% of the goal"
        else:
            fill, label = OUTSIDE, "not tracked"
        body.append(
            f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" rx="2" fill="{fill}">'
            f"<title>{day.isoformat()}: {label}</title></rect>"
        )
        day += timedelta(days=1)
    legend_y = TOP + 7 * (CELL + GAP) + 18
    body.append(
        f'<text x="{LEFT}" y="{legend_y + 10}" font-size="10" fill="#57606a" {FONT}>Less</text>'
    )
    for index, colour in enumerate(SHADES):
        body.append(
            f'<rect x="{LEFT + 30 + index * (CELL + GAP)}" y="{legend_y}" width="{CELL}" '
            f'height="{CELL}" rx="2" fill="{colour}"/>'
        )
    body.append(
        f'<text x="{LEFT + 34 + 5 * (CELL + GAP)}" y="{legend_y + 10}" font-size="10" '
        f'fill="#57606a" {FONT}>More</text>'
    )
    return _svg(width, height, title, body)


def trend_svg(
    title: str, points: Sequence[tuple[date, float | None]], y_label: str, percent: bool
) -> str:
    """A line over weeks: the success rate (as %) or a value; gaps where nothing was due."""
    width, height = 720, 360
    left, right, top, bottom = 70, 45, 50, 70
    plot_width, plot_height = width - left - right, height - top - bottom
    values = [value for _, value in points if value is not None]
    y_max = 1.0 if percent else max(values, default=0.0) or 1.0
    body: list[str] = []
    for step in range(5):
        fraction = step / 4
        y = top + plot_height - fraction * plot_height
        tick = f"{round(fraction * 100)}%" if percent else _number(fraction * y_max)
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_width}" y2="{y:.1f}" '
            f'stroke="#d0d7de" stroke-width="1"/>'
        )
        body.append(
            f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#57606a" {FONT}>{tick}</text>'
        )
    body.append(
        f'<line x1="{left}" y1="{top + plot_height}" x2="{left + plot_width}" '
        f'y2="{top + plot_height}" stroke="#57606a" stroke-width="1"/>'
    )
    body.append(
        f'<text x="18" y="{top + plot_height / 2:.1f}" font-size="12" fill="#24292f" '
        f'text-anchor="middle" transform="rotate(-90 18 {top + plot_height / 2:.1f})" '
        f"{FONT}>{escape(y_label)}</text>"
    )
    body.append(
        f'<text x="{left + plot_width / 2:.1f}" y="{height - 12}" text-anchor="middle" '
        f'font-size="12" fill="#24292f" {FONT}>Week starting</text>'
    )
    count = len(points)
    step_x = plot_width / max(count - 1, 1)
    label_every = max(1, count // 8)
    segment: list[str] = []
    segments: list[list[str]] = []
    for index, (week, value) in enumerate(points):
        x = left + index * step_x if count > 1 else left + plot_width / 2
        if index % label_every == 0:
            body.append(
                f'<text x="{x:.1f}" y="{top + plot_height + 18}" text-anchor="middle" '
                f'font-size="10" fill="#57606a" {FONT}>{week.isoformat()}</text>'
            )
        if value is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        y = top + plot_height - (value / y_max) * plot_height
        segment.append(f"{x:.1f},{y:.1f}")
        shown = f"{round(value * 100)}%" if percent else _number(value)
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#2da44e">'
            f"<title>{week.isoformat()}: {shown}</title></circle>"
        )
    if segment:
        segments.append(segment)
    for line in segments:
        if len(line) > 1:
            body.append(
                f'<polyline points="{" ".join(line)}" fill="none" stroke="#2da44e" '
                f'stroke-width="2"/>'
            )
    if not values:
        body.append(
            f'<text x="{left + plot_width / 2:.1f}" y="{top + plot_height / 2:.1f}" '
            f'text-anchor="middle" font-size="13" fill="#57606a" {FONT}>Nothing was due</text>'
        )
    return _svg(width, height, title, body)


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}".rstrip("0").rstrip(".")
