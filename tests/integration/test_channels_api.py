"""Channels API by role: anyone signed in lists and reads the channels (filtered
by kind and open or closed); only staff open, edit, close and reopen them, and
everybody else gets the same 403 whatever the id. Refused writes change nothing."""

import datetime

import pytest
from drf_spectacular.drainage import GENERATOR_STATS

from channels import services
from channels.models import Channel, ChannelKind
from tests.factories import UserFactory, make_canteen

pytestmark = pytest.mark.django_db

REFUSED = {"detail": "Only platform staff can change channels."}
OPENED = datetime.date(2019, 6, 18)


@pytest.fixture(autouse=True)
def english(settings):
    """Pin the language: assertions read the English source strings."""
    settings.LANGUAGE_CODE = "en"


def state() -> list[tuple]:
    return list(Channel.objects.order_by("pk").values_list())


def open_counter(code="grandbuy-beijinglu", **fields) -> Channel:
    return services.open_channel(
        code=code,
        name=fields.pop("name", "广百百货北京路店清远农家专柜"),
        kind=fields.pop("kind", ChannelKind.COUNTER),
        operator=fields.pop("operator", "广百百货"),
        district=fields.pop("district", "越秀区"),
        opened_on=fields.pop("opened_on", OPENED),
        **fields,
    )


@pytest.fixture
def counter():
    return open_counter()


@pytest.fixture
def closed():
    channel = open_counter("metro-tianhe", name="麦德龙天河商场专柜", operator="麦德龙")
    return services.close_channel(
        channel_id=channel.pk, closed_on=datetime.date(2020, 6, 30)
    )


@pytest.fixture
def centre():
    return open_counter(
        "centre-qingyuan",
        name="清远市农产品配送中心",
        kind=ChannelKind.DISTRIBUTION_CENTRE,
        operator="",
        city="清远市",
        district="清城区",
        opened_on=datetime.date(2019, 12, 30),
    )


@pytest.fixture
def others(manager, cooperative, official, shopper):
    """Everybody signed in who is not staff."""
    buyer = UserFactory(username="buyer")
    make_canteen(buyers=[buyer])
    return {
        "manager": manager,
        "official": official,
        "buyer": buyer,
        "shopper": shopper,
    }


def codes(response) -> list[str]:
    return [row["code"] for row in response.json()["results"]]


# --- reading ----------------------------------------------------------------------


def test_anyone_signed_in_lists_the_channels(api, staff, others, counter, closed):
    canteen = others["buyer"].canteen_roles.get().organisation.channel
    answers = {}
    for role, user in {"staff": staff, **others}.items():
        api.force_authenticate(user)
        response = api.get("/api/v1/channels/")
        answers[role] = (response.status_code, codes(response))

    expected = sorted([counter.code, closed.code, canteen.code])
    assert answers == dict.fromkeys(["staff", *others], (200, expected))


def test_anonymous_is_refused(api, counter):
    assert api.get("/api/v1/channels/").status_code == 401
    assert api.get(f"/api/v1/channels/{counter.pk}/").status_code == 401


def test_a_channel_reads_with_every_field(api, shopper, closed):
    api.force_authenticate(shopper)

    response = api.get(f"/api/v1/channels/{closed.pk}/")

    assert response.status_code == 200
    assert response.json() == {
        "id": closed.pk,
        "code": "metro-tianhe",
        "name": "麦德龙天河商场专柜",
        "kind": "counter",
        "operator": "麦德龙",
        "city": "广州市",
        "district": "越秀区",
        "opened_on": "2019-06-18",
        "closed_on": "2020-06-30",
        "is_active": False,
    }


@pytest.mark.parametrize("pk", ["999999", "abc", "1.5", str(2**63), str(2**64)])
def test_an_id_that_names_no_channel_answers_404(api, shopper, counter, pk):
    api.force_authenticate(shopper)

    response = api.get(f"/api/v1/channels/{pk}/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"kind": "counter"}, ["grandbuy-beijinglu", "metro-tianhe"]),
        ({"kind": "centre"}, ["centre-qingyuan"]),
        ({"active": "true"}, ["centre-qingyuan", "grandbuy-beijinglu"]),
        ({"active": "false"}, ["metro-tianhe"]),
        ({"kind": "counter", "active": "false"}, ["metro-tianhe"]),
        ({"kind": "live"}, []),
        ({}, ["centre-qingyuan", "grandbuy-beijinglu", "metro-tianhe"]),
    ],
)
def test_the_list_filters_by_kind_and_active(
    api, official, counter, closed, centre, query, expected
):
    api.force_authenticate(official)

    response = api.get("/api/v1/channels/", query)

    assert response.status_code == 200
    assert codes(response) == expected
    assert response.json()["count"] == len(expected)


def test_bad_filter_values_answer_400_field_by_field(api, official, counter):
    api.force_authenticate(official)

    response = api.get("/api/v1/channels/", {"kind": "bazaar", "active": "maybe"})

    assert response.status_code == 400
    assert response.json() == {
        "kind": ['"bazaar" is not a valid choice.'],
        "active": ["Must be a valid boolean."],
    }


# --- writes: who ------------------------------------------------------------------

WRITES = [
    ("post", "/api/v1/channels/", {"code": "x-1", "name": "X", "kind": "counter"}),
    ("patch", "/api/v1/channels/{id}/", {"name": "改名"}),
    ("post", "/api/v1/channels/{id}/close/", {"closed_on": "2020-06-30"}),
    ("post", "/api/v1/channels/{id}/reopen/", {}),
]


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_only_staff_write_and_others_get_one_403_for_every_id(
    api, others, counter, closed, method, path, body
):
    body = {**body, "opened_on": "2020-01-01"}
    before = state()

    answers = set()
    for user in others.values():
        api.force_authenticate(user)
        for pk in (counter.pk, closed.pk, 999999, "abc"):
            response = getattr(api, method)(path.format(id=pk), body, format="json")
            answers.add((response.status_code, tuple(response.json().items())))

    assert answers == {(403, tuple(REFUSED.items()))}
    assert state() == before


def test_no_put_and_no_delete(api, staff, counter):
    api.force_authenticate(staff)

    put = api.put(f"/api/v1/channels/{counter.pk}/", {"name": "X"}, format="json")
    delete = api.delete(f"/api/v1/channels/{counter.pk}/")

    assert (put.status_code, delete.status_code) == (405, 405)
    assert Channel.objects.filter(pk=counter.pk).exists()


# --- open -------------------------------------------------------------------------


def test_staff_open_a_channel(api, staff):
    api.force_authenticate(staff)

    response = api.post(
        "/api/v1/channels/",
        {
            "code": "kuaishou-shuixi",
            "name": "快手·水西初心农庄（明哥）",
            "kind": "live",
            "operator": "乡村新闻官",
            "city": "清远市",
            "district": "清新区",
            "opened_on": "2019-03-15",
        },
        format="json",
    )

    assert response.status_code == 201
    channel = Channel.objects.get()
    assert response.json() == {
        "id": channel.pk,
        "code": "kuaishou-shuixi",
        "name": "快手·水西初心农庄（明哥）",
        "kind": "live",
        "operator": "乡村新闻官",
        "city": "清远市",
        "district": "清新区",
        "opened_on": "2019-03-15",
        "closed_on": None,
        "is_active": True,
    }


def test_city_defaults_to_guangzhou_and_operator_to_none(api, staff):
    api.force_authenticate(staff)

    response = api.post(
        "/api/v1/channels/",
        {"code": "c-1", "name": "某食堂", "kind": "canteen", "opened_on": "2020-01-02"},
        format="json",
    )

    assert response.status_code == 201
    assert (response.json()["city"], response.json()["operator"]) == ("广州市", "")


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"code": "grandbuy-beijinglu", "name": "X", "kind": "counter"},
            {"code": ["Channel with this Code already exists."]},
        ),
        (
            {"code": "广百 1", "name": "X", "kind": "counter"},
            {
                "code": [
                    "Enter a valid “slug” consisting of letters, numbers, "
                    "underscores or hyphens."
                ]
            },
        ),
        (
            {"code": "x" * 33, "name": "X" * 129, "kind": "counter"},
            {
                "code": ["Ensure this field has no more than 32 characters."],
                "name": ["Ensure this field has no more than 128 characters."],
            },
        ),
        (
            {"code": "x-1", "name": "X", "kind": "bazaar"},
            {"kind": ['"bazaar" is not a valid choice.']},
        ),
        (
            {"code": "x-1", "name": "X", "kind": "counter", "city": ""},
            {"city": ["This field may not be blank."]},
        ),
        (
            {"code": "x-1", "name": "X", "kind": "counter", "opened_on": "2020-13-01"},
            {
                "opened_on": [
                    "Date has wrong format. Use one of these formats instead: "
                    "YYYY-MM-DD."
                ]
            },
        ),
        (
            {},
            {
                "code": ["This field is required."],
                "name": ["This field is required."],
                "kind": ["This field is required."],
            },
        ),
    ],
)
def test_opening_refused_answers_400_field_by_field_and_opens_nothing(
    api, staff, counter, body, errors
):
    api.force_authenticate(staff)
    before = state()
    body = {"opened_on": "2020-01-01", **body}

    response = api.post("/api/v1/channels/", body, format="json")

    assert response.status_code == 400
    assert response.json() == errors
    assert state() == before


# --- edit -------------------------------------------------------------------------


def test_staff_change_name_operator_city_and_district(api, staff, counter):
    api.force_authenticate(staff)

    response = api.patch(
        f"/api/v1/channels/{counter.pk}/",
        {"name": " 广百百货北京路店扶贫专柜 ", "operator": "广百股份", "district": ""},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["name"], body["operator"], body["district"]) == (
        "grandbuy-beijinglu",
        "广百百货北京路店扶贫专柜",
        "广百股份",
        "",
    )
    counter.refresh_from_db()
    assert (counter.name, counter.operator, counter.city, counter.district) == (
        "广百百货北京路店扶贫专柜",
        "广百股份",
        "广州市",
        "",
    )


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"name": "新名", "code": "other", "kind": "canteen"},
            {
                "code": ["This field cannot be changed here."],
                "kind": ["This field cannot be changed here."],
            },
        ),
        (
            {"opened_on": "2020-01-01", "is_active": False},
            {
                "is_active": ["This field cannot be changed here."],
                "opened_on": ["This field cannot be changed here."],
            },
        ),
        (
            {"name": "", "city": ""},
            {
                "name": ["This field may not be blank."],
                "city": ["This field may not be blank."],
            },
        ),
        (
            {"name": "   ", "operator": "x" * 129, "district": "区" * 33},
            {
                "name": ["This field may not be blank."],
                "operator": ["Ensure this field has no more than 128 characters."],
                "district": ["Ensure this field has no more than 32 characters."],
            },
        ),
    ],
)
def test_editing_refused_answers_400_field_by_field_and_changes_nothing(
    api, staff, counter, body, errors
):
    api.force_authenticate(staff)
    before = state()

    response = api.patch(f"/api/v1/channels/{counter.pk}/", body, format="json")

    assert response.status_code == 400
    assert response.json() == errors
    assert state() == before


def test_editing_a_channel_that_does_not_exist_answers_404(api, staff):
    api.force_authenticate(staff)

    response = api.patch("/api/v1/channels/999999/", {"name": "X"}, format="json")

    assert response.status_code == 404


# --- close and reopen -------------------------------------------------------------


def test_staff_close_and_reopen_a_channel(api, staff, counter):
    api.force_authenticate(staff)

    closing = api.post(
        f"/api/v1/channels/{counter.pk}/close/",
        {"closed_on": "2020-06-30"},
        format="json",
    )
    assert closing.status_code == 200
    assert (closing.json()["closed_on"], closing.json()["is_active"]) == (
        "2020-06-30",
        False,
    )
    listed = api.get("/api/v1/channels/", {"active": "false"})
    assert codes(listed) == ["grandbuy-beijinglu"]

    reopening = api.post(f"/api/v1/channels/{counter.pk}/reopen/")

    assert reopening.status_code == 200
    assert (reopening.json()["closed_on"], reopening.json()["is_active"]) == (
        None,
        True,
    )
    counter.refresh_from_db()
    assert (counter.closed_on, counter.is_active) == (None, True)


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"closed_on": "2019-06-17"},
            {"closed_on": ["A channel cannot close before it opened."]},
        ),
        (
            {"closed_on": "2999-01-01"},
            {"closed_on": ["A channel cannot close in the future."]},
        ),
        (
            {"closed_on": "yesterday"},
            {
                "closed_on": [
                    "Date has wrong format. Use one of these formats instead: "
                    "YYYY-MM-DD."
                ]
            },
        ),
        ({}, {"closed_on": ["This field is required."]}),
    ],
)
def test_closing_refused_answers_400_and_changes_nothing(
    api, staff, counter, body, errors
):
    api.force_authenticate(staff)
    before = state()

    response = api.post(f"/api/v1/channels/{counter.pk}/close/", body, format="json")

    assert response.status_code == 400
    assert response.json() == errors
    assert state() == before


def test_closing_a_closed_channel_is_refused(api, staff, closed):
    api.force_authenticate(staff)
    before = state()

    response = api.post(
        f"/api/v1/channels/{closed.pk}/close/",
        {"closed_on": "2020-07-01"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["This channel is already closed."]}
    assert state() == before


def test_reopening_an_open_channel_is_refused(api, staff, counter):
    api.force_authenticate(staff)
    before = state()

    response = api.post(f"/api/v1/channels/{counter.pk}/reopen/")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["This channel is open."]}
    assert state() == before


@pytest.mark.parametrize("action", ["close", "reopen"])
def test_closing_or_reopening_a_channel_that_does_not_exist_answers_404(
    api, staff, action
):
    api.force_authenticate(staff)

    response = api.post(
        f"/api/v1/channels/999999/{action}/", {"closed_on": "2020-01-01"}, format="json"
    )

    assert response.status_code == 404


# --- schema -----------------------------------------------------------------------


def test_the_schema_documents_the_channels_without_warnings(api):
    GENERATOR_STATS.reset()

    response = api.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    assert not GENERATOR_STATS._warn_cache
    assert not GENERATOR_STATS._error_cache
    paths = response.json()["paths"]
    assert {
        method: sorted(paths[path])
        for method, path in [
            ("list", "/api/v1/channels/"),
            ("object", "/api/v1/channels/{id}/"),
            ("close", "/api/v1/channels/{id}/close/"),
            ("reopen", "/api/v1/channels/{id}/reopen/"),
        ]
    } == {
        "list": ["get", "post"],
        "object": ["get", "patch"],
        "close": ["post"],
        "reopen": ["post"],
    }
    parameters = {p["name"] for p in paths["/api/v1/channels/"]["get"]["parameters"]}
    assert {"kind", "active"} <= parameters
