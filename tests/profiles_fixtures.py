"""A tiny shop for profile and ranking tests: three product families with clear buying patterns."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import write_jsonl

FAMILIES = {
    "camera": ("Nikon", ["Electronics", "Camera", "Cameras"], "digital camera lens zoom", 500.0),
    "charger": ("Anker", ["Electronics", "Camera", "Chargers"], "battery charger usb", 20.0),
    "shampoo": ("Dove", ["Beauty", "Hair", "Shampoo"], "shampoo hair scent", 8.0),
}
DAY = 86_400


def tiny_items() -> list[dict]:
    items = []
    for family, (brand, categories, words, price) in FAMILIES.items():
        for n in range(6):
            items.append({"item_id": f"{family}-{n}", "title": f"{brand} {words} model {n}",
                          "description": f"A {words} number {n}", "categories": categories, "brand": brand,
                          "price": price * (1 + n / 10), "attributes": {}, "rating": 4.0 + (n % 2) / 2,
                          "rating_count": 10 + n})
    return items


def tiny_events() -> list[dict]:
    """Camera buyers go on to buy a charger; shampoo buyers buy more shampoo."""
    events, ts = [], 1_600_000_000
    for user in range(24):
        ts += DAY
        if user % 2 == 0:
            sequence = [f"camera-{user % 6}", f"charger-{user % 6}", f"charger-{(user + 1) % 6}"]
        else:
            sequence = [f"shampoo-{user % 6}", f"shampoo-{(user + 1) % 6}", f"shampoo-{(user + 2) % 6}"]
        for step, item in enumerate(sequence):
            events.append({"user_id": f"u{user}", "item_id": item, "type": "purchase", "ts": ts + step * 3600,
                           "session_id": f"s{user}"})
    return events


def tiny_reviews() -> list[dict]:
    good = ["I love the scent, it smells great and lasts all day.", "Great lens, sharp pictures, love it.",
            "Excellent charger, fast and reliable, works great."]
    bad = ["The scent is awful and cheap, it smells terrible.", "Terrible lens, blurry pictures, broke fast.",
           "Awful charger, stopped working, waste of money."]
    reviews = []
    for n in range(30):
        text, rating = (good[n % 3], 5) if n % 3 != 2 or n < 15 else (bad[n % 3], 1)
        if n % 4 == 0:
            text, rating = bad[n % 3], 1
        reviews.append({"user_id": f"u{n % 24}", "item_id": f"shampoo-{n % 6}", "rating": rating,
                        "title": None, "text": text, "ts": 1_600_000_000 + n})
    return reviews


def write_tiny_shop(root: Path, bad_lines: bool = False) -> Path:
    write_jsonl(root / "items.jsonl", tiny_items())
    events = tiny_events() + (["{broken", {"user_id": "x", "item_id": "camera-0", "type": "teleport", "ts": 1}]
                              if bad_lines else [])
    write_jsonl(root / "events.jsonl", events)
    write_jsonl(root / "reviews.jsonl", tiny_reviews())
    write_jsonl(root / "users.jsonl", [{"user_id": "u0", "attributes": {"age_band": "25-34", "region": "EU"}}])
    return root
