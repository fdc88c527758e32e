"""`shopwise bench recommend`: profile update and recommendation latency on a real catalog.

When the folder has no behaviour (icecat), shoppers are simulated: each browses one category
region — views, clicks, carts, purchases over days — so profiles, co-purchase and the sequential
model have realistic shapes. Events go to a throw-away SQLite store; timings are per call.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

TYPES = ("view", "view", "view", "click", "click", "cart", "purchase")


def simulate_events(space, users: int, seed: int = 0):
    from profiles.records import Event

    rng = np.random.default_rng(seed)
    by_leaf: dict[int, np.ndarray] = {}
    for leaf in np.unique(space.leaf):
        by_leaf[int(leaf)] = np.flatnonzero(space.leaf == leaf)
    events, start = [], 1.7e9
    for user in range(users):
        anchor = int(rng.integers(len(space)))
        pool = by_leaf.get(int(space.leaf[anchor]), np.array([anchor]))
        neighbours = np.argsort(-(space.vectors @ space.vectors[anchor]))[:50]
        ts = start + rng.uniform(0, 90) * 86_400
        for _ in range(int(rng.integers(5, 30))):
            row = int(rng.choice(pool) if rng.random() < 0.5 else rng.choice(neighbours))
            ts += rng.exponential(3_600)
            events.append(Event(f"sim-{user}", space.ids[row], str(rng.choice(TYPES)), ts, f"s{user}-{int(ts // 86_400)}"))
    return events


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    values = np.array(samples) * 1000.0
    return float(np.percentile(values, 50)), float(np.percentile(values, 99)), float(values.max())


def run_bench(data_dir: Path, json_path: Path, settings, users: int, requests: int, embedder=None) -> int:
    from rich.console import Console

    from agent.ranking.item_space import build_item_space
    from agent.ranking.runtime import build_runtime
    from evals.report import write_bench_report
    from profiles.dataset import load_dataset
    from profiles.records import Event
    from profiles.store import EventStore, connect
    from retrieval.embeddings import build_embedder

    console = Console(stderr=True)
    embedder = embedder or build_embedder(settings.embedder, settings.model_cache)
    data = load_dataset(data_dir)
    space = build_item_space(data.items, embedder, settings.cache_dir, show_progress=True,
                             source_folder=data_dir, settings=settings)
    events = data.events or simulate_events(space, users)
    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as scratch:
        store = EventStore(connect(f"sqlite:///{Path(scratch) / 'bench.sqlite'}"))
        store.add_events(events)
        started = time.perf_counter()
        # Simulated shoppers only: the model may be cached (keyed by catalog, shopper count and seed).
        model_path = settings.cache_dir / "rankers" / f"bench-{len(space)}-{users}-{len(events)}.pt"
        runtime = build_runtime(settings, data_dir, store=store, embedder=embedder, show_progress=True,
                                model_path=model_path if not data.events else Path(scratch) / "ranker.pt")
        setup_s = time.perf_counter() - started
        user_ids = sorted({e.user_id for e in events})
        for user in user_ids:                                   # known shoppers: profiles loaded once
            runtime.profiles.profile(user)
        update, append, plain, with_query = [], [], [], []
        queries = [space.items[space.ids[int(rng.integers(len(space)))]].title.split(",")[0][:40] for _ in range(20)]
        for i in range(requests):
            user = user_ids[int(rng.integers(len(user_ids)))]
            event = Event(user, space.ids[int(rng.integers(len(space)))], str(rng.choice(TYPES)), 1.8e9 + i)
            t0 = time.perf_counter()
            runtime.profiles.apply(event)
            update.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            store.add_event(event)
            append.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            runtime.recommend(user, 10)
            plain.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            runtime.recommend(user, 10, query=queries[i % len(queries)])
            with_query.append(time.perf_counter() - t0)
    figures = {"catalog_items": len(space), "shoppers": len(user_ids), "events": len(events),
               "events_simulated": not data.events, "requests": requests, "setup_s": round(setup_s, 1)}
    for name, samples in (("profile_update", update), ("event_store_append", append),
                          ("recommend", plain), ("recommend_with_query", with_query)):
        p50, p99, worst = percentiles(samples)
        figures.update({f"{name}_p50_ms": p50, f"{name}_p99_ms": p99, f"{name}_max_ms": worst})
    chart = {name: {"p50_ms": figures[f"{name}_p50_ms"], "p99_ms": figures[f"{name}_p99_ms"]}
             for name in ("profile_update", "event_store_append", "recommend", "recommend_with_query")}
    write_bench_report(json_path, figures, f"recommendation latency on {data.name}", chart)
    for key, value in figures.items():
        console.print(f"{key:>28}  {value:.3f}" if isinstance(value, float) else f"{key:>28}  {value}")
    return 0
