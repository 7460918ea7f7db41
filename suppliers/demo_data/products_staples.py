"""Canteen-pack staples: the cheap, heavy produce that makes most of the tonnage
of the direct-supply channels.

The field report counts 770 t sold offline for 4.76 M yuan in H1 2020, about
6.2 yuan a kilogram: far below the retail packs of the other tables, so most of
those tonnes were rice and everyday vegetables bought by the sack and the crate
(canteens, the distribution centre, wholesale stalls). Prices are 2020 wholesale
prices, per unit of sale in CNY. Kept in their own table, after the others, so the
demo's draws for the other products stay as they were.
"""

from suppliers.demo_data.catalogue import ProductRow

PRODUCTS = (
    ProductRow(
        upc="NJ-LS-07",
        slug="simiao-rice-25kg-canteen",
        title="连山丝苗米 25 kg 食堂装",
        product_class="grain",
        category="more/rice",
        cooperative="LS",
        origin="南岗村",
        pack=("25 kg 袋", "25.000", "120.00"),
        keep=("standard", 365, "ambient"),
        lot_kg=(400, 1000),
        description=(
            "连山山区梯田种植的丝苗米，米粒细长、饭香软韧。25 kg 编织袋装，"
            "供机关、学校和医院饭堂按月备货，常温干燥处存放。"
        ),
    ),
    ProductRow(
        upc="NJ-DW-07",
        slug="wax-gourd-10kg-canteen",
        title="冬瓜 10 kg 食堂装",
        product_class="vegetables",
        category="more/vegetables",
        cooperative="DW",
        origin="大围村",
        pack=("10 kg 筐", "10.000", "26.00"),
        keep=("first", 60, "ambient"),
        lot_kg=(200, 800),
        description=(
            "大围村农户种植的黑皮冬瓜，肉厚耐储，煲汤、清炒皆宜。"
            "由村供销合作社统一收购、分拣，整筐配送饭堂。"
        ),
    ),
    ProductRow(
        upc="NJ-DW-08",
        slug="sweet-potato-10kg",
        title="番薯 10 kg 箱装",
        product_class="vegetables",
        category="more/vegetables",
        cooperative="DW",
        origin="连樟村",
        pack=("10 kg 箱", "10.000", "35.00"),
        keep=("first", 45, "ambient"),
        lot_kg=(200, 800),
        description=(
            "连樟村山坡地种植的红皮黄心番薯，粉糯香甜，可蒸、可煲粥。"
            "常温通风保存，避免挤压受潮。"
        ),
    ),
    ProductRow(
        upc="NJ-LZ-05",
        slug="white-radish-10kg-canteen",
        title="连州白萝卜 10 kg 食堂装",
        product_class="vegetables",
        category="more/vegetables",
        cooperative="LZ",
        origin="卫民村",
        pack=("10 kg 箱", "10.000", "24.00"),
        keep=("first", 20, "chilled"),
        lot_kg=(200, 800),
        description=(
            "连州冬春季节的白萝卜，皮薄肉脆、清甜少渣，焖煮、煲汤都合适。"
            "饭堂整箱装，收货后阴凉处或冷藏保存。"
        ),
    ),
    ProductRow(
        upc="NJ-SX-06",
        slug="shatang-mandarin-15kg-canteen",
        title="砂糖橘 15 kg 食堂装（统货）",
        product_class="fruit",
        category="leading/citrus",
        cooperative="SX",
        origin="水西村",
        pack=("15 kg 筐", "15.000", "60.00"),
        keep=("second", 20, "ambient"),
        lot_kg=(300, 900),
        description=(
            "水西村砂糖橘统货，大小果混装、不分级，皮薄汁多，"
            "适合饭堂和单位工会按筐采购。常温通风保存。"
        ),
    ),
)
