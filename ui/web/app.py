"""The web app: one page with the shopper chat, the customer-service console and the reports.

    blocks = build_web_ui(services, keys)              # keys: ui.api.auth.KeyStore
    mount_web_ui(fastapi_app, services, keys)          # `shopwise serve`: UI at /, API beside it
    launch_web_ui(build_web_ui(services, None, demo_users=[...]), host, port)   # `shopwise demo`

With a KeyStore, visitors sign in with an API key: a shopper key chats as its own user, agent
and admin keys open the console and the reports. Without one (`keys=None`, the local demo) a
picker chooses the shopper and every page is open: only for a page bound to this machine.
"""

from __future__ import annotations

import logging
from pathlib import Path

import gradio as gr

from ui.web.access import DEMO_PRINCIPAL, console_denial, describe, reports_denial, sign_in
from ui.web.cards import CARD_CSS
from ui.web.console import build_console_tab
from ui.web.reports import build_reports_tab
from ui.web.reports_index import default_report_dirs
from ui.web.shopper import build_shop_tab, render

log = logging.getLogger(__name__)
ANONYMOUS = "anonymous"

WEB_CSS = CARD_CSS + """
.sw-chips {flex-wrap: wrap !important; gap: 6px !important;}
.sw-chip {border-radius: 999px !important; flex: 0 0 auto !important; width: auto !important;
          padding: 2px 12px !important; background: #eef3ff !important; border: 1px solid #b9c8f0 !important;}
.sw-cards {flex-wrap: wrap !important; gap: 10px !important;}
.sw-slot {flex: 1 1 170px !important;}
.sw-slot > .block {flex: 1 1 auto !important;}
.sw-slot .html-container, .sw-slot .prose, .sw-slot .sw-card {height: 100%; box-sizing: border-box;}
.sw-card-actions {gap: 4px !important; flex-wrap: wrap !important; flex-grow: 0 !important;}
.sw-act {flex: 1 1 auto !important; padding: 4px 6px !important; font-size: 0.82em !important; white-space: nowrap;}
.sw-card-grid {display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px;}
.sw-whyview ol {padding-left: 1.1em; margin: 0;}
.sw-whyview li {margin-bottom: 6px;}
.sw-signals {color: #245; font-size: 0.92em;}
.sw-against {color: #a55; font-size: 0.85em;}
.sw-muted {color: #888;}
.sw-table {border-collapse: collapse; font-size: 0.85em;}
.sw-table th, .sw-table td {border: 1px solid #ddd; padding: 3px 6px; text-align: right;}
.sw-table td:nth-child(2), .sw-table th:nth-child(2) {text-align: left;}
.sw-scroll {overflow-x: auto; max-width: 100%;}
.sw-trace {border: 1px solid #ddd; border-radius: 8px; padding: 8px; margin-bottom: 8px;}
.sw-chip-ro {display: inline-block; border: 1px solid #b9c8f0; border-radius: 999px; padding: 0 8px; margin: 1px;}
.sw-reviews li, .sw-profile li {margin-bottom: 4px;}
@media (max-width: 480px) {
  .sw-slot {flex-basis: 100% !important;}
  .sw-card img, .sw-noimg {height: 96px;}
  #sw-chatbot {height: 260px !important;}
}
"""


def build_web_ui(services, keys, *, report_dirs: list[Path] | None = None,
                 demo_users: list[str] | None = None) -> gr.Blocks:
    """The whole page. `keys=None` is the local demo: no sign-in, a shopper picker, all pages open."""
    demo = keys is None
    folders = report_dirs if report_dirs is not None else default_report_dirs(services.settings)
    catalog_size = len(services.index.catalog)
    with gr.Blocks(title="Shopwise", analytics_enabled=False) as blocks:
        principal_state = gr.State(DEMO_PRINCIPAL if demo else None)
        with gr.Row(equal_height=True, elem_id="sw-header"):
            with gr.Column(scale=1, min_width=220):
                gr.Markdown(f"## Shopwise\nA shopping assistant over this shop's {catalog_size:,} products.",
                            elem_id="sw-title")
            if demo:
                shopper = gr.Dropdown([ANONYMOUS, *(demo_users or [])], value=ANONYMOUS, label="Shopper",
                                      min_width=160, elem_id="sw-demo-user")
                status = gr.Markdown(describe(DEMO_PRINCIPAL), elem_id="sw-status")
            else:
                shopper = None
                with gr.Column(min_width=300, scale=2):
                    with gr.Row(equal_height=True):
                        key = gr.Textbox(label="API key", type="password", placeholder="swk_…", scale=4,
                                         min_width=160, elem_id="sw-key", max_length=200)
                        sign_in_button = gr.Button("Sign in", variant="primary", size="md", scale=1, min_width=80,
                                                   elem_id="sw-sign-in")
                        sign_out_button = gr.Button("Sign out", size="md", scale=1, min_width=80, elem_id="sw-sign-out")
                    status = gr.Markdown(describe(None), elem_id="sw-status")
        with gr.Tabs(elem_id="sw-tabs"):
            with gr.Tab("Shop", id="shop", elem_id="sw-tab-shop"):
                shop_state, shop = build_shop_tab(services, principal_state, demo_user=shopper)
            with gr.Tab("Customer service", id="console", elem_id="sw-tab-console"):
                console_denied, console_panel, console_state = build_console_tab(services, principal_state)
            with gr.Tab("Reports", id="reports", elem_id="sw-tab-reports"):
                reports_denied, reports_panel, list_reports, report_outputs = build_reports_tab(folders, principal_state)

        shop_outputs = shop.outputs(shop_state)

        def page_for(principal, message: str) -> list:
            """Every component a change of who is signed in touches, in `access_outputs` order."""
            console_no, reports_no = console_denial(principal), reports_denial(principal)
            return [principal, message,
                    gr.update(value=console_no or "", visible=bool(console_no)), gr.update(visible=not console_no),
                    None,
                    gr.update(value=reports_no or "", visible=bool(reports_no)), gr.update(visible=not reports_no),
                    *list_reports(principal),
                    *render(shop, None, [])]

        access_outputs = [principal_state, status, console_denied, console_panel, console_state,
                          reports_denied, reports_panel, *report_outputs, *shop_outputs]

        if demo:
            blocks.load(lambda: page_for(DEMO_PRINCIPAL, describe(DEMO_PRINCIPAL)), None, access_outputs,
                        api_visibility="private")
            shopper.change(lambda: render(shop, None, []), None, shop_outputs, api_visibility="private")
        else:
            def on_sign_in(raw_key):
                result = sign_in(keys, raw_key)
                if result.principal is not None:
                    log.info("web sign-in: key %s (%s)", result.principal.key_id, result.principal.role)
                return [*page_for(result.principal, result.message), ""]

            def on_sign_out():
                return [*page_for(None, describe(None)), ""]

            for trigger in (key.submit, sign_in_button.click):
                trigger(on_sign_in, [key], [*access_outputs, key], api_visibility="private")
            sign_out_button.click(on_sign_out, None, [*access_outputs, key], api_visibility="private")
    return blocks


def mount_web_ui(app, services, keys, path: str = "/", **kwargs):
    """Mount the page into a FastAPI app (the REST API's), with its stylesheet."""
    blocks = build_web_ui(services, keys, **kwargs)
    return gr.mount_gradio_app(app, blocks, path=path, css=WEB_CSS, show_error=False,
                               footer_links=[], pwa=False, mcp_server=False)


def launch_web_ui(blocks: gr.Blocks, host: str, port: int, block: bool = True):
    """Serve the page on its own (`shopwise demo`)."""
    return blocks.queue().launch(server_name=host, server_port=port, prevent_thread_lock=not block,
                                 show_error=False, css=WEB_CSS, quiet=not block, footer_links=[])
