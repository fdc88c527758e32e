"""The web page's logic without a browser: chips, cards, "why these", traces, reports, role gating."""

from __future__ import annotations

import json

import pytest

from agent.dialogue.state import DialogueState
from agent.ranking.interface import RankedItem
from agent.understanding.constraints import Constraints
from retrieval.catalog import Item
from tests.agent_fixtures import small_dataset, small_index  # noqa: F401  (fixtures)
from ui.api.auth import KeyStore, Principal
from ui.web.access import (BAD_KEY, CONSOLE_DENIED, CONSOLE_SIGNED_OUT, chat_user, console_denial,
                           reports_denial, sign_in)
from ui.web.cards import card_html, safe_image_url
from ui.web.chips import chips, remove_chip
from ui.web.reports_index import find_reports, report_markdown
from ui.web.why import held_back, signal_shares, why_html, why_line

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def item(item_id="jk-1", **changes) -> Item:
    base = dict(item_id=item_id, title="Storm Rain Jacket", brand="Northpeak", price=79.0, currency="USD",
                categories=("Outdoor", "Rain Jackets"), rating=4.2, rating_count=40, description="",
                attributes={"waterproof": True}, image_url=None)
    base.update(changes)
    return Item(**base)


# -- chips ---------------------------------------------------------------------------------------
def test_chips_name_each_understood_constraint():
    c = Constraints(need="rain jacket", category="Rain Jackets", price_max=80, price_min=20.5,
                    exclude_brands=["Nike"], min_rating=4, attributes={"waterproof": True, "wireless": False,
                                                                        "colour": "Black"},
                    soft_preferences=["for cycling"])
    labels = [chip.label for chip in chips(c)]
    assert labels == ["Rain Jackets", "over 20.50", "under 80", "rated 4+", "not Nike", "waterproof",
                      "not wireless", "black", "for cycling"]
    assert chips(None) == [] and chips(Constraints()) == []
    assert [chip.label for chip in chips(c.model_dump(exclude_defaults=True))] == labels   # the step record's dict


def test_removing_a_chip_edits_the_dialogue_state():
    state = DialogueState(constraints=Constraints(price_max=80, exclude_brands=["Nike", "Velo"],
                                                  attributes={"waterproof": True}), need="jacket")
    by_label = {chip.label: chip for chip in chips(state.constraints)}
    assert remove_chip(state, by_label["not Nike"])
    assert state.constraints.exclude_brands == ["Velo"]
    assert remove_chip(state, by_label["waterproof"]) and state.constraints.attributes == {}
    assert remove_chip(state, by_label["under 80"]) and state.constraints.price_max is None
    assert not remove_chip(state, by_label["under 80"])                 # already gone
    assert [chip.label for chip in chips(state.constraints)] == ["not Velo"]
    assert state.need == "jacket"


# -- cards ---------------------------------------------------------------------------------------
def test_card_html_escapes_hostile_product_text():
    entry = RankedItem(item(title=HOSTILE, brand='"><b onmouseover=alert(2)>', item_id='x" onclick="alert(3)',
                            image_url='javascript:alert(4)'), 1.0)
    html = card_html(1, entry, explanation=HOSTILE, feedback="like")
    assert "<script" not in html and "<img src=x" not in html and "<b onmouseover" not in html
    assert 'onclick="alert' not in html and "javascript:" not in html
    assert "&lt;script&gt;" in html and "You liked this" in html
    assert html.count("<img") == 0                                  # the unsafe image is dropped


def test_card_html_shows_the_product_facts_and_the_reason():
    html = card_html(2, RankedItem(item(image_url="https://img.example/j.png"), 1.0), "Kept me dry.")
    assert 'src="https://img.example/j.png"' in html and "Storm Rain Jacket" in html and "Northpeak" in html
    assert "$79.00" in html and "★ 4.2 (40)" in html and "Kept me dry." in html and 'data-position="2"' in html
    assert "writing why" in card_html(1, RankedItem(item(), 1.0), None)
    assert "sw-dismissed" in card_html(1, RankedItem(item(), 1.0), "x", feedback="not_for_me")


def test_only_web_and_inline_images_are_used():
    assert safe_image_url("https://a/b.png") == "https://a/b.png"
    assert safe_image_url("data:image/svg+xml;base64,AAA")
    for bad in ("javascript:alert(1)", "data:text/html,<script>", "file:///etc/passwd", "", None, "  vbscript:x"):
        assert safe_image_url(bad) is None


# -- why these -----------------------------------------------------------------------------------
def test_why_names_the_signals_that_counted_in_words():
    parts = {"search_match": 1.2, "profile_affinity": 0.6, "popularity": 0.2, "rating": -0.3, "cascade": 5.0,
             "co_purchase": 0.0}
    shares = signal_shares(parts)
    assert [name for name, _ in shares] == ["matches your request", "fits your taste", "popular with shoppers"]
    assert shares[0][1] == pytest.approx(0.6)
    assert why_line(parts) == "matches your request (60%), fits your taste (30%), popular with shoppers (10%)"
    assert held_back(parts) == ["well rated"]
    assert "cascade" not in why_line(parts)
    assert why_line({}) == "shown because it matches your request"
    html = why_html([RankedItem(item(title=HOSTILE), 1.0, parts)])
    assert "fits your taste" in html and "<script" not in html and "less: well rated" in html


# -- traces --------------------------------------------------------------------------------------
def test_trace_shows_constraints_contributions_and_timings(small_index, small_dataset):
    from tests.agent_fixtures import ScriptedLLM, make_assistant
    from ui.web.trace import trace_html

    assistant = make_assistant(small_index, ScriptedLLM(), reviews_folder=small_dataset)
    record = assistant.session().reply("a waterproof rain jacket under 80, not Velo")
    html = trace_html(record, small_index.catalog, "a waterproof rain jacket under 80, not Velo")
    assert "under 80" in html and "not Velo" in html and "waterproof" in html
    assert "matches your request" in html                             # a signal column, humanised
    assert all(f"data-item-id='{i}'" in html for i in record.shown_item_ids)
    assert "items ready" in html and "whole turn" in html and "candidates" in html


def test_stored_conversations_show_each_turns_trace(small_index, small_dataset):
    """The console's "last conversations" come from the store (records as JSON): each turn's trace
    is rebuilt from its record, the same as for a turn asked in the console."""
    from agent.turn.conversation_store import Conversation, StoredTurn
    from agent.turn.steps import TurnRecord
    from tests.agent_fixtures import ScriptedLLM, make_assistant
    from ui.web.console import conversations_html
    from ui.web.trace import trace_html

    assistant = make_assistant(small_index, ScriptedLLM(), reviews_folder=small_dataset)
    record = assistant.session().reply("a waterproof rain jacket under 80")
    stored = json.loads(json.dumps(record.to_dict()))                       # as the store keeps it
    assert TurnRecord.from_dict(stored) == record
    turn = StoredTurn("u1", "s1", record.turn, "a waterproof rain jacket under 80", record.reply, stored, 1.0)
    html = conversations_html([Conversation("s1", 1.0, 1.0, [turn])], small_index.catalog)
    assert trace_html(record, small_index.catalog) in html
    assert all(f"data-item-id='{i}'" in html for i in record.shown_item_ids)
    broken = StoredTurn("u1", "s1", 2, "hi", "hello", {"turn": 2}, 2.0)      # an unreadable record
    assert "hello" in conversations_html([Conversation("s1", 1.0, 2.0, [broken])], small_index.catalog)


# -- reports -------------------------------------------------------------------------------------
def test_reports_are_found_with_their_table_and_chart(tmp_path):
    from evals.report import write_bench_report, write_eval_report

    evals, bench = tmp_path / "var" / "eval", tmp_path / "var" / "bench"
    write_eval_report(evals / "retrieval.json", {"task": "retrieval", "dataset": "tiny", "default": "hybrid",
                                                 "methods": {"bm25": {"ndcg@10": 0.5}, "hybrid": {"ndcg@10": 0.7}}})
    write_bench_report(bench / "search.json", {"p50_ms": 9.0, "p99_ms": 20.0}, "search latency")
    (evals / "stray.json").write_text(json.dumps({"not": "a report"}))          # no .md / .png beside it
    runs = find_reports([evals, bench, tmp_path / "missing"])
    assert sorted((r.kind, r.title) for r in runs) == [("bench", "search latency"), ("eval", "retrieval on tiny")]
    table = report_markdown(next(r for r in runs if r.kind == "eval"))
    assert "| **hybrid** (default) |" in table
    assert all(r.chart_path.is_file() for r in runs)


# -- access --------------------------------------------------------------------------------------
@pytest.fixture
def keys(tmp_path):
    return KeyStore.from_url(f"sqlite:///{tmp_path / 'keys.sqlite'}")


def test_roles_gate_the_console_and_reports(keys):
    shopper = sign_in(keys, keys.create("shopper", user_id="demo-ana"))
    agent = sign_in(keys, keys.create("agent"))
    admin = sign_in(keys, keys.create("admin"))
    assert shopper.principal.user_id == "demo-ana" and "demo-ana" in shopper.message
    assert console_denial(shopper.principal) == CONSOLE_DENIED and reports_denial(shopper.principal)
    assert console_denial(agent.principal) is None and console_denial(admin.principal) is None
    assert reports_denial(agent.principal) is None
    assert console_denial(None) == CONSOLE_SIGNED_OUT
    assert sign_in(keys, "swk_000000000000_wrong").principal is None
    assert sign_in(keys, "swk_000000000000_wrong").message == BAD_KEY
    assert sign_in(keys, "").principal is None and sign_in(None, "anything").principal is None


def test_a_shopper_chats_as_itself_and_staff_chat_anonymously():
    assert chat_user(Principal("k1", "shopper", "demo-ana")) == "demo-ana"
    assert chat_user(Principal("k2", "agent")) is None and chat_user(None) is None



def test_console_handlers_check_the_role_on_the_server(small_index, small_dataset, settings):
    """Calling the console's handlers directly (not through the hidden panel) with a shopper's
    principal yields the denial and no customer data, and runs no turn."""
    from profiles.records import Event
    from profiles.store import EventStore
    from shopwise.services import AppServices
    from tests.agent_fixtures import ScriptedLLM, make_assistant
    from ui.web.console import ask, lookup

    events = EventStore.from_settings(settings)
    events.add_event(Event("victim", "jk-1", "purchase", 1.0))
    services = AppServices(settings, small_index, make_assistant(small_index, ScriptedLLM()), events, None, small_dataset)
    shopper = Principal("k1", "shopper", "someone-else")
    view, status, profile, rows, conversations, *_ = lookup(services, shopper, "victim")
    assert view is None and status == CONSOLE_DENIED and profile == "" and rows == [] and conversations == ""
    assert lookup(services, None, "victim")[1] == CONSOLE_SIGNED_OUT
    staff_view = lookup(services, Principal("k2", "agent"), "victim")[0]
    assert staff_view is not None and staff_view.session.user_id == "victim"
    # a partial id lists the matching customers to staff, never to a shopper
    events.add_event(Event("victor", "jk-1", "click", 2.0))
    view, status, *_, matches = lookup(services, Principal("k2", "agent"), "vic")
    assert view is None and "No customer **vic**" in status
    assert matches["visible"] and matches["choices"] == ["victim", "victor"]
    assert not lookup(services, shopper, "vic")[-1]["visible"]
    assert not lookup(services, Principal("k2", "agent"), "victim")[-1]["visible"]
    outputs = list(ask(services, shopper, "rain jacket", [], staff_view))
    assert len(outputs) == 1 and staff_view.turns == [] and staff_view.session.records == []
