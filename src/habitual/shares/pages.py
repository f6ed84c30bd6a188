"""The public page and card of a share link, drawn as text. Pure functions, no I/O.

Every piece of user text is escaped (HTML for the page, XML for the card). The page loads
nothing but its own card (`img-src 'self'`) and one inline style block, allowed by its hash.
"""

from __future__ import annotations

from datetime import date, timedelta
from html import escape
from xml.sax.saxutils import escape as xml_escape

import resvg_py

from habitual.shares.schemas import SharedHabit
from habitual.stats.charts import FONT, calendar_svg

CARD_WIDTH, CARD_HEIGHT = 1200, 630
# The font the PNG's generic sans-serif text is drawn in (resvg's own default, Arial, is not on
# Debian); a missing font leaves the text out, the image stays valid.
PNG_SANS_SERIF = "DejaVu Sans"
# The calendar chart's own size at any year (a column per week, 54 at most).
CALENDAR_SCALE = 1.3

PAGE_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:40rem;color:#24292f}"
    "dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem}"
    "img{max-width:100%;height:auto}"
)


def _rate(shared: SharedHabit) -> str:
    return "n/a" if shared.success_rate is None else f"{round(shared.success_rate * 100)}%"


def _summary(shared: SharedHabit) -> str:
    return (
        f"{shared.owner}: current streak {shared.current_streak} {shared.streak_unit}, "
        f"longest {shared.longest_streak}, success rate {_rate(shared)}"
    )


def share_page(shared: SharedHabit, page_url: str) -> str:
    """The HTML page of a link at `page_url`, with Open Graph and Twitter card tags."""
    title = escape(shared.name)
    summary = escape(_summary(shared))
    url = escape(page_url)
    image = escape(f"{page_url}/card.png")
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title}</title>
<meta property="og:type" content="website">
<meta property="og:title" content="{title}">
<meta property="og:description" content="{summary}">
<meta property="og:url" content="{url}">
<meta property="og:image" content="{image}">
<meta property="og:image:width" content="{CARD_WIDTH}">
<meta property="og:image:height" content="{CARD_HEIGHT}">
<meta name="twitter:card" content="summary_large_image">
<meta name="twitter:title" content="{title}">
<meta name="twitter:description" content="{summary}">
<meta name="twitter:image" content="{image}">
<style>{PAGE_STYLE}</style>
</head>
<body>
<h1>{title}</h1>
<p>Shared by {escape(shared.owner)}</p>
<dl>
<dt>Current streak</dt><dd>{shared.current_streak} {escape(shared.streak_unit)}</dd>
<dt>Longest streak</dt><dd>{shared.longest_streak} {escape(shared.streak_unit)}</dd>
<dt>Success rate</dt><dd>{_rate(shared)}</dd>
<dt>Days met in {shared.year}</dt><dd>{len(shared.met_days)}</dd>
</dl>
<img src="{image}" width="{CARD_WIDTH}" height="{CARD_HEIGHT}" alt="{summary}">
</body>
</html>
"""


def _year_fractions(shared: SharedHabit) -> dict[date, float | None]:
    """Each day of the year so far: 1 when met, else 0 (the card shows no more than that)."""
    met = set(shared.met_days)
    fractions: dict[date, float | None] = {}
    day, last = date(shared.year, 1, 1), max([date(shared.year, 1, 1), *met])
    while day <= last:
        fractions[day] = 1.0 if day in met else 0.0
        day += timedelta(days=1)
    return fractions


def card_svg(shared: SharedHabit) -> str:
    """A 1200x630 card: the habit's name, its figures, and this year's met days."""
    calendar = calendar_svg(f"{shared.year}", shared.year, _year_fractions(shared), 0)
    figures = [
        ("Current streak", f"{shared.current_streak} {shared.streak_unit}"),
        ("Longest streak", f"{shared.longest_streak} {shared.streak_unit}"),
        ("Success rate", _rate(shared)),
    ]
    body = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{CARD_WIDTH}" height="{CARD_HEIGHT}" '
        f'viewBox="0 0 {CARD_WIDTH} {CARD_HEIGHT}" role="img">',
        f"<title>{xml_escape(shared.name)}</title>",
        f'<rect width="{CARD_WIDTH}" height="{CARD_HEIGHT}" fill="#ffffff"/>',
        f'<text x="60" y="100" font-size="56" font-weight="700" fill="#24292f" {FONT}>'
        f"{xml_escape(shared.name)}</text>",
        f'<text x="60" y="150" font-size="28" fill="#57606a" {FONT}>'
        f"{xml_escape(shared.owner)}</text>",
    ]
    for index, (label, value) in enumerate(figures):
        x = 60 + index * 380
        body.append(
            f'<text x="{x}" y="230" font-size="24" fill="#57606a" {FONT}>{label}</text>'
            f'<text x="{x}" y="280" font-size="44" font-weight="700" fill="#216e39" {FONT}>'
            f"{xml_escape(value)}</text>"
        )
    body += [
        f'<g transform="translate(30 330) scale({CALENDAR_SCALE})">{calendar}</g>',
        "</svg>",
        "",
    ]
    return "\n".join(body)


def card_png(svg: str) -> bytes:
    """The card rasterised by resvg (~80 ms: call it off the event loop)."""
    return bytes(resvg_py.svg_to_bytes(svg_string=svg, sans_serif_family=PNG_SANS_SERIF))
