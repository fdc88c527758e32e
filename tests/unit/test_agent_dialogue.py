"""The dialogue state machine across turns, driven through whole turns with a scripted fake LLM."""

import pytest

from agent.understanding.constraints import Constraints
from agent.turn.events import ExplanationReady, ItemsReady, TextChunk, TurnDone
from tests.agent_fixtures import ScriptedLLM, make_assistant, small_dataset, small_index  # noqa: F401


@pytest.fixture
def assistant(small_index, small_dataset):
    return make_assistant(small_index, ScriptedLLM(), reviews_folder=small_dataset)


def prices(index, record):
    return [index.catalog[i].price for i in record.shown_item_ids]


def test_items_come_before_any_text_and_the_turn_ends_with_its_record(assistant):
    events = list(assistant.session().send("a waterproof rain jacket under 100"))
    kinds = [type(e) for e in events]
    assert kinds[0] is ItemsReady
    assert TextChunk in kinds and ExplanationReady in kinds
    assert kinds[-1] is TurnDone
    items = events[0].items
    assert len(items) == 3
    assert all(e.item.price <= 100 and e.item.attributes["waterproof"] is True for e in items)
    record = events[-1].record
    assert record.outcome == "answer"
    assert record.understanding.kind == "new"
    assert record.retrieval.candidates >= 3 and record.ranking.item_ids == record.shown_item_ids
    assert record.timings.items_ready_s <= record.timings.first_text_s <= record.timings.total_s
    assert len(record.generation.explanations) == 3


def test_follow_ups_change_the_standing_constraints(assistant, small_index):
    session = assistant.session()
    first = session.reply("rain jacket under 120")
    assert first.understanding.constraints["price_max"] == 120
    cheaper = session.reply("cheaper")
    assert cheaper.understanding.kind == "followup"
    limit = cheaper.understanding.constraints["price_max"]
    assert limit < max(prices(small_index, first))
    assert all(p <= limit for p in prices(small_index, cheaper))
    top_brand = small_index.catalog[cheaper.shown_item_ids[0]].brand
    other = session.reply("not that brand")
    assert other.understanding.constraints["exclude_brands"] == [top_brand]
    assert all(small_index.catalog[i].brand != top_brand for i in other.shown_item_ids)
    assert other.understanding.constraints["price_max"] == limit          # earlier limits still stand


def test_more_like_the_second_searches_around_that_item_and_skips_what_was_shown(assistant):
    session = assistant.session()
    first = session.reply("headphones")
    similar = session.reply("show me more like the second")
    assert similar.understanding.followup == "more_like"
    assert not set(similar.shown_item_ids) & set(first.shown_item_ids)


def test_a_new_product_starts_a_new_request(assistant):
    session = assistant.session()
    session.reply("rain jacket from Kestrel under 100")
    record = session.reply("headphones")
    assert record.understanding.kind == "new"
    assert "brands" not in record.understanding.constraints


def test_refinement_without_a_product_keeps_the_need(assistant, small_index):
    session = assistant.session()
    session.reply("headphones")
    record = session.reply("in white")
    assert record.understanding.kind == "refine"
    assert record.understanding.constraints["category"] == "Headphones"
    assert all(small_index.catalog[i].attributes["colour"] == "White" for i in record.shown_item_ids)


def test_start_over_forgets_the_constraints(assistant):
    session = assistant.session()
    session.reply("rain jacket not Velo under 70")
    record = session.reply("start over, I want headphones")
    assert record.understanding.constraints == {"category": "Headphones"}


@pytest.mark.parametrize("message", ["hello", "I want to buy something", "Je cherche un casque pas cher"])
def test_too_vague_or_foreign_requests_get_a_clarifying_question(assistant, message):
    record = assistant.session().reply(message)
    assert record.outcome == "clarify"
    assert record.reply.endswith(("?", ".")) and "?" in record.reply
    assert record.shown_item_ids == ()


def test_empty_and_huge_messages_get_an_answer_and_the_session_goes_on(assistant):
    session = assistant.session()
    assert session.reply("   ").outcome == "empty"
    huge = session.reply("rain jacket " + "very " * 20_000)
    assert huge.outcome == "answer"
    assert any("cut" in note for note in huge.understanding.notes)
    assert session.reply("headphones").outcome == "answer"
    assert len(session.records) == 3


def test_nothing_found_is_said_plainly(assistant):
    record = assistant.session().reply("headphones under 5")
    assert record.outcome == "nothing"
    assert "nothing" in record.reply.lower()


def test_unknown_user_is_served_and_only_a_hash_is_recorded(assistant):
    record = assistant.session(user_id="shopper-never-seen@example.com").reply("headphones")
    assert record.outcome == "answer"
    assert record.user and "example" not in record.user and len(record.user) == 12


def test_llm_understanding_merges_only_grounded_values(small_index, small_dataset):
    model = ScriptedLLM(json_reply='{"brands": ["Velo"], "category": "Rain Jackets", "price_max": 999}')
    assistant = make_assistant(small_index, model, reviews_folder=small_dataset, llm_understanding=True)
    record = assistant.session().reply("rain jacket, not Velo, under 90")
    constraints = record.understanding.constraints
    assert record.understanding.llm_status == "valid"
    assert constraints["exclude_brands"] == ["Velo"] and "brands" not in constraints
    assert constraints["price_max"] == 90


def test_llm_understanding_asks_in_the_training_format_with_worked_examples_from_the_catalog(small_index):
    """The prompt a LoRA adapter was trained on (`finetune data`) is the prompt the assistant sends:
    same system message, "Shopper: ..." user text, compact JSON replies as the worked examples."""
    from finetune.prompts import SYSTEM

    model = ScriptedLLM(json_reply='{"price_max": 90.0}')
    assistant = make_assistant(small_index, model, llm_understanding=True)
    assistant.session().reply("rain jacket under 90")
    asked = next(call for call in model.calls if call[0]["content"] == SYSTEM["understanding"])
    assert asked[-1] == {"role": "user", "content": "Shopper: rain jacket under 90"}
    worked = asked[1:-1]
    assert len(worked) == 6 and [m["role"] for m in worked] == ["user", "assistant"] * 3
    brands = {item.brand for item in small_index.catalog.values()}
    for user, reply in zip(worked[::2], worked[1::2]):
        assert user["content"].startswith("Shopper: ")
        constraints = Constraints.model_validate_json(reply["content"])
        assert set(constraints.brands + constraints.exclude_brands) <= brands


def test_a_price_the_rules_read_is_not_taken_again_for_the_other_bound(small_index):
    model = ScriptedLLM(json_reply='{"price_min": 90.0, "price_max": 90.0}')
    record = make_assistant(small_index, model, llm_understanding=True).session().reply("rain jacket under 90")
    assert record.understanding.llm_status == "valid"
    assert record.understanding.constraints["price_max"] == 90 and "price_min" not in record.understanding.constraints


def test_the_llm_never_overturns_a_brand_or_need_the_rules_read(small_index):
    """The 135M model sometimes puts the brand a shopper asked for in exclude_brands, or reads the
    modifier of "a <category> bag" as the category: the rules' reading stands."""
    model = ScriptedLLM(json_reply='{"exclude_brands": ["Velo"], "category": "Rain Jackets"}')
    record = make_assistant(small_index, model, llm_understanding=True).session().reply("a rain jacket bag from Velo")
    constraints = record.understanding.constraints
    assert record.understanding.llm_status == "valid"
    assert constraints["brands"] == ["Velo"] and "exclude_brands" not in constraints and "category" not in constraints


def test_a_field_out_of_range_is_dropped_and_its_neighbours_kept(small_index):
    model = ScriptedLLM(json_reply='{"min_rating": 80.0, "brands": ["Velo"]}')
    record = make_assistant(small_index, model, llm_understanding=True).session().reply("a Velo rain jacket under 90")
    assert record.understanding.llm_status == "valid without min_rating"
    assert record.understanding.constraints["brands"] == ["Velo"] and "min_rating" not in record.understanding.constraints


def test_invalid_llm_json_leaves_the_rules_in_charge(small_index):
    assistant = make_assistant(small_index, ScriptedLLM(json_reply="I think you want a jacket"), llm_understanding=True)
    record = assistant.session().reply("rain jacket under 90")
    assert record.understanding.llm_status.startswith("no JSON")
    assert record.understanding.constraints["price_max"] == 90


def test_a_colour_filters_within_a_category_and_only_ranks_without_one(assistant, small_index):
    within = assistant.session().reply("a yellow rain jacket")
    assert within.understanding.constraints["attributes"] == {"colour": "Yellow"}
    across = assistant.session().reply("a yellow jacket from Velo")
    assert "attributes" not in across.understanding.constraints
    assert "yellow" in across.understanding.constraints["soft_preferences"]
    assert small_index.catalog[across.shown_item_ids[0]].attributes["colour"] == "Yellow"


@pytest.mark.parametrize("message", ["the second one", "Tell me more about the 2nd", "what about #2?"])
def test_the_second_one_answers_with_that_item_and_keeps_the_list(assistant, small_index, message):
    session = assistant.session()
    first = session.reply("rain jacket under 120")
    second_id = first.shown_item_ids[1]
    events = list(session.send(message))
    assert isinstance(events[0], ItemsReady) and [e.item.item_id for e in events[0].items] == [second_id]
    record = events[-1].record
    assert record.outcome == "details" and record.shown_item_ids == (second_id,)
    assert record.understanding.followup == "details"
    item = small_index.catalog[second_id]
    assert record.reply.startswith("More about item 2:") and f"2. {item.title}" in record.reply
    assert f"Rated {item.rating:g} of 5" in record.reply
    # the standing request and the shown list are unchanged: "the third" points into the same answer
    third = session.reply("the third one")
    assert third.shown_item_ids == (first.shown_item_ids[2],)
    again = session.reply("cheaper")
    assert again.understanding.constraints["price_max"] < 120
