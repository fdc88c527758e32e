"""`shopwise chat`: the assistant in a terminal, items first, then the reply as it streams."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table

from agent.explanation.facts import format_price
from agent.turn.events import ItemsReady, TextChunk, TurnDone

QUIT = {"quit", "exit", ":q", "bye"}


def items_table(event: ItemsReady) -> Table:
    table = Table(show_header=True, header_style="bold")
    for column in ("#", "item", "price", "rating", "brand"):
        table.add_column(column)
    for rank, entry in enumerate(event.items, 1):
        item = entry.item
        table.add_row(str(rank), item.title[:70], format_price(item.price, item.currency) if item.price is not None else "",
                      f"{item.rating:.1f}" if item.rating is not None else "", item.brand or "")
    return table


def chat_loop(args, settings) -> int:
    from agent.session_setup import assistant_from_args

    console = Console()
    with console.status("loading the catalog and the model..."):
        assistant = assistant_from_args(args, settings)
    session = assistant.session(user_id=args.user)
    console.print(f"[bold]Shopwise[/] — {len(assistant.index.catalog):,} products. "
                  "Ask for something (\"quit\" to leave).")
    while True:
        try:
            message = console.input("[bold green]you>[/] ")
        except EOFError:
            break
        if message.strip().lower() in QUIT:
            break
        for event in session.send(message):
            if isinstance(event, ItemsReady) and event.items:
                console.print(items_table(event))
            elif isinstance(event, TextChunk):
                sys.stdout.write(event.text)
                sys.stdout.flush()
            elif isinstance(event, TurnDone):
                timings = event.record.timings
                console.print(f"[dim]({timings.total_s:.1f} s)[/]")
    return 0
