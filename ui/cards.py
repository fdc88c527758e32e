"""Product cards as HTML: title, price, rating, image where present, and the explanation.

Plain functions of the turn's events (no gradio import), so they are tested without a browser.
"""

from __future__ import annotations

from html import escape

from agent.explanation.facts import format_price
from agent.ranking.interface import RankedItem

CARD_CSS = """
.sw-cards {display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 12px;}
.sw-card {border: 1px solid #ddd; border-radius: 10px; padding: 10px; background: #fff; color: #222;}
.sw-card img {width: 100%; height: 120px; object-fit: contain; border-radius: 8px; background: #f4f4f4;}
.sw-title {font-weight: 600; margin: 6px 0 2px;}
.sw-meta {color: #555; font-size: 0.9em;}
.sw-why {margin-top: 6px; font-size: 0.92em;}
.sw-why.pending {color: #999; font-style: italic;}
"""


def card(entry: RankedItem, explanation: str | None) -> str:
    item = entry.item
    image = ""
    if item.image_url and item.image_url.startswith(("http://", "https://", "data:image/")):
        image = f'<img src="{escape(item.image_url, quote=True)}" alt="{escape(item.title[:80], quote=True)}"/>'
    meta = []
    if item.price is not None:
        meta.append(escape(format_price(item.price, item.currency)))
    if item.rating is not None:
        count = f" ({item.rating_count:,})" if item.rating_count else ""
        meta.append(f"★ {item.rating:.1f}{count}")
    if item.brand:
        meta.append(escape(item.brand))
    why = (f'<div class="sw-why">{escape(explanation)}</div>' if explanation
           else '<div class="sw-why pending">writing why…</div>')
    return (f'<div class="sw-card" data-item-id="{escape(item.item_id, quote=True)}">{image}'
            f'<div class="sw-title">{escape(item.title)}</div>'
            f'<div class="sw-meta">{" · ".join(meta)}</div>{why}</div>')


def cards(items: tuple[RankedItem, ...], explanations: dict[int, str]) -> str:
    if not items:
        return ""
    return '<div class="sw-cards">' + "".join(card(e, explanations.get(i)) for i, e in enumerate(items)) + "</div>"
