"""Helpers for the HTTP tests: callers with their own keys, checked writes, problem documents."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from application.ledger import Ledger
from interfaces.api import deps
from interfaces.api.app import create_app

PROBLEM = "application/problem+json"
# Routes that are not part of the governance API proper: no key, no records.
UNGUARDED = {"/health", "/ready", "/docs", "/openapi.json", "/redoc", "/docs/oauth2-redirect"}


@dataclass(frozen=True)
class Actor:
    """Someone calling the API with their own key."""

    person_id: str
    key_id: str
    secret: str
    name: str = ""

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}"}


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    route: APIRoute

    @property
    def params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)

    @property
    def body_model(self) -> Any:
        field_ = self.route.body_field
        return field_.field_info.annotation if field_ is not None else None

    @property
    def query_params(self) -> dict[str, bool]:
        """Each query parameter of the route (its dependencies' included): is it required?"""
        found: dict[str, bool] = {}

        def walk(dependant: Any) -> None:
            for param in dependant.query_params:
                found[param.alias] = param.field_info.is_required()
            for sub in dependant.dependencies:
                walk(sub)

        walk(self.route.dependant)
        return found

    @property
    def takes_if_match(self) -> bool:
        return any(d.call is deps.if_match for d in self.route.dependant.dependencies)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


STREAMS = frozenset({"/events/stream"})


def api_routes(app: FastAPI) -> list[Route]:
    """Every governance route of the app, from app.routes (included routers flattened)."""
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        # The console's pages (include_in_schema False) are tested in test_web*.py; a
        # stream, which answers for as long as the client listens, in test_stream.py.
        if (
            not isinstance(route, APIRoute)
            or route.path in UNGUARDED
            or route.path in STREAMS
            or not route.include_in_schema
        ):
            continue
        for method in sorted(set(route.methods or ()) - {"HEAD"}):
            found.append(Route(method, route.path, route))
    return found


def route_of(app: FastAPI, method: str, path: str) -> str | None:
    """The 'METHOD /template' a concrete request path was served by."""
    for route in api_routes(app):
        if route.method == method and route.route.path_regex.match(path):
            return str(route)
    return None


def no_server_error(response: httpx.Response) -> None:
    """Response hook: no request in these tests may ever be answered with a 5xx."""
    if response.status_code >= 500:
        response.read()
        request = response.request
        raise AssertionError(
            f"{request.method} {request.url} answered {response.status_code}: {response.text}"
        )


def open_client(ledger: Ledger) -> TestClient:
    """A client on a fresh app over the ledger; any 5xx answer fails the test."""
    client = TestClient(create_app(ledger=ledger))
    client.event_hooks = {"request": [], "response": [no_server_error]}
    return client


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """An RFC 9457 problem document with the given status."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    body = response.json()
    assert isinstance(body, dict), body
    for key in ("type", "title", "status", "detail"):
        assert key in body, (key, body)
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    if status == 401:
        assert response.headers.get("www-authenticate") == "Bearer"
    return body


def error_fields(body: dict[str, Any]) -> list[str]:
    errors = body.get("errors")
    assert isinstance(errors, list) and errors, body
    for error in errors:
        assert set(error) >= {"field", "message"}, error
    return [str(e["field"]) for e in errors]


def etag(version: int) -> str:
    return f'"{version}"'


@dataclass
class Api:
    """The test client plus the ledger (to mint keys), checking every write it makes."""

    client: TestClient
    ledger: Ledger
    admin: Actor | None = None
    positions: list[int] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)
    created: list[str] = field(default_factory=list)

    @property
    def admin_id(self) -> str:
        """The administrator's person id (the `api` fixture always signs one in)."""
        assert self.admin is not None
        return self.admin.person_id

    @property
    def last_position(self) -> int:
        return self.positions[-1] if self.positions else 0

    def call(
        self,
        method: str,
        url: str,
        as_: Actor | None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        all_headers = {**(as_.headers if as_ else {}), **(headers or {})}
        if json is not None:
            kwargs["json"] = json
        response = self.client.request(method, url, headers=all_headers, **kwargs)
        if response.status_code < 300:
            served = route_of(self.client.app, method, url.split("?")[0])  # type: ignore[arg-type]
            if served:
                self.touched.add(served)
        return response

    def write(
        self,
        method: str,
        url: str,
        as_: Actor | None = None,
        json: Any = None,
        *,
        status: int = 200,
        if_match: int | None = None,
        location: str | None = None,
    ) -> dict[str, Any]:
        """A write that must succeed: status, ETag, position (rising) and X-Accord-Position."""
        headers = {"If-Match": etag(if_match)} if if_match is not None else None
        response = self.call(method, url, as_ or self.admin, json=json, headers=headers)
        assert response.status_code == status, (method, url, response.status_code, response.text)
        assert response.headers["content-type"].startswith("application/json")
        body = response.json()
        assert response.headers["etag"] == etag(body["version"])
        position = body["position"]
        assert isinstance(position, int)
        assert response.headers["x-accord-position"] == str(position)
        assert position > self.last_position, (position, self.positions)
        self.positions.append(position)
        if location is not None:
            assert response.headers["location"] == f"{location}/{body['id']}"
        return body

    def create(
        self, url: str, json: Any, collection: str, as_: Actor | None = None
    ) -> dict[str, Any]:
        """A POST that creates a record: 201 and a Location under `collection`."""
        body = self.write("POST", url, as_, json, status=201, location=collection)
        self.created.append(f"{collection}/{body['id']}")
        return body

    def read(self, url: str, as_: Actor | None = None) -> dict[str, Any]:
        response = self.call("GET", url, as_ or self.admin)
        assert response.status_code == 200, (url, response.status_code, response.text)
        body = response.json()
        if "version" in body:
            assert response.headers["etag"] == etag(body["version"])
            assert body.get("position") is None
        return body

    def pages(
        self, url: str, as_: Actor | None = None, limit: int = 2, **params: Any
    ) -> Iterator[dict[str, Any]]:
        """Each page of a list endpoint, following next_cursor."""
        cursor = None
        for _ in range(1000):
            query = {**params, "limit": limit}
            if cursor is not None:
                query["cursor"] = cursor
            response = self.call("GET", url, as_ or self.admin, params=query)
            assert response.status_code == 200, (url, response.text)
            page = response.json()
            assert set(page) == {"items", "next_cursor"}
            assert len(page["items"]) <= limit
            yield page
            cursor = page["next_cursor"]
            if cursor is None:
                return
            assert len(page["items"]) == limit, "a page that is not full must be the last"
        raise AssertionError("pagination never ended")

    def listing(
        self, url: str, as_: Actor | None = None, limit: int = 2, **params: Any
    ) -> list[Any]:
        """Every item of a list endpoint, page by page; no duplicates, oldest first."""
        items = [item for page in self.pages(url, as_, limit, **params) for item in page["items"]]
        ids = [item["id"] for item in items]
        assert len(ids) == len(set(ids)), f"duplicates across pages: {ids}"
        return items

    def new_key(self, person_id: str, name: str = "") -> Actor:
        row, secret = self.ledger.keys.create_key(person_id)
        return Actor(person_id, row.key_id, secret, name)

    def organisation(self, name: str, sector: str = "vcse") -> dict[str, Any]:
        return self.create("/organisations", {"name": name, "sector": sector}, "/organisations")

    def person(
        self, name: str, organisation_id: str | None = None, email: str | None = None
    ) -> Actor:
        """Register a person through the API and give them their own key."""
        body = self.create(
            "/people",
            {"name": name, "email": email, "organisation_id": organisation_id},
            "/people",
        )
        return self.new_key(body["id"], name)

    def group(
        self, name: str, as_: Actor | None = None, parent: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        body = {"name": name, "kind": "design team", "purpose": f"Purpose of {name}"}
        # Convened long ago unless told otherwise, so that the tests may back-date what
        # happens in the group (nothing takes effect before its group: docs/time.md).
        body["effective_at"] = CONVENED
        if parent is not None:
            body["parent_group_id"] = parent
        return self.create("/groups", {**body, **extra}, "/groups", as_)

    def add_member(
        self, group_id: str, person: Actor, role: str = "member", **extra: Any
    ) -> dict[str, Any]:
        return self.write(
            "POST",
            f"/groups/{group_id}/members",
            json={"person_id": person.person_id, "role": role, **extra},
            status=201,
        )

    def head(self) -> int:
        response = self.client.get("/ready")
        assert response.status_code == 200, response.text
        return int(response.json()["head_position"])


# ---------------------------------------------------------------- malformed bodies

TOO_LONG = "x" * 10_001
NAIVE = "2026-03-01T09:00:00"
CONVENED = "2000-01-01T00:00:00Z"
EXTRA = "unexpected_field"


@dataclass(frozen=True)
class Mutation:
    """A body made invalid in one place, and the field the 422 must name."""

    label: str
    body: Any
    field: str


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """Follow a $ref, and see through `X | None` to X."""
    if "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[-1]]
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        if len(options) == 1:
            return _resolve(options[0], defs)
    return schema


def _replace(body: dict[str, Any], name: str, value: Any) -> dict[str, Any]:
    return {**body, name: value}


def mutations(model: Any, valid: dict[str, Any]) -> list[Mutation]:
    """Every single-point breakage of a valid body that the request schema must refuse."""
    schema = model.model_json_schema()
    return list(_object_mutations(schema, schema.get("$defs", {}), valid, ""))


def _object_mutations(
    schema: dict[str, Any], defs: dict[str, Any], valid: dict[str, Any], prefix: str
) -> Iterator[Mutation]:
    def at(name: str) -> str:
        return f"{prefix}{name}"

    yield Mutation(f"unknown field {at(EXTRA)}", _replace(valid, EXTRA, 1), at(EXTRA))
    for name, raw in schema["properties"].items():
        field_schema = _resolve(raw, defs)
        if name in schema.get("required", []):
            rest = {k: v for k, v in valid.items() if k != name}
            yield Mutation(f"missing {at(name)}", rest, at(name))
        kind = field_schema.get("type")
        if kind == "object":
            yield Mutation(f"{at(name)} not an object", _replace(valid, name, "text"), at(name))
            for inner in _object_mutations(field_schema, defs, valid.get(name) or {}, ""):
                yield Mutation(
                    f"{at(name)}: {inner.label}",
                    _replace(valid, name, inner.body),
                    at(f"{name}.{inner.field}"),
                )
            continue
        if kind == "array":
            yield Mutation(f"{at(name)} not a list", _replace(valid, name, "text"), at(name))
            items = _resolve(field_schema["items"], defs)
            if items.get("type") == "object":
                first = (valid.get(name) or [{}])[0]
                for inner in _object_mutations(items, defs, first, ""):
                    yield Mutation(
                        f"{at(name)}[0]: {inner.label}",
                        _replace(valid, name, [inner.body]),
                        at(f"{name}.0.{inner.field}"),
                    )
            elif items.get("type") == "string":
                yield Mutation(
                    f"{at(name)}[0] too long", _replace(valid, name, [TOO_LONG]), at(f"{name}.0")
                )
                yield Mutation(
                    f"{at(name)}[0] not text", _replace(valid, name, [{"a": 1}]), at(f"{name}.0")
                )
            continue
        yield Mutation(f"{at(name)} is an object", _replace(valid, name, {"a": 1}), at(name))
        yield Mutation(f"{at(name)} is a huge integer", _replace(valid, name, 10**40), at(name))
        if "enum" in field_schema or "const" in field_schema:
            yield Mutation(f"{at(name)} bogus choice", _replace(valid, name, "bogus"), at(name))
        elif field_schema.get("format") == "date-time":
            yield Mutation(f"{at(name)} naive", _replace(valid, name, NAIVE), at(name))
            yield Mutation(f"{at(name)} not a date", _replace(valid, name, "soon"), at(name))
        elif field_schema.get("format") == "date":
            yield Mutation(f"{at(name)} not a date", _replace(valid, name, "2026-13-45"), at(name))
        elif kind == "string":
            yield Mutation(f"{at(name)} too long", _replace(valid, name, TOO_LONG), at(name))
            if field_schema.get("minLength"):
                yield Mutation(f"{at(name)} empty", _replace(valid, name, ""), at(name))


def string_paths(model: Any) -> list[tuple[str, ...]]:
    """The path of every free-text or id field of a body (for unstorable-text checks)."""
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    found: list[tuple[str, ...]] = []

    def walk(node: dict[str, Any], path: tuple[str, ...]) -> None:
        for name, raw in node["properties"].items():
            field_schema = _resolve(raw, defs)
            kind = field_schema.get("type")
            if kind == "object":
                walk(field_schema, (*path, name))
            elif kind == "array":
                items = _resolve(field_schema["items"], defs)
                if items.get("type") == "object":
                    walk(items, (*path, name, "0"))
                elif items.get("type") == "string":
                    found.append((*path, name, "0"))
            elif kind == "string" and "enum" not in field_schema and "format" not in field_schema:
                found.append((*path, name))

    walk(schema, ())
    return found


def set_path(body: Any, path: tuple[str, ...], value: Any) -> Any:
    """A copy of body with the value at path replaced (list indexes as digit strings)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(body, list):
        index = int(head)
        return [set_path(v, rest, value) if i == index else v for i, v in enumerate(body)]
    return {**body, head: set_path(body[head], rest, value)}


def model_field_paths(model: Any) -> set[str]:
    """Every field of a body model and of the models nested in it, as dotted paths."""
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    found: set[str] = set()

    def walk(node: dict[str, Any], prefix: str) -> None:
        for name, raw in node["properties"].items():
            field_schema = _resolve(raw, defs)
            found.add(prefix + name)
            if field_schema.get("type") == "object":
                walk(field_schema, f"{prefix}{name}.")
            elif field_schema.get("type") == "array":
                items = _resolve(field_schema["items"], defs)
                if items.get("type") == "object":
                    walk(items, f"{prefix}{name}.0.")

    walk(schema, "")
    return found


def body_paths(body: Any, prefix: str = "") -> set[str]:
    """Every key of a JSON body, as dotted paths (list items as .0)."""
    found: set[str] = set()
    if isinstance(body, dict):
        for key, value in body.items():
            found.add(prefix + key)
            found |= body_paths(value, f"{prefix}{key}.")
    elif isinstance(body, list) and body and isinstance(body[0], dict):
        found |= body_paths(body[0], f"{prefix}0.")
    return found
