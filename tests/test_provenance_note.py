"""The "How this portfolio was made" note: who generated it and from what, the same in HTML, PDF and Markdown."""

from __future__ import annotations

from achievement_pipeline.export.reports.provenance_view import how_it_was_made

DOCUMENT = {
    "generated_at": "2025-04-01T09:30:00Z",
    "generated_by": {"kind": "schedule", "name": "nightly_collect", "text": "schedule nightly_collect"},
    "window": {"start": "2025-01-01", "end": "2025-03-31"},
    "provenance": {
        "warehouse": {"tables": [{"table": "pull_requests", "rows": 41}], "rows_digest": "ab" * 32},
        "models": ["impact-scorecard-v1", "pr-category:3"],
        "assumptions": {"source": "assumptions.yaml", "sha256": "cd" * 32},
        "curation": {"choices": 2, "by_kind": {"exclude": 1, "pin": 1}},
        "github": {"base_url": "https://api.github.com", "statement": "2 private repositories included."},
    },
}


def test_the_note_says_who_generated_the_portfolio_and_from_what():
    assert how_it_was_made(DOCUMENT, "api.github.com") == [
        "Generated 1 Apr 2025, 09:30 UTC by schedule nightly_collect.",
        "From the warehouse: 41 rows from pull_requests (digest abababababab).",
        "Models: impact-scorecard-v1, pr-category:3.",
        "Assumptions ledger assumptions.yaml (SHA-256 cdcdcdcdcdcd).",
        "Curation choices applied: 2 (1 exclude, 1 pin).",
        "Pull requests from api.github.com. 2 private repositories included.",
    ]


def _warehouse_line(tables: list[dict[str, object]]) -> str:
    document = {**DOCUMENT, "provenance": {**DOCUMENT["provenance"], "warehouse": {"tables": tables}}}
    return how_it_was_made(document, "api.github.com")[1]


def test_tables_holding_the_same_prs_are_named_once_with_their_count():
    tables = [{"table": name, "rows": 74} for name in ("valuations", "predictions", "pull_requests")]
    assert _warehouse_line(tables).startswith(
        "From the warehouse: 74 rows from each of valuations, predictions and pull_requests ("
    )


def test_tables_holding_different_counts_are_each_counted():
    tables = [{"table": "pull_requests", "rows": 75}, {"table": "valuations", "rows": 1}]
    said = "From the warehouse: 75 rows from pull_requests and 1 row from valuations ("
    assert _warehouse_line(tables).startswith(said)


def test_a_document_without_provenance_still_says_when_it_was_generated():
    assert how_it_was_made({"generated_at": "2025-04-01T09:30:00Z"}, "") == ["Generated 1 Apr 2025, 09:30 UTC."]


def _with_provenance() -> dict:
    from tests.test_reports import make_sample_portfolio

    document = make_sample_portfolio()
    hostile = "<script>alert(1)</script> 1 private repository included."
    made = dict(DOCUMENT["provenance"], github={**DOCUMENT["provenance"]["github"], "statement": hostile})
    made["github"].update(
        private_repositories_included=1, private_prs_left_out=0, private_repositories_left_out=0, token=[]
    )
    return {**document, "generated_by": DOCUMENT["generated_by"], "provenance": made}


def test_the_json_schema_accepts_who_generated_the_portfolio_and_from_what():
    from achievement_pipeline.export.schema import validate_portfolio

    validate_portfolio(_with_provenance())


def test_html_and_markdown_end_with_the_note_as_text():
    from achievement_pipeline.export import reports

    document = _with_provenance()
    html, markdown = reports.render_html(document), reports.render_markdown(document)
    assert "<h2>How this portfolio was made</h2>" in html and "by schedule nightly_collect." in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    note = markdown.split("## How this portfolio was made", 1)[1]
    assert "- Models: impact-scorecard-v1, pr-category:3." in note
    assert "`<script>alert(1)</script>` 1 private repository included." in note  # inline code: shown, not run
