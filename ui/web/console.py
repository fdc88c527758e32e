"""The customer-service console (agent and admin keys only): look a customer up, read their profile
with its evidence, recent events and last conversations, ask the assistant on their behalf, and
read every turn's trace from its step records.

Every handler checks the signed-in principal on the server; the hidden panel is only cosmetic.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from html import escape

import gradio as gr

from agent.turn.events import ExplanationReady, ItemsReady, TextChunk, TurnDone
from agent.turn.steps import TurnRecord, hash_id
from ui.web.access import console_denial
from ui.web.cards import card_html
from ui.web.history import recent_conversations, record_turn
from ui.web.profile_view import event_rows, profile_html
from ui.web.shopper import TURN_QUEUE
from ui.web.trace import trace_html, traces_html

log = logging.getLogger(__name__)
EVENT_HEADERS = ["when (UTC)", "what", "item", "title"]
MAX_CUSTOMER_ID = 200
MAX_MATCHES = 10                  # customers listed for a partial id


@dataclass
class ConsoleView:
    customer_id: str
    session: object                                     # a ChatSession with user_id = the customer
    turns: list = field(default_factory=list)           # (message, TurnRecord), oldest first
    items: tuple = ()
    explanations: dict[int, str] = field(default_factory=dict)


def stored_trace_html(turn, catalog: dict) -> str:
    """A stored turn's trace (from its TurnRecord), folded; nothing when the record is unreadable."""
    try:
        record = TurnRecord.from_dict(turn.record)
    except (TypeError, ValueError, KeyError):
        log.warning("stored turn %s has no readable record", turn.turn)
        return ""
    return f"<details class='sw-stored-trace'><summary>trace</summary>{trace_html(record, catalog)}</details>"


def conversations_html(conversations, catalog: dict | None = None) -> str:
    """The customer's last conversations (agent.turn.conversation_store.Conversation), newest
    first, each turn with its trace when `catalog` is given."""
    if not conversations:
        return "<p class='sw-muted'>No stored conversations.</p>"
    blocks = []
    for number, conversation in enumerate(conversations):
        lines = "".join(
            f"<li><b>customer</b> {escape(turn.message[:200]) or '<i>(constraint removed)</i>'}<br>"
            f"<b>assistant</b> {escape(turn.reply[:300])}"
            f"{stored_trace_html(turn, catalog) if catalog is not None else ''}</li>" for turn in conversation.turns[-6:])
        when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(conversation.updated))
        blocks.append(f"<details class='sw-conv'{' open' if number == 0 else ''}><summary>{when} · {len(conversation.turns)} turns</summary>"
                      f"<ol>{lines}</ol></details>")
    return "".join(blocks)


def console_cards(view: ConsoleView | None) -> str:
    if view is None or not view.items:
        return ""
    return ('<div class="sw-card-grid">' + "".join(card_html(i + 1, entry, view.explanations.get(i))
                                                  for i, entry in enumerate(view.items)) + "</div>")


def matches_update(matches: list[str]):
    """The "matching customers" choice: shown with the ids found, hidden without."""
    return gr.update(choices=matches, value=None, visible=bool(matches))


def lookup(services, principal, customer_id: str):
    """(view, status, profile html, events rows, conversations html, chat, cards, traces, matching
    customers). An id that is not a customer's shows the customers whose ids contain it."""
    denied = console_denial(principal)
    customer_id = (customer_id or "").strip()[:MAX_CUSTOMER_ID]
    empty = (None, "", "", [], "", [], "", traces_html([], {}), matches_update([]))
    if denied:
        return (None, denied, *empty[2:])
    if not customer_id:
        return (None, "Type a customer id (or part of one) to look them up.", *empty[2:])
    if not services.events.knows(customer_id):
        matches = services.events.find_users(customer_id, limit=MAX_MATCHES)
        status = f"No customer **{_md(customer_id)}** in this shop." + (
            f" Customers whose id contains it ({len(matches)}{'+' if len(matches) == MAX_MATCHES else ''}): "
            "pick one below." if matches else "")
        return (None, status, *empty[2:-1], matches_update(matches))
    log.info("console: key %s looked up customer %s", principal.key_id, hash_id(customer_id))
    catalog = services.index.catalog
    profile = services.profile(customer_id)
    html = profile_html(profile, catalog, services.events.reviews_of(customer_id), services.events.user(customer_id))
    rows = event_rows(services.events.events_of(customer_id), catalog)
    view = ConsoleView(customer_id, services.assistant.session(user_id=customer_id))
    return (view, f"Customer **{_md(customer_id)}**: ask the assistant below on their behalf.", html, rows,
            conversations_html(recent_conversations(services, customer_id), catalog), [], "", traces_html([], catalog),
            matches_update([]))


def _md(text: str) -> str:
    return "".join(ch for ch in text if ch not in "*_`[]()<>#!|\\~")


def ask(services, principal, text: str, history: list, view: ConsoleView | None):
    """Yields (view, chat, cards html, traces html, message box) as the turn streams."""
    denied = console_denial(principal)
    history = list(history or [])
    if denied or view is None:
        gr.Warning(denied or "Look a customer up first.")
        yield view, history, console_cards(view), traces_html(view.turns if view else [], services.index.catalog), text
        return
    text = (text or "").strip()
    history += [{"role": "user", "content": text}, {"role": "assistant", "content": ""}]
    catalog = services.index.catalog
    log.info("console: key %s asked on behalf of customer %s", principal.key_id, hash_id(view.customer_id))
    try:
        for event in view.session.send(text):
            if isinstance(event, ItemsReady):
                view.items, view.explanations = event.items, {}
                yield view, history, console_cards(view), gr.skip(), ""
            elif isinstance(event, ExplanationReady):
                view.explanations[event.index] = event.text
                yield view, history, console_cards(view), gr.skip(), gr.skip()
            elif isinstance(event, TextChunk):
                history[-1]["content"] += event.text
                yield view, history, gr.skip(), gr.skip(), gr.skip()
            elif isinstance(event, TurnDone):
                view.turns.append((text, event.record))
                record_turn(services, view.session, text, event.record)
                yield view, history, console_cards(view), traces_html(view.turns, catalog), ""
    except Exception:
        log.exception("console turn failed")
        history[-1]["content"] += "\n\nThe turn failed; see the server log."
        yield view, history, console_cards(view), traces_html(view.turns, catalog), ""


def build_console_tab(services, principal_state: gr.State):
    """The console's components (call inside a gr.Tab). Returns (denial markdown, panel) for the
    sign-in handler to show or hide."""
    view_state = gr.State(None)
    denial = gr.Markdown("Sign in with an agent or admin API key to use the customer-service console.",
                         elem_id="sw-console-denied")
    with gr.Column(visible=False, elem_id="sw-console") as panel:
        with gr.Row(equal_height=True):
            customer = gr.Textbox(label="Customer id", placeholder="e.g. demo-ana", scale=4, min_width=180,
                                  elem_id="sw-customer", max_length=MAX_CUSTOMER_ID)
            find = gr.Button("Look up", variant="primary", scale=1, min_width=90, elem_id="sw-lookup")
        status = gr.Markdown("", elem_id="sw-console-status")
        matches = gr.Radio(choices=[], label="Matching customers", visible=False, elem_id="sw-matches")
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=300):
                profile = gr.HTML("", elem_id="sw-profile", padding=False)
            with gr.Column(scale=1, min_width=300):
                gr.Markdown("#### Recent events")
                events = gr.Dataframe(headers=EVENT_HEADERS, value=[], interactive=False, wrap=True,
                                      elem_id="sw-events", max_height=300)
                gr.Markdown("#### Last conversations")
                conversations = gr.HTML("", elem_id="sw-conversations", padding=False)
        gr.Markdown("#### Ask on the customer's behalf")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=300):
                chat = gr.Chatbot(label="Assistant (as the customer)", height=320, render_markdown=False,
                                  feedback_options=None, buttons=[], elem_id="sw-console-chat")
                with gr.Row(equal_height=True):
                    message = gr.Textbox(show_label=False, placeholder="Ask as the customer would",
                                         scale=5, min_width=180, elem_id="sw-console-message")
                    send = gr.Button("Ask", variant="primary", scale=1, min_width=70, elem_id="sw-console-send")
            with gr.Column(scale=4, min_width=300):
                cards = gr.HTML("", elem_id="sw-console-cards", padding=False)
        gr.Markdown("#### Turn traces (newest first)")
        traces = gr.HTML(traces_html([], {}), elem_id="sw-traces", padding=False)

    def on_lookup(customer_id, principal):
        return lookup(services, principal, customer_id)

    lookup_outputs = [view_state, status, profile, events, conversations, chat, cards, traces, matches]
    for trigger in (customer.submit, find.click):
        trigger(on_lookup, [customer, principal_state], lookup_outputs, api_visibility="private")

    def on_pick(picked, principal):
        return (picked, *lookup(services, principal, picked))

    matches.input(on_pick, [matches, principal_state], [customer, *lookup_outputs], api_visibility="private")

    def on_ask(text, history, view, principal):
        yield from ask(services, principal, text, history, view)

    for trigger in (message.submit, send.click):
        trigger(on_ask, [message, chat, view_state, principal_state], [view_state, chat, cards, traces, message],
                api_visibility="private", concurrency_id=TURN_QUEUE)
    return denial, panel, view_state
