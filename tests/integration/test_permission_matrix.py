"""Every API endpoint and role page, asked by every role, for their own objects
and for others', against the matrix in ``permission_matrix.py``.

The routes come from the URL resolver, so a new endpoint without an entry in the
matrix fails ``test_every_route_has_an_entry`` by name, and an entry whose route
is gone fails ``test_every_entry_is_a_route``. Each cell of the matrix is its own
test, named like ``GET /api/v1/bulk-orders/{order}/ [buyer_b, others]``; each
API list of owned objects is also checked for what it lists (``test_list``).

The world is built once per module, in a transaction rolled back at the end;
each cell runs in a savepoint of it, so a write one cell makes (an order
cancelled, a lot written off) is gone before the next.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLResolver, get_resolver

from tests.integration.permission_matrix import (
    DENIED,
    ENTRIES,
    HIDDEN,
    LISTINGS,
    OK,
    OUT_OF_SCOPE,
    PAIRED,
    ROLES,
    asker,
    build_world,
    shape,
)

LOGIN_PAGES = ("/accounts/login/", "/dashboard/login/", "/admin/login/")
# What an empty body gets from a view that let the user in: invalid (400), not in
# this state (409), not this media type (415), or an idempotency key reused (422).
# DRF checks permissions before it parses a body, so none of these comes first.
REACHED = {400, 409, 415, 422}
# A page's forms send only these; Django's generic views also answer PUT, DELETE.
PAGE_METHODS = {"GET", "POST"}
FORMAT_SUFFIX = re.compile(r"\(\?P<format>|<drf_format_suffix:format>")


# --- the routes the resolver knows ------------------------------------------------


def _unnamed(regex: str) -> str:
    """A regex pattern's text with each named group as ``{}``."""
    text, out, i = regex.removeprefix("^").removesuffix("$"), [], 0
    while i < len(text):
        if not text.startswith("(?P<", i):
            out.append(text[i])
            i += 1
            continue
        depth = 0
        while True:
            if text[i] == "\\":
                i += 1
            elif text[i] == "(":
                depth += 1
            elif text[i] == ")":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        out.append("{}")
        i += 1
    return "".join(out)


def _part(pattern) -> str:
    if hasattr(pattern, "_route"):  # path(): <int:pk>
        return re.sub(r"<[^>]+>", "{}", pattern._route)
    return _unnamed(pattern._regex)  # re_path() and DRF's routers


def _methods(callback) -> set | None:
    """The HTTP methods a view answers (None for a plain function)."""
    actions = getattr(callback, "actions", None)  # a DRF viewset's
    if actions:
        return {m.upper() for m in actions if m not in ("head", "options")}
    view = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view is None:
        return None
    return {
        m.upper()
        for m in view.http_method_names
        if m not in ("head", "options") and hasattr(view, m)
    }


def _walk(patterns, prefix="/"):
    for pattern in patterns:
        route = prefix + _part(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, route)
        elif not FORMAT_SUFFIX.search(str(pattern.pattern)):  # an alias: /lots.json
            yield route, _methods(pattern.callback)


def resolver_routes() -> dict:
    """Every route's shape (``/api/v1/lots/{}/``) and the methods it answers."""
    routes = {}
    for route, methods in _walk(get_resolver().url_patterns):
        known = routes.get(route, set())
        routes[route] = None if methods is None else (known or set()) | methods
    return routes


MATRIX_SHAPES = {shape(entry.route) for entry in ENTRIES}


def left_out_by(route: str) -> str | None:
    """The ``OUT_OF_SCOPE`` path or prefix that leaves the route out, if any."""
    if route in MATRIX_SHAPES:
        return None
    for key in OUT_OF_SCOPE:
        if route == key or (key != "/" and key.endswith("/") and route.startswith(key)):
            return key
    return None


def test_every_route_has_an_entry():
    missing = sorted(
        route
        for route in resolver_routes()
        if route not in MATRIX_SHAPES and left_out_by(route) is None
    )
    assert not missing, "routes without an entry in permission_matrix.MATRIX:\n" + (
        "\n".join(missing)
    )


def test_every_entry_is_a_route():
    routes = resolver_routes()
    gone = sorted({e.route for e in ENTRIES if shape(e.route) not in routes})
    assert not gone, "entries whose route no longer exists:\n" + "\n".join(gone)


def test_every_method_of_a_route_has_an_entry():
    given = {}
    for entry in ENTRIES:
        given.setdefault(shape(entry.route), set()).add(entry.method)
    differ = []
    for route, methods in resolver_routes().items():
        if route not in given or methods is None:
            continue
        if not route.startswith("/api/"):
            methods = methods & PAGE_METHODS
        if methods != given[route]:
            differ.append(f"{route}: answers {sorted(methods)}, has {given[route]}")
    assert not differ, "\n".join(differ)


def test_every_route_left_out_is_a_route():
    used = {left_out_by(route) for route in resolver_routes()}
    unused = sorted(set(OUT_OF_SCOPE) - used)
    assert not unused, f"OUT_OF_SCOPE names no route: {unused}"


# --- the cells ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world, built once for the module and rolled back after it (exports'
    files go to a temporary folder)."""
    media = tmp_path_factory.mktemp("media")
    with (
        override_settings(MEDIA_ROOT=media),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def db(world):
    """Each cell in a savepoint of the world's transaction, undone after it.

    It stands in for pytest-django's ``db`` (whose name tells pytest-django to
    set up the test database), which would build a test case around each of
    these thousands of requests."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def browser():
    """One test client for the module: each new one builds the middleware chain,
    which costs WhiteNoise a scan of the static files."""
    return Client()


def label(role: str, side: str, owned: bool) -> str:
    """``buyer_b, others`` for a cell of an object's route, else ``official``."""
    who = asker(role, side) or "anonymous"
    return f"{who}, {side}" if owned and role in PAIRED else who


def sides(role: str, owned: bool) -> tuple:
    return ("own", "others") if owned and role in PAIRED else ("own",)


def _ask(client, world, entry, role, side):
    client.cookies.clear()
    name, headers = asker(role, side), {}
    if name is not None and entry.api:
        headers["HTTP_AUTHORIZATION"] = f"Token {world.tokens[name]}"
    elif name is not None:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[name]
    url = world.url(entry.route, role)
    if entry.method == "GET":
        return client.get(url, **headers)
    if entry.api:
        return client.generic(
            entry.method, url, "{}", content_type="application/json", **headers
        )
    return client.post(url, world.body(entry.route, role), **headers)


def outcome(response) -> str:
    code = response.status_code
    if code in (401, 403):
        return DENIED
    if code == 404:
        return HIDDEN
    if 300 <= code < 400:
        to_login = urlsplit(response["Location"]).path in LOGIN_PAGES
        return DENIED if to_login else OK
    if 200 <= code < 300 or code in REACHED:
        return OK
    return str(code)


CELLS = [
    pytest.param(
        entry,
        role,
        side,
        id=f"{entry.method} {entry.route} [{label(role, side, entry.owned)}]",
    )
    for entry in ENTRIES
    for role in ROLES
    for side in sides(role, entry.owned)
]


@pytest.mark.parametrize(("entry", "role", "side"), CELLS)
def test_cell(world, browser, db, entry, role, side):
    response = _ask(browser, world, entry, role, side)

    expected = entry.answers[role][0 if side == "own" else 1]
    who = label(role, side, entry.owned)
    assert outcome(response) == expected, (
        f"{entry.method} {entry.route} [{who}] "
        f"expected {expected} got {response.status_code}"
    )


# --- the lists ------------------------------------------------------------------------


LISTING_CELLS = [
    pytest.param(listing, role, side, id=f"{listing} [{label(role, side, owned=True)}]")
    for listing in LISTINGS
    for role in ROLES
    for side in sides(role, owned=True)
]


def listed(response, value: str) -> bool:
    """Whether a (paged) list has an item whose id or number is ``value``."""
    body = response.json()
    items = body["results"] if isinstance(body, dict) else body
    return any(value in (str(i.get("id")), str(i.get("number"))) for i in items)


@pytest.mark.parametrize(("listing", "role", "side"), LISTING_CELLS)
def test_list(world, browser, db, listing, role, side):
    browser.cookies.clear()
    name = asker(role, side)
    headers = {"HTTP_AUTHORIZATION": f"Token {world.tokens[name]}"} if name else {}
    response = browser.get(listing.route, {"page_size": 200}, **headers)

    got, state = outcome(response), ""
    if got == OK:
        shown = listed(response, world.url(listing.item, role))
        got, state = (OK, ", listed") if shown else (HIDDEN, ", not listed")
    expected = listing.answers[role][0 if side == "own" else 1]
    assert got == expected, (
        f"{listing} [{label(role, side, owned=True)}] "
        f"expected {expected} got {response.status_code}{state}"
    )
