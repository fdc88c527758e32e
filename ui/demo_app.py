"""The demo page: a Gradio chat with product cards, streaming each turn's events.

Imports gradio, so only `shopwise demo` (and its test) import this module. One `ChatSession` per
browser tab lives in gr.State; the assistant (catalog, model) is shared.
"""

from __future__ import annotations

import logging
from typing import Iterator

import gradio as gr

from agent.turn.assistant import ShoppingAssistant
from agent.turn.events import ExplanationReady, ItemsReady, TextChunk, TurnDone
from ui.cards import CARD_CSS, cards

log = logging.getLogger(__name__)
ANONYMOUS = "anonymous"


def respond(assistant: ShoppingAssistant, message: str, history: list, session, user: str
            ) -> Iterator[tuple[list, str, object, str]]:
    """Yield (history, cards html, session, textbox value) as the turn's events arrive."""
    user_id = None if user in (None, "", ANONYMOUS) else user
    if session is None or session.user_id != user_id:
        session = assistant.session(user_id=user_id)
    history = list(history or []) + [{"role": "user", "content": message or ""},
                                     {"role": "assistant", "content": ""}]
    items, explanations, html = (), {}, ""
    try:
        for event in session.send(message or ""):
            if isinstance(event, ItemsReady):
                items = event.items
                html = cards(items, explanations)
            elif isinstance(event, ExplanationReady):
                explanations[event.index] = event.text
                html = cards(items, explanations)
            elif isinstance(event, TextChunk):
                history[-1]["content"] += event.text
            elif isinstance(event, TurnDone):
                pass
            yield history, html, session, ""
    except Exception:      # the page must survive any failure of one turn
        log.exception("turn failed")
        history[-1]["content"] += "\n\nSorry — something went wrong with that request. Please try again."
        yield history, html, session, ""


def build_demo(assistant: ShoppingAssistant, users: list[str] = ()) -> gr.Blocks:
    with gr.Blocks(title="Shopwise") as demo:
        gr.Markdown(f"## Shopwise\nAsk for a product from this catalog of {len(assistant.index.catalog):,} items "
                    f"— e.g. *{(assistant.example_requests() or ['a wireless mouse under 30'])[0]}*, then "
                    "*cheaper*, *not that brand* or *more like the second*.")
        session = gr.State(None)
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="Assistant", height=460)
                message = gr.Textbox(label="Message", placeholder="What are you looking for?")
                user = gr.Dropdown([ANONYMOUS, *users], value=ANONYMOUS, label="Shopper")
            with gr.Column(scale=4):
                products = gr.HTML(label="Products")

        def on_message(text, history, state, who):
            yield from respond(assistant, text, history, state, who)

        message.submit(on_message, [message, chatbot, session, user], [chatbot, products, session, message],
                       api_name="chat")
    return demo


def launch(demo: gr.Blocks, host: str, port: int, block: bool = True):
    return demo.queue().launch(server_name=host, server_port=port, prevent_thread_lock=not block,
                               show_error=True, css=CARD_CSS, quiet=not block)
