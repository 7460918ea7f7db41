"""The permission matrix: what each role gets from every API endpoint and every
role page, and the world ``test_permission_matrix.py`` asks them in.

Roles: the anonymous visitor, a canteen's buyer and approver, a cooperative's
manager, an official and platform staff. The world has two canteens and two
cooperatives (sides A and B), each with its buyer, approver and manager. A route
that names one of A's objects (an order, a lot, an invoice...) is asked twice for
those three roles: by A's user (``own``) and by B's (``others``). Everything else
is asked once, by A's user.

How to read ``MATRIX``: a line starting with ``/`` opens a section (the routes
below are relative to it, ``.`` is the section itself); ``= ...`` after it gives
the section's default answers, used by rows that give none. A row is the methods,
the route and one answer per role, in the order of ``ROLES``. ``{name}`` in a
route is an object of the world (``World.values``). Answers:

- ``o`` ok: the request reached the view's work: 2xx, a redirect that is not to a
  login page, or, for the empty bodies sent, 400 (409, 415, 422: the API's state,
  media type and idempotency refusals, which come after its permission checks);
- ``-`` denied: 401 or 403, or a redirect to a login page;
- ``h`` hidden: 404, the object is not among those the user may see.

For an object of A's, the buyer, approver and manager columns take two letters,
``own`` then ``others`` (one letter: the same for both).

Adding an endpoint: add its row (the test fails, naming the route, until there
is one), with the answers the domain wants; if it names a new kind of object,
add that object to ``build_world`` and its name to ``World.values`` (and to
``OWNED`` when it belongs to a canteen, a cooperative or a user).
"""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.flatpages.models import FlatPage
from django.contrib.sites.models import Site
from django.test import Client
from django.utils import timezone
from oscar.test.factories import (
    AttributeOptionGroupFactory,
    ConditionalOfferFactory,
    OptionFactory,
    OrderFactory,
    PartnerFactory,
    ProductAlertFactory,
    ProductReviewFactory,
    RangeFactory,
    ShippingAddressFactory,
    VoucherFactory,
    VoucherSetFactory,
)
from rest_framework.authtoken.models import Token

from billing.services import record_bank_payment
from canteens.services import set_procurement_plan
from fulfilment.models import Allocation, ReceiptLine
from fulfilment.standing import save_standing_order
from fulfilment.validation import LineInput
from ledger.counter_sales import CounterSaleInput, record_counter_sales
from lovecards.models import LoveCard
from lovecards.services import issue_batch
from payments.models import Payment, PaymentStatus
from reports.export_runs import run_export
from reports.exports import start_export
from settlement.services import issue_statements
from suppliers.models import StockMovement
from tests.factories import (
    ProductFactory,
    UserFactory,
    make_canteen,
    make_cooperative,
    make_household,
    make_lot,
    make_official,
    make_staff,
)
from tests.integration.billing_helpers import open_account, received_order
from tests.integration.bulk import place
from tests.integration.settlement_setup import counter_channel, period, sell

D = Decimal

ROLES = ("anonymous", "buyer", "approver", "manager", "official", "staff")
PAIRED = ("buyer", "approver", "manager")  # a user on each side
OK, DENIED, HIDDEN = "ok", "denied", "hidden"
ANSWERS = {"o": OK, "-": DENIED, "h": HIDDEN}

# Objects that belong to a canteen, a cooperative or a user: routes naming one are
# asked by A's user and by B's.
OWNED = {
    "account",
    "allocation",
    "bank_payment",
    "canteen",
    "cooperative",
    "export",
    "household",
    "invoice",
    "lot",
    "movement",
    "order",
    "plan",
    "receipt_line",
    "standing",
    "statement",
}

# Bodies for the few pages that look their object up from the form (everything
# else gets an empty body).
BODIES = {
    "/canteen/progress/plan/": {"organisation": "{canteen}"},
    # Oscar's offer page answers nothing (a 500) to a POST without an action.
    "/dashboard/offers/{offer}/": {"suspend": "1"},
    # Oscar's category form, sent without a slug, fails to draw its page again.
    "/dashboard/catalogue/categories/{category}/update/": {"slug": "matrix"},
}

MATRIX = """
# methods  route                                 answers, in the order of ROLES

/api/v1/
GET        .                                       -   o   o   o   o   o
GET        products/                               -   o   o   o   o   o
GET        products/{product}/                     -   o   o   o   o   o
GET        villages/                               -   o   o   o   o   o
GET        villages/{village}/                     -   o   o   o   o   o
GET        availability/                           -   o   o   o   o   o
GET        procurement-progress/                   -   o   o   o   o   o

/api/v1/cooperatives/
GET        .                                       -   o   o   o   o   o
GET        {cooperative}/                          -   o   o   o   o   o
PATCH      {cooperative}/                          -   -   -   oh  -   o

/api/v1/households/
GET        .                                       -   o   o   o   o   o
POST       .                                       -   -   -   o   -   o
GET        {household}/                            -   h   h   oh  o   o
PATCH      {household}/                            -   -   -   oh  -   o
POST       {household}/status/                     -   -   -   oh  -   o

/api/v1/lots/
GET        .                                       -   o   o   o   o   o
POST       .                                       -   -   -   o   -   o
POST       import/                                 -   -   -   o   -   o
GET        {lot}/                                  -   h   h   oh  o   o
POST       {lot}/adjust/                           -   -   -   oh  -   o
POST       {lot}/write-off/                        -   -   -   oh  -   o

/api/v1/stock-movements/
GET        .                                       -   o   o   o   o   o
GET        {movement}/                             -   h   h   oh  o   o

/api/v1/bulk-orders/
GET        .                                       -   o   o   o   o   o
POST       .                                       -   o   -   -   -   -
GET        {order}/                                -   oh  oh  h   h   o
POST       {order}/cancel/                         -   oh  -   -   -   -
POST       {order}/confirm/                        -   oh  -   -   -   -
POST       {order}/receipt/                        -   oh  -   -   -   -
POST       {order}/save-as-standing/               -   oh  -   -   -   -
POST       {order}/approve/                        -   -   oh  -   -   -
POST       {order}/decline/                        -   -   oh  -   -   -
POST       {order}/deliver/                        -   -   -   -   -   o
POST       {order}/card-payment/                   -   oh  -   -   -   -

/api/v1/standing-orders/
GET        .                                       -   o   o   o   o   o
POST       .                                       -   o   -   -   -   -
GET        {standing}/                             -   oh  oh  h   h   o
POST       {standing}/deactivate/                  -   oh  -   -   -   -

/api/v1/allocations/
GET        .                                       -   o   o   o   o   o
GET        {allocation}/                           -   h   h   oh  h   o
POST       {allocation}/accept/                    -   -   -   oh  -   o
POST       {allocation}/reject/                    -   -   -   oh  -   o
POST       {allocation}/ship/                      -   -   -   oh  -   o

/api/v1/procurement-plans/
GET        .                                       -   o   o   o   o   o
POST       .                                       -   -   o   -   -   o

/api/v1/channels/
GET        .                                       -   o   o   o   o   o
POST       .                                       -   -   -   -   -   o
GET        {channel}/                              -   o   o   o   o   o
PATCH      {channel}/                              -   -   -   -   -   o
POST       {channel}/close/                        -   -   -   -   -   o
POST       {channel}/reopen/                       -   -   -   -   -   o

/api/v1/counter-sales/
GET        .                                       -   -   -   -   o   o
POST       .                                       -   -   -   -   -   o
POST       upload/                                 -   -   -   -   -   o
GET        {batch}/                                -   -   -   -   o   o
POST       {batch}/withdraw/                       -   -   -   -   -   o

/api/v1/reports/
GET        .                                       -   o   o   o   o   o
GET        headline/                               -   o   o   o   o   o
GET        entries/                                -   o   o   o   o   o
GET        {grouping}/                             -   o   o   o   o   o
GET        households-at-risk/                     -   -   -   o   o   o

/api/v1/report-exports/
GET        .                                       -   o   o   o   o   o
POST       .                                       -   o   o   o   o   o
GET        {export}/                               -   oh  oh  oh  o   o
GET        {export}/download/                      -   oh  oh  oh  o   o

/api/v1/settlement-statements/
GET        .                                       -   o   o   o   o   o
GET        {statement}/                            -   h   h   oh  o   o

/api/v1/canteen-accounts/
GET        .                                       -   o   o   o   o   o
GET        {account}/                              -   oh  oh  h   h   o
GET        {account}/statement/                    -   oh  oh  h   h   o

/api/v1/invoices/
GET        .                                       -   o   o   o   o   o
GET        {invoice}/                              -   oh  oh  h   h   o
GET        {invoice}/pdf/                          -   oh  oh  h   h   o

/api/v1/bank-payments/
GET        .                                       -   o   o   o   o   o
POST       .                                       -   -   -   -   -   o
GET        {bank_payment}/                         -   oh  oh  h   h   o

# --- the store's canteen pages -----------------------------------------------------

/canteen/
GET        order/upload/template.csv               o   o   o   o   o   o
GET,POST   order/                                  -   o   -   -   -   -
GET,POST   order/upload/                           -   o   -   -   -   -
GET        availability/                           -   o   -   -   -   -
GET        orders/                                 -   o   o   -   -   o
GET        orders/{order}/                         -   oh  oh  -   -   o
POST       orders/{order}/cancel/                  -   oh  -h  -   -   -
POST       orders/{order}/confirm/                 -   oh  -h  -   -   -
GET,POST   orders/{order}/receipt/                 -   oh  -h  -   -   -
POST       orders/{order}/save-as-weekly/          -   oh  -h  -   -   -
POST       orders/{order}/approve/                 -   -h  oh  -   -   -
POST       orders/{order}/decline/                 -   -h  oh  -   -   -
GET        standing/                               -   o   o   -   -   o
POST       standing/{standing}/stop/               -   oh  -h  -   -   -
GET        progress/                               -   o   o   -   -   o
POST       progress/plan/                          -   -h  oh  -   -   o
GET        account/                                -   o   o   -   -   o
GET        account/{account}/statement/            -   oh  oh  -   -   o
GET        account/invoices/{invoice}.pdf          -   oh  oh  h   h   o

/payments/canteen/
GET        {order}/                                -   oh  oh  h   h   o
POST       {order}/                                -   oh  -h  h   h   -

# --- reports -------------------------------------------------------------------------

/reports/
GET        .                                       -   o   o   o   o   o
GET        entries/                                -   o   o   o   o   o
GET        sales/{grouping}/                       -   o   o   o   o   o
GET        households-at-risk/                     -   -   -   o   o   o
GET        canteens/                               -   -   -   -   o   o

/reports/exports/
GET        .                                       -   o   o   o   o   o
POST       start/                                  -   o   o   o   o   o
GET        {export}/                               -   oh  oh  oh  o   o
GET        {export}/status/                        -   oh  oh  oh  o   o
GET        {export}/download/                      -   oh  oh  oh  o   o

/reports/settlement/
GET        .                                       -   -   -   -   o   o
GET        statements/{statement}.pdf              -   h   h   oh  o   o
GET        statements/{statement}.xlsx             -   h   h   oh  o   o

# --- the dashboard: cooperative managers' pages, scoped to their cooperative ---------

/dashboard/
GET        .                                       -   -   -   o   -   o

/dashboard/supply/
GET        lots/                                   -   -   -   o   -   o
GET,POST   lots/new/                               -   -   -   o   -   o
GET,POST   lots/import/                            -   -   -   o   -   o
GET        lots/{lot}/                             -   -   -   oh  -   o
POST       lots/{lot}/adjust/                      -   -   -   oh  -   o
POST       lots/{lot}/write-off/                   -   -   -   oh  -   o
GET        households/                             -   -   -   o   -   o
GET,POST   households/new/                         -   -   -   o   -   o
GET,POST   households/{household}/                 -   -   -   oh  -   o
GET        movements/                              -   -   -   o   -   o

/dashboard/fulfilment/
GET        allocations/                            -   -   -   o   -   o
GET        allocations/{allocation}/               -   -   -   oh  -   o
POST       allocations/{allocation}/accept/        -   -   -   oh  -   o
POST       allocations/{allocation}/reject/        -   -   -   oh  -   o
POST       allocations/{allocation}/ship/          -   -   -   oh  -   o
GET        deliveries/{day}/pick-lists/{cooperative}/  -  -  -  oh  -  o
GET        orders/{order}/                         -   -   -   -   -   o
POST       orders/{order}/deliver/                 -   -   -   -   -   o
POST       receipt-lines/{receipt_line}/decide/    -   -   -   -   -   o
GET        deliveries/                             -   -   -   -   -   o
GET        deliveries/{day}/                       -   -   -   -   -   o
GET        deliveries/{day}/consolidation/         -   -   -   -   -   o
GET        deliveries/{day}/delivery-notes/{canteen}/  -  -  -  -  -  o

/dashboard/settlement/
GET        .                                       -   -   -   o   -   o
GET        statements/{statement}/                 -   -   -   oh  -   o
POST       statements/{statement}/payments/        -   -   -   oh  -   o
POST       statements/{statement}/payout/          -   -   -   -   -   o
GET        periods/                                -   -   -   -   -   o
POST       periods/open/                           -   -   -   -   -   o
POST       periods/{period}/issue/                 -   -   -   -   -   o

# --- the dashboard: staff only ---------------------------------------------------

/dashboard/canteen-accounts/                    =  -   -   -   -   -   o
GET        .
POST       open/
GET        {account}/
POST       {account}/terms/
POST       {account}/payments/
POST       {account}/credit-notes/
GET        {account}/statement/
GET        invoices/{invoice}.pdf

/payments/dashboard/                            =  -   -   -   -   -   o
GET        .
GET        {payment}/
POST       {payment}/refund/

/dashboard/channels/                            =  -   -   -   -   -   o
GET        .
GET,POST   new/
GET,POST   {channel}/
GET,POST   {channel}/close/
POST       {channel}/reopen/

/dashboard/sales/                               =  -   -   -   -   -   o
GET        .
GET,POST   upload/
GET        template.csv
GET        {batch}/
GET,POST   {batch}/withdraw/

/dashboard/lovecards/                           =  -   -   -   -   -   o
GET        .
GET,POST   issue/
GET        batches/{card_batch}/
GET        batches/{card_batch}/cards.csv
GET        cards/
GET        cards/{card}/
POST       cards/{card}/unlock/
POST       cards/{card}/cancel/

# Oscar's own dashboard apps: staff only.

/dashboard/catalogue/                           =  -   -   -   -   -   o
GET,POST   .
GET,POST   products/bulk-action/
GET,POST   products/create/
GET,POST   products/create/{product_class_slug}/
GET,POST   products/{product}/
GET,POST   products/{spare_product}/
GET,POST   products/{spare_product}/create-variant/
GET,POST   products/{spare_product}/delete/
GET        stock-alerts/
GET        product-lookup/
GET,POST   categories/
GET,POST   categories/create/
GET,POST   categories/create/{category}/
GET,POST   categories/{category}/
GET,POST   categories/{category}/update/
GET,POST   categories/{category}/delete/
GET        product-types/
GET,POST   product-type/create/
GET,POST   product-type/{product_class}/update/
GET,POST   product-type/{product_class}/delete/
GET        attribute-option-group/
GET,POST   attribute-option-group/create/
GET,POST   attribute-option-group/{option_group}/update/
GET,POST   attribute-option-group/{option_group}/delete/
GET        option/
GET,POST   option/create/
GET,POST   option/{option}/update/
GET,POST   option/{option}/delete/

/dashboard/orders/                              =  -   -   -   -   -   o
GET,POST   .
GET,POST   statistics/
GET,POST   {oscar_order}/
GET,POST   {oscar_order}/notes/{note}/
GET        {oscar_order}/lines/{line}/
GET,POST   {store_order}/shipping-address/

/dashboard/                                     =  -   -   -   -   -   o
GET        reports/
GET,POST   users/
GET        users/{user}/
POST       users/{user}/password-reset/
GET        users/alerts/
GET,POST   users/alerts/{alert}/update/
GET,POST   users/alerts/{alert}/delete/
GET        pages/
GET,POST   pages/create/
GET,POST   pages/update/{flatpage}/
GET,POST   pages/delete/{flatpage}/
GET        partners/
GET,POST   partners/create/
GET,POST   partners/{partner}/
GET,POST   partners/{partner}/delete/
GET,POST   partners/{partner}/users/add/
GET        partners/{partner}/users/select/
GET,POST   partners/{partner}/users/{partner_user}/link/
POST       partners/{partner}/users/{partner_user}/unlink/
GET,POST   partners/{partner}/users/{partner_user}/update/
GET        comms/
GET,POST   comms/{comms}/

/dashboard/offers/                              =  -   -   -   -   -   o
GET        .
GET,POST   new/metadata/
GET,POST   new/condition/
GET,POST   new/incentive/
GET,POST   new/restrictions/
GET,POST   {offer}/
GET,POST   {offer}/metadata/
GET,POST   {offer}/condition/
GET,POST   {offer}/incentive/
GET,POST   {offer}/restrictions/
GET,POST   {offer}/delete/

/dashboard/ranges/                              =  -   -   -   -   -   o
GET        .
GET,POST   create/
GET,POST   {range}/
GET,POST   {range}/delete/
GET,POST   {range}/products/
POST       {range}/reorder/

/dashboard/reviews/                             =  -   -   -   -   -   o
GET,POST   .
GET,POST   {review}/
GET,POST   {review}/delete/

/dashboard/vouchers/                            =  -   -   -   -   -   o
GET        .
GET,POST   create/
GET,POST   update/{voucher}/
GET,POST   delete/{voucher}/
GET        stats/{voucher}/
GET        sets/
GET,POST   sets/create/
GET,POST   sets/update/{voucher_set}/
GET        sets/detail/{voucher_set}/
GET        sets/download/{voucher_set}/
GET,POST   sets/delete/{voucher_set}/

/dashboard/shipping/weight-based/               =  -   -   -   -   -   o
GET        .
GET,POST   create/
GET,POST   {shipping}/
GET,POST   {shipping}/edit/
GET,POST   {shipping}/delete/
GET,POST   {shipping}/bands/{band}/
GET,POST   {shipping}/bands/{band}/delete/

/dashboard/audit/                               =  -   -   -   -   -   o
GET        .

/api/v1/audit-entries/                          =  -   -   -   -   -   o
GET        .
GET        {audit_entry}/

# Django's admin: every page is wrapped in AdminSite.admin_view (active staff
# only); its index stands for the rest (see OUT_OF_SCOPE).
/admin/
GET        .                                       -   -   -   -   -   o
"""

# The API's lists of owned objects: whether A's object is among the results
# (``o`` listed, ``h`` left out; ``-`` denied), so a list cannot leak what the
# object's own route hides.
LISTS = """
# list                            object            answers, in the order of ROLES
/api/v1/bulk-orders/              {order}           -   oh  oh  h   h   o
/api/v1/standing-orders/          {standing}        -   oh  oh  h   h   o
/api/v1/allocations/              {allocation}      -   h   h   oh  h   o
/api/v1/lots/                     {lot}             -   h   h   oh  o   o
/api/v1/households/               {household}       -   h   h   oh  o   o
/api/v1/stock-movements/          {movement}        -   h   h   oh  o   o
/api/v1/settlement-statements/    {statement}       -   h   h   oh  o   o
/api/v1/canteen-accounts/         {account}         -   oh  oh  h   h   o
/api/v1/invoices/                 {invoice}         -   oh  oh  h   h   o
/api/v1/bank-payments/            {bank_payment}    -   oh  oh  h   h   o
/api/v1/procurement-plans/        {plan}            -   oh  oh  h   o   o
/api/v1/report-exports/           {export}          -   oh  oh  oh  o   o
"""

# Routes the matrix leaves out, by prefix (or exact path), each with its reason.
OUT_OF_SCOPE = {
    "/": "the store's home: a redirect to the catalogue",
    "/healthz": "liveness probe, public on purpose",
    "/readyz": "readiness probe, public on purpose",
    "/i18n/": "the language switch, public",
    "/admin/": "Django's admin: AdminSite.admin_view lets in active staff only; "
    "its index is in the matrix",
    "/api/schema/": "the OpenAPI schema, public documentation",
    "/api/docs/": "Swagger UI, public documentation",
    "/api/v1/auth/token/": "where API clients sign in",
    "/payments/stripe/webhook/": "Stripe's webhook: authenticated by its signature",
    "/lovecard/": "the card holder's balance: the card's number and PIN are the "
    "credential (locked after wrong PINs)",
    "/dashboard/login/": "the dashboard's sign-in page",
    "/dashboard/logout/": "signing out",
    "/catalogue/": "the public store",
    "/search/": "the public store",
    "/offers/": "the public store",
    "/basket/": "the store: the visitor's own basket (Oscar)",
    "/checkout/": "the store: the visitor's own basket (Oscar)",
    "/accounts/": "the shopper's own account pages (Oscar scopes them to the user)",
    "/wishlists/": "shared wish lists: the unguessable key is the credential (Oscar)",
    "/password-reset/": "password reset by e-mail",
}


@dataclass(frozen=True)
class Entry:
    """One method of one route, and the answer each role's user should get."""

    method: str
    route: str  # with object names: /api/v1/lots/{lot}/
    answers: dict  # role -> (own, others)

    @property
    def owned(self) -> bool:
        names = set(re.findall(r"{(\w+)}", self.route + str(BODIES.get(self.route))))
        return bool(names & OWNED)

    @property
    def api(self) -> bool:
        return self.route.startswith("/api/")


def shape(route: str) -> str:
    """The route with its parameters unnamed, as the URL resolver's are."""
    return re.sub(r"{\w+}", "{}", route)


def _answers(cells: list[str], route: str) -> dict:
    if len(cells) != len(ROLES):
        raise ValueError(f"{route}: {len(ROLES)} answers expected, got {cells}")
    answers = {}
    for role, cell in zip(ROLES, cells, strict=True):
        if len(cell) not in (1, 2) or set(cell) - set(ANSWERS):
            raise ValueError(f"{route}: {role}: {cell!r} is not an answer")
        if len(cell) == 2 and role not in PAIRED:
            raise ValueError(f"{route}: {role} has no own/others pair")
        own, others = cell[0], cell[-1]
        answers[role] = (ANSWERS[own], ANSWERS[others])
    return answers


def parse(text: str) -> list[Entry]:
    entries, section, default = [], None, None
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("/"):
            section, _, cells = line.partition("=")
            section = section.strip()
            default = cells.split() or None
            continue
        methods, path, *cells = line.split()
        route = section if path == "." else section + path
        answers = _answers(cells or default or [], route)
        entries.extend(Entry(m, route, answers) for m in methods.split(","))
    return entries


ENTRIES = parse(MATRIX)


@dataclass(frozen=True)
class Listing:
    """A list route, the object of A's it may or may not list, and the answers."""

    route: str
    item: str  # {order}
    answers: dict

    def __str__(self):
        return f"GET {self.route} lists {self.item}"


def parse_lists(text: str) -> list[Listing]:
    listings = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            route, item, *cells = line.split()
            listings.append(Listing(route, item, _answers(cells, route)))
    return listings


LISTINGS = parse_lists(LISTS)


# --- the world ------------------------------------------------------------------------


def asker(role: str, side: str) -> str | None:
    """The world's user who asks: A's for ``own``, B's for ``others``."""
    if role == "anonymous":
        return None
    if role in PAIRED:
        return f"{role}_{'a' if side == 'own' else 'b'}"
    return role


@dataclass
class World:
    """The users (``buyer_a``, ``buyer_b``, ..., ``official``, ``staff``), the value
    of each object name for URLs (A's object for owned ones), and each user's
    export (exports are the user's own)."""

    users: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)
    exports: dict = field(default_factory=dict)
    sessions: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)

    def url(self, route: str, role: str) -> str:
        return route.format_map(self._values(role))

    def body(self, route: str, role: str) -> dict:
        values = self._values(role)
        return {k: v.format_map(values) for k, v in BODIES.get(route, {}).items()}

    def _values(self, role: str) -> dict:
        export = self.exports.get(asker(role, "own"), self.exports["official"])
        return {**self.values, "export": export}


def _staff_and_officials():
    staff = make_staff(username="pm_staff", is_superuser=True)  # as the demo's
    return staff, make_official(username="pm_official")


def _side(side: str, staff, product):
    """One side: a cooperative with its manager, a lot of ``product`` and its
    households, and a canteen on account with its buyer and approver."""
    manager = UserFactory(username=f"manager_{side}")
    buyer = UserFactory(username=f"buyer_{side}")
    approver = UserFactory(username=f"approver_{side}")
    cooperative = make_cooperative(name=f"权限合作社{side}", managers=[manager])
    household = make_household(cooperative=cooperative)
    today = timezone.localdate()
    lot = make_lot(
        cooperative=cooperative,
        product=product,
        kg="500",
        households=[household],
        harvest_date=today - datetime.timedelta(days=30),
        best_before=today + datetime.timedelta(days=30),
        unit_price="12.50",
    )
    canteen = make_canteen(name=f"权限食堂{side}", buyers=[buyer], approvers=[approver])
    account = open_account(staff, canteen, limit="5000.00")
    # Received 5% short: invoiced, its receipt line flagged for staff to decide.
    received = received_order(buyer, canteen, [(product, 10)], "9.5")
    order = place(buyer, canteen, [(product, 8)])  # routed, waiting for A's answer
    return {
        f"manager_{side}": manager,
        f"buyer_{side}": buyer,
        f"approver_{side}": approver,
        "cooperative": cooperative,
        "household": household,
        "lot": lot,
        "canteen": canteen,
        "account": account,
        "received": received,
        "order": order,
    }


def _settlement(a, b):
    """A settled fortnight: a counter's sales of both sides' lots, issued."""
    today = timezone.localdate()
    channel = counter_channel()
    day = today - datetime.timedelta(days=15)
    sell(lot=a["lot"], channel=channel, day=day, kg="2", yuan="25.00")
    sell(lot=b["lot"], channel=channel, day=day, kg="1", yuan="12.50")
    fortnight = period(
        today - datetime.timedelta(days=20), today - datetime.timedelta(days=10)
    )
    issued = issue_statements(period_id=fortnight.pk, today=today)
    statement = next(s for s in issued if s.cooperative_id == a["cooperative"].pk)
    return channel, fortnight, statement


def _exports(users) -> dict:
    """A finished export of each of side A's users, the official and staff."""
    today = timezone.localdate()
    start = today - datetime.timedelta(days=30)
    params = {"from": start.isoformat(), "to": today.isoformat()}
    found = {}
    for name in ("buyer_a", "approver_a", "manager_a", "official", "staff"):
        export = start_export(
            user=users[name], report="channel", params=params, file_format="csv"
        )
        run_export(export_id=export.pk)
        found[name] = str(export.pk)
    return found


def _oscar_objects(staff) -> dict:
    """One object for each of Oscar's own dashboard pages."""
    Category = apps.get_model("catalogue", "Category")
    CommunicationEventType = apps.get_model("communication", "CommunicationEventType")
    WeightBased = apps.get_model("shipping", "WeightBased")
    spare = ProductFactory(title="权限测试备用商品")
    shipping = WeightBased.objects.create(name="权限测试运费")
    page = FlatPage.objects.create(url="/permission-matrix/", title="Matrix")
    page.sites.add(Site.objects.get_current())
    comms = CommunicationEventType.objects.create(code="PERMISSION_MATRIX", name="M")
    shopper = UserFactory(username="shopper")
    partner = PartnerFactory(name="Permission matrix", users=[shopper])
    return {
        "spare_product": spare.pk,
        "product_class": spare.product_class.pk,
        "product_class_slug": spare.product_class.slug,
        "category": Category.add_root(name="Permission matrix").pk,
        "option_group": AttributeOptionGroupFactory().pk,
        "option": OptionFactory().pk,
        "user": shopper.pk,
        "alert": ProductAlertFactory(product=spare, user=staff).pk,
        "flatpage": page.pk,
        "partner": partner.pk,  # not a cooperative's: those cannot be deleted
        "partner_user": shopper.pk,
        "store_order": OrderFactory(shipping_address=ShippingAddressFactory()).number,
        "comms": comms.code,
        "offer": ConditionalOfferFactory().pk,
        "range": RangeFactory().pk,
        "review": ProductReviewFactory(product=spare, user=staff).pk,
        "voucher": VoucherFactory(code="PERMISSION-MATRIX").pk,
        "voucher_set": VoucherSetFactory(count=1).pk,
        "shipping": shipping.pk,
        "band": shipping.bands.create(upper_limit=D("10"), charge=D("5")).pk,
    }


def build_world() -> World:
    staff, official = _staff_and_officials()
    rice = ProductFactory(title="连州大米", net_weight_kg=D("1"))
    a, b = _side("a", staff, rice), _side("b", staff, rice)
    users = {k: v for side in (a, b) for k, v in side.items() if isinstance(v, User)}
    users.update(staff=staff, official=official)
    today = timezone.localdate()
    order = a["order"]
    standing = save_standing_order(
        organisation_id=a["canteen"].pk,
        user=a["buyer_a"],
        name="每周大米",
        weekday=today.isoweekday(),
        days_ahead=2,
        mode="draft",
        lines=[LineInput(rice.upc, 2)],
    )
    plan = set_procurement_plan(
        organisation_id=a["canteen"].pk,
        year=today.year,
        food_budget=D("100000"),
        reserved_ratio=D("0.30"),
        actor=None,
    )
    channel, fortnight, statement = _settlement(a, b)
    batch = record_counter_sales(
        rows=[CounterSaleInput(2, today, channel.code, rice.upc, D("1"), D("12.50"))],
        reference="PERMISSION-MATRIX",
        actor=staff,
    )
    issued = issue_batch(
        organisation_name="权限测试单位",
        face_value=D("100"),
        expires_on=today + datetime.timedelta(days=365),
        count=1,
        issued_by=staff,
    )
    # A card payment as the webhook leaves it (no Stripe here: only its pages).
    payment = Payment.objects.create(
        order_number=order.order.number,
        order=order.order,
        intent_id="pi_permission_matrix",
        amount=order.order.total_incl_tax,
        status=PaymentStatus.SUCCEEDED,
        idempotency_key="permission-matrix",
    )
    values = {
        "product": rice.pk,
        "village": a["cooperative"].village_id,
        "cooperative": a["cooperative"].pk,
        "household": a["household"].pk,
        "lot": a["lot"].pk,
        "movement": StockMovement.objects.filter(lot=a["lot"]).first().pk,
        "canteen": a["canteen"].pk,
        "order": order.order.number,
        "oscar_order": order.order.number,  # the same, on Oscar's staff pages
        "line": order.order.lines.first().pk,
        "note": order.order.notes.create(message="permission matrix").pk,
        "day": order.delivery_date.isoformat(),
        "standing": standing.pk,
        "plan": plan.plan.pk,
        "allocation": Allocation.objects.get(line__bulk_order=order).pk,
        "receipt_line": ReceiptLine.objects.get(line__bulk_order=a["received"]).pk,
        "account": a["account"].pk,
        "invoice": a["received"].invoice.pk,
        "bank_payment": _bank_payment(a["account"], staff),
        "statement": statement.pk,
        "period": fortnight.pk,
        "channel": channel.pk,
        "batch": batch.pk,
        "grouping": "channel",
        "card_batch": issued.batch.pk,
        "card": LoveCard.objects.get(number=issued.cards[0].number).pk,
        "payment": payment.pk,
        "audit_entry": apps.get_model("audit", "AuditEntry").objects.first().pk,
        **_oscar_objects(staff),
    }
    world = World(
        users=users,
        values={k: str(v) for k, v in values.items()},
        exports=_exports(users),
    )
    _sign_in(world)
    return world


def _bank_payment(account, staff) -> int:
    return record_bank_payment(
        account_id=account.pk,
        reference="PERMISSION-MATRIX",
        amount=D("10.00"),
        received_on=timezone.localdate(),
        actor=staff,
    ).pk


def _sign_in(world: World) -> None:
    """A session and an API token for every user, made once for the module."""
    for name, user in world.users.items():
        client = Client()
        client.force_login(user)
        world.sessions[name] = client.cookies[settings.SESSION_COOKIE_NAME].value
        world.tokens[name] = Token.objects.create(user=user).key
