"""The web page in a real browser (Playwright driving Debian's Chromium) against a real server over
the demo catalog: a shopper's conversation with card clicks and a removed chip, the console
reading a customer's profile and a turn's trace, role gating, reports, and a phone-width layout.
Every step's page is saved under var/artifacts/browser/<test>/."""

from __future__ import annotations

import re

import pytest

from tests.web_fixtures import SlowLLM, WebServer, browser, build_demo_services, screenshot  # noqa: F401
from ui.web.access import CONSOLE_DENIED

pytestmark = pytest.mark.slow
TURN_TIMEOUT_MS = 90_000


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from evals.report import write_eval_report
    from ui.api.auth import KeyStore

    home = tmp_path_factory.mktemp("web") / "home"
    services = build_demo_services(home, SlowLLM(["A dependable pick for everyday use."], seconds_per_word=0.04))
    write_eval_report(home / "reports" / "retrieval.json", {
        "task": "retrieval", "dataset": "demo", "default": "shopwise",
        "methods": {"bm25": {"ndcg@10": 0.41, "recall@10": 0.52}, "shopwise": {"ndcg@10": 0.58, "recall@10": 0.66}}})
    keys = KeyStore.from_settings(services.settings)
    with WebServer(services, keys) as server:          # the app `shopwise serve` builds: API + UI
        yield server, services, keys


@pytest.fixture
def page(browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


# -- helpers -------------------------------------------------------------------------------------
def open_signed_in(page, url: str, raw_key: str) -> None:
    page.goto(url)
    page.locator("#sw-key input").fill(raw_key)
    page.locator("#sw-sign-in").click()
    page.wait_for_function("() => /Signed in/.test(document.querySelector('#sw-status')?.innerText || '')")


def send(page, text: str, turn: int) -> None:
    """Type a message, send it, and wait until the page has finished that turn."""
    box = page.locator("#sw-message textarea")
    box.fill(text)
    page.locator("#sw-send").click()
    wait_turn(page, turn)


def wait_turn(page, turn: int) -> None:
    page.wait_for_selector(f'#sw-need .sw-need[data-turns="{turn}"]', state="attached", timeout=TURN_TIMEOUT_MS)


def cards(page) -> list[dict]:
    return page.eval_on_selector_all(
        "[id^='sw-card-'] .sw-card",
        "els => els.map(e => ({id: e.dataset.itemId, text: e.innerText,"
        " price: parseFloat((e.querySelector('.sw-price')?.innerText || 'NaN').replace(/[^0-9.]/g, ''))}))")


def chip_labels(page) -> list[str]:
    return [label.replace("×", "").strip() for label in
            page.eval_on_selector_all("#sw-chips button.sw-chip", "els => els.filter(e => e.offsetParent).map(e => e.innerText)")]


# -- shopper -------------------------------------------------------------------------------------
def test_shopper_conversation_with_card_clicks_changes_the_next_results(site, page):
    server, services, keys = site
    open_signed_in(page, server.url, keys.create("shopper", user_id="demo-ana"))
    screenshot(page, "shopper_conversation", "0-signed-in")

    # turn 1: cards appear as soon as ranking is done, while the reasons are still being written
    page.locator("#sw-message textarea").fill("a waterproof rain jacket")
    page.locator("#sw-send").click()
    page.wait_for_selector("#sw-card-0 .sw-card", timeout=TURN_TIMEOUT_MS)
    assert page.locator(".sw-why.pending").count() >= 1, "cards should show before the text is finished"
    screenshot(page, "shopper_conversation", "1-cards-before-text")
    wait_turn(page, 1)
    first = cards(page)
    assert len(first) == 3 and all("Rain Jacket" in c["text"] or "Jacket" in c["text"] for c in first)
    assert "waterproof" in chip_labels(page)
    assert page.locator(".sw-why.pending").count() == 0
    screenshot(page, "shopper_conversation", "2-turn-1")

    # the "why these" view names the signals behind each card
    page.locator("#sw-why-accordion").get_by_text("Why these?").click()
    why = page.locator("#sw-why").inner_text()
    assert "matches your request" in why and first[0]["id"]
    screenshot(page, "shopper_conversation", "3-why-these")

    # "not for me" on the first card, "like" on the second: recorded as this shopper's events
    rejected, liked = first[0]["id"], first[1]["id"]
    page.locator("#sw-not_for_me-0").click()
    page.wait_for_selector("#sw-card-0 .sw-badge-not_for_me")
    page.locator("#sw-like-1").click()
    page.wait_for_selector("#sw-card-1 .sw-badge-like")
    kinds = {(e.item_id, e.type) for e in services.events.events_of("demo-ana")}
    assert (rejected, "dislike") in kinds and (liked, "click") in kinds
    screenshot(page, "shopper_conversation", "4-feedback")

    # turn 2: the same request again no longer shows the rejected jacket
    send(page, "a waterproof rain jacket", 2)
    second = cards(page)
    assert rejected not in [c["id"] for c in second]
    assert [c["id"] for c in second] != [c["id"] for c in first]
    screenshot(page, "shopper_conversation", "5-turn-2")

    # turn 3: a follow-up by reference to what is shown
    prices = [c["price"] for c in second]
    send(page, "cheaper", 3)
    third = cards(page)
    assert third and all(c["price"] < max(prices) for c in third)
    assert rejected not in [c["id"] for c in third]
    bubbles = page.locator("#sw-chatbot").inner_text()
    assert "cheaper" in bubbles
    screenshot(page, "shopper_conversation", "6-turn-3-cheaper")

    # and one more by position: items like the second card, none of those just shown
    send(page, "more like the second one", 4)
    fourth = [c["id"] for c in cards(page)]
    assert fourth and not set(fourth) & {c["id"] for c in third} and rejected not in fourth
    screenshot(page, "shopper_conversation", "7-turn-4-more-like-the-second")
    stored = services.conversations.recent("demo-ana", 1)[0]
    assert [t.message for t in stored.turns] == ["a waterproof rain jacket", "a waterproof rain jacket", "cheaper",
                                                 "more like the second one"]


def test_removing_a_constraint_chip_reruns_the_request_without_it(site, page):
    server, _, keys = site
    open_signed_in(page, server.url, keys.create("shopper", user_id="demo-ben"))
    send(page, "a rain jacket under 60", 1)
    before = cards(page)
    assert before and all(c["price"] <= 60 for c in before)
    labels = chip_labels(page)
    assert "under 60" in labels
    screenshot(page, "constraint_chip", "1-with-chip")

    page.locator("#sw-chips button.sw-chip", has_text="under 60").click()
    wait_turn(page, 2)
    after = cards(page)
    assert "under 60" not in chip_labels(page)
    assert any(c["price"] > 60 for c in after), after
    assert "removed “under 60”" in page.locator("#sw-chatbot").inner_text()
    screenshot(page, "constraint_chip", "2-chip-removed")


def test_phone_width_layout(site, browser):  # noqa: F811
    server, _, keys = site
    context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        open_signed_in(page, server.url, keys.create("shopper", user_id="demo-chloe"))
        send(page, "headphones under 100", 1)
        shown = cards(page)
        assert len(shown) == 3
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"the page scrolls sideways by {overflow}px at 375px"
        box = page.locator("#sw-card-0 .sw-card").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 376
        buttons = page.locator("#sw-like-0").bounding_box()
        assert buttons["x"] + buttons["width"] <= 376
        screenshot(page, "phone_width", "1-shop-375px")
        open_tab(page, "Customer service")
        page.locator("#sw-console-denied").wait_for()
        screenshot(page, "phone_width", "2-console-denied-375px")
    finally:
        context.close()


# -- console and roles ---------------------------------------------------------------------------
def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def test_agent_console_looks_up_a_customer_and_reads_a_trace(site, page):
    server, _, keys = site
    open_signed_in(page, server.url, keys.create("agent", label="browser test"))
    open_tab(page, "Customer service")
    page.locator("#sw-customer input, #sw-customer textarea").first.fill("demo-de")     # part of an id
    page.locator("#sw-lookup").click()
    page.locator("#sw-matches").get_by_text("demo-dev", exact=True).click()             # pick the match
    page.wait_for_function("() => /Profile of demo-dev/.test(document.querySelector('#sw-profile')?.innerText || '')")
    profile = page.locator("#sw-profile").inner_text()
    assert re.search(r"\d+ events", profile) and "top categories" in profile and "price band" in profile
    assert page.locator("#sw-events").get_by_role("row").count() > 2
    screenshot(page, "agent_console", "1-profile")

    page.locator("#sw-console-message textarea").fill("headphones under 150")
    page.locator("#sw-console-send").click()
    page.wait_for_selector("#sw-traces .sw-trace", timeout=TURN_TIMEOUT_MS)
    trace = page.locator("#sw-traces").inner_text()
    assert "Turn 1" in trace and "under 150" in trace
    assert "fits your taste" in trace and "matches your request" in trace      # per-signal columns
    assert "items ready" in trace and "whole turn" in trace
    assert page.locator("#sw-traces table tbody tr").count() == 3
    assert page.locator("#sw-console-cards .sw-card").count() == 3
    screenshot(page, "agent_console", "2-trace")

    # the turn asked on the customer's behalf is stored as one of their conversations
    page.locator("#sw-lookup").click()
    page.wait_for_function("() => /headphones under 150/.test(document.querySelector('#sw-conversations')?.innerText || '')")
    assert "1 turns" in page.locator("#sw-conversations").inner_text()
    page.locator("#sw-conversations .sw-stored-trace summary").first.click()       # its trace, from the store
    assert page.locator("#sw-conversations .sw-stored-trace table tbody tr").count() == 3

    open_tab(page, "Reports")                 # <home>/reports is one of the folders listed
    page.locator("#sw-report-picker input").click()
    page.get_by_role("option", name=re.compile("retrieval on demo")).click()
    page.wait_for_function("() => /retrieval on demo/.test(document.querySelector('#sw-report-table')?.innerText || '')")
    assert "shopwise" in page.locator("#sw-report-table").inner_text()
    page.wait_for_selector("#sw-report-chart img")
    screenshot(page, "agent_console", "3-reports")


def test_a_shopper_key_is_denied_the_console(site, page):
    server, _, keys = site
    open_signed_in(page, server.url, keys.create("shopper", user_id="demo-elif"))
    open_tab(page, "Customer service")
    denied = page.locator("#sw-console-denied")
    denied.wait_for()
    assert CONSOLE_DENIED.split(":")[0] in denied.inner_text()
    assert page.locator("#sw-customer").count() == 0 or not page.locator("#sw-customer").is_visible()
    screenshot(page, "shopper_denied_console", "1-console")
    open_tab(page, "Reports")
    assert "for staff" in page.locator("#sw-reports-denied").inner_text()
    screenshot(page, "shopper_denied_console", "2-reports")


def test_a_bad_key_signs_nobody_in(site, page):
    server, _, _ = site
    page.goto(server.url)
    page.locator("#sw-key input").fill("swk_000000000000_forged")
    page.locator("#sw-sign-in").click()
    page.wait_for_function("() => /not accepted/.test(document.querySelector('#sw-status')?.innerText || '')")
    open_tab(page, "Customer service")
    assert "Sign in with an agent or admin" in page.locator("#sw-console-denied").inner_text()
    screenshot(page, "bad_key", "1-denied")


def test_local_demo_mode_has_a_shopper_picker_and_open_pages(site, browser):  # noqa: F811
    """`shopwise demo` (no KeyStore): pick a demo shopper, chat, and the console opens without a key."""
    _, services, _ = site
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        with WebServer(services, None, demo_users=["demo-femi", "demo-greta"]) as demo:
            page.goto(demo.url)
            page.locator("#sw-demo-user input").click()
            page.get_by_role("option", name="demo-femi").click()
            send(page, "a water bottle", 1)
            assert len(cards(page)) == 3
            page.locator("#sw-like-0").click()
            page.wait_for_selector("#sw-card-0 .sw-badge-like")
            screenshot(page, "demo_mode", "1-shop")
            open_tab(page, "Customer service")
            page.locator("#sw-customer input, #sw-customer textarea").first.fill("demo-femi")
            page.locator("#sw-lookup").click()
            page.wait_for_function("() => /Profile of demo-femi/.test(document.querySelector('#sw-profile')?.innerText || '')")
            screenshot(page, "demo_mode", "2-console")
    finally:
        context.close()
