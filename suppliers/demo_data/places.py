"""Qingyuan's county-level divisions, and the towns and villages the demo uses.

County codes are the national administrative division codes (行政区划代码): a stable
natural key that archive numbers can be built from. Villages flagged ``True`` are
provincially designated poor villages (省定贫困村).
"""

from typing import NamedTuple


class VillageRow(NamedTuple):
    county: str  # county code
    town: str
    name: str
    designated_poor: bool


COUNTIES = (
    ("441802", "清城区"),
    ("441803", "清新区"),
    ("441821", "佛冈县"),
    ("441823", "阳山县"),
    ("441825", "连山壮族瑶族自治县"),
    ("441826", "连南瑶族自治县"),
    ("441881", "英德市"),
    ("441882", "连州市"),
)

VILLAGES = (
    # Named in the field report.
    VillageRow("441881", "连江口镇", "连樟村", True),
    VillageRow("441881", "九龙镇", "河头村", True),
    VillageRow("441881", "九龙镇", "岩口村", False),
    VillageRow("441881", "黎溪镇", "恒昌村", True),
    VillageRow("441881", "黎溪镇", "大围村", False),
    VillageRow("441803", "三坑镇", "枫坑村", True),
    VillageRow("441803", "石潭镇", "水西村", False),
    VillageRow("441821", "汤塘镇", "汤塘村", False),
    # The survey's towns (英德市东华镇、横石塘镇, 阳山县阳城镇); demo village names.
    VillageRow("441881", "横石塘镇", "龙华村", True),
    VillageRow("441881", "横石塘镇", "新联村", True),
    VillageRow("441881", "东华镇", "鱼咀村", True),
    VillageRow("441881", "东华镇", "大镇村", False),
    VillageRow("441823", "阳城镇", "大陂村", True),
    VillageRow("441823", "阳城镇", "水口村", True),
    VillageRow("441823", "七拱镇", "新圩村", False),
    # Other counties: demo village names in real towns.
    VillageRow("441802", "源潭镇", "青龙村", False),
    VillageRow("441803", "太平镇", "莲湖村", True),
    VillageRow("441821", "迳头镇", "井岗村", True),
    VillageRow("441882", "丰阳镇", "畔水村", True),
    VillageRow("441882", "东陂镇", "卫民村", True),
    VillageRow("441825", "禾洞镇", "禾洞村", True),
    VillageRow("441825", "太保镇", "欧家村", True),
    VillageRow("441826", "三排镇", "南岗村", True),
    VillageRow("441826", "大麦山镇", "上洞村", True),
)
