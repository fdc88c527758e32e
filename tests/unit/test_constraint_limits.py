"""Values read from free text are fitted into the `Constraints` limits instead of failing the turn:
a long message of unknown words, a message naming more brands than a list holds, and exclusions
that pile up turn after turn."""

from agent.dialogue.followups import FollowUp, apply_followup
from agent.dialogue.state import DialogueState
from agent.understanding.constraints import LIST_MAX_ITEMS, NEED_MAX_CHARS, Constraints
from agent.understanding.rules import extract_rules
from agent.understanding.vocabulary import CatalogVocabulary
from retrieval.catalog import Item
from tests.agent_fixtures import ScriptedLLM, make_assistant, small_dataset, small_index  # noqa: F401

BRANDS = [f"Brand{letter}" for letter in "ABCDEFGHIJKL"]          # 12 brands, more than a list holds


def test_values_within_the_limits_are_kept_as_they_are():
    data = {"need": "rain jacket", "brands": ["Velo", "Kestrel"], "price_max": 120.0}
    constraints, cuts = Constraints.fitted(data)
    assert cuts == ()
    assert constraints == Constraints.model_validate(data)


def test_a_long_need_is_cut_at_a_word_and_lists_keep_their_newest_entries():
    need = " ".join(f"word{i}" for i in range(200))                  # 1,489 characters
    constraints, cuts = Constraints.fitted({"need": need, "exclude_brands": BRANDS})
    assert len(constraints.need) <= NEED_MAX_CHARS and need.startswith(constraints.need + " ")
    assert constraints.need.split() == need.split()[:len(constraints.need.split())]
    assert constraints.exclude_brands == BRANDS[-LIST_MAX_ITEMS:]
    assert cuts == (f"need cut from 1,489 to {len(constraints.need)} characters",
                    f"exclude_brands: kept the last {LIST_MAX_ITEMS} of 12")
    one_word, _ = Constraints.fitted({"need": "x" * 5000})
    assert one_word.need == "x" * NEED_MAX_CHARS


def test_rules_fit_a_message_naming_every_brand_and_their_words_follow_the_cut_need():
    vocabulary = CatalogVocabulary.from_items(
        Item(item_id=str(i), title=f"{brand} jacket", brand=brand) for i, brand in enumerate(BRANDS))
    named = extract_rules("jackets from " + ", ".join(BRANDS), vocabulary)
    assert named.constraints.brands == BRANDS[-LIST_MAX_ITEMS:]
    assert named.cuts == (f"brands: kept the last {LIST_MAX_ITEMS} of 12",)
    long = extract_rules("zorbly " * 1000, vocabulary)
    assert long.constraints.need is not None and len(long.constraints.need) <= NEED_MAX_CHARS
    assert " ".join(long.need_words) == long.constraints.need
    assert long.cuts and long.cuts[0].startswith("need cut from 6,999 to ")


def test_excluding_one_brand_after_another_keeps_the_newest_exclusions():
    standing = Constraints(need="jacket", exclude_brands=BRANDS[:LIST_MAX_ITEMS])
    shown = Item(item_id="x", title="a jacket", brand="Newest")
    constraints, cuts = apply_followup(FollowUp("other_brand", "another brand", shown), standing, DialogueState())
    assert constraints.exclude_brands == [*BRANDS[1:LIST_MAX_ITEMS], "Newest"]
    assert cuts == (f"exclude_brands: kept the last {LIST_MAX_ITEMS} of 11",)


def test_a_long_message_of_unknown_words_gets_a_clarifying_question_not_an_error(small_index, small_dataset):
    assistant = make_assistant(small_index, ScriptedLLM(), reviews_folder=small_dataset)
    session = assistant.session()
    record = session.reply("zorbly blarg " * 150)                  # 1,800 characters: under the cut
    assert record.outcome == "clarify"
    assert any(note.startswith("need cut from") for note in record.understanding.notes)
    assert session.reply("headphones").outcome == "answer"             # the session goes on
