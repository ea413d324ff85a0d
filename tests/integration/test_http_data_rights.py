"""Exports and visitors' data rights over HTTP: owners and admins only; figures survive."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.account_helpers import assert_problem, assert_validation_error, auth
from tests.integration.account_helpers import member_token as login_member
from tests.integration.widget_helpers import Site, new_site, widget_client

REPORTS = ("summary", "queries-over-time", "top-queries", "documents", "embed-codes", "quality")


@pytest.fixture
def site(database_url: str, tmp_path: Path) -> Iterator[Site]:
    with widget_client(database_url, tmp_path) as client:
        yield new_site(client)


def member(site: Site, role: str) -> dict[str, str]:
    owner = {"access_token": site.headers["Authorization"].removeprefix("Bearer ")}
    return auth(login_member(site.client, owner, role))


def visit(site: Site, visitor_id: str, *questions: str) -> str:
    session = site.start(visitor_id=visitor_id)
    for text in questions:
        assert site.ask(session, text).status_code == 200
    return str(session["session_id"])


def figures(site: Site, headers: dict[str, str]) -> dict[str, Any]:
    return {
        name: site.client.get(f"/api/v1/analytics/{name}", headers=headers).json()
        for name in REPORTS
    }


def test_export_streams_jsonl_and_csv(site: Site) -> None:
    first = visit(site, "ann", "How long does shipping to Canada take?", "=HYPERLINK(1)")
    second = visit(site, "bob", "Can I return an item?")
    jsonl = site.client.get("/api/v1/conversations/export", headers=site.headers)
    assert jsonl.status_code == 200, jsonl.text
    assert jsonl.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in jsonl.text.splitlines()]
    assert [line["session"]["id"] for line in lines] == [first, second]
    assert [line["session"]["visitor_id"] for line in lines] == ["ann", "bob"]
    assert [m["role"] for m in lines[0]["messages"]] == ["visitor", "assistant"] * 2
    assert lines[0]["messages"][0]["text"] == "How long does shipping to Canada take?"
    as_csv = site.client.get(
        "/api/v1/conversations/export", params={"format": "csv"}, headers=site.headers
    )
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert len(rows) == 6 and {r["session_id"] for r in rows} == {first, second}
    assert "'=HYPERLINK(1)" in [r["text"] for r in rows]  # not a formula in a spreadsheet
    none = site.client.get(
        "/api/v1/conversations/export",
        params={"from": "2020-01-01", "to": "2020-01-31", "tz": "Asia/Kolkata"},
        headers=site.headers,
    )
    assert none.status_code == 200 and none.text == ""
    for params in ({"to": "9999-12-31"}, {"to": "9999-12-31", "format": "csv"}):
        far = site.client.get("/api/v1/conversations/export", params=params, headers=site.headers)
        assert_problem(far, 422, "validation_error")  # was a 500: past the calendar's end


@pytest.mark.critical
def test_a_visitor_is_exported_then_erased_and_the_figures_stay(site: Site) -> None:
    visit(site, "ann", "How long does shipping to Canada take?")
    visit(site, "ann", "Who painted the Mona Lisa?")
    kept = visit(site, "bob", "Can I return an item?")
    before = figures(site, site.headers)
    assert before["summary"]["total_queries"] == 3
    assert before["summary"]["unique_visitors"] == 2
    assert "mona lisa" in json.dumps(before["top-queries"]).lower()
    exported = site.client.get("/api/v1/visitors/ann/export", headers=site.headers)
    assert exported.status_code == 200, exported.text
    body = exported.json()
    assert body["visitor_id"] == "ann" and len(body["sessions"]) == 2
    assert body["sessions"][1]["messages"][0]["text"] == "Who painted the Mona Lisa?"

    erased = site.client.delete("/api/v1/visitors/ann", headers=site.headers)
    assert erased.status_code == 204, erased.text
    assert_problem(
        site.client.get("/api/v1/visitors/ann/export", headers=site.headers), 404, "not_found"
    )
    assert_problem(
        site.client.delete("/api/v1/visitors/ann", headers=site.headers), 404, "not_found"
    )
    listed = site.client.get("/api/v1/conversations", headers=site.headers).json()["items"]
    assert [c["id"] for c in listed] == [kept]
    assert (
        "Mona Lisa"
        not in site.client.get("/api/v1/conversations/export", headers=site.headers).text
    )
    after = figures(site, site.headers)
    # Every count stays; Ann's questions no longer appear by their text anywhere.
    assert after["summary"] == before["summary"]
    assert [q["query"] for q in after["top-queries"]["items"]] == ["can i return an item"]
    for name in REPORTS:
        for text in ("mona lisa", "canada"):
            assert text not in json.dumps(after[name]).lower(), name


@pytest.mark.critical
def test_agents_may_read_analytics_but_not_export_or_erase(site: Site) -> None:
    visit(site, "ann", "How long does shipping to Canada take?")
    agent = member(site, "agent")
    admin = member(site, "admin")
    assert site.client.get("/api/v1/analytics/summary", headers=agent).status_code == 200
    for method, path in (
        ("GET", "/api/v1/conversations/export"),
        ("GET", "/api/v1/visitors/ann/export"),
        ("DELETE", "/api/v1/visitors/ann"),
    ):
        assert_problem(site.client.request(method, path, headers=agent), 403, "forbidden")
    assert site.client.get("/api/v1/visitors/ann/export", headers=admin).status_code == 200
    assert site.client.delete("/api/v1/visitors/ann", headers=admin).status_code == 204


@pytest.mark.critical
def test_another_workspace_cannot_reach_a_visitor(site: Site) -> None:
    visit(site, "ann", "How long does shipping to Canada take?")
    other = new_site(site.client, documents=False)
    assert_problem(
        site.client.get("/api/v1/visitors/ann/export", headers=other.headers), 404, "not_found"
    )
    assert_problem(
        site.client.delete("/api/v1/visitors/ann", headers=other.headers), 404, "not_found"
    )
    assert site.client.get("/api/v1/visitors/ann/export", headers=site.headers).status_code == 200
    assert site.client.get("/api/v1/conversations/export", headers=other.headers).text == ""


def test_bad_parameters_are_422(site: Site) -> None:
    for params, field in (({"format": "xml"}, "format"), ({"tz": "Nowhere/City"}, "tz")):
        response = site.client.get(
            "/api/v1/conversations/export", params=params, headers=site.headers
        )
        assert_validation_error(response, field)
    assert_validation_error(
        site.client.get("/api/v1/visitors/a%20b/export", headers=site.headers), "visitor_id"
    )


def test_retention_days_is_a_workspace_setting(site: Site) -> None:
    patch = site.client.patch
    response = patch("/api/v1/workspace", json={"retention_days": 30}, headers=site.headers)
    assert response.status_code == 200, response.text
    assert response.json()["retention_days"] == 30
    assert site.client.get("/api/v1/workspace", headers=site.headers).json()["retention_days"] == 30
    renamed = patch("/api/v1/workspace", json={"name": "Renamed"}, headers=site.headers).json()
    assert (renamed["name"], renamed["retention_days"]) == ("Renamed", 30)
    forever = patch("/api/v1/workspace", json={"retention_days": None}, headers=site.headers)
    assert forever.json()["retention_days"] is None
    for bad in ({"retention_days": 0}, {"retention_days": 40000}, {"retention_days": 1.5}, {}):
        assert patch("/api/v1/workspace", json=bad, headers=site.headers).status_code == 422
    agent = member(site, "agent")
    assert_problem(
        patch("/api/v1/workspace", json={"retention_days": 1}, headers=agent), 403, "forbidden"
    )
