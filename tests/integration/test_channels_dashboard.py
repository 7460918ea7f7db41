"""Channels pages of the dashboard: staff list, open, edit, close and reopen the
direct-supply channels; everybody else, cooperative managers included, is refused.
What the services refuse comes back on the form with nothing changed."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from channels import services
from channels.models import Channel, ChannelKind
from tests.factories import UserFactory, make_canteen

pytestmark = pytest.mark.django_db

OPENED = datetime.date(2019, 6, 18)


@pytest.fixture(autouse=True)
def english(settings):
    """Pin the language: assertions read the English source strings."""
    settings.LANGUAGE_CODE = "en"


def url(name, **kwargs):
    return reverse(f"dashboard:channel-{name}", kwargs=kwargs)


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def state() -> list[tuple]:
    """Every channel as stored: what a refused action must leave as it was."""
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


# --- who may open which page ------------------------------------------------------


@pytest.fixture
def roles(staff, manager, cooperative, official, shopper):
    buyer = UserFactory(username="buyer")
    make_canteen(buyers=[buyer])
    return {
        "staff": staff,
        "manager": manager,
        "official": official,
        "buyer": buyer,
        "shopper": shopper,
    }


PAGES = {
    "list": lambda c: url("list"),
    "create": lambda c: url("create"),
    "update": lambda c: url("update", pk=c.pk),
    "close": lambda c: url("close", pk=c.pk),
}


@pytest.mark.parametrize("page", PAGES)
def test_only_staff_get_the_channel_pages(client, roles, counter, page):
    answers = {}
    for role, user in roles.items():
        client.force_login(user)
        answers[role] = client.get(PAGES[page](counter)).status_code

    assert answers == {
        "staff": 200,
        "manager": 403,
        "official": 403,
        "buyer": 403,
        "shopper": 403,
    }


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("create", {"code": "x-1", "name": "X", "kind": "counter"}),
        ("update", {"name": "改名"}),
        ("close", {"closed_on": "2020-06-30"}),
        ("reopen", {}),
    ],
)
def test_others_posting_change_nothing(client, roles, counter, closed, name, body):
    target = closed if name == "reopen" else counter
    path = url(name) if name == "create" else url(name, pk=target.pk)
    body = {**body, "opened_on": "2020-01-01"}
    before = state()

    answers = {}
    for role in ("manager", "official", "buyer", "shopper"):
        client.force_login(roles[role])
        answers[role] = client.post(path, body).status_code

    assert set(answers.values()) == {403}
    assert state() == before


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_users_are_sent_to_the_dashboard_login(client, counter, page):
    response = client.get(PAGES[page](counter))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("dashboard:login"))


def test_navigation_shows_channels_to_staff_only(client, staff, manager, cooperative):
    client.force_login(staff)
    staff_page = client.get(reverse("dashboard:index")).content.decode()
    client.force_login(manager)
    manager_page = client.get(reverse("dashboard:supply-lot-list")).content.decode()

    assert url("list") in staff_page
    assert url("create") in staff_page
    assert url("list") not in manager_page


@pytest.mark.parametrize("name", ["update", "close", "reopen"])
def test_a_channel_that_does_not_exist_answers_404(client, staff, name):
    client.force_login(staff)

    response = (client.post if name == "reopen" else client.get)(url(name, pk=999999))

    assert response.status_code == 404


# --- list -------------------------------------------------------------------------


@pytest.fixture
def several(counter, closed):
    canteen = make_canteen(name="广州地铁集团员工食堂").channel
    centre = open_counter(
        "centre-qingyuan",
        name="清远市农产品配送中心",
        kind=ChannelKind.DISTRIBUTION_CENTRE,
        operator="",
        city="清远市",
        district="清城区",
    )
    return {"counter": counter, "closed": closed, "canteen": canteen, "centre": centre}


def listed(response) -> list[str]:
    return [channel.code for channel in response.context["channels"]]


def test_staff_list_every_channel_by_code(client, staff, several):
    client.force_login(staff)

    response = client.get(url("list"))

    assert listed(response) == sorted(c.code for c in several.values())
    page = response.content.decode()
    assert "广百百货北京路店清远农家专柜" in page
    assert "Closed on 2020-06-30" in page
    assert "4 channels" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"kind": "counter"}, ["grandbuy-beijinglu", "metro-tianhe"]),
        ({"kind": "centre"}, ["centre-qingyuan"]),
        ({"active": "false"}, ["metro-tianhe"]),
        ({"kind": "counter", "active": "true"}, ["grandbuy-beijinglu"]),
        ({"kind": "live"}, []),
    ],
)
def test_the_list_filters_by_kind_and_status(client, staff, several, query, expected):
    client.force_login(staff)

    response = client.get(url("list"), query)

    assert listed(response) == expected
    assert response.context["is_filtered"] is True


def test_a_canteen_channel_is_listed_under_canteens(client, staff, several):
    client.force_login(staff)

    response = client.get(url("list"), {"kind": "canteen"})

    assert listed(response) == [several["canteen"].code]


def test_an_unknown_filter_value_lists_everything_and_says_so(client, staff, several):
    client.force_login(staff)

    response = client.get(url("list"), {"kind": "bazaar", "active": "maybe"})

    assert len(listed(response)) == 4
    assert response.context["form"].errors.keys() == {"kind", "active"}


# --- open -------------------------------------------------------------------------


def test_staff_open_a_channel(client, staff):
    client.force_login(staff)

    response = client.post(
        url("create"),
        {
            "code": "shandaijia-dongpu",
            "name": " 善待家东圃店清远农家专柜 ",
            "kind": "counter",
            "operator": "善待家",
            "city": "广州市",
            "district": "天河区",
            "opened_on": "2019-05-20",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == url("list")
    channel = Channel.objects.get()
    assert (
        channel.code,
        channel.name,
        channel.kind,
        channel.operator,
        channel.city,
        channel.district,
        channel.opened_on,
        channel.closed_on,
        channel.is_active,
    ) == (
        "shandaijia-dongpu",
        "善待家东圃店清远农家专柜",
        "counter",
        "善待家",
        "广州市",
        "天河区",
        datetime.date(2019, 5, 20),
        None,
        True,
    )
    assert texts(response) == ["Channel 善待家东圃店清远农家专柜 opened."]


def test_the_new_channel_form_starts_in_guangzhou_today(client, staff):
    client.force_login(staff)

    form = client.get(url("create")).context["form"]

    assert form["city"].value() == "广州市"
    assert form["opened_on"].value() == timezone.localdate()


def test_opening_refused_shows_each_error_on_its_field(client, staff, counter):
    client.force_login(staff)
    before = state()

    response = client.post(
        url("create"),
        {
            "code": counter.code,
            "name": "",
            "kind": "counter",
            "city": "广州市",
            "opened_on": "2020-01-01",
        },
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors == {
        "code": ["Channel with this Code already exists."],
        "name": ["This field cannot be blank."],
    }
    assert state() == before


def test_a_code_that_is_not_a_slug_is_refused(client, staff):
    client.force_login(staff)

    response = client.post(
        url("create"),
        {
            "code": "广百 1",
            "name": "X",
            "kind": "counter",
            "city": "广州市",
            "opened_on": "2020-01-01",
        },
    )

    assert list(response.context["form"].errors) == ["code"]
    assert not Channel.objects.exists()


def test_form_errors_come_before_the_service(client, staff):
    client.force_login(staff)

    response = client.post(
        url("create"), {"code": "x", "name": "X", "kind": "bazaar", "opened_on": "1/2"}
    )

    assert set(response.context["form"].errors) == {"kind", "opened_on"}
    assert not Channel.objects.exists()


# --- edit -------------------------------------------------------------------------


def test_staff_edit_name_operator_city_and_district(client, staff, counter):
    client.force_login(staff)

    response = client.post(
        url("update", pk=counter.pk),
        {
            "name": "广百百货北京路店扶贫专柜",
            "operator": "广百股份",
            "city": "广州市",
            "district": "越秀区",
        },
    )

    assert response.status_code == 302
    counter.refresh_from_db()
    assert (counter.code, counter.name, counter.kind, counter.operator) == (
        "grandbuy-beijinglu",
        "广百百货北京路店扶贫专柜",
        "counter",
        "广百股份",
    )
    assert texts(response) == ["Channel saved."]


def test_the_edit_page_shows_code_and_kind_but_offers_no_field_for_them(
    client, staff, counter
):
    client.force_login(staff)

    response = client.get(url("update", pk=counter.pk))

    form = response.context["form"]
    assert set(form.fields) == {"name", "operator", "city", "district"}
    assert form["name"].value() == "广百百货北京路店清远农家专柜"
    page = response.content.decode()
    assert "grandbuy-beijinglu" in page
    assert "Supermarket counter" in page


def test_code_and_kind_posted_to_the_edit_page_are_not_changed(client, staff, counter):
    client.force_login(staff)

    client.post(
        url("update", pk=counter.pk),
        {"name": "新名", "city": "广州市", "code": "other", "kind": "canteen"},
    )

    counter.refresh_from_db()
    assert (counter.name, counter.code, counter.kind) == (
        "新名",
        "grandbuy-beijinglu",
        "counter",
    )


def test_editing_refused_shows_each_error_on_its_field(client, staff, counter):
    client.force_login(staff)
    before = state()

    response = client.post(
        url("update", pk=counter.pk),
        {"name": "  ", "operator": "广百股份", "city": "", "district": "x" * 33},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "name": ["This field cannot be blank."],
        "city": ["This field cannot be blank."],
        "district": ["Ensure this value has at most 32 characters (it has 33)."],
    }
    assert state() == before


# --- close and reopen -------------------------------------------------------------


def test_staff_close_a_channel_on_a_date(client, staff, counter):
    client.force_login(staff)

    response = client.post(url("close", pk=counter.pk), {"closed_on": "2020-06-30"})

    assert response.status_code == 302
    counter.refresh_from_db()
    assert (counter.closed_on, counter.is_active) == (datetime.date(2020, 6, 30), False)
    assert texts(response) == ["Channel 广百百货北京路店清远农家专柜 closed."]


def test_the_close_form_suggests_today(client, staff, counter):
    client.force_login(staff)

    form = client.get(url("close", pk=counter.pk)).context["form"]

    assert form["closed_on"].value() == timezone.localdate()


@pytest.mark.parametrize(
    ("closed_on", "message"),
    [
        ("2019-06-17", "A channel cannot close before it opened."),
        ("2999-01-01", "A channel cannot close in the future."),
    ],
)
def test_closing_on_a_wrong_date_is_refused(client, staff, counter, closed_on, message):
    client.force_login(staff)
    before = state()

    response = client.post(url("close", pk=counter.pk), {"closed_on": closed_on})

    assert response.status_code == 200
    assert response.context["form"].errors == {"closed_on": [message]}
    assert state() == before


def test_closing_a_closed_channel_is_refused(client, staff, closed):
    client.force_login(staff)
    before = state()

    response = client.post(url("close", pk=closed.pk), {"closed_on": "2020-07-01"})

    assert response.context["form"].non_field_errors() == [
        "This channel is already closed."
    ]
    assert state() == before


def test_staff_reopen_a_closed_channel(client, staff, closed):
    client.force_login(staff)
    page = client.get(url("update", pk=closed.pk)).content.decode()
    assert url("reopen", pk=closed.pk) in page

    response = client.post(url("reopen", pk=closed.pk))

    assert response["Location"] == url("update", pk=closed.pk)
    closed.refresh_from_db()
    assert (closed.closed_on, closed.is_active) == (None, True)
    assert texts(response) == ["Channel 麦德龙天河商场专柜 reopened."]


def test_reopening_an_open_channel_changes_nothing(client, staff, counter):
    client.force_login(staff)
    before = state()

    response = client.post(url("reopen", pk=counter.pk))

    assert texts(response) == ["This channel is open."]
    assert state() == before


def test_reopen_answers_only_posts(client, staff, closed):
    client.force_login(staff)

    assert client.get(url("reopen", pk=closed.pk)).status_code == 405


def test_the_pages_speak_chinese_by_default(client, settings, staff, several):
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(staff)

    listing = client.get(url("list"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    closing = client.get(
        url("close", pk=several["counter"].pk), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()

    for text in (
        "直供渠道",
        "商超专柜",
        "食堂",
        "配送中心",
        "4 个渠道",
        "已于 2020-06-30 关闭",
    ):
        assert text in listing
    assert "营业中" in listing
    assert "关闭日期" in closing
