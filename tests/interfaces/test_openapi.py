"""The API describes itself: OpenAPI, interactive docs, liveness and readiness."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from interfaces.api.app import create_app
from interfaces.settings import Settings
from tests.interfaces.support import PROBLEM, Api, api_routes, assert_problem


@pytest.fixture(scope="module")
def memory_client() -> Iterator[TestClient]:
    """An app that opens its own (in-memory) ledger from settings, as `accord serve` does."""
    with TestClient(create_app(Settings(database_url="memory://"))) as client:
        yield client


@pytest.fixture(scope="module")
def openapi(memory_client: TestClient) -> dict[str, Any]:
    response = memory_client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def test_openapi_lists_every_route_with_a_summary(memory_client, openapi):
    routes = api_routes(memory_client.app)
    assert len(routes) > 40
    paths = openapi["paths"]
    for route in routes:
        operation = paths[route.path][route.method.lower()]
        assert operation.get("summary", "").strip(), str(route)
        assert operation.get("tags"), str(route)
    documented = {(path, method.upper()) for path, ops in paths.items() for method in ops}
    assert documented == {(r.path, r.method) for r in routes} | {
        ("/health", "GET"),
        ("/ready", "GET"),
        ("/events/stream", "GET"),
    }
    for path in ("/health", "/ready", "/events/stream"):
        assert paths[path]["get"]["summary"].strip()
    assert "text/event-stream" in paths["/events/stream"]["get"]["responses"]["200"]["content"]


def test_openapi_documents_bearer_keys_and_problem_responses_on_every_guarded_route(
    memory_client, openapi
):
    schemes = openapi["components"]["securitySchemes"]
    assert any(s.get("type") == "http" and s.get("scheme") == "bearer" for s in schemes.values())
    for route in api_routes(memory_client.app):
        operation = openapi["paths"][route.path][route.method.lower()]
        assert operation.get("security"), str(route)
        responses = operation["responses"]
        assert PROBLEM in responses["401"]["content"], str(route)
        if route.params:
            assert "404" in responses, str(route)
        is_list = route.method == "GET" and "Page" in str(route.route.response_model)
        if route.body_model is not None or is_list:
            assert "422" in responses, str(route)
        if route.takes_if_match:
            assert "412" in responses, str(route)
            names = [p["name"].lower() for p in operation.get("parameters", [])]
            assert "if-match" in names, str(route)
    for path in ("/health", "/ready"):
        assert not openapi["paths"][path]["get"].get("security")


def test_openapi_shows_which_writes_create_records(memory_client, openapi):
    for route in api_routes(memory_client.app):
        responses = openapi["paths"][route.path][route.method.lower()]["responses"]
        success = {code for code in responses if code.startswith("2")}
        assert len(success) == 1, (str(route), success)
        expected = "201" if route.route.status_code == 201 else "200"
        assert success == {expected}, str(route)


def test_the_interactive_docs_are_served_as_html(memory_client):
    response = memory_client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "swagger" in response.text.lower() and "/openapi.json" in response.text
    redoc = memory_client.get("/redoc")
    assert redoc.status_code == 200 and "/openapi.json" in redoc.text


def test_health_needs_no_key_and_says_ok(memory_client):
    response = memory_client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_reports_the_head_position_of_the_ledger_on_every_store(api: Api):
    first = api.client.get("/ready")
    assert first.status_code == 200
    body = first.json()
    assert (body["status"], body["head_position"]) == ("ready", 1)  # the bootstrapped admin
    assert set(body["projection"]) == {"position", "lag", "runs_in", "last_error"}
    assert body["projection"]["runs_in"] == "this process"
    org = api.organisation("North Trust")
    ready = api.client.get("/ready").json()
    assert (ready["status"], ready["head_position"]) == ("ready", org["position"])
    projection = ready["projection"]
    assert 0 <= projection["position"] <= org["position"]
    assert projection["lag"] == org["position"] - projection["position"]
    assert projection["last_error"] is None


def test_unknown_paths_and_methods_are_problems_too(memory_client):
    missing = memory_client.get("/no/such/path")
    assert_problem(missing, 404)
    wrong = memory_client.put("/organisations", json={})
    body = assert_problem(wrong, 405)
    assert "POST" in wrong.headers.get("allow", "") and body["title"]


def test_the_api_refuses_a_conflict_about_or_group_kind_over_the_ledgers_limits(api: Api):
    group = api.group("Group")["id"]
    party = [{"kind": "person", "id": api.admin_id}]
    too_long = api.call(
        "POST", f"/groups/{group}/conflicts", api.admin, json={"parties": party, "about": "a" * 501}
    )
    assert [e["field"] for e in assert_problem(too_long, 422)["errors"]] == ["about"]
    too_long = api.call(
        "POST", "/groups", api.admin, json={"name": "N", "kind": "k" * 101, "purpose": "P"}
    )
    assert [e["field"] for e in assert_problem(too_long, 422)["errors"]] == ["kind"]


def test_the_documented_length_of_a_conflicts_about_is_the_enforced_500(openapi):
    about = openapi["components"]["schemas"]["ConflictCreate"]["properties"]["about"]
    assert about["maxLength"] == 500


def test_the_documented_length_of_a_group_kind_is_the_enforced_100(openapi):
    kind = openapi["components"]["schemas"]["GroupCreate"]["properties"]["kind"]
    assert kind["maxLength"] == 100


# ---------------------------------------------------------------- what schemathesis found


def test_every_error_answer_is_described_as_a_problem_document(openapi):
    problem = {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            for code, response in operation["responses"].items():
                if code[0] in "45":
                    assert response["content"] == problem, (method, path, code)
            if "requestBody" in operation:
                assert "400" in operation["responses"], (method, path)  # body not UTF-8
    assert "HTTPValidationError" not in openapi["components"]["schemas"]


def test_a_405_allows_every_method_its_path_serves(memory_client):
    for method, path, allowed in (
        ("PUT", "/organisations", "GET, POST"),
        ("OPTIONS", "/groups/some-id/decisions", "GET, POST"),
        ("DELETE", "/groups/some-id", "GET"),
    ):
        response = memory_client.request(method, path)
        assert_problem(response, 405)
        assert response.headers["allow"] == allowed, (method, path)


def test_if_match_is_described_as_the_text_the_api_accepts(openapi):
    parameters = openapi["paths"]["/groups/{group_id}/purpose"]["post"]["parameters"]
    schema = next(p["schema"] for p in parameters if p["name"] == "if-match")
    assert schema["type"] == "string" and "anyOf" not in schema  # never JSON null
    assert schema["pattern"] == r'^(\*|(W/)?"?[0-9]+"?)$'


@pytest.mark.store_independent  # refused by validation, before any store
@pytest.mark.parametrize("moment", [0, 1.5, "0", "1700000000", "+5", "-1.5"])
def test_a_number_is_not_taken_for_a_moment_in_a_body_or_a_query(api: Api, moment):
    group = api.group("Group")
    url = f"/groups/{group['id']}"
    body = {"purpose": "New words", "effective_at": moment}
    refused = api.call("POST", f"{url}/purpose", api.admin, json=body)
    assert [e["field"] for e in assert_problem(refused, 422)["errors"]] == ["effective_at"]
    if isinstance(moment, str):
        refused = api.call("GET", url, api.admin, params={"as_of": moment})
        assert [e["field"] for e in assert_problem(refused, 422)["errors"]] == ["as_of"]
    assert api.read(url)["version"] == group["version"]
