"""The load test's users: canteens, cooperatives, officials and shoppers at once.

Run by ``loadtest/run.py`` (``make loadtest``), which prepares the data and the
fixture this file reads (``LOADTEST_FIXTURE``: tokens, the officials' passwords,
SKUs, catalogue URLs), starts the shop as in production and calls locust headless
on 127.0.0.1 only.

Each user class does what that role does in a working day, with think time:

- ``CanteenBuyer`` (API token): looks at availability for a delivery day, places a
  bulk order of a few lines (sometimes all-or-nothing, sometimes replaying the
  request with its Idempotency-Key as a client does after a timeout), checks and
  lists its orders, now and then cancels one.
- ``CooperativeManager`` (API token; two per cooperative): lists the allocations
  waiting for an answer, accepts them, lists the accepted ones and ships them.
- ``Official`` (signs in once per user for the pages, token for the API): the
  headline, monthly sales per household, sales by channel and by month, pages and
  API, over the demo's H1 2020 ledger; the channels.
- ``Shopper`` (anonymous): home, catalogue, categories, product pages, search.

The web processes run with the production settings behind no proxy, so every
request says what the proxy would (``X-Forwarded-Proto: https``) and the cookie
jar keeps the shop's secure cookies as plain ones (``BehindProxyJar``).

A 409 is a failure unless it is a conflict the business expects under
concurrency: those are marked successes with their reason (``EXPECTED``) and
counted; ``loadtest/run.py`` writes the counts (``LOADTEST_OUTCOMES``) into
docs/benchmarks.md next to locust's own statistics.
"""

import datetime
import itertools
import json
import os
import random
import uuid
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

from locust import HttpUser, between, events, task
from requests.cookies import RequestsCookieJar

FIXTURE = json.loads(Path(os.environ["LOADTEST_FIXTURE"]).read_text("utf-8"))
ZONE = ZoneInfo(FIXTURE["time_zone"])
# The availability API also counts products whose poverty-product certificate has
# expired, which placing refuses (400): buyers order only the certified ones.
ORDERABLE = {row["sku"] for row in FIXTURE["skus"]}

# (action, the API's error code) -> why the business expects it under load.
EXPECTED = {
    ("place", "insufficient_stock"): (
        "an all-or-nothing order met other canteens' orders for the last units; "
        "nothing was ordered"
    ),
    ("accept", "conflict"): (
        "since the list was read, the cooperative's other manager answered the "
        "allocation or the canteen cancelled its order"
    ),
    ("ship", "conflict"): (
        "since the list was read, the cooperative's other manager shipped the "
        "allocation or the canteen cancelled its order"
    ),
    ("cancel", "conflict"): "part of the order had shipped; it can no longer be "
    "cancelled",
}
outcomes: Counter = Counter()


def _record(outcome: str) -> None:
    outcomes[outcome] += 1


@events.test_stop.add_listener
def _write_outcomes(environment, **_kwargs) -> None:
    """The counts, the users of each class and whether locust itself ran short of
    CPU (then its figures understate what the shop could serve)."""
    path = os.environ.get("LOADTEST_OUTCOMES")
    if not path:
        return
    runner = environment.runner
    summary = {
        "outcomes": dict(outcomes),
        "expected": {f"{a} {code}": why for (a, code), why in EXPECTED.items()},
        "users": getattr(runner, "final_user_classes_count", {}),
        "locust_cpu_warning": bool(getattr(runner, "cpu_warning_emitted", False)),
    }
    Path(path).write_text(json.dumps(summary, indent=1), encoding="utf-8")


def _today() -> datetime.date:
    return datetime.datetime.now(ZONE).date()


class _Pool:
    """Hands out the fixture's accounts in turn, so users spread over them."""

    def __init__(self, accounts: list[dict]):
        self._cycle = itertools.cycle(accounts)

    def take(self) -> dict:
        return next(self._cycle)


class BehindProxyJar(RequestsCookieJar):
    """Cookies kept without their Secure flag.

    In production TLS ends at the proxy, so the browser sends the session and CSRF
    cookies (Secure) over HTTPS and the proxy passes them on. Locust stands in for
    both and talks plain HTTP to the web process; requests would never send a
    Secure cookie over plain HTTP (it copies the cookies into a jar of default
    policy per request, so a policy on this jar would not help).
    """

    def set_cookie(self, cookie, *args, **kwargs):
        cookie.secure = False
        return super().set_cookie(cookie, *args, **kwargs)


class ShopUser(HttpUser):
    abstract = True

    def on_start(self) -> None:
        self.client.headers["X-Forwarded-Proto"] = "https"
        self.client.cookies = BehindProxyJar()

    def use_token(self, token: str) -> None:
        self.client.headers["Authorization"] = f"Token {token}"

    def answer(self, response, action: str, ok: tuple[int, ...]) -> dict | list | None:
        """Mark ``response`` (caught): its JSON when the status is in ``ok``; an
        expected conflict is a counted success; anything else a failure."""
        if response.status_code in ok:
            try:
                body = response.json()
            except ValueError:
                response.failure(f"{response.status_code} without JSON")
                return None
            response.success()
            return body
        if response.status_code == 409:
            try:
                code = response.json().get("code", "")
            except ValueError:
                code = ""
            if (action, code) in EXPECTED:
                response.success()
                _record(f"{action} {code}")
                return None
        response.failure(f"{response.status_code}: {response.text[:200]}")
        return None

    def page(self, url: str, name: str, status: int = 200) -> None:
        with self.client.get(
            url, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code == status:
                response.success()
            else:
                where = response.headers.get("Location", "")
                response.failure(f"{response.status_code} {where}".strip())


class CanteenBuyer(ShopUser):
    weight = 3
    wait_time = between(2, 6)
    accounts = _Pool(FIXTURE["canteens"])

    def on_start(self) -> None:
        super().on_start()
        account = self.accounts.take()
        self.use_token(account["token"])
        self.organisation = account["organisation"]
        self.orders: list[str] = []

    def _delivery_date(self) -> datetime.date:
        return _today() + datetime.timedelta(
            days=random.choices((1, 2, 3), weights=(6, 3, 1))[0]
        )

    @task(3)
    def place_order(self) -> None:
        day = self._delivery_date().isoformat()
        with self.client.get(
            "/api/v1/availability/",
            params={"delivery_date": day},
            name="/api/v1/availability/",
            catch_response=True,
        ) as response:
            rows = self.answer(response, "availability", (200,))
        available = [
            row
            for row in rows or []
            if row["units_available"] > 0 and row["sku"] in ORDERABLE
        ]
        if len(available) < 2:
            _record("order not tried: fewer than 2 products available")
            return
        chosen = random.sample(available, random.randint(2, min(5, len(available))))
        body = {
            "organisation": self.organisation,
            "delivery_date": day,
            "lines": [
                {
                    "sku": row["sku"],
                    "quantity": random.randint(1, min(20, row["units_available"])),
                }
                for row in chosen
            ],
            "note": "load test",
            "all_or_nothing": random.random() < 0.3,
        }
        key = {"Idempotency-Key": uuid.uuid4().hex}
        with self.client.post(
            "/api/v1/bulk-orders/",
            json=body,
            headers=key,
            name="/api/v1/bulk-orders/ (place)",
            catch_response=True,
        ) as response:
            order = self.answer(response, "place", (201,))
        if order is None:
            return
        self.orders.append(order["number"])
        _record(f"order placed: {order['status']}")
        if random.random() < 0.1:  # a client retrying after a lost answer
            with self.client.post(
                "/api/v1/bulk-orders/",
                json=body,
                headers=key,
                name="/api/v1/bulk-orders/ (replay)",
                catch_response=True,
            ) as response:
                replay = self.answer(response, "replay", (200,))
                if replay is not None and replay["number"] != order["number"]:
                    response.failure("a replay answered another order")

    @task(3)
    def check_order(self) -> None:
        if not self.orders:
            return
        number = random.choice(self.orders)
        with self.client.get(
            f"/api/v1/bulk-orders/{number}/",
            name="/api/v1/bulk-orders/[number]/",
            catch_response=True,
        ) as response:
            self.answer(response, "check", (200,))

    @task(2)
    def list_orders(self) -> None:
        params = {}
        if random.random() < 0.5:
            params["delivery_date"] = self._delivery_date().isoformat()
        with self.client.get(
            "/api/v1/bulk-orders/",
            params=params,
            name="/api/v1/bulk-orders/ (list)",
            catch_response=True,
        ) as response:
            self.answer(response, "list", (200,))

    @task(1)
    def cancel_order(self) -> None:
        if len(self.orders) < 3 or random.random() < 0.5:
            return
        number = self.orders.pop(random.randrange(len(self.orders)))
        with self.client.post(
            f"/api/v1/bulk-orders/{number}/cancel/",
            json={"reason": "load test: plans changed"},
            name="/api/v1/bulk-orders/[number]/cancel/",
            catch_response=True,
        ) as response:
            if self.answer(response, "cancel", (200,)) is not None:
                _record("order cancelled")


class CooperativeManager(ShopUser):
    weight = 2
    wait_time = between(2, 6)
    accounts = _Pool(FIXTURE["managers"])

    def on_start(self) -> None:
        super().on_start()
        self.use_token(self.accounts.take()["token"])
        self.pending: list[int] = []

    def _allocations(self, status: str) -> list[dict]:
        with self.client.get(
            "/api/v1/allocations/",
            params={"status": status},
            name=f"/api/v1/allocations/?status={status}",
            catch_response=True,
        ) as response:
            page = self.answer(response, "list", (200,))
        return page["results"] if page else []

    @task(3)
    def review(self) -> None:
        self.pending = [a["id"] for a in self._allocations("pending")]

    @task(3)
    def accept(self) -> None:
        if not self.pending:
            return
        allocation = self.pending.pop(random.randrange(len(self.pending)))
        with self.client.post(
            f"/api/v1/allocations/{allocation}/accept/",
            name="/api/v1/allocations/[id]/accept/",
            catch_response=True,
        ) as response:
            if self.answer(response, "accept", (200,)) is not None:
                _record("allocation accepted")

    @task(2)
    def ship(self) -> None:
        accepted = self._allocations("accepted")
        if not accepted:
            return
        allocation = random.choice(accepted)
        with self.client.post(
            f"/api/v1/allocations/{allocation['id']}/ship/",
            json={"kg": allocation["kg"]},
            name="/api/v1/allocations/[id]/ship/",
            catch_response=True,
        ) as response:
            if self.answer(response, "ship", (200,)) is not None:
                _record("allocation shipped")


def _month(value: str) -> dict[str, str]:
    """``2020-03`` as the reports' period: its first and last day."""
    first = datetime.date.fromisoformat(f"{value}-01")
    last = (first + datetime.timedelta(days=32)).replace(day=1)
    last -= datetime.timedelta(days=1)
    return {"from": first.isoformat(), "to": last.isoformat()}


H1_2020 = {"from": "2020-01-01", "to": "2020-06-30"}


class Official(ShopUser):
    weight = 1
    wait_time = between(3, 10)
    accounts = _Pool(FIXTURE["officials"])

    def on_start(self) -> None:
        super().on_start()
        account = self.accounts.take()
        self.use_token(account["token"])
        self.sign_in(account["email"], account["password"])

    def sign_in(self, email: str, password: str) -> None:
        """Once per user, through the store's sign-in form (CSRF included)."""
        self.page("/accounts/login/", "/accounts/login/")
        token = self.client.cookies.get("csrftoken", "")
        with self.client.post(
            "/accounts/login/",
            data={
                "login-username": email,
                "login-password": password,
                "login_submit": "1",
                "csrfmiddlewaretoken": token,
            },
            # Django checks the Referer of a secure request against its host.
            headers={"Referer": f"https://{self.host.split('://')[1]}/accounts/"},
            name="/accounts/login/ (sign in)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302:
                response.success()
            else:
                response.failure(f"sign-in answered {response.status_code}")

    def _api(self, url: str, name: str, params: dict) -> None:
        with self.client.get(
            url, params=params, name=name, catch_response=True
        ) as response:
            self.answer(response, "report", (200,))

    def _query(self, params: dict) -> str:
        return "&".join(f"{k}={v}" for k, v in params.items())

    @task(2)
    def headline_page(self) -> None:
        self.page(f"/reports/?{self._query(H1_2020)}", "/reports/ (H1 2020)")

    @task(2)
    def households_month_page(self) -> None:
        month = _month(random.choice(FIXTURE["report_months"]))
        self.page(
            f"/reports/sales/household/?{self._query(month)}",
            "/reports/sales/household/ (a month)",
        )

    @task(1)
    def channels_page(self) -> None:
        self.page(
            f"/reports/sales/channel/?{self._query(H1_2020)}",
            "/reports/sales/channel/ (H1 2020)",
        )

    @task(1)
    def months_page(self) -> None:
        self.page(
            f"/reports/sales/period/?interval=month&{self._query(H1_2020)}",
            "/reports/sales/period/ (months of H1 2020)",
        )

    @task(2)
    def households_month_api(self) -> None:
        month = _month(random.choice(FIXTURE["report_months"]))
        self._api(
            "/api/v1/reports/household/", "/api/v1/reports/household/ (a month)", month
        )

    @task(1)
    def channels_api(self) -> None:
        self._api(
            "/api/v1/reports/channel/", "/api/v1/reports/channel/ (H1 2020)", H1_2020
        )

    @task(1)
    def headline_api(self) -> None:
        self._api(
            "/api/v1/reports/headline/", "/api/v1/reports/headline/ (H1 2020)", H1_2020
        )

    @task(1)
    def channel_list(self) -> None:
        self._api("/api/v1/channels/", "/api/v1/channels/", {})


class Shopper(ShopUser):
    weight = 6
    wait_time = between(1, 4)
    shop = FIXTURE["shop"]

    @task(1)
    def home(self) -> None:
        self.page("/", "/ (to the catalogue)", status=302)

    @task(2)
    def catalogue(self) -> None:
        self.page("/catalogue/", "/catalogue/")

    @task(3)
    def category(self) -> None:
        self.page(random.choice(self.shop["categories"]), "/catalogue/category/[slug]/")

    @task(4)
    def product(self) -> None:
        self.page(random.choice(self.shop["products"]), "/catalogue/[product]/")

    @task(2)
    def search(self) -> None:
        term = random.choice(self.shop["search_terms"])
        self.page(f"/search/?q={term}", "/search/?q=[term]")
