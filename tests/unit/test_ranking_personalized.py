"""The personalised Ranker and candidate sources honour the contract: filters, contributions, order."""

from __future__ import annotations

import numpy as np
import pytest

from agent.llm.interface import LLMUnavailable
from agent.ranking.combiner import LinearCombiner
from agent.ranking.features import FEATURES, History
from agent.ranking.interactions import InteractionLog
from agent.ranking.interface import Candidate, RankingContext, merge_candidates
from agent.ranking.item_space import ItemSpace
from agent.ranking.model import RankerTrainingConfig, RankingModel
from agent.ranking.personalized import ConversationWeights, PersonalizedRanker
from agent.ranking.sequential import SASRec, SequentialConfig, SequentialModel
from agent.ranking.sources import CoPurchaseSource, PopularitySource, ProfileEmbeddingSource
from profiles.records import Event
from retrieval.catalog import parse_item
from retrieval.documents import item_text
from retrieval.filters import Filters
from tests.profiles_fixtures import tiny_items


@pytest.fixture
def model(fake_embedder):
    items = {raw["item_id"]: parse_item(raw, []) for raw in tiny_items()}
    space = ItemSpace.build(items, fake_embedder.embed([item_text(i) for i in items.values()]))
    events = [Event(f"u{n}", "camera-0", "purchase", n) for n in range(5)]
    events += [Event(f"u{n}", "charger-1", "purchase", n + 0.5) for n in range(5)]
    log = InteractionLog(space, events)
    weights = np.zeros(len(FEATURES))
    weights[FEATURES.index("co_history")] = 1.0
    weights[FEATURES.index("sim_max")] = 0.5
    combiner = LinearCombiner(FEATURES, np.zeros(len(FEATURES)), np.ones(len(FEATURES)), weights)
    sequential = SequentialModel(SASRec(space.vectors, SequentialConfig(hidden=8, max_len=4)))
    return RankingModel(space, log, sequential, combiner, RankerTrainingConfig())


def history_of(model, *item_ids):
    rows = model.space.rows(item_ids)
    return History(rows, np.arange(len(rows), dtype=float), np.ones(len(rows)))


def candidates(model):
    return [Candidate(item=item) for item in model.space.items.values()]


def test_co_purchase_and_similarity_lead_and_bought_items_are_left_out(model):
    ranker = PersonalizedRanker(model, lambda user: history_of(model, "camera-0"))
    ranked = ranker.rank(RankingContext(query="", user_id="u"), candidates(model), 5)
    assert ranked[0].item.item_id == "charger-1"
    assert "camera-0" not in [r.item.item_id for r in ranked]
    assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)


def test_a_catalog_that_runs_out_of_new_items_shows_bought_ones_last(model):
    ranker = PersonalizedRanker(model, lambda user: history_of(model, "camera-0", "charger-1"))
    everything = len(model.space.items)
    ranked = ranker.rank(RankingContext(query="", user_id="u"), candidates(model), everything)
    ids = [r.item.item_id for r in ranked]
    assert len(ids) == everything and ids[-2:] in (["camera-0", "charger-1"], ["charger-1", "camera-0"])
    assert all(r.contributions.get("bought_before") == 1.0 for r in ranked[-2:])
    assert not any("bought_before" in r.contributions for r in ranked[:-2])
    assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)
    fewer = ranker.rank(RankingContext(query="", user_id="u"), candidates(model), everything - 2)
    assert {"camera-0", "charger-1"}.isdisjoint(r.item.item_id for r in fewer)


def test_the_chat_ranker_keeps_bought_items_behind_new_ones(model, fake_embedder):
    from agent.ranking.chat_ranker import ConversationalRanker

    inner = PersonalizedRanker(model, lambda user: history_of(model, "camera-0"),
                               embed_query=lambda text: fake_embedder.embed([text])[0])
    proposed = [Candidate(item=c.item, signals={"search_rank": 1 if c.item.item_id == "camera-0" else 2 + n})
                for n, c in enumerate(candidates(model))]
    everything = len(proposed)
    search_led = ConversationalRanker(inner, search_weight=100.0)    # the search rank alone would put it first
    ranked = search_led.rank(RankingContext(query="camera", user_id="u"), proposed, everything)
    assert ranked[-1].item.item_id == "camera-0"                # the search's top hit, but already bought
    assert ranked[-1].contributions["search_match"] > max(r.contributions["search_match"] for r in ranked[:-1])
    short = search_led.rank(RankingContext(query="camera", user_id="u"), proposed, 3)
    assert "camera-0" not in [r.item.item_id for r in short]


def test_hard_filters_hold(model):
    ranker = PersonalizedRanker(model, lambda user: history_of(model, "camera-0"))
    context = RankingContext(query="", user_id="u", filters=Filters(brands=("Dove",)))
    ranked = ranker.rank(context, candidates(model), 5)
    assert ranked and all(r.item.brand == "Dove" for r in ranked)


def test_sources_respect_filters_and_propose_neighbours(model):
    history = lambda user: history_of(model, "camera-0")
    context = RankingContext(query="", user_id="u")
    co = CoPurchaseSource(model.log, history).candidates(context, 5)
    assert [c.item.item_id for c in co] == ["charger-1"]
    vector = model.space.vectors[model.space.index["shampoo-0"]]
    near = ProfileEmbeddingSource(model.space, lambda user: vector, history).candidates(
        RankingContext(query="", user_id="u", filters=Filters(exclude_brands=("Nikon",))), 5)
    assert near and all(c.item.brand != "Nikon" for c in near)
    popular = PopularitySource(model.log).candidates(RankingContext(query=""), 2)
    assert {c.item.item_id for c in popular} == {"camera-0", "charger-1"}
    merged = merge_candidates(co, popular)
    assert len({c.item.item_id for c in merged}) == len(merged)


def test_take_looks_deeper_for_strict_filters_and_stops_where_the_signal_ends(model):
    from agent.ranking.sources import _take

    space = model.space
    scores = np.arange(len(space), 0, -1, dtype=float)          # row 0 best, the last row worst
    last = space.items[space.ids[-1]]
    deep = _take(space, scores, RankingContext(query="", filters=Filters(brands=(last.brand,))), 1, "s", "x")
    assert [c.item.brand for c in deep] == [last.brand]           # found past the first 4k rows
    sparse = np.zeros(len(space))
    sparse[[3, 7]] = [2.0, 1.0]
    taken = _take(space, sparse, RankingContext(query=""), 5, "s", "x", exclude={7})
    assert [c.item.item_id for c in taken] == [space.ids[3]]      # no signal past row 7, 7 excluded
    assert taken[0].signals == {"x": 2.0}


def test_the_chat_ranker_shows_only_items_that_answer_the_request(model, fake_embedder):
    """Strong taste (a camera buyer's co-purchased charger) must not put a charger into an answer to
    "shampoo"; an item only the profile proposed is shown when it is at least as similar to the
    request as the search's median candidate."""
    from agent.ranking.chat_ranker import ConversationalRanker

    weights = np.zeros(len(FEATURES))
    for signal in ("co_history", "co_last", "co_session"):       # taste far stronger than the request
        weights[FEATURES.index(signal)] = 5.0
    strong_taste = RankingModel(model.space, model.log, model.sequential,
                                LinearCombiner(FEATURES, np.zeros(len(FEATURES)), np.ones(len(FEATURES)), weights),
                                RankerTrainingConfig())
    inner = PersonalizedRanker(strong_taste, lambda user: history_of(model, "camera-0"),
                               embed_query=lambda text: fake_embedder.embed([text])[0],
                               weights=ConversationWeights(query_match=0.5))
    items = model.space.items
    searched = [Candidate(item=items[i], signals={"search_rank": rank}, sources=("search",))
                for rank, i in enumerate(("shampoo-1", "shampoo-3"), 1)]
    from_profile = [Candidate(item=items[i], signals={"profile_similarity": 0.9}, sources=("profile",))
                    for i in ("charger-1", "shampoo-0")]           # shampoo-0 matches "shampoo" best
    context = RankingContext(query="shampoo", user_id="u")
    taste_only = inner.rank(context, searched + from_profile, 5)
    assert taste_only[0].item.item_id == "charger-1"             # the profile alone would lead with it
    shown = [r.item.item_id for r in ConversationalRanker(inner).rank(context, searched + from_profile, 5)]
    assert set(shown) == {"shampoo-0", "shampoo-1", "shampoo-3"}
    # without a request there is nothing to answer: every candidate may be shown
    anything = ConversationalRanker(inner).rank(RankingContext(query="", user_id="u"), searched + from_profile, 5)
    assert "charger-1" in [r.item.item_id for r in anything]


class PickOne:
    """An LLM ranker that is sure of one item; records what it was shown."""

    window = 3

    def __init__(self, favourite: str, history: bool = True):
        self.favourite, self.history, self.shown = favourite, history, []

    def signal(self, context, candidates):
        if not self.history:                                   # as LLMRanker: nothing to rank from
            return {}
        self.shown.append([c.item.item_id for c in candidates])
        return {c.item.item_id: (0.0 if c.item.item_id == self.favourite else -20.0) for c in candidates}


def test_the_llm_reranks_the_head_of_the_chat_ranking(model, fake_embedder):
    from agent.ranking.chat_ranker import ConversationalRanker

    inner = PersonalizedRanker(model, lambda user: history_of(model, "camera-0"),
                               embed_query=lambda text: fake_embedder.embed([text])[0])
    proposed = [Candidate(item=c.item, signals={"search_rank": 1 + n}) for n, c in enumerate(candidates(model))]
    context = RankingContext(query="", user_id="u")
    plain = [r.item.item_id for r in ConversationalRanker(inner).rank(context, proposed, len(proposed))]
    new_items = [i for i in plain if i != "camera-0"]
    favourite = new_items[2]                                    # third in the head of three
    llm = PickOne(favourite)
    ranked = ConversationalRanker(inner, llm=llm, llm_weight=100.0).rank(context, proposed, len(proposed))
    assert llm.shown == [new_items[:3]]                         # the head, best first, never a bought item
    assert ranked[0].item.item_id == favourite and ranked[0].contributions["llm"] > 0
    assert [r.item.item_id for r in ranked[1:]] == [i for i in plain if i != favourite]
    assert ranked[-1].item.item_id == "camera-0"                # bought stays behind every new item
    # without a history (or for an anonymous shopper) the model is not asked
    silent = PickOne(favourite, history=False)
    unchanged = ConversationalRanker(inner, llm=silent, llm_weight=100.0).rank(context, proposed, len(proposed))
    assert [r.item.item_id for r in unchanged] == plain and silent.shown == []
    anonymous = PickOne(favourite)
    ConversationalRanker(inner, llm=anonymous).rank(RankingContext(query=""), proposed, 3)
    assert anonymous.shown == []
    # a model server that is down costs the signal, not the answer
    down = PickOne(favourite)
    down.signal = lambda context, candidates: (_ for _ in ()).throw(LLMUnavailable("server down"))
    still = ConversationalRanker(inner, llm=down, llm_weight=100.0).rank(context, proposed, len(proposed))
    assert [r.item.item_id for r in still] == plain and all("llm" not in r.contributions for r in still)
