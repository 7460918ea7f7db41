"""Routes of the card-payment API, for ``shop.api.urls`` to add to /api/v1/:

    from payments.api.urls import urlpatterns as payments_urls
    urlpatterns = [..., *payments_urls]

A plain path rather than a router registration: the order's card payment sits
under the bulk-order routes that ``fulfilment.api`` registers.
"""

from django.urls import path

from payments.api.views import BulkOrderCardPaymentView

urlpatterns = [
    path(
        "bulk-orders/<str:number>/card-payment/",
        BulkOrderCardPaymentView.as_view(),
        name="bulk-order-card-payment",
    ),
]
