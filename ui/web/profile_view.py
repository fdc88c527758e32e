"""A customer's profile for the console: the summary lines with their evidence (profiles.summary),
the reviews behind the aspects, and recent events. Plain HTML, every value escaped."""

from __future__ import annotations

import time
from html import escape

from profiles.summary import describe

EVENT_LABELS = {"view": "viewed", "click": "clicked / liked", "cart": "added to cart", "purchase": "bought",
                "rate": "rated", "dislike": "not for me"}


def profile_html(profile, catalog: dict, reviews=(), user=None, opinions=None) -> str:
    """The summary lines (with evidence), then the liked / disliked aspects with the review sentences
    behind them (`opinions`, when the profile itself carries none), then the reviews themselves."""
    if profile is None:
        return "<p class='sw-muted'>Profiles are off for this catalog (it has no behaviour data).</p>"
    lines = describe(profile, catalog)
    summary = "".join(f"<li>{escape(line)}</li>" for line in lines)
    attributes = ""
    if user is not None and getattr(user, "attributes", None) and not profile.demographics:
        attributes = "<li>demographics: " + escape(", ".join(f"{k}={v}" for k, v in user.attributes.items())) + "</li>"
    aspects = "" if profile.aspects else aspects_html(opinions or [], catalog)
    return (f"<div class='sw-profile'><h4>Profile of {escape(profile.user_id)}</h4><ul>{summary}{attributes}</ul>"
            f"{aspects}{reviews_html(reviews, catalog)}</div>")


def aspects_html(opinions, catalog: dict, limit: int = 8) -> str:
    if not opinions:
        return ""
    rows = []
    for opinion in opinions[:limit]:
        evidence = "".join(
            f"<li>“{escape(sentence)}” <small>({escape(catalog[i].title[:40] if i in catalog else i)})</small></li>"
            for i, sentence in opinion.evidence[:2])
        rows.append(f"<li><b>{escape(opinion.stance)} {escape(opinion.aspect)}</b> ({opinion.mentions} mentions, "
                    f"polarity {opinion.polarity:+.2f})<ul>{evidence}</ul></li>")
    return f"<h4>Likes and dislikes (from their reviews)</h4><ul class='sw-aspects'>{''.join(rows)}</ul>"


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


def review_opinions(services, user_id: str) -> list:
    """The customer's aspect opinions from their reviews, for the console (the services' profiles
    carry a review lexicon when the shop has rated reviews: shopwise.services.attach_review_lexicon)."""
    runtime = services.runtime
    reviews = services.events.reviews_of(user_id)
    if runtime is None or not reviews:
        return []
    lexicon = runtime.profiles.lexicon
    return lexicon.opinions(reviews) if lexicon is not None else []
