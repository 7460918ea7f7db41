"""Demo products of the three 英德市 cooperatives (万仔蚕桑, 横石塘英红茶, 大围村供销).

Prices are per unit of sale in CNY, in line with 2020s retail and canteen prices.
"""

from suppliers.demo_data.catalogue import ProductRow

PRODUCTS = (
    ProductRow(
        upc="NJ-WZ-01",
        slug="sangyacai-250g",
        title="桑芽菜（鲜）250 g 袋装",
        product_class="vegetables",
        category="special/sericulture/mulberry-shoots",
        cooperative="WZ",
        origin="河头村",
        pack=("250 g 袋", "0.250", "18.00"),
        keep=("premium", 5, "chilled"),
        lot_kg=(40, 150),
        issuer="province",
        description=(
            "英德市九龙镇河头村桑园采摘的嫩桑芽，清晨采收、当日预冷。"
            "口感清爽微甘，可清炒、煮汤或凉拌。合作社采用“专业合作社+农户”"
            "模式种植，每一笔货款都记到供货的建档立卡户。"
        ),
    ),
    ProductRow(
        upc="NJ-WZ-02",
        slug="sangyacai-1kg-canteen",
        title="桑芽菜（鲜）1 kg 食堂装",
        product_class="vegetables",
        category="special/sericulture/mulberry-shoots",
        cooperative="WZ",
        origin="河头村",
        pack=("1 kg 袋", "1.000", "62.00"),
        keep=("first", 5, "chilled"),
        lot_kg=(80, 300),
        description=(
            "面向机关、学校和医院饭堂的大包装桑芽菜，1 kg 一袋，方便按就餐人数"
            "备餐。冷链配送，收货后 0–4 °C 冷藏。"
        ),
    ),
    ProductRow(
        upc="NJ-WZ-03",
        slug="sangya-tea-100g",
        title="桑芽茶 100 g 罐装",
        product_class="tea",
        category="special/sericulture",
        cooperative="WZ",
        origin="岩口村",
        pack=("100 g 罐", "0.100", "58.00"),
        keep=("first", 540, "ambient"),
        lot_kg=(10, 40),
        description=(
            "以九龙镇桑园嫩芽为原料，经杀青、揉捻、烘干制成的代用茶，汤色黄绿、"
            "带清香，不含咖啡因。常温避光保存。"
        ),
    ),
    ProductRow(
        upc="NJ-WZ-04",
        slug="passion-fruit-2-5kg",
        title="百香果 2.5 kg 箱装",
        product_class="fruit",
        category="more/passion-fruit",
        cooperative="WZ",
        origin="河头村",
        pack=("2.5 kg 箱", "2.500", "39.00"),
        keep=("first", 14, "ambient"),
        lot_kg=(100, 400),
        description=(
            "河头村富民兴村产业种植的紫香百香果，果皮微皱时香气最浓，可冲饮、"
            "做果酱或甜品。常温通风保存。"
        ),
    ),
    ProductRow(
        upc="NJ-WZ-05",
        slug="passion-fruit-5kg-canteen",
        title="百香果 5 kg 食堂装",
        product_class="fruit",
        category="more/passion-fruit",
        cooperative="WZ",
        origin="河头村",
        pack=("5 kg 箱", "5.000", "72.00"),
        keep=("second", 14, "ambient"),
        lot_kg=(150, 500),
        description=(
            "二级百香果，果形大小不一、风味不减，适合饭堂制作饮品和甜点，价格更实惠。"
        ),
    ),
    ProductRow(
        upc="NJ-HS-01",
        slug="yingde-black-tea-yinghong9-250g",
        title="英德红茶·英红九号 250 g 罐装",
        product_class="tea",
        category="leading/tea",
        cooperative="HS",
        origin="龙华村",
        pack=("250 g 罐", "0.250", "168.00"),
        keep=("premium", 730, "ambient"),
        lot_kg=(15, 60),
        issuer="province",
        description=(
            "英德红茶代表品种英红九号，条索肥壮、金毫显露，汤色红艳明亮，香气"
            "高锐持久。横石塘镇茶园采制，密封罐装，常温干燥避光保存。"
        ),
    ),
    ProductRow(
        upc="NJ-HS-02",
        slug="yingde-black-tea-500g-canteen",
        title="英德红茶 500 g 食堂装",
        product_class="tea",
        category="leading/tea",
        cooperative="HS",
        origin="新联村",
        pack=("500 g 袋", "0.500", "238.00"),
        keep=("first", 730, "ambient"),
        lot_kg=(20, 80),
        description="一级英德红茶，铝箔袋大包装，适合单位接待和饭堂茶水供应。",
    ),
    ProductRow(
        upc="NJ-HS-03",
        slug="yingde-black-tea-golden-tips-100g",
        title="英德红茶·金毫 100 g 礼盒",
        product_class="tea",
        category="leading/tea",
        cooperative="HS",
        origin="鱼咀村",
        pack=("100 g 盒", "0.100", "128.00"),
        keep=("premium", 730, "ambient"),
        lot_kg=(10, 30),
        description=(
            "选用单芽制成的金毫红茶，甜香馥郁，由东华镇茶农手工采摘，适合作伴手礼。"
        ),
    ),
    ProductRow(
        upc="NJ-HS-04",
        slug="yingde-green-tea-250g",
        title="英德绿茶 250 g 袋装",
        product_class="tea",
        category="leading/tea",
        cooperative="HS",
        origin="大镇村",
        pack=("250 g 袋", "0.250", "88.00"),
        keep=("first", 365, "ambient"),
        lot_kg=(15, 50),
        description=(
            "英德山区云雾茶园的炒青绿茶，栗香明显、滋味鲜爽。开封后请密封冷藏。"
        ),
    ),
    ProductRow(
        upc="NJ-HS-05",
        slug="yingde-black-tea-bags-40",
        title="英德红茶袋泡茶 40 包",
        product_class="tea",
        category="leading/tea",
        cooperative="HS",
        origin="新联村",
        pack=("40 包盒", "0.100", "48.00"),
        keep=("standard", 540, "ambient"),
        lot_kg=(10, 40),
        description=("每包 2.5 g 的英德红茶碎茶，冲泡方便，适合会议室和办公室茶水间。"),
    ),
    ProductRow(
        upc="NJ-DW-01",
        slug="ma-bamboo-shoots-5kg",
        title="麻竹笋（鲜）5 kg 箱装",
        product_class="vegetables",
        category="special/bamboo-shoots/ma-bamboo",
        cooperative="DW",
        origin="连樟村",
        pack=("5 kg 箱", "5.000", "55.00"),
        keep=("first", 7, "chilled"),
        lot_kg=(150, 600),
        issuer="province",
        description=(
            "连江口镇连樟村山地种植的麻竹笋，笋肉厚实、清甜少渣。脱贫户承包"
            "荒山种笋，由大围村供销合作社统一收购、分级、预冷后发货。"
        ),
    ),
    ProductRow(
        upc="NJ-DW-02",
        slug="dried-ma-bamboo-shoots-500g",
        title="麻竹笋干 500 g 袋装",
        product_class="vegetables",
        category="special/bamboo-shoots/ma-bamboo",
        cooperative="DW",
        origin="连樟村",
        pack=("500 g 袋", "0.500", "48.00"),
        keep=("first", 365, "ambient"),
        lot_kg=(20, 80),
        description=(
            "鲜笋经蒸煮、晾晒制成的笋干，泡发后焖肉、炒腊味皆宜。常温干燥保存。"
        ),
    ),
    ProductRow(
        upc="NJ-DW-03",
        slug="sour-bamboo-shoots-1kg",
        title="酸笋 1 kg 袋装",
        product_class="vegetables",
        category="special/bamboo-shoots",
        cooperative="DW",
        origin="大围村",
        pack=("1 kg 袋", "1.000", "22.00"),
        keep=("standard", 60, "chilled"),
        lot_kg=(50, 200),
        description=(
            "大围村农家传统坛腌酸笋，酸香开胃，可做酸笋鱼、酸笋炒牛肉。开袋后冷藏。"
        ),
    ),
    ProductRow(
        upc="NJ-DW-04",
        slug="soybean-sprouts-5kg",
        title="黄豆芽 5 kg 箱装",
        product_class="vegetables",
        category="more/bean-sprouts",
        cooperative="DW",
        origin="恒昌村",
        pack=("5 kg 箱", "5.000", "30.00"),
        keep=("first", 3, "chilled"),
        lot_kg=(200, 800),
        description=(
            "黎溪镇恒昌村豆芽基地出品，山泉水培育，按供港标准生产。保质期短，"
            "请冷藏并尽快食用。"
        ),
    ),
    ProductRow(
        upc="NJ-DW-05",
        slug="mung-bean-sprouts-5kg",
        title="绿豆芽 5 kg 箱装",
        product_class="vegetables",
        category="more/bean-sprouts",
        cooperative="DW",
        origin="恒昌村",
        pack=("5 kg 箱", "5.000", "28.00"),
        keep=("first", 3, "chilled"),
        lot_kg=(200, 800),
        description="恒昌村供港标准绿豆芽，芽身洁白、脆嫩多汁，适合饭堂大锅快炒。",
    ),
    ProductRow(
        upc="NJ-DW-06",
        slug="wild-honey-500g",
        title="土蜂蜜 500 g 瓶装",
        product_class="other",
        category="more/honey",
        cooperative="DW",
        origin="大围村",
        pack=("500 g 瓶", "0.500", "88.00"),
        keep=("first", 730, "ambient"),
        lot_kg=(10, 60),
        certificate_expired=True,
        description=(
            "大围村山林散养中华蜂所产百花蜜，自然成熟、浓稠清香。常温保存，"
            "结晶属正常现象。"
        ),
    ),
)
