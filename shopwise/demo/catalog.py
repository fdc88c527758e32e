"""Generating the demo dataset folder (DATA.md layout) from a fixed seed.

Products across ten categories with real-looking brands (invented), attributes, prices and
ratings; reviews whose tone follows the rating; shoppers with demographics and a history of
views, clicks, carts and purchases leaning to their favourite categories. Same seed, same files.
"""

from __future__ import annotations

import base64
import json
import random
from dataclasses import dataclass
from pathlib import Path

SEED = 20260401
ITEMS_PER_CATEGORY = 36
DEMO_USERS = 8
VERSION = "1"          # bump when the generator changes: the cached folder is rebuilt


@dataclass(frozen=True)
class CategorySpec:
    name: str
    path: tuple[str, ...]
    brands: tuple[str, ...]
    price: tuple[float, float]
    nouns: tuple[str, ...]
    colours: tuple[str, ...]
    materials: tuple[str, ...]
    flags: tuple[str, ...]                        # yes/no features
    numbers: tuple[tuple[str, float, float, str], ...]   # (attribute, low, high, unit)
    aspects: tuple[str, ...]                      # what reviewers talk about


CATEGORIES = (
    CategorySpec("Headphones", ("Electronics", "Audio", "Headphones"), ("Sonique", "Auralis", "Beatwell", "Quietone"),
                 (19, 349), ("Over-Ear Headphones", "On-Ear Headphones", "Earbuds"), ("Black", "White", "Blue", "Silver"),
                 ("Plastic", "Aluminium"), ("wireless", "noise cancelling", "foldable"),
                 (("battery life", 8, 60, "h"), ("weight", 30, 320, "g")), ("sound", "comfort", "battery")),
    CategorySpec("Rain Jackets", ("Clothing", "Outdoor", "Rain Jackets"), ("Northpeak", "Driftline", "Kestrel", "Velo"),
                 (35, 260), ("Rain Jacket", "Shell Jacket", "Cycling Jacket"), ("Black", "Red", "Yellow", "Green", "Blue"),
                 ("Nylon", "Polyester", "Gore-Tex"), ("waterproof", "packable", "hooded", "reflective"),
                 (("weight", 180, 650, "g"), ("waterproof rating", 5000, 28000, "mm")), ("fit", "rain", "breathability")),
    CategorySpec("Running Shoes", ("Clothing", "Shoes", "Running Shoes"), ("Stride", "Velo", "Fleetfoot", "Kestrel"),
                 (45, 220), ("Running Shoe", "Trail Shoe", "Racing Flat"), ("Black", "White", "Blue", "Orange", "Grey"),
                 ("Mesh", "Knit"), ("waterproof", "reflective"), (("weight", 190, 340, "g"), ("heel drop", 0, 12, "mm")),
                 ("fit", "cushioning", "grip")),
    CategorySpec("Backpacks", ("Bags", "Backpacks"), ("Northpeak", "Trailhaus", "Urbanpack", "Driftline"),
                 (25, 190), ("Backpack", "Daypack", "Laptop Backpack"), ("Black", "Grey", "Green", "Blue"),
                 ("Nylon", "Canvas", "Polyester"), ("waterproof", "laptop sleeve", "hip belt"),
                 (("capacity", 12, 45, "l"), ("weight", 400, 1600, "g")), ("space", "comfort", "zips")),
    CategorySpec("Coffee Makers", ("Home", "Kitchen", "Coffee Makers"), ("Brewster", "Caffeo", "Morning Co", "Kettleworth"),
                 (29, 420), ("Drip Coffee Maker", "Espresso Machine", "Pour-Over Set"), ("Black", "Silver", "White", "Red"),
                 ("Stainless steel", "Plastic", "Glass"), ("programmable", "milk frother", "thermal carafe"),
                 (("capacity", 0.3, 1.8, "l"), ("power", 600, 1600, "W")), ("taste", "cleaning", "speed")),
    CategorySpec("Wireless Mice", ("Electronics", "Computer Accessories", "Mice"), ("Clickwise", "Auralis", "Pointra", "Logitune"),
                 (9, 99), ("Wireless Mouse", "Ergonomic Mouse", "Travel Mouse"), ("Black", "White", "Grey", "Pink"),
                 ("Plastic",), ("bluetooth", "rechargeable", "silent clicks"), (("dpi", 800, 4000, ""), ("weight", 55, 140, "g")),
                 ("grip", "battery", "tracking")),
    CategorySpec("Keyboards", ("Electronics", "Computer Accessories", "Keyboards"), ("Clickwise", "Keyforge", "Pointra", "Typewell"),
                 (19, 189), ("Mechanical Keyboard", "Wireless Keyboard", "Compact Keyboard"), ("Black", "White", "Grey"),
                 ("Plastic", "Aluminium"), ("bluetooth", "backlit", "numeric keypad"), (("weight", 400, 1200, "g"),),
                 ("typing feel", "noise", "battery")),
    CategorySpec("Water Bottles", ("Sports", "Hydration", "Water Bottles"), ("Hydra", "Trailhaus", "Kestrel", "Purespring"),
                 (8, 49), ("Water Bottle", "Insulated Bottle", "Squeeze Bottle"), ("Blue", "Green", "Black", "Pink", "White"),
                 ("Stainless steel", "Plastic", "Glass"), ("insulated", "dishwasher safe", "leakproof"),
                 (("capacity", 0.4, 1.5, "l"), ("weight", 90, 450, "g")), ("leaks", "keeping drinks cold", "cleaning")),
    CategorySpec("Yoga Mats", ("Sports", "Fitness", "Yoga Mats"), ("Zenfold", "Lotusline", "Purespring", "Stride"),
                 (15, 120), ("Yoga Mat", "Travel Yoga Mat", "Exercise Mat"), ("Purple", "Blue", "Green", "Black", "Pink"),
                 ("Rubber", "TPE", "Cork"), ("non-slip", "foldable", "carry strap"), (("thickness", 2, 8, "mm"), ("weight", 700, 2600, "g")),
                 ("grip", "cushioning", "smell")),
    CategorySpec("Desk Lamps", ("Home", "Lighting", "Desk Lamps"), ("Lumenta", "Brightwell", "Morning Co", "Lampwright"),
                 (14, 160), ("LED Desk Lamp", "Clamp Lamp", "Architect Lamp"), ("Black", "White", "Silver", "Gold"),
                 ("Aluminium", "Plastic", "Steel"), ("dimmable", "usb charging port", "adjustable colour temperature"),
                 (("power", 5, 15, "W"), ("weight", 400, 2200, "g")), ("brightness", "stability", "glare")),
)
ADJECTIVES = ("Pro", "Lite", "Air", "Max", "One", "Go", "Plus", "Studio", "Trail", "City", "Flex", "Edge")
PRAISE = {"sound": "The sound is rich and clear", "comfort": "Comfortable for hours", "battery": "The battery lasts for days",
          "fit": "The fit is true to size", "rain": "Kept me dry in heavy rain", "breathability": "Breathes well on climbs",
          "cushioning": "Nicely cushioned on long runs", "grip": "Grip is excellent", "space": "Plenty of space for a laptop and lunch",
          "zips": "The zips feel sturdy", "taste": "Makes great tasting coffee", "cleaning": "Easy to clean",
          "speed": "Brews quickly in the morning", "tracking": "Tracking is precise", "typing feel": "Typing feels crisp",
          "noise": "Quiet enough for an open office", "leaks": "No leaks at all in my bag",
          "keeping drinks cold": "Keeps drinks cold all day", "smell": "No rubber smell", "brightness": "Bright and even light",
          "stability": "Stable base, does not wobble", "glare": "No glare on the screen"}
COMPLAINT = {"sound": "The bass is a bit weak", "comfort": "Gets uncomfortable after an hour", "battery": "Battery life is shorter than promised",
             "fit": "Runs small, order a size up", "rain": "Leaked at the seams in a downpour", "breathability": "Gets sweaty inside",
             "cushioning": "Too firm for me", "grip": "Slippery on wet rock", "space": "Smaller inside than it looks",
             "zips": "One zip broke after a month", "taste": "Coffee tastes a little bitter", "cleaning": "Hard to clean",
             "speed": "Slow to heat up", "tracking": "Tracking skips on glass", "typing feel": "Keys feel mushy",
             "noise": "Louder than expected", "leaks": "The lid leaks when tipped", "keeping drinks cold": "Drinks warm up by noon",
             "smell": "Strong smell out of the box", "brightness": "Not bright enough for reading", "stability": "Wobbles a bit",
             "glare": "Some glare on glossy screens"}
FIRST_NAMES = ("Ana", "Ben", "Chloe", "Dev", "Elif", "Femi", "Greta", "Hiro")


def image_data_url(label: str, colour: str) -> str:
    """A small SVG card (inline, offline) standing in for a product photo."""
    fill = {"black": "#222", "white": "#eee", "silver": "#bbb", "grey": "#888", "gold": "#c9a227"}.get(colour.lower(), colour.lower())
    text_colour = "#222" if colour.lower() in {"white", "silver", "yellow", "gold", "pink"} else "#fff"
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="160" height="120"><rect width="160" height="120" rx="12" '
           f'fill="{fill}"/><text x="80" y="68" font-family="sans-serif" font-size="14" text-anchor="middle" '
           f'fill="{text_colour}">{label}</text></svg>')
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _number(rng: random.Random, low: float, high: float) -> float:
    value = rng.uniform(low, high)
    return round(value, 1) if high < 10 else float(round(value / (10 if high > 1000 else 1)) * (10 if high > 1000 else 1))


def generate_items(rng: random.Random) -> list[dict]:
    items = []
    for spec in CATEGORIES:
        for number in range(ITEMS_PER_CATEGORY):
            brand = rng.choice(spec.brands)
            noun = rng.choice(spec.nouns)
            colour = rng.choice(spec.colours)
            model = f"{rng.choice(ADJECTIVES)} {rng.randint(2, 9)}{rng.choice(['', '0', '00'])}"
            attributes: dict = {"colour": colour, "material": rng.choice(spec.materials)}
            for flag in spec.flags:
                attributes[flag] = rng.random() < 0.5
            for name, low, high, unit in spec.numbers:
                attributes[name + (f" ({unit})" if unit else "")] = _number(rng, low, high)
            low, high = spec.price
            price = round(min(high, max(low, rng.lognormvariate(0, 0.5) * (low + high) / 3)), 0) - 0.01
            rating = round(min(5.0, max(2.5, rng.gauss(4.1, 0.5))), 1)
            features = [f for f in spec.flags if attributes[f]]
            description = (f"The {brand} {model} is a {colour.lower()} {noun.lower()} made of "
                           f"{attributes['material'].lower()}" + (f", {', '.join(features)}" if features else "") + ".")
            items.append({
                "item_id": f"demo-{spec.name[:3].lower()}-{number:03d}",
                "title": f"{brand} {model} {noun}, {colour}",
                "description": description, "categories": list(spec.path), "brand": brand,
                "price": price, "currency": "USD", "attributes": attributes, "rating": rating,
                "rating_count": int(rng.lognormvariate(4, 1.2)) + 3,
                "image_url": image_data_url(noun.split()[-1], colour) if rng.random() < 0.85 else None,
            })
    return items


def generate_reviews(rng: random.Random, items: list[dict], users: list[str]) -> list[dict]:
    aspects = {spec.path[-1]: spec.aspects for spec in CATEGORIES}
    reviews = []
    for item in items:
        for _ in range(rng.randint(0, 4)):
            stars = max(1, min(5, round(rng.gauss(item["rating"], 0.8))))
            aspect = rng.choice(aspects[item["categories"][-1]])
            text = PRAISE[aspect] if stars >= 4 else COMPLAINT[aspect]
            extra = rng.choice(["Would buy again.", "Good value for the price.", "Arrived quickly.", ""]) if stars >= 4 else \
                rng.choice(["Returned it.", "Not worth the money.", "Customer service was helpful though.", ""])
            reviews.append({"user_id": rng.choice(users), "item_id": item["item_id"], "rating": float(stars),
                            "title": text.split(",")[0], "text": f"{text}. {extra}".strip(), "ts": 1_700_000_000 + rng.randint(0, 30_000_000)})
    return reviews


def generate_users(rng: random.Random) -> list[dict]:
    return [{"user_id": f"demo-{name.lower()}", "attributes": {
        "age band": rng.choice(["18-24", "25-34", "35-44", "45-54", "55+"]),
        "region": rng.choice(["north", "south", "east", "west"]), "name": name}} for name in FIRST_NAMES[:DEMO_USERS]]


def generate_events(rng: random.Random, items: list[dict], users: list[dict]) -> list[dict]:
    by_category: dict[str, list[dict]] = {}
    for item in items:
        by_category.setdefault(item["categories"][-1], []).append(item)
    events = []
    for user in users:
        favourites = rng.sample(sorted(by_category), 2)
        ts = 1_710_000_000 + rng.randint(0, 1_000_000)
        for session in range(rng.randint(3, 6)):
            for _ in range(rng.randint(3, 8)):
                pool = by_category[rng.choice(favourites)] if rng.random() < 0.8 else items
                item = rng.choice(pool)
                ts += rng.randint(20, 600)
                kind = rng.choices(["view", "click", "cart", "purchase"], weights=[6, 3, 1.2, 0.8])[0]
                events.append({"user_id": user["user_id"], "item_id": item["item_id"], "type": kind, "ts": ts,
                               "session_id": f"{user['user_id']}-s{session}"})
            ts += rng.randint(86_400, 10 * 86_400)
    return events


def write_demo_dataset(folder: Path, seed: int = SEED) -> Path:
    """Write items/reviews/users/events.jsonl into `folder` (idempotent: same seed, same bytes)."""
    rng = random.Random(seed)
    items = generate_items(rng)
    users = generate_users(rng)
    reviews = generate_reviews(rng, items, [u["user_id"] for u in users])
    events = generate_events(rng, items, users)
    folder.mkdir(parents=True, exist_ok=True)
    for name, records in (("items", items), ("reviews", reviews), ("users", users), ("events", events)):
        with open(folder / f"{name}.jsonl", "w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    (folder / "VERSION").write_text(f"{VERSION} {seed}\n")
    return folder


def demo_dataset(home: Path) -> Path:
    """The demo dataset folder under `home`, generated on first use."""
    folder = home / "demo" / "catalog"
    if not (folder / "VERSION").is_file() or (folder / "VERSION").read_text().split()[0] != VERSION:
        write_demo_dataset(folder)
    return folder
