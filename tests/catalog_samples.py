"""Small synthetic catalogs for retrieval tests (written by the tests, nothing copied)."""

from __future__ import annotations

import random

BRANDS = ["Logitech", "Sony", "Anker", "Dell", "HP", None]
KINDS = [
    ("wireless mouse", ["Electronics", "Computer Accessories", "Mice"], {"colour": ["black", "white"], "wireless": [True, False]}),
    ("mechanical keyboard", ["Electronics", "Computer Accessories", "Keyboards"], {"colour": ["black", "grey"], "layout": ["US", "UK"]}),
    ("noise cancelling headphones", ["Electronics", "Audio", "Headphones"], {"colour": ["black", "silver"], "battery life": [20.0, 30.0]}),
    ("usb c charger", ["Electronics", "Power", "Chargers"], {"wattage": [30.0, 65.0], "colour": ["white"]}),
    ("laser printer toner", ["Office", "Printer Supplies", "Toner"], {"colour": ["black", "cyan"], "page yield": [2000.0, 5000.0]}),
]


def sample_items(count: int = 60, seed: int = 3) -> list[dict]:
    rng = random.Random(seed)
    items = []
    for n in range(count):
        kind, categories, attribute_choices = KINDS[n % len(KINDS)]
        brand = rng.choice(BRANDS)
        attributes = {name: rng.choice(values) for name, values in attribute_choices.items()}
        items.append({
            "item_id": f"i{n:03d}",
            "title": f"{brand or 'Generic'} {kind} model {n}",
            "description": f"A {kind} for home and office use." if n % 3 else None,
            "categories": categories if n % 7 else [],
            "brand": brand,
            "price": None if n % 11 == 0 else round(rng.uniform(5, 200), 2),
            "currency": "USD",
            "attributes": attributes,
            "rating": None if n % 5 == 0 else round(rng.uniform(1, 5), 1),
            "rating_count": rng.randint(0, 500),
            "image_url": None,
        })
    return items
