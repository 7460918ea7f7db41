"""Our side: canteen bulk orders of 10, 50 and 100 lines, placed and routed.

Each order is one ``POST /api/v1/bulk-orders/`` through DRF's ``APIClient``
in-process, authenticated by the buyer's token as a real client is: the timing and
the query count cover authentication, parsing, validation, the Oscar order, routing
to lots, stock movements and the response. SKUs and quantities are drawn from a
seeded ``random.Random``, so every run orders the same things. Until the endpoint
exists, ``--via service`` calls ``fulfilment.placing.place_bulk_order`` directly.

Run by ``python -m bench`` in its own process::

    DJANGO_SETTINGS_MODULE=bench.settings python -m bench.orders --out var/ours.json
"""

import argparse
import datetime
import json
import os
import random
import sys
import time
from pathlib import Path

from bench.db import vacuum_analyze
from bench.stats import per_size, summarise

API_PATH = "/api/v1/bulk-orders/"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,50,100")
    parser.add_argument(
        "--repeat", default="30", help="orders per size: one, or one per size"
    )
    parser.add_argument(
        "--warmup", type=int, default=3, help="unmeasured orders of the first size"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--via", choices=("auto", "api", "service"), default="auto")
    parser.add_argument("--out", type=Path)
    return parser


def _api_exists() -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(API_PATH)
    except Resolver404:
        return False
    return True


class Placer:
    """Places one order, through the API or the service, and says how it went."""

    def __init__(self, *, via: str, buyer, organisation, delivery_date):
        self.via = via
        self.buyer = buyer
        self.organisation = organisation
        self.delivery_date = delivery_date
        if via == "api":
            from rest_framework.authtoken.models import Token
            from rest_framework.test import APIClient

            token, _ = Token.objects.get_or_create(user=buyer)
            self.client = APIClient()
            self.client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    def place(self, lines: list[tuple[str, int]]):
        if self.via == "api":
            response = self.client.post(
                API_PATH,
                {
                    "organisation": self.organisation.pk,
                    "delivery_date": self.delivery_date.isoformat(),
                    "lines": [{"sku": sku, "quantity": n} for sku, n in lines],
                },
                format="json",
            )
            if response.status_code != 201:
                raise RuntimeError(
                    f"{API_PATH} answered {response.status_code}: "
                    f"{response.content[:500]!r}"
                )
            return
        from fulfilment.placing import OrderInput, place_bulk_order
        from fulfilment.validation import LineInput

        place_bulk_order(
            user=self.buyer,
            data=OrderInput(
                organisation_id=self.organisation.pk,
                delivery_date=self.delivery_date,
                lines=tuple(LineInput(sku, n) for sku, n in lines),
            ),
        )


def _server_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def run(*, sizes, repeat, warmup: int, seed: int, via: str) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bench.data import ensure_bench_data
    from fulfilment.models import BulkOrder

    started = time.perf_counter()
    data = ensure_bench_data(stdout=sys.stderr)
    built_s = time.perf_counter() - started
    if via == "auto":
        via = "api" if _api_exists() else "service"
    placer = Placer(
        via=via,
        buyer=data.buyer,
        organisation=data.organisation,
        delivery_date=timezone.localdate() + datetime.timedelta(days=1),
    )
    rng = random.Random(seed)

    def draw(size):
        return [(sku, rng.randint(1, 5)) for sku in rng.sample(data.upcs, size)]

    for _ in range(warmup):  # connections, caches, code paths: not measured
        placer.place(draw(sizes[0]))
    results, statuses = [], {}
    for size, times in zip(sizes, repeat, strict=True):
        vacuum_analyze()
        seconds, queries = [], []
        for _ in range(times):
            lines = draw(size)
            connection.queries_log.clear()  # a deque of 9,000: keep it from filling
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                placer.place(lines)
                elapsed = time.perf_counter() - start
            seconds.append(elapsed)
            queries.append(len(captured))
            order = BulkOrder.objects.select_related("order").order_by("-pk").first()
            if order.bulk_lines.count() != size:
                raise RuntimeError(f"order {order.order.number} lost lines")
            status = order.order.status
            statuses[status] = statuses.get(status, 0) + 1
        results.append(summarise(lines=size, seconds=seconds, queries=queries))
        print(f"ours  {size:>3} lines: {results[-1]}", file=sys.stderr)
    return {
        "side": "nongjia",
        "postgresql": _server_version(),
        "via": via,
        "endpoint": API_PATH if via == "api" else "fulfilment.placing.place_bulk_order",
        "results": results,
        "statuses": statuses,
        "data": {
            "open_lots": data.lots,
            "lots_received_now": data.received_lots,
            "products": len(data.upcs),
            "build_seconds": round(built_s, 1),
        },
    }


def main(argv=None) -> None:
    args = _parser().parse_args(argv)
    if os.environ.get("DJANGO_SETTINGS_MODULE") != "bench.settings":
        sys.exit("Run with DJANGO_SETTINGS_MODULE=bench.settings (python -m bench).")
    import django

    django.setup()
    sizes = [int(s) for s in args.sizes.split(",")]
    report = run(
        sizes=sizes,
        repeat=per_size(args.repeat, sizes),
        warmup=args.warmup,
        seed=args.seed,
        via=args.via,
    )
    text = json.dumps(report, indent=2, ensure_ascii=False)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)


if __name__ == "__main__":
    main()
