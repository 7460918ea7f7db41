"""Stock Oscar's side: baskets of 10, 50 and 100 lines through its real web checkout.

For each order, with Django's test ``Client`` logged in as a customer: every product
is added through the basket-add view, then the checkout goes shipping address (a
new one, posted as the form would), shipping method (Oscar's default repository:
free shipping, chosen automatically), payment method, payment details and preview;
only the final "place order" POST is timed and its SQL queries counted. Products
and quantities come from a seeded ``random.Random``, drawn as on our side.

Run by ``python -m bench`` in its own process::

    DJANGO_SETTINGS_MODULE=bench.stock_oscar.settings \\
        python -m bench.stock_oscar.checkout --out var/oscar.json
"""

import argparse
import json
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

from bench.db import vacuum_analyze
from bench.stats import per_size, summarise

PRODUCTS = 200
IN_STOCK = 1_000_000
USERNAME = "bench-customer"
ADDRESS = {
    "first_name": "Li",
    "last_name": "Hua",
    "line1": "1 Egg Road",
    "line4": "Shell City",
    "postcode": "N12 9RT",
    "country": "GB",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,50,100")
    parser.add_argument(
        "--repeat", default="20,8,6", help="orders per size: one, or one per size"
    )
    parser.add_argument(
        "--warmup", type=int, default=3, help="unmeasured orders of the first size"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path)
    return parser


def ensure_shop():
    """A shippable country, 200 products with plenty of stock, a customer."""
    from django.apps import apps
    from django.contrib.auth.models import User
    from django.db import transaction

    Country = apps.get_model("address", "Country")
    Partner = apps.get_model("partner", "Partner")
    Product = apps.get_model("catalogue", "Product")
    ProductClass = apps.get_model("catalogue", "ProductClass")
    StockRecord = apps.get_model("partner", "StockRecord")
    rng = random.Random(2026)
    with transaction.atomic():
        Country.objects.update_or_create(
            iso_3166_1_a2="GB",
            defaults={
                "iso_3166_1_a3": "GBR",
                "iso_3166_1_numeric": "826",
                "printable_name": "United Kingdom",
                "name": "United Kingdom of Great Britain and Northern Ireland",
                "is_shipping_country": True,
            },
        )
        partner, _ = Partner.objects.get_or_create(name="Bench partner")
        product_class, _ = ProductClass.objects.get_or_create(
            name="Bench produce",
            defaults={"track_stock": True, "requires_shipping": True},
        )
        existing = {p.upc: p for p in Product.objects.filter(upc__startswith="BENCH")}
        products = []
        for number in range(1, PRODUCTS + 1):
            upc = f"BENCH{number:04d}"
            price = Decimal(rng.randint(400, 20000)) / 100
            product = existing.get(upc)
            if product is None:
                product = Product.objects.create(
                    structure=Product.STANDALONE,
                    title=f"Bench product {number:03d}",
                    upc=upc,
                    product_class=product_class,
                    is_public=True,
                )
                StockRecord.objects.create(
                    product=product,
                    partner=partner,
                    partner_sku=upc,
                    price=price,
                    num_in_stock=IN_STOCK,
                )
            products.append(product.pk)
        # Every run allocates stock: keep plenty free.
        StockRecord.objects.filter(product_id__in=products).update(
            num_in_stock=IN_STOCK, num_allocated=0
        )
        user, created = User.objects.get_or_create(
            username=USERNAME, defaults={"email": "bench-customer@example.com"}
        )
        if created:
            user.set_unusable_password()
            user.save()
        # A run stopped half-way leaves a basket with lines: start empty.
        for basket in apps.get_model("basket", "Basket").open.filter(owner=user):
            basket.flush()
    return user, products


class Checkout:
    """One customer going through Oscar's checkout with the test Client."""

    def __init__(self, user):
        from django.test import Client

        self.user = user
        self.client = Client()
        self.client.force_login(user)

    def _expect(self, response, status: int, what: str):
        if response.status_code != status:
            raise RuntimeError(
                f"{what}: expected {status}, got {response.status_code} "
                f"({response.get('Location', '')})"
            )
        return response

    def fill_basket(self, lines: list[tuple[int, int]]) -> None:
        from django.apps import apps

        for product_id, quantity in lines:
            self._expect(
                self.client.post(f"/basket/add/{product_id}/", {"quantity": quantity}),
                302,
                "basket add",
            )
        basket = (
            apps.get_model("basket", "Basket")
            .objects.filter(owner=self.user, status="Open")
            .get()
        )
        if basket.num_lines != len(lines):
            raise RuntimeError(f"basket has {basket.num_lines} lines, not {len(lines)}")

    def up_to_preview(self) -> None:
        get, post = self.client.get, self.client.post
        self._expect(get("/checkout/"), 302, "checkout index")
        self._expect(
            post("/checkout/shipping-address/", ADDRESS), 302, "shipping address"
        )
        self._expect(get("/checkout/shipping-method/"), 302, "shipping method")
        self._expect(get("/checkout/payment-method/"), 302, "payment method")
        self._expect(get("/checkout/payment-details/"), 200, "payment details")
        self._expect(get("/checkout/preview/"), 200, "preview")

    def place_order(self):
        response = self.client.post("/checkout/preview/", {"action": "place_order"})
        return self._expect(response, 302, "place order")


def _server_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def run(*, sizes, repeat, warmup: int, seed: int) -> dict:
    from django.apps import apps
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    Order = apps.get_model("order", "Order")
    user, products = ensure_shop()
    checkout = Checkout(user)
    rng = random.Random(seed)

    def draw(size):
        return [(pk, rng.randint(1, 5)) for pk in rng.sample(products, size)]

    def order(lines):
        checkout.fill_basket(lines)
        checkout.up_to_preview()
        connection.queries_log.clear()  # a deque of 9,000: keep it from filling
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            checkout.place_order()
            elapsed = time.perf_counter() - start
        placed = Order.objects.order_by("-pk").first()
        if placed.pk in seen or placed.lines.count() != len(lines):
            raise RuntimeError("the order was not placed with every line")
        seen.add(placed.pk)
        return elapsed, len(captured)

    seen = set(Order.objects.values_list("pk", flat=True))
    for _ in range(warmup):  # connections, templates, code paths: not measured
        order(draw(sizes[0]))
    results = []
    for size, times in zip(sizes, repeat, strict=True):
        vacuum_analyze()
        seconds, queries = [], []
        for _ in range(times):
            elapsed, count = order(draw(size))
            seconds.append(elapsed)
            queries.append(count)
        results.append(summarise(lines=size, seconds=seconds, queries=queries))
        print(f"oscar {size:>3} lines: {results[-1]}", file=sys.stderr)
    return {
        "side": "stock-oscar",
        "postgresql": _server_version(),
        "endpoint": "POST /checkout/preview/ action=place_order",
        "results": results,
    }


def main(argv=None) -> None:
    args = _parser().parse_args(argv)
    if os.environ.get("DJANGO_SETTINGS_MODULE") != "bench.stock_oscar.settings":
        sys.exit(
            "Run with DJANGO_SETTINGS_MODULE=bench.stock_oscar.settings "
            "(python -m bench)."
        )
    import django

    django.setup()
    sizes = [int(s) for s in args.sizes.split(",")]
    report = run(
        sizes=sizes,
        repeat=per_size(args.repeat, sizes),
        warmup=args.warmup,
        seed=args.seed,
    )
    text = json.dumps(report, indent=2)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)


if __name__ == "__main__":
    main()
