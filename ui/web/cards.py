"""Product cards as HTML: image, title, brand, price, rating, the one-sentence reason, and the
shopper's own feedback on the item. Every piece of product text is escaped: catalog and review
text is untrusted input."""

from __future__ import annotations

from html import escape

from agent.explanation.facts import format_price
from agent.ranking.interface import RankedItem

# An <img> never runs script, not even an SVG one; javascript: and other schemes are still refused.
SAFE_IMAGE_PREFIXES = ("https://", "http://", "data:image/")
FEEDBACK_BADGES = {"like": "♥ You liked this", "not_for_me": "Not for you: it won't be shown again",
                   "add_to_cart": "✓ In your cart"}


def safe_image_url(url: str | None) -> str | None:
    """Only web and inline images (data:image/...); never javascript:, data:text/html and the like."""
    if not url or not isinstance(url, str):
        return None
    stripped = url.strip()
    return stripped if stripped.lower().startswith(SAFE_IMAGE_PREFIXES) else None


def card_html(position: int, entry: RankedItem, explanation: str | None, feedback: str | None = None) -> str:
    item = entry.item
    image_url = safe_image_url(item.image_url)
    image = (f'<img src="{escape(image_url, quote=True)}" alt="{escape(item.title[:80], quote=True)}" loading="lazy"/>'
             if image_url else '<div class="sw-noimg" aria-hidden="true">no image</div>')
    meta = []
    if item.price is not None:
        meta.append(f'<span class="sw-price">{escape(format_price(item.price, item.currency))}</span>')
    if item.rating is not None:
        count = f" ({item.rating_count:,})" if item.rating_count else ""
        meta.append(f'<span class="sw-rating">★ {item.rating:.1f}{count}</span>')
    brand = f'<div class="sw-brand">{escape(item.brand)}</div>' if item.brand else ""
    why = (f'<div class="sw-why">{escape(explanation)}</div>' if explanation
           else '<div class="sw-why pending">writing why…</div>')
    badge = (f'<div class="sw-badge sw-badge-{escape(feedback)}">{escape(FEEDBACK_BADGES[feedback])}</div>'
             if feedback in FEEDBACK_BADGES else "")
    dimmed = " sw-dismissed" if feedback == "not_for_me" else ""
    return (f'<div class="sw-card{dimmed}" data-item-id="{escape(item.item_id, quote=True)}" '
            f'data-position="{position}"><div class="sw-pos">{position}</div>{image}'
            f'<div class="sw-title">{escape(item.title)}</div>{brand}'
            f'<div class="sw-meta">{" · ".join(meta)}</div>{why}{badge}</div>')


CARD_CSS = """
.sw-card {border: 1px solid #ddd; border-radius: 10px; padding: 10px; background: #fff; color: #222;
          position: relative; overflow-wrap: anywhere;}
.sw-card img, .sw-noimg {width: 100%; height: 120px; object-fit: contain; border-radius: 8px; background: #f4f4f4;}
.sw-noimg {display: flex; align-items: center; justify-content: center; color: #aaa; font-size: 0.8em;}
.sw-pos {position: absolute; top: 6px; left: 6px; background: #333; color: #fff; border-radius: 50%;
         width: 22px; height: 22px; text-align: center; line-height: 22px; font-size: 0.8em;}
.sw-title {font-weight: 600; margin: 6px 0 2px;}
.sw-brand {color: #555; font-size: 0.9em;}
.sw-meta {color: #333; font-size: 0.92em;}
.sw-price {font-weight: 600;}
.sw-why {margin-top: 6px; font-size: 0.92em;}
.sw-why.pending {color: #999; font-style: italic;}
.sw-badge {margin-top: 6px; font-size: 0.85em; color: #0a6b2b;}
.sw-badge-not_for_me {color: #8a1c1c;}
.sw-dismissed {opacity: 0.55;}
"""
