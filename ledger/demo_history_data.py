"""Tables of the demo's H1 2020 sales history (``ledger.demo_history``).

Plausible, not recorded: what each kind of channel sold, how much in a usual week,
and how the first half of 2020 went. The Spring Festival fell on 25 January;
Guangdong then kept workplaces shut until 10 February and schools until late April
(seniors from 27 April, the rest from 11 May), so canteens sold little in February
while supermarket counters, live-stream shops and love-card outlets sold more.
Products are the demo catalogue's (``suppliers.demo_data``), by UPC.
"""

import datetime
from typing import NamedTuple

START = datetime.date(2020, 1, 1)
END = datetime.date(2020, 6, 30)
# The field report's H1 2020 offline sales of the 77 channels.
TOTAL_KG = "770000.000"
TOTAL_YUAN = "4760000.00"

# Months of H1 2020 a product was on sale (absent: all six).
SEASONS = {
    "NJ-SX-01": (1, 2, 3),  # 砂糖橘: picked in winter, sold until March
    "NJ-SX-02": (1, 2),
    "NJ-SX-03": (1, 2),  # 贡柑
    "NJ-SX-06": (1, 2, 3),
    "NJ-SX-05": (1, 2, 3, 4),  # 西洋菜: a cool-season crop
    "NJ-LZ-01": (1, 2, 3, 4),  # 连州菜心 and 萝卜: winter and spring
    "NJ-LZ-02": (1, 2, 3, 4),
    "NJ-LZ-05": (1, 2, 3, 4),
    "NJ-WZ-01": (3, 4, 5, 6),  # 桑芽菜: from March
    "NJ-WZ-02": (3, 4, 5, 6),
    "NJ-DW-01": (5, 6),  # fresh 麻竹笋: from May
    "NJ-YS-01": (1, 2, 3, 4, 5),  # 淮山: dug in winter, sold from store
    "NJ-YS-02": (1, 2, 3, 4, 5),
    "NJ-YS-04": (6,),  # 鹰嘴桃: ripe in June
}


class Profile(NamedTuple):
    """How a channel trades: a usual week's kg, what it always sells and what it
    may also sell (UPC, relative weight), and the price it sells at as a share of
    the catalogue's price per kg."""

    kg_per_week: int
    core: tuple[tuple[str, float], ...]
    pool: tuple[tuple[str, float], ...] = ()
    extra: tuple[int, int] = (0, 0)  # how many of the pool, at least and at most
    price: float = 1.0
    demand: str = "shop"  # key of DEMAND


# Canteens buy canteen packs at wholesale prices.
CANTEEN_POOL = (
    ("NJ-DW-04", 3.0),
    ("NJ-DW-05", 3.0),
    ("NJ-DW-07", 3.0),
    ("NJ-DW-08", 2.0),
    ("NJ-LZ-05", 3.0),
    ("NJ-SX-06", 2.0),
    ("NJ-LZ-02", 0.8),
    ("NJ-YS-02", 0.6),
    ("NJ-LS-02", 0.8),
    ("NJ-DW-03", 0.5),
    ("NJ-DW-01", 0.8),
    ("NJ-WZ-02", 0.15),
    ("NJ-FK-03", 0.1),
    ("NJ-FK-04", 0.3),
)
CANTEEN_CORE = (("NJ-LS-07", 9.0),)
# Supermarket counters sell retail packs, and loose sprouts and vegetables.
RETAIL_POOL = (
    ("NJ-LS-01", 1.2),
    ("NJ-SX-01", 2.0),
    ("NJ-SX-02", 0.5),
    ("NJ-SX-03", 1.0),
    ("NJ-SX-05", 0.5),
    ("NJ-LZ-01", 1.0),
    ("NJ-YS-01", 0.8),
    ("NJ-DW-01", 0.8),
    ("NJ-LS-04", 0.4),
    ("NJ-FK-01", 0.2),
    ("NJ-FK-04", 0.4),
    ("NJ-WZ-01", 0.1),
    ("NJ-YS-04", 0.6),
    ("NJ-DW-07", 2.0),
)
RETAIL_CORE = (("NJ-DW-04", 2.0), ("NJ-DW-08", 2.5))
# Government service centres' consumption-assistance counters: gift packs too.
GIFT_POOL = (
    ("NJ-LS-01", 1.5),
    ("NJ-SX-01", 2.0),
    ("NJ-YS-01", 1.0),
    ("NJ-FK-04", 0.5),
    ("NJ-DW-02", 0.2),
    ("NJ-LS-03", 0.1),
    ("NJ-HS-02", 0.05),
    ("NJ-HS-05", 0.05),
    ("NJ-WZ-03", 0.03),
)
GIFT_CORE = (("NJ-DW-08", 2.0),)
# The distribution centre and the wholesale market stall: by the sack and crate.
BULK_CORE = (
    ("NJ-LS-07", 8.0),
    ("NJ-DW-04", 3.0),
    ("NJ-DW-05", 3.0),
    ("NJ-DW-07", 3.0),
    ("NJ-DW-08", 2.5),
    ("NJ-LZ-05", 3.0),
    ("NJ-SX-06", 2.5),
)
BULK_POOL = (("NJ-LZ-02", 1.0), ("NJ-YS-02", 0.8), ("NJ-DW-01", 1.0))

DEFAULT_PROFILES = {
    "counter": Profile(160, RETAIL_CORE, RETAIL_POOL, (2, 4), 0.95),
    "canteen": Profile(690, CANTEEN_CORE, CANTEEN_POOL, (3, 5), 0.9, "canteen"),
    "centre": Profile(5200, BULK_CORE, BULK_POOL, (3, 3), 0.9, "centre"),
    "online": Profile(40, RETAIL_CORE, RETAIL_POOL, (2, 3), 1.0),
    "live": Profile(100, (("NJ-LS-01", 1.0),), RETAIL_POOL, (1, 2), 0.9, "live"),
    "love_card": Profile(
        170,
        (("NJ-LS-01", 2.0), ("NJ-DW-08", 2.0)),
        GIFT_POOL,
        (2, 3),
        1.0,
        "card",
    ),
    "other": Profile(60, RETAIL_CORE, RETAIL_POOL, (1, 2), 1.0),
}
BY_OPERATOR = {
    "麦德龙": Profile(480, (("NJ-LS-07", 3.0), *RETAIL_CORE), RETAIL_POOL, (2, 4), 0.9),
    "广州市供销合作总社": Profile(125, GIFT_CORE, GIFT_POOL, (2, 4), 1.0),
}
# Channels with their own line: the wholesale stall, the 5G cloud shop, and the
# village news officers' live-stream shops, each selling its village's produce.
BY_CODE = {
    "counter-jiangnan": Profile(1850, BULK_CORE, BULK_POOL, (1, 2), 0.85),
    "lianshan-5g": Profile(
        70,
        (("NJ-LS-01", 3.0), ("NJ-LS-04", 1.0), ("NJ-LS-03", 0.3), ("NJ-LS-05", 0.3)),
        demand="live",
    ),
    "kuaishou-shuixi": Profile(
        220,
        (("NJ-SX-01", 4.0), ("NJ-SX-02", 1.0), ("NJ-SX-03", 2.0), ("NJ-SX-05", 1.0)),
        price=0.9,
        demand="live",
    ),
    "kuaishou-lianzhang": Profile(
        90,
        (("NJ-DW-08", 3.0), ("NJ-DW-01", 2.0), ("NJ-DW-02", 0.5), ("NJ-HS-01", 0.1)),
        price=0.9,
        demand="live",
    ),
    "kuaishou-hetou": Profile(
        40,
        (("NJ-WZ-01", 2.0), ("NJ-WZ-02", 2.0), ("NJ-WZ-03", 0.2)),
        price=0.9,
        demand="live",
    ),
    "kuaishou-fengkeng": Profile(
        60,
        (("NJ-FK-01", 2.0), ("NJ-FK-02", 1.0), ("NJ-FK-04", 2.0)),
        price=0.9,
        demand="live",
    ),
    "kuaishou-hengchang": Profile(
        160,
        (("NJ-DW-04", 2.0), ("NJ-DW-05", 2.0), ("NJ-DW-03", 0.5)),
        price=0.9,
        demand="live",
    ),
    "kuaishou-yankou": Profile(
        70,
        (("NJ-DW-08", 2.0), ("NJ-WZ-01", 1.0), ("NJ-WZ-03", 0.1)),
        price=0.9,
        demand="live",
    ),
    "kuaishou-dawei": Profile(
        90,
        (("NJ-DW-07", 2.0), ("NJ-DW-08", 2.0), ("NJ-DW-03", 1.0), ("NJ-DW-02", 0.3)),
        price=0.9,
        demand="live",
    ),
    "kuaishou-lianzhou": Profile(
        120,
        (("NJ-LZ-01", 2.0), ("NJ-YS-04", 2.0), ("NJ-LS-01", 1.0)),
        price=0.9,
        demand="live",
    ),
}


def _d(month: int, day: int) -> datetime.date:
    return datetime.date(2020, month, day)


# How busy each kind of channel was, from each date on (1.0: a usual week).
DEMAND = {
    "canteen": (
        (_d(1, 1), 1.0),
        (_d(1, 24), 0.15),  # Spring Festival, then the epidemic
        (_d(2, 10), 0.45),  # work resumes, many from home
        (_d(3, 1), 0.8),
        (_d(4, 1), 0.95),
        (_d(5, 1), 1.0),
    ),
    "school": (
        (_d(1, 1), 1.0),
        (_d(1, 18), 0.0),  # winter holiday, then closed
        (_d(4, 27), 0.4),  # seniors back
        (_d(5, 11), 1.0),
    ),
    "steady": ((_d(1, 1), 1.0), (_d(1, 24), 0.8), (_d(2, 10), 1.0)),
    "shop": (
        (_d(1, 1), 1.1),
        (_d(1, 13), 1.3),  # festival shopping
        (_d(1, 24), 1.4),  # cooking at home
        (_d(2, 10), 1.2),
        (_d(4, 1), 1.0),
    ),
    "centre": (
        (_d(1, 1), 1.0),
        (_d(1, 24), 0.4),
        (_d(2, 10), 0.7),
        (_d(3, 1), 0.9),
        (_d(4, 1), 1.0),
        (_d(5, 1), 1.05),
    ),
    "live": (
        (_d(1, 1), 0.6),
        (_d(2, 1), 0.9),
        (_d(3, 1), 1.2),
        (_d(4, 1), 1.4),
        (_d(5, 1), 1.6),
        (_d(6, 1), 1.8),
    ),
    "card": ((_d(1, 1), 0.8), (_d(2, 1), 1.0), (_d(4, 1), 1.2), (_d(5, 1), 1.3)),
}
# Canteens whose name says so follow the school calendar; hospitals and army
# canteens kept cooking through the epidemic.
SCHOOL_WORDS = ("学",)
STEADY_WORDS = ("医院", "部营区")
