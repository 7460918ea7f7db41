"""The demo catalogue's shape: product classes, the "3+X" category tree, and the
row type the product tables use.

The tree follows Qingyuan's "3+X" industry layout (field report): three leading
industries (清远鸡, 柑橘, 茶叶), the special ones, and a few other local produce.
Slugs are ASCII so catalogue URLs stay readable.
"""

from typing import NamedTuple

# slug, name: every class tracks stock (derived from lots) and ships.
PRODUCT_CLASSES = (
    ("poultry", "禽类"),
    ("fruit", "水果"),
    ("tea", "茶叶"),
    ("aquatic", "水产"),
    ("vegetables", "蔬菜"),
    ("grain", "粮油"),
    ("mushrooms", "食用菌"),
    ("other", "其他"),
)

# Full slug path, name; parents come before their children.
CATEGORIES = (
    ("leading", "主导产业"),
    ("leading/qingyuan-chicken", "清远鸡"),
    ("leading/citrus", "柑橘"),
    ("leading/tea", "茶叶"),
    ("special", "特色产业"),
    ("special/mandarin-fish", "桂花鱼"),
    ("special/sericulture", "蚕桑"),
    ("special/sericulture/mulberry-shoots", "桑芽菜"),
    ("special/bamboo-shoots", "竹笋"),
    ("special/bamboo-shoots/ma-bamboo", "麻竹笋"),
    ("special/lianzhou-choy-sum", "连州菜心"),
    ("special/crystal-pear", "水晶梨"),
    ("special/eagle-beak-peach", "鹰嘴桃"),
    ("special/organic-rice", "有机稻米"),
    ("special/mushrooms", "食用菌"),
    ("special/paddy-fish", "稻田鱼"),
    ("special/watercress", "西洋菜"),
    ("special/chinese-yam", "淮山"),
    ("more", "更多特产"),
    ("more/passion-fruit", "百香果"),
    ("more/bean-sprouts", "豆芽"),
    ("more/honey", "蜂蜜"),
    ("more/rice", "大米"),
    ("more/vegetables", "时令蔬菜"),
)

ISSUERS = {
    "province": "广东省扶贫开发办公室",
    "city": "清远市扶贫开发办公室",
}


class ProductRow(NamedTuple):
    upc: str  # natural key; also the stock record's partner SKU
    slug: str
    title: str
    product_class: str  # slug from PRODUCT_CLASSES
    category: str  # slug path from CATEGORIES
    cooperative: str  # CooperativeRow.key
    origin: str  # village name
    pack: tuple[str, str, str]  # unit of sale, net kg per unit, price in CNY
    keep: tuple[str, int, str]  # grade, shelf life in days, storage
    lot_kg: tuple[int, int]  # plausible harvest lot, kg (min, max)
    description: str
    issuer: str = "city"  # key of ISSUERS
    certificate_expired: bool = False
