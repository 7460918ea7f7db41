from decimal import Decimal

from tests.factories import make_lot, stockrecord_for


def test_receiving_a_lot_derives_the_stockrecord(cooperative, product):
    make_lot(cooperative=cooperative, product=product, kg="102.5")
    record = stockrecord_for(cooperative=cooperative, product=product)
    assert record.num_in_stock == 20
    assert record.num_allocated == 0
    assert record.price == Decimal("100.00")
