"""The demo cooperatives, where their member households live, and who manages them.

Villages are named by their (demo-unique) village name from ``places.VILLAGES``.
Registration codes imitate unified social credit codes of farmer cooperatives
("93" + county code + 10 characters, 18 in all) but are invented; contact names and
phone numbers (138-0000-xxxx) are invented too.
"""

from typing import NamedTuple


class CooperativeRow(NamedTuple):
    key: str  # short prefix for product UPCs and lot codes
    name: str
    registration_code: str
    village: str
    address: str
    contact_name: str
    contact_phone: str
    manager: str  # username of its demo manager
    # (village, number of households whose first cooperative this is)
    catchment: tuple[tuple[str, int], ...]
    # (village, percent of that village's households who also join this one)
    also_from: tuple[tuple[str, int], ...] = ()


COOPERATIVES = (
    CooperativeRow(
        key="WZ",
        name="英德市万仔蚕桑专业合作社",
        registration_code="93441881MA51WZ0017",
        village="河头村",
        address="英德市九龙镇河头村桑芽菜加工基地",
        contact_name="许志明",
        contact_phone="138-0000-0101",
        manager="manager",
        catchment=(("河头村", 45), ("岩口村", 15)),
        also_from=(("恒昌村", 35),),
    ),
    CooperativeRow(
        key="HS",
        name="英德市横石塘英红茶叶专业合作社",
        registration_code="93441881MA52HS0025",
        village="龙华村",
        address="英德市横石塘镇龙华村茶厂",
        contact_name="邓伟华",
        contact_phone="138-0000-0102",
        manager="manager2",
        catchment=(("龙华村", 20), ("新联村", 15), ("鱼咀村", 15), ("大镇村", 10)),
        also_from=(("连樟村", 40),),
    ),
    CooperativeRow(
        key="DW",
        name="英德市黎溪镇大围村供销合作社",
        registration_code="93441881MA53DW0033",
        village="大围村",
        address="英德市黎溪镇铁溪村委会大围村",
        contact_name="朱建新",
        contact_phone="138-0000-0103",
        manager="manager3",
        catchment=(("大围村", 12), ("恒昌村", 18), ("连樟村", 15)),
        also_from=(("岩口村", 40),),
    ),
    CooperativeRow(
        key="FK",
        name="清远市清新区枫坑清远鸡养殖专业合作社",
        registration_code="93441803MA54FK0041",
        village="枫坑村",
        address="清远市清新区三坑镇枫坑村大锅塘",
        contact_name="黄永康",
        contact_phone="138-0000-0104",
        manager="manager4",
        catchment=(("枫坑村", 20), ("青龙村", 10), ("汤塘村", 8), ("井岗村", 6)),
    ),
    CooperativeRow(
        key="SX",
        name="清远市清新区石潭水西柑橘专业合作社",
        registration_code="93441803MA55SX0058",
        village="水西村",
        address="清远市清新区石潭镇联滘村委会水西村",
        contact_name="刘德明",
        contact_phone="138-0000-0105",
        manager="manager5",
        catchment=(("水西村", 15), ("莲湖村", 10)),
        also_from=(("枫坑村", 35),),
    ),
    CooperativeRow(
        key="LZ",
        name="连州市丰阳连州菜心专业合作社",
        registration_code="93441882MA56LZ0066",
        village="畔水村",
        address="连州市丰阳镇畔水村菜心基地",
        contact_name="李国平",
        contact_phone="138-0000-0106",
        manager="manager6",
        catchment=(("畔水村", 15), ("卫民村", 10)),
    ),
    CooperativeRow(
        key="LS",
        name="连山壮族瑶族自治县禾洞有机稻米专业合作社",
        registration_code="93441825MA57LS0074",
        village="禾洞村",
        address="连山壮族瑶族自治县禾洞镇禾洞村（“云上连山”5G云店）",
        contact_name="莫光辉",
        contact_phone="138-0000-0107",
        manager="manager7",
        catchment=(("禾洞村", 15), ("欧家村", 8), ("南岗村", 10), ("上洞村", 6)),
    ),
    CooperativeRow(
        key="YS",
        name="阳山县阳城淮山专业合作社",
        registration_code="93441823MA58YS0082",
        village="大陂村",
        address="阳山县阳城镇大陂村",
        contact_name="梁少军",
        contact_phone="138-0000-0108",
        manager="manager8",
        catchment=(("大陂村", 10), ("水口村", 8), ("新圩村", 6)),
    ),
)
