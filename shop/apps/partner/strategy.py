"""The partner strategy: which cooperative's stock to sell, at what price, and whether.

- Stock record: the cooperative with the most units on hand among those that have any
  (ties: lowest price, then id), so one buyer's basket does not drain a small
  cooperative first. Routing of bulk orders has its own policy (fulfilment).
- Availability: only certified poverty-area produce with stock; an expired or missing
  poverty-product certificate makes the product unavailable and says why.
- Price: the stock record's CNY price; agricultural produce sold by farmer
  cooperatives is VAT-exempt, so tax is zero.
"""

from oscar.apps.partner import availability
from oscar.apps.partner.strategy import NoTax, StockRequired, Structured
from oscar.apps.partner.strategy import Selector as CoreSelector

from shop.apps.catalogue.models import CertificateStatus


class NotCertified(availability.Unavailable):
    code = "not-certified"

    def __init__(self, status: str, valid_until=None):
        self.status = status
        if status == CertificateStatus.EXPIRED:
            self.message = CertificateStatus.EXPIRED.label
        else:
            self.message = CertificateStatus.NONE.label
        self.valid_until = valid_until


class MostStockFirst:
    def select_stockrecord(self, product):
        # Iterate the (usually prefetched) stockrecords in Python: no extra query.
        records = [r for r in product.stockrecords.all() if r.price is not None]
        if not records:
            return None
        return max(records, key=lambda r: (r.net_stock_level, -r.price, -r.pk))


class CertifiedStockRequired(StockRequired):
    def availability_policy(self, product, stockrecord):
        status = product.certificate_status()
        if status != CertificateStatus.VALID:
            return NotCertified(status, product.certificate_valid_until)
        return super().availability_policy(product, stockrecord)


class Nongjia(MostStockFirst, CertifiedStockRequired, NoTax, Structured):
    pass


class Selector(CoreSelector):
    def strategy(self, request=None, user=None, **kwargs):
        return Nongjia(request)
