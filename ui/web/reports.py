"""The reports page: evaluation and benchmark runs found on disk, with their tables and charts
(staff keys only)."""

from __future__ import annotations

import logging
from pathlib import Path

import gradio as gr

from ui.web.access import reports_denial
from ui.web.reports_index import ReportRun, find_reports, report_markdown

log = logging.getLogger(__name__)
NO_REPORTS = ("No evaluation or benchmark runs found yet in {folders}. Write one with e.g. "
              "`shopwise eval retrieval --data DIR --json var/eval/retrieval.json`.")


def choices(runs: list[ReportRun]) -> list[tuple[str, int]]:
    return [(run.label(), index) for index, run in enumerate(runs)]


def build_reports_tab(folders: list[Path], principal_state: gr.State):
    """(denial markdown, panel, refresh function) for the sign-in handler."""
    runs_state = gr.State([])
    denial = gr.Markdown("Sign in with an agent or admin API key to read evaluation reports.",
                         elem_id="sw-reports-denied")
    with gr.Column(visible=False, elem_id="sw-reports") as panel:
        with gr.Row(equal_height=True):
            picker = gr.Dropdown(choices=[], label="Runs", scale=5, min_width=200, elem_id="sw-report-picker")
            refresh = gr.Button("Refresh", scale=1, min_width=90, elem_id="sw-report-refresh")
        where = gr.Markdown("", elem_id="sw-report-where")
        table = gr.Markdown("", elem_id="sw-report-table")
        chart = gr.Image(label="Chart", type="pil", interactive=False, elem_id="sw-report-chart",
                         buttons=["download", "fullscreen"])

    def listing(principal):
        """(runs, picker, where, table, chart) after a fresh scan."""
        if reports_denial(principal):
            return [], gr.update(choices=[], value=None), "", "", None
        runs = find_reports(folders)
        if not runs:
            shown = ", ".join(f"`{f}`" for f in folders[:4])
            return [], gr.update(choices=[], value=None), NO_REPORTS.format(folders=shown), "", None
        first = show(0, runs, principal)
        return [runs, gr.update(choices=choices(runs), value=0), *first]

    def show(index, runs, principal):
        """(where, table, chart) for the run at `index` of the last scan."""
        if reports_denial(principal) or index is None or not isinstance(index, int) or not 0 <= index < len(runs):
            return "", "", None
        run = runs[index]
        try:
            table_text = report_markdown(run)
        except (OSError, ValueError) as error:
            return f"`{run.json_path}` could not be read: {error}", "", None
        image = None
        if run.chart_path.is_file():
            from PIL import Image

            try:
                with Image.open(run.chart_path) as opened:
                    image = opened.convert("RGB")
            except OSError:
                log.warning("unreadable chart %s", run.chart_path)
        return f"`{run.json_path}`", table_text, image

    refresh.click(listing, [principal_state], [runs_state, picker, where, table, chart], api_visibility="private")
    picker.input(show, [picker, runs_state, principal_state], [where, table, chart], api_visibility="private")
    return denial, panel, listing, [runs_state, picker, where, table, chart]
