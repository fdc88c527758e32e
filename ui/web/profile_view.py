"""A customer's profile for the console: the summary lines with their evidence (profiles.summary),
the reviews behind the aspects, and recent events. Plain HTML, every value escaped."""

from __future__ import annotations

import time
from html import escape

from profiles.summary import describe

EVENT_LABELS = {"view": "viewed", "click": "clicked / liked", "cart": "added to cart", "purchase": "bought",
                "rate": "rated", "dislike": "not for me"}


def profile_html(profile, catalog: dict, reviews=(), user=None) -> str:
    """The summary lines with their evidence (liked and disliked aspects with the review sentences
    behind them among them: shopwise.services.attach_review_lexicon), then the reviews themselves."""
    if profile is None:
        return "<p class='sw-muted'>Profiles are off for this catalog (it has no behaviour data).</p>"
    lines = describe(profile, catalog)
    summary = "".join(f"<li>{escape(line)}</li>" for line in lines)
    attributes = ""
    if user is not None and getattr(user, "attributes", None) and not profile.demographics:
        attributes = "<li>demographics: " + escape(", ".join(f"{k}={v}" for k, v in user.attributes.items())) + "</li>"
    return (f"<div class='sw-profile'><h4>Profile of {escape(profile.user_id)}</h4><ul>{summary}{attributes}</ul>"
            f"{reviews_html(reviews, catalog)}</div>")


def reviews_html(reviews, catalog: dict, limit: int = 6) -> str:
    if not reviews:
        return "<p class='sw-muted'>No reviews written.</p>"
    rows = []
    for review in sorted(reviews, key=lambda r: -r.ts)[:limit]:
        item = catalog.get(review.item_id)
        stars = f"★ {review.rating:.0f}" if review.rating is not None else ""
        rows.append(f"<li><b>{escape(item.title[:60] if item else review.item_id)}</b> {stars}: "
                    f"“{escape(review.text[:240])}”</li>")
    return f"<h4>Reviews behind it ({len(reviews)})</h4><ul class='sw-reviews'>{''.join(rows)}</ul>"


def event_rows(events, catalog: dict, limit: int = 20) -> list[list[str]]:
    """Most recent first: [when (UTC), what, item id, title]."""
    rows = []
    for event in sorted(events, key=lambda e: -e.ts)[:limit]:
        item = catalog.get(event.item_id)
        rows.append([time.strftime("%Y-%m-%d %H:%M", time.gmtime(event.ts)), EVENT_LABELS.get(event.type, event.type),
                     event.item_id, item.title[:60] if item else ""])
    return rows
