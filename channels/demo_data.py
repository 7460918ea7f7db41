"""The demo's direct-supply channels (直供渠道).

The field report counts 77 channels for the 清远农家 brand in 2020: counters in
广百百货, 善待家 and 麦德龙 stores, Guangzhou institutional canteens, the Greater Bay
Area "vegetable basket" distribution centre in Qingyuan (in operation since
2019-12-30), the 连山 "5G cloud shop" (launched 2020-05-25), Kuaishou live-stream
shops of village news officers (乡村新闻官) and love-card (消费扶贫爱心卡) outlets.
The named operators and places are the report's; the individual stores, canteens,
shops and dates are plausible, not real contracts.

These 71 rows, the online store and the 5 demo canteens' own channels make the 77.
"""

import datetime
from typing import NamedTuple

from channels.models import ChannelKind

GUANGZHOU = "广州市"
QINGYUAN = "清远市"


class ChannelRow(NamedTuple):
    code: str
    name: str
    kind: str
    operator: str
    district: str
    opened_on: datetime.date
    city: str = GUANGZHOU


def _row(code, name, kind, operator, district, opened_on, city=GUANGZHOU):
    return ChannelRow(
        code,
        name,
        kind,
        operator,
        district,
        datetime.date.fromisoformat(opened_on),
        city,
    )


COUNTER = ChannelKind.COUNTER
CANTEEN = ChannelKind.CANTEEN
CENTRE = ChannelKind.DISTRIBUTION_CENTRE
ONLINE = ChannelKind.ONLINE
LIVE = ChannelKind.LIVE_STREAM
LOVE_CARD = ChannelKind.LOVE_CARD

GRANDBUY = "广百百货"
SHANDAIJIA = "善待家"
METRO = "麦德龙"
SUPPLY_COOP = "广州市供销合作总社"
NONGJIA = "清远农家"
LOVE_CARD_OFFICE = "清远市消费扶贫爱心卡服务中心"
NEWS_OFFICERS = "乡村新闻官"

# Two lines a row: code, name, kind; operator, district, opened on[, city].
# fmt: off
CHANNELS = (
    # 广百百货 (Grandbuy) counters
    _row("grandbuy-beijinglu", "广百百货北京路店清远农家专柜", COUNTER,
         GRANDBUY, "越秀区", "2019-06-18"),
    _row("grandbuy-zhongyi", "广百百货天河中怡店清远农家专柜", COUNTER,
         GRANDBUY, "天河区", "2019-06-18"),
    _row("grandbuy-haizhu", "广百百货海珠店清远农家专柜", COUNTER,
         GRANDBUY, "海珠区", "2019-07-01"),
    _row("grandbuy-panyu", "广百百货番禺店清远农家专柜", COUNTER,
         GRANDBUY, "番禺区", "2019-08-08"),
    _row("grandbuy-huadu", "广百百货花都店清远农家专柜", COUNTER,
         GRANDBUY, "花都区", "2019-09-20"),
    _row("grandbuy-zengcheng", "广百百货增城店清远农家专柜", COUNTER,
         GRANDBUY, "增城区", "2019-10-17"),
    _row("grandbuy-huangpu", "广百百货黄埔店清远农家专柜", COUNTER,
         GRANDBUY, "黄埔区", "2020-01-10"),
    # 善待家 counters
    _row("shandaijia-dongpu", "善待家东圃店清远农家专柜", COUNTER,
         SHANDAIJIA, "天河区", "2019-05-20"),
    _row("shandaijia-jiangyan", "善待家江燕路店清远农家专柜", COUNTER,
         SHANDAIJIA, "海珠区", "2019-05-20"),
    _row("shandaijia-dongfeng", "善待家东风东路店清远农家专柜", COUNTER,
         SHANDAIJIA, "越秀区", "2019-07-15"),
    _row("shandaijia-tonghe", "善待家同和店清远农家专柜", COUNTER,
         SHANDAIJIA, "白云区", "2019-09-09"),
    _row("shandaijia-fangcun", "善待家芳村店清远农家专柜", COUNTER,
         SHANDAIJIA, "荔湾区", "2019-11-11"),
    _row("shandaijia-shiqiao", "善待家市桥店清远农家专柜", COUNTER,
         SHANDAIJIA, "番禺区", "2020-03-02"),
    # 麦德龙 (Metro) counters
    _row("metro-tianhe", "麦德龙广州天河商场清远农家专柜", COUNTER,
         METRO, "天河区", "2019-04-26"),
    _row("metro-baiyun", "麦德龙广州白云商场清远农家专柜", COUNTER,
         METRO, "白云区", "2019-04-26"),
    _row("metro-panyu", "麦德龙广州番禺商场清远农家专柜", COUNTER,
         METRO, "番禺区", "2019-08-30"),
    _row("metro-huangpu", "麦德龙广州黄埔商场清远农家专柜", COUNTER,
         METRO, "黄埔区", "2019-12-12"),
    _row("metro-liwan", "麦德龙广州荔湾商场清远农家专柜", COUNTER,
         METRO, "荔湾区", "2020-04-18"),
    # other consumption-assistance counters (消费扶贫专柜)
    _row("counter-tianhe-gov", "天河区政务服务中心消费扶贫专柜", COUNTER,
         SUPPLY_COOP, "天河区", "2019-10-17"),
    _row("counter-yuexiu-gov", "越秀区政务服务中心消费扶贫专柜", COUNTER,
         SUPPLY_COOP, "越秀区", "2019-10-17"),
    _row("counter-haizhu-gov", "海珠区政务服务中心消费扶贫专柜", COUNTER,
         SUPPLY_COOP, "海珠区", "2019-11-05"),
    _row("counter-liwan-gov", "荔湾区政务服务中心消费扶贫专柜", COUNTER,
         SUPPLY_COOP, "荔湾区", "2019-11-05"),
    _row("counter-baiyun-gov", "白云区政务服务中心消费扶贫专柜", COUNTER,
         SUPPLY_COOP, "白云区", "2019-12-02"),
    _row("counter-nansha-gov", "南沙区政务服务中心消费扶贫专柜", COUNTER,
         SUPPLY_COOP, "南沙区", "2020-01-06"),
    _row("counter-conghua-gov", "从化区政务服务中心消费扶贫专柜", COUNTER,
         SUPPLY_COOP, "从化区", "2020-01-06"),
    _row("counter-chebei", "车陂社区生鲜店清远农家专柜", COUNTER,
         NONGJIA, "天河区", "2019-08-15"),
    _row("counter-gangding", "岗顶社区生鲜店清远农家专柜", COUNTER,
         NONGJIA, "天河区", "2019-09-01"),
    _row("counter-kecun", "客村社区生鲜店清远农家专柜", COUNTER,
         NONGJIA, "海珠区", "2019-09-25"),
    _row("counter-sanyuanli", "三元里社区生鲜店清远农家专柜", COUNTER,
         NONGJIA, "白云区", "2019-12-20"),
    _row("counter-dashi", "大石社区生鲜店清远农家专柜", COUNTER,
         NONGJIA, "番禺区", "2020-02-24"),
    _row("counter-xintang", "新塘社区生鲜店清远农家专柜", COUNTER,
         NONGJIA, "增城区", "2020-04-08"),
    _row("counter-jiangnan", "江南果菜批发市场清远扶贫农产品档口", COUNTER,
         NONGJIA, "白云区", "2019-05-06"),
    # the distribution centre (配送中心)
    _row("centre-qingyuan", "清远市农产品配送中心", CENTRE,
         "粤港澳大湾区“菜篮子”工程", "清城区", "2019-12-30", QINGYUAN),
    # online: the 连山 5G cloud shop
    _row("lianshan-5g", "“云上连山”5G云店", ONLINE,
         "“云上连山”数字平台", "连山壮族瑶族自治县", "2020-05-25", QINGYUAN),
    # Kuaishou live-stream shops of village news officers (乡村新闻官)
    _row("kuaishou-shuixi", "快手·水西初心农庄（明哥）", LIVE,
         NEWS_OFFICERS, "清新区", "2019-03-15", QINGYUAN),
    _row("kuaishou-lianzhang", "快手·连樟村乡村新闻官直播间", LIVE,
         NEWS_OFFICERS, "英德市", "2019-06-06", QINGYUAN),
    _row("kuaishou-hetou", "快手·河头村桑园直播间", LIVE,
         NEWS_OFFICERS, "英德市", "2019-07-20", QINGYUAN),
    _row("kuaishou-fengkeng", "快手·枫坑村乡村新闻官直播间", LIVE,
         NEWS_OFFICERS, "清新区", "2019-10-10", QINGYUAN),
    _row("kuaishou-hengchang", "快手·恒昌村豆芽基地直播间", LIVE,
         NEWS_OFFICERS, "英德市", "2020-02-18", QINGYUAN),
    _row("kuaishou-yankou", "快手·岩口村乡村新闻官直播间", LIVE,
         NEWS_OFFICERS, "英德市", "2020-03-26", QINGYUAN),
    _row("kuaishou-dawei", "快手·大围村一村四社直播间", LIVE,
         NEWS_OFFICERS, "英德市", "2020-04-22", QINGYUAN),
    _row("kuaishou-lianzhou", "快手·连州菜心乡村新闻官直播间", LIVE,
         NEWS_OFFICERS, "连州市", "2020-06-12", QINGYUAN),
    # love-card outlets (消费扶贫爱心卡)
    _row("lovecard-qingcheng", "消费扶贫爱心卡清城区网点", LOVE_CARD,
         LOVE_CARD_OFFICE, "清城区", "2020-01-16", QINGYUAN),
    _row("lovecard-qingxin", "消费扶贫爱心卡清新区网点", LOVE_CARD,
         LOVE_CARD_OFFICE, "清新区", "2020-01-16", QINGYUAN),
    _row("lovecard-yingde", "消费扶贫爱心卡英德市网点", LOVE_CARD,
         LOVE_CARD_OFFICE, "英德市", "2020-02-10", QINGYUAN),
    _row("lovecard-fogang", "消费扶贫爱心卡佛冈县网点", LOVE_CARD,
         LOVE_CARD_OFFICE, "佛冈县", "2020-02-10", QINGYUAN),
    _row("lovecard-tianhe", "消费扶贫爱心卡天河区网点", LOVE_CARD,
         LOVE_CARD_OFFICE, "天河区", "2020-03-16"),
    _row("lovecard-yuexiu", "消费扶贫爱心卡越秀区网点", LOVE_CARD,
         LOVE_CARD_OFFICE, "越秀区", "2020-03-16"),
    _row("lovecard-haizhu", "消费扶贫爱心卡海珠区网点", LOVE_CARD,
         LOVE_CARD_OFFICE, "海珠区", "2020-04-01"),
    _row("lovecard-huangpu", "消费扶贫爱心卡黄埔区网点", LOVE_CARD,
         LOVE_CARD_OFFICE, "黄埔区", "2020-05-11"),
    # institutional canteens with no demo organisation (their sales are
    # reported, not ordered here)
    _row("canteen-yuexiu-agency", "越秀区机关事务管理局食堂", CANTEEN,
         "越秀区机关事务管理局", "越秀区", "2019-04-01"),
    _row("canteen-liwan-agency", "荔湾区机关事务管理局食堂", CANTEEN,
         "荔湾区机关事务管理局", "荔湾区", "2019-04-01"),
    _row("canteen-haizhu-agency", "海珠区机关事务管理局食堂", CANTEEN,
         "海珠区机关事务管理局", "海珠区", "2019-05-06"),
    _row("canteen-baiyun-agency", "白云区机关事务管理局食堂", CANTEEN,
         "白云区机关事务管理局", "白云区", "2019-05-06"),
    _row("canteen-huangpu-agency", "黄埔区机关事务管理局食堂", CANTEEN,
         "黄埔区机关事务管理局", "黄埔区", "2019-06-03"),
    _row("canteen-panyu-agency", "番禺区机关事务管理局食堂", CANTEEN,
         "番禺区机关事务管理局", "番禺区", "2019-06-03"),
    _row("canteen-huadu-agency", "花都区机关事务管理局食堂", CANTEEN,
         "花都区机关事务管理局", "花都区", "2019-07-01"),
    _row("canteen-nansha-agency", "南沙区机关事务管理局食堂", CANTEEN,
         "南沙区机关事务管理局", "南沙区", "2019-07-01"),
    _row("canteen-conghua-agency", "从化区机关事务管理局食堂", CANTEEN,
         "从化区机关事务管理局", "从化区", "2019-08-05"),
    _row("canteen-zengcheng-agency", "增城区机关事务管理局食堂", CANTEEN,
         "增城区机关事务管理局", "增城区", "2019-08-05"),
    _row("canteen-city-hall", "广州市机关第一食堂", CANTEEN,
         "广州市机关事务管理局", "越秀区", "2019-03-18"),
    _row("canteen-bus-group", "广州某公交集团员工食堂", CANTEEN,
         "广州某公交集团", "荔湾区", "2019-09-02"),
    _row("canteen-power-supply", "广州某供电局员工食堂", CANTEEN,
         "广州某供电局", "天河区", "2019-10-08"),
    _row("canteen-water-group", "广州某水务集团员工食堂", CANTEEN,
         "广州某水务集团", "越秀区", "2019-11-04"),
    _row("canteen-university-a", "广州某大学第一学生食堂", CANTEEN,
         "广州某大学", "番禺区", "2019-09-02"),
    _row("canteen-university-b", "广州某大学五山校区食堂", CANTEEN,
         "广州某大学", "天河区", "2019-09-02"),
    _row("canteen-middle-school", "黄埔区某中学食堂", CANTEEN,
         "黄埔区某中学", "黄埔区", "2020-05-11"),
    _row("canteen-hospital-tianhe", "天河区某医院职工食堂", CANTEEN,
         "天河区某医院", "天河区", "2019-12-02"),
    _row("canteen-hospital-haizhu", "海珠区某医院职工食堂", CANTEEN,
         "海珠区某医院", "海珠区", "2020-02-17"),
    _row("canteen-army-huangpu", "黄埔区某部营区食堂", CANTEEN,
         "黄埔区某部", "黄埔区", "2020-03-09"),
    _row("canteen-army-zengcheng", "增城区某部营区食堂", CANTEEN,
         "增城区某部", "增城区", "2020-06-01"),
)
# fmt: on
