"""The shopper's chat page: streaming replies, product cards with like / not for me / add to cart,
removable constraint chips, and a "why these" view.

Cards appear the moment ranking is done (ItemsReady), before any text; the reply then streams
into the chat. Each browser tab keeps one `ShopView` (its chat session and what it shows) in
gr.State; the services (catalog, ranker, event store) are shared.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from html import escape
from typing import Iterator

import gradio as gr

from agent.turn.events import ExplanationReady, ItemsReady, TextChunk, TurnDone
from ui.web.access import chat_user
from ui.web.cards import card_html
from ui.web.chips import Chip, chips, remove_chip
from ui.web.history import record_turn
from ui.web.why import why_html

log = logging.getLogger(__name__)
MAX_CHIPS = 8
FEEDBACK_KINDS = ("like", "not_for_me", "add_to_cart")
FEEDBACK_DONE = {"like": "Liked: your next results lean towards items like this.",
                 "not_for_me": "Noted: you won't be shown this item again.",
                 "add_to_cart": "Added to your cart."}
SIGN_IN_TO_SAVE = "Sign in with your shopper key to like items, hide them or add them to a cart."
# Chat turns (shop, chip removal, console) share one queue: the in-process model and the ranker's
# caches are not proven thread-safe, and two turns at once on 2 cores finish no sooner.
TURN_QUEUE = "assistant-turn"
TURN_FAILED = "\n\nSorry — something went wrong with that request. Please try again."


@dataclass
class ShopView:
    """What one tab shows: its chat session, the current cards and the shopper's marks on them."""

    user_id: str | None
    session: object                                   # agent.turn.assistant.ChatSession
    items: tuple = ()
    explanations: dict[int, str] = field(default_factory=dict)
    feedback: dict[str, str] = field(default_factory=dict)    # item id -> like | not_for_me | add_to_cart
    chips: list[Chip] = field(default_factory=list)
    turns_done: int = 0

    @property
    def need(self) -> str | None:
        return self.session.state.need


def new_view(services, user_id: str | None) -> ShopView:
    return ShopView(user_id, services.assistant.session(user_id=user_id))


def ensure_view(services, view: ShopView | None, user_id: str | None) -> ShopView:
    """The tab's view, or a fresh one when there is none or the shopper changed."""
    return view if view is not None and view.user_id == user_id else new_view(services, user_id)


@dataclass
class ShopWidgets:
    chatbot: gr.Chatbot
    need: gr.HTML
    chip_buttons: list[gr.Button]
    slots: list[gr.Column]
    card_htmls: list[gr.HTML]
    feedback_buttons: list[tuple[gr.Button, gr.Button, gr.Button]]
    why: gr.HTML
    message: gr.Textbox
    send: gr.Button

    def outputs(self, view_state: gr.State) -> list:
        """Everything a turn can change, in the order `render` yields values for."""
        return [self.chatbot, view_state, self.need, *self.chip_buttons, *self.slots, *self.card_htmls,
                self.why, self.message]


def need_html(view: ShopView | None) -> str:
    """The standing request above the chips; `data-turns` counts the finished turns of this tab."""
    turns = view.turns_done if view is not None else 0
    if view is None or not (view.need or view.chips):
        return f'<div class="sw-need" data-turns="{turns}"></div>'
    need = f"<b>Looking for:</b> {escape(view.need)}" if view.need else "<b>Your conditions</b>"
    hint = " · tap a chip's × to drop that condition" if view.chips else ""
    return f'<div class="sw-need" data-turns="{turns}">{need}<span class="sw-muted">{hint}</span></div>'


def render(widgets: ShopWidgets, view: ShopView | None, history: list, *, cards: bool = True,
           message: str | None = None) -> list:
    """Values for `widgets.outputs(...)`; with cards=False the cards and chips are left as they are
    (a text chunk changes only the chat)."""
    slots = len(widgets.slots)
    values: list = [history, view]
    if not cards:
        values += [gr.skip()] * (1 + MAX_CHIPS + 2 * slots + 1)
    else:
        shown = view.chips if view is not None else []
        values.append(need_html(view))
        values += [gr.update(value=f"{chip.label}  ×", visible=True) if i < len(shown) else gr.update(visible=False)
                   for i, chip in enumerate(shown + [None] * (MAX_CHIPS - len(shown)))][:MAX_CHIPS]
        items = view.items if view is not None else ()
        values += [gr.update(visible=i < len(items)) for i in range(slots)]
        values += [card_html(i + 1, items[i], view.explanations.get(i), view.feedback.get(items[i].item.item_id))
                   if i < len(items) else "" for i in range(slots)]
        values.append(why_html(items))
    values.append(gr.skip() if message is None else message)
    return values


def stream_turn(services, widgets: ShopWidgets, view: ShopView, events, history: list,
                message: str) -> Iterator[list]:
    """Run one turn's events into the page: cards on ItemsReady, reasons as they are written, the
    reply text as it streams, chips once the state holds the understood constraints."""
    try:
        for event in events:
            if isinstance(event, ItemsReady):
                view.items, view.explanations = event.items, {}
                yield render(widgets, view, history, message="")
            elif isinstance(event, ExplanationReady):
                view.explanations[event.index] = event.text
                view.chips = chips(view.session.state.constraints)
                yield render(widgets, view, history)
            elif isinstance(event, TextChunk):
                history[-1]["content"] += event.text
                yield render(widgets, view, history, cards=False)
            elif isinstance(event, TurnDone):
                view.chips = chips(view.session.state.constraints)
                view.turns_done += 1
                record_turn(services, view.session, message, event.record)
                yield render(widgets, view, history, message="")
    except Exception:           # the page must survive any failure of one turn
        log.exception("turn failed")
        history[-1]["content"] += TURN_FAILED
        yield render(widgets, view, history, message="")


def _with_reply(history: list | None, said: str) -> list:
    return list(history or []) + [{"role": "user", "content": said}, {"role": "assistant", "content": ""}]


def on_message(services, widgets: ShopWidgets, text: str, history: list, view: ShopView | None,
               user_id: str | None) -> Iterator[list]:
    text = (text or "").strip()
    view = ensure_view(services, view, user_id)
    history = _with_reply(history, text)
    yield from stream_turn(services, widgets, view, view.session.send(text), history, text)


def on_remove_chip(services, widgets: ShopWidgets, index: int, history: list, view: ShopView | None
                   ) -> Iterator[list]:
    """The shopper took a constraint away: edit the dialogue state and run the request again."""
    if view is None or index >= len(view.chips):
        yield render(widgets, view, list(history or []))
        return
    chip = view.chips[index]
    remove_chip(view.session.state, chip)
    view.chips = chips(view.session.state.constraints)
    note = f"removed: {chip.label}"
    history = _with_reply(history, f"(removed “{chip.label}”)")
    yield render(widgets, view, history)
    yield from stream_turn(services, widgets, view, view.session.rerun(note=note), history, f"({note})")


def on_feedback(services, widgets: ShopWidgets, index: int, kind: str, view: ShopView | None,
                history: list) -> list:
    """Like / not for me / add to cart on the card at `index`: recorded as the shopper's event, so
    the next turn's ranking reflects it (a "not for me" item is never shown to them again)."""
    if view is None or index >= len(view.items):
        return render(widgets, view, list(history or []))
    if view.user_id is None:
        gr.Warning(SIGN_IN_TO_SAVE)
        return render(widgets, view, list(history or []))
    item_id = view.items[index].item.item_id
    try:
        services.record_event(view.user_id, item_id, kind)
    except Exception as error:       # an unknown item or a store failure: tell the shopper, keep the page
        log.warning("feedback %s on an item failed: %s", kind, type(error).__name__)
        gr.Warning("That could not be saved just now; please try again.")
        return render(widgets, view, list(history or []))
    view.feedback[item_id] = kind
    gr.Info(FEEDBACK_DONE[kind])
    return render(widgets, view, list(history or []))


def build_shop_tab(services, principal_state: gr.State, demo_user: gr.Dropdown | None = None
                   ) -> tuple[gr.State, ShopWidgets]:
    """The Shop tab's components and events (call inside a gr.Tab)."""
    slots = max(1, services.assistant.config.items_shown)
    view_state = gr.State(None)
    with gr.Row(equal_height=False, elem_classes=["sw-shop"]):
        with gr.Column(scale=3, min_width=300, elem_classes=["sw-chat"]):
            chatbot = gr.Chatbot(label="Assistant", height=420, render_markdown=False, elem_id="sw-chatbot",
                                 feedback_options=None, buttons=[])
            with gr.Row(equal_height=True):
                message = gr.Textbox(show_label=False, placeholder="What are you looking for? e.g. "
                                     + (services.assistant.example_requests() or ["a rain jacket under 80"])[0],
                                     scale=5, min_width=180, elem_id="sw-message", lines=1, max_lines=3)
                send = gr.Button("Send", variant="primary", scale=1, min_width=70, elem_id="sw-send")
            gr.Markdown("Refine as you go: *cheaper*, *not that brand*, *more like the second*, *start over*.",
                        elem_classes=["sw-hint"])
        with gr.Column(scale=4, min_width=300, elem_classes=["sw-results"]):
            need = gr.HTML(need_html(None), elem_id="sw-need", padding=False)
            with gr.Row(elem_classes=["sw-chips"], elem_id="sw-chips"):
                chip_buttons = [gr.Button("", visible=False, size="sm", min_width=0, scale=0,
                                          elem_classes=["sw-chip"], elem_id=f"sw-chip-{i}") for i in range(MAX_CHIPS)]
            with gr.Row(elem_classes=["sw-cards"], equal_height=True):
                columns, htmls, feedback = [], [], []
                for i in range(slots):
                    with gr.Column(visible=False, min_width=170, elem_classes=["sw-slot"], elem_id=f"sw-slot-{i}") as slot:
                        htmls.append(gr.HTML("", elem_id=f"sw-card-{i}", padding=False))
                        with gr.Row(elem_classes=["sw-card-actions"]):
                            feedback.append(tuple(
                                gr.Button(label, size="sm", min_width=0, elem_classes=["sw-act", f"sw-{kind}"],
                                          elem_id=f"sw-{kind}-{i}")
                                for kind, label in (("like", "♥ Like"), ("not_for_me", "✕ Not for me"),
                                                    ("add_to_cart", "+ Cart"))))
                    columns.append(slot)
            with gr.Accordion("Why these?", open=False, elem_id="sw-why-accordion"):
                why = gr.HTML(why_html(()), elem_id="sw-why")
    widgets = ShopWidgets(chatbot, need, chip_buttons, columns, htmls, feedback, why, message, send)
    outputs = widgets.outputs(view_state)
    who = [principal_state] if demo_user is None else [demo_user]

    def user_of(value) -> str | None:
        if demo_user is not None:
            return None if value in (None, "", "anonymous") else value
        return chat_user(value)

    def send_message(text, history, view, principal_or_user):
        yield from on_message(services, widgets, text, history, view, user_of(principal_or_user))

    for trigger in (message.submit, send.click):
        trigger(send_message, [message, chatbot, view_state, *who], outputs, api_visibility="private",
                concurrency_id=TURN_QUEUE)

    # the chat's own clear button starts over: a fresh session, no cards, no chips
    chatbot.clear(lambda: render(widgets, None, []), None, outputs, api_visibility="private")

    def current(view, principal_or_user):
        """The tab's view only while it still belongs to whoever is signed in now."""
        return view if view is not None and view.user_id == user_of(principal_or_user) else None

    for i, button in enumerate(chip_buttons):
        def remove(history, view, principal_or_user, _i=i):
            yield from on_remove_chip(services, widgets, _i, history, current(view, principal_or_user))
        button.click(remove, [chatbot, view_state, *who], outputs, api_visibility="private",
                     concurrency_id=TURN_QUEUE)

    for i, buttons in enumerate(feedback):
        for kind, button in zip(FEEDBACK_KINDS, buttons):
            def mark(view, history, principal_or_user, _i=i, _kind=kind):
                return on_feedback(services, widgets, _i, _kind, current(view, principal_or_user), history)
            button.click(mark, [view_state, chatbot, *who], outputs, api_visibility="private")
    return view_state, widgets
