"""Staff's card-payment pages: the list (by order number and status), a payment's
changes and refunds, and the refund form (all or part of what is left, once per
form sent), against the fake Stripe API; everyone else is kept out."""

import re

import pytest

from payments.models import Payment, PaymentStatus, Refund, RefundStatus
from tests.factories import UserFactory
from tests.integration.payments_helpers import D, pay

pytestmark = pytest.mark.django_db

LIST = "/payments/dashboard/"


def detail_url(payment) -> str:
    return f"/payments/dashboard/{payment.pk}/"


def refund_url(payment) -> str:
    return f"/payments/dashboard/{payment.pk}/refund/"


@pytest.fixture
def paid(fake_stripe):
    """500.00 yuan paid by card for order 100001."""
    return pay(order_number="100001", amount="500.00").payment


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def submission(page) -> str:
    [token] = re.findall(r'name="submission" value="([0-9a-f]{32})"', page.text)
    return token


def rows(page, css_class) -> int:
    return page.text.count(f'class="{css_class}"')


def refund(client, payment, amount, capture, *, reason="Line not delivered"):
    token = submission(client.get(detail_url(payment)))
    with capture(execute=True):
        answer = client.post(
            refund_url(payment),
            {"amount": amount, "reason": reason, "submission": token},
        )
    payment.refresh_from_db()
    return answer, token


# --- who may --------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_dashboard_login(client, paid):
    for url in (LIST, detail_url(paid)):
        answer = client.get(url)
        assert (answer.status_code, answer["Location"]) == (
            302,
            f"/dashboard/login/?next={url}",
        )
    posted = client.post(refund_url(paid), {"amount": "1.00", "reason": "x"})
    assert posted.status_code == 302
    assert Refund.objects.count() == 0


@pytest.mark.parametrize("username", ["canteen_buyer", "official"])
def test_users_who_are_not_staff_get_403(client, paid, official, username):
    user = official if username == "official" else UserFactory(username=username)
    client.force_login(user)

    answers = [
        client.get(LIST).status_code,
        client.get(detail_url(paid)).status_code,
        client.post(
            refund_url(paid),
            {"amount": "1.00", "reason": "x", "submission": "a" * 32},
        ).status_code,
    ]

    assert answers == [403, 403, 403]
    assert Refund.objects.count() == 0


# --- the list and the detail ------------------------------------------------------


def test_staff_list_card_payments_by_order_number_and_status(staff_client, fake_stripe):
    paid = pay(order_number="100001", amount="500.00").payment
    waiting = pay(
        order_number="100002", amount="80.00", method="pm_card_threeDSecure2Required"
    ).payment
    other = pay(order_number="100003", amount="12.50").payment

    everything = staff_client.get(LIST)
    by_number = staff_client.get(LIST, {"order_number": "100002"})
    by_status = staff_client.get(LIST, {"status": "succeeded"})
    nothing = staff_client.get(LIST, {"order_number": "100002", "status": "succeeded"})

    assert everything.status_code == 200
    assert [p.pk for p in everything.context["payments"]] == [
        other.pk,
        waiting.pk,
        paid.pk,
    ]
    assert [p.pk for p in by_number.context["payments"]] == [waiting.pk]
    assert [p.pk for p in by_status.context["payments"]] == [other.pk, paid.pk]
    assert list(nothing.context["payments"]) == []
    assert "No card payment found." in nothing.text
    assert rows(by_number, "payment-row") == 1
    assert waiting.intent_id in by_number.text


def test_a_bad_status_filter_lists_everything(staff_client, paid):
    answer = staff_client.get(LIST, {"status": "lost"})

    assert answer.status_code == 200
    assert [p.pk for p in answer.context["payments"]] == [paid.pk]


def test_the_detail_shows_the_changes_refunds_and_what_is_left(
    staff_client, paid, django_capture_on_commit_callbacks
):
    refund(staff_client, paid, "100.00", django_capture_on_commit_callbacks)

    page = staff_client.get(detail_url(paid))

    assert page.status_code == 200
    assert '<dd class="col-sm-9" id="payment_refunded">100.00</dd>' in page.text
    assert '<dd class="col-sm-9" id="payment_left">400.00</dd>' in page.text
    assert rows(page, "refund-row") == 1
    assert rows(page, "change-row") == 3  # created, succeeded, refund
    assert page.context["form"].initial["amount"] == D("400.00")


def test_a_payment_not_paid_has_no_refund_form(staff_client, fake_stripe):
    waiting = pay(method="pm_card_threeDSecure2Required").payment

    page = staff_client.get(detail_url(waiting))
    token = "b" * 32
    posted = staff_client.post(
        refund_url(waiting), {"amount": "1.00", "reason": "x", "submission": token}
    )

    assert page.status_code == 200
    assert 'id="refund_form"' not in page.text
    assert posted.status_code == 400
    assert posted.context["form"].errors == {
        "amount": ["Only 0.00 yuan of this payment can still be refunded."]
    }
    assert Refund.objects.count() == 0


def test_an_unknown_payment_is_404(staff_client):
    assert staff_client.get("/payments/dashboard/999999/").status_code == 404


# --- refunding ----------------------------------------------------------------------


def test_staff_refund_part_of_a_payment(
    staff_client, staff, paid, fake_stripe, django_capture_on_commit_callbacks
):
    answer, token = refund(
        staff_client, paid, "120.50", django_capture_on_commit_callbacks
    )

    made = Refund.objects.get()
    assert (answer.status_code, answer["Location"]) == (302, detail_url(paid))
    assert (
        made.amount,
        made.status,
        made.reason,
        made.requested_by,
        made.idempotency_key,
    ) == (
        D("120.50"),
        RefundStatus.SUCCEEDED,
        "Line not delivered",
        staff,
        f"dashboard-{paid.pk}-{token}",
    )
    assert fake_stripe.refunds[made.stripe_id]["amount"] == 12050
    assert (paid.refunded, paid.refundable, paid.status) == (
        D("120.50"),
        D("379.50"),
        PaymentStatus.SUCCEEDED,
    )
    shown = staff_client.get(detail_url(paid))
    assert "Refund of 120.50 yuan requested" in shown.text


def test_staff_refund_all_that_is_left_and_the_form_goes_away(
    staff_client, paid, fake_stripe, django_capture_on_commit_callbacks
):
    refund(staff_client, paid, "100.00", django_capture_on_commit_callbacks)
    refund(staff_client, paid, "400.00", django_capture_on_commit_callbacks)

    page = staff_client.get(detail_url(paid))
    assert (paid.refunded, paid.refundable) == (D("500.00"), D("0.00"))
    assert sorted(r["amount"] for r in fake_stripe.refunds.values()) == [10000, 40000]
    assert 'id="refund_form"' not in page.text


def test_the_same_form_sent_twice_refunds_once(
    staff_client, paid, fake_stripe, django_capture_on_commit_callbacks
):
    token = submission(staff_client.get(detail_url(paid)))
    body = {"amount": "50.00", "reason": "Double click", "submission": token}

    with django_capture_on_commit_callbacks(execute=True):
        first = staff_client.post(refund_url(paid), body)
        second = staff_client.post(refund_url(paid), body)

    paid.refresh_from_db()
    assert (first.status_code, second.status_code) == (302, 302)
    assert Refund.objects.count() == 1
    assert len(fake_stripe.refunds) == 1
    assert paid.refunded == D("50.00")
    shown = staff_client.get(detail_url(paid))
    assert "This refund had already been requested." in shown.text


def test_more_than_is_left_is_refused_and_changes_nothing(
    staff_client, paid, fake_stripe, django_capture_on_commit_callbacks
):
    refund(staff_client, paid, "450.00", django_capture_on_commit_callbacks)

    answer, _token = refund(
        staff_client, paid, "50.01", django_capture_on_commit_callbacks
    )

    assert answer.status_code == 400
    assert answer.context["form"].errors == {
        "amount": ["Only 50.00 yuan of this payment can still be refunded."]
    }
    assert Refund.objects.count() == 1
    assert paid.refunded == D("450.00")
    assert len(fake_stripe.refunds) == 1


def test_a_refund_still_pending_counts_against_what_is_left(
    staff_client, paid, fake_stripe
):
    # Neither refund is sent: their task runs after a commit the test never makes.
    first = submission(staff_client.get(detail_url(paid)))
    staff_client.post(
        refund_url(paid), {"amount": "300.00", "reason": "a", "submission": first}
    )
    second = submission(staff_client.get(detail_url(paid)))

    answer = staff_client.post(
        refund_url(paid), {"amount": "200.01", "reason": "b", "submission": second}
    )

    assert answer.status_code == 400
    assert answer.context["form"].errors == {
        "amount": ["Only 200.00 yuan of this payment can still be refunded."]
    }
    assert list(Refund.objects.values_list("amount", "status")) == [
        (D("300.00"), RefundStatus.PENDING)
    ]
    assert fake_stripe.refunds == {}


@pytest.mark.parametrize(
    ("amount", "error"),
    [
        ("12.345", "Ensure that there are no more than 2 decimal places."),
        ("0", "Ensure this value is greater than or equal to 0.01."),
        ("-5", "Ensure this value is greater than or equal to 0.01."),
        ("ten", "Enter a number."),
    ],
)
def test_amounts_that_are_not_yuan_and_fen_are_refused(
    staff_client, paid, fake_stripe, amount, error, django_capture_on_commit_callbacks
):
    answer, _token = refund(
        staff_client, paid, amount, django_capture_on_commit_callbacks
    )

    assert answer.status_code == 400
    assert answer.context["form"].errors == {"amount": [error]}
    assert Refund.objects.count() == 0
    assert Payment.objects.get().refunded == D("0.00")


def test_a_reason_is_required(
    staff_client, paid, fake_stripe, django_capture_on_commit_callbacks
):
    answer, _token = refund(
        staff_client, paid, "10.00", django_capture_on_commit_callbacks, reason=""
    )

    assert answer.status_code == 400
    assert answer.context["form"].errors == {"reason": ["This field is required."]}
    assert Refund.objects.count() == 0


def test_the_dashboard_menu_links_staff_to_card_payments(client, staff):
    client.force_login(staff)
    page = client.get("/dashboard/")
    assert page.status_code == 200
    assert 'href="/payments/dashboard/"' in page.content.decode()
