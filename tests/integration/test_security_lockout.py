"""Login lockout (shop/security/lockout.py): ten failed logins on one account, at
any login (store, dashboard, admin, API token), lock it for an hour after the tenth;
while locked even the right password is refused with a 429 saying until when; staff
can unlock it; failures leave no password behind."""

import datetime
import io

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.utils import timezone

from tests.factories import PASSWORD, UserFactory, make_staff

pytestmark = pytest.mark.django_db

STORE_LOGIN = "/accounts/login/"
DASHBOARD_LOGIN = "/dashboard/login/"
ADMIN_LOGIN = "/admin/login/"
TOKEN = "/api/v1/auth/token/"
LIMIT = 10


@pytest.fixture
def buyer(db):
    return UserFactory(username="buyer", email="buyer@example.com")


def store_login(client, email, password="wrong-password"):
    return client.post(
        STORE_LOGIN,
        {"login-username": email, "login-password": password, "login_submit": "1"},
    )


def form_login(client, url, username, password="wrong-password"):
    return client.post(url, {"username": username, "password": password})


def template_names(response) -> list[str]:
    return [template.name for template in response.templates]


def signed_in(client) -> bool:
    return SESSION_KEY in client.session


def locked_message(until) -> str:
    local = timezone.localtime(until).strftime("%Y-%m-%d %H:%M")
    return (
        "Too many failed sign-in attempts for this account. Try again after "
        f"{local}, or ask the platform staff to unlock it."
    )


def last_failure(username) -> datetime.datetime:
    return AccessAttempt.objects.get(username=username).attempt_time


def test_the_store_login_locks_an_account_at_the_tenth_failure(client, buyer):
    # One count for the account, however its address is typed.
    spellings = ["buyer@example.com", "Buyer@Example.COM", "BUYER@example.com"]
    answers = [
        store_login(client, spellings[i % 3]).status_code for i in range(LIMIT - 1)
    ]
    assert answers == [200] * (LIMIT - 1)

    tenth = store_login(client, "buyer@example.com")

    until = last_failure("buyer") + datetime.timedelta(hours=1)
    assert tenth.status_code == 429
    assert "security/locked_out.html" in template_names(tenth)
    assert tenth.context["message"] == locked_message(until)
    assert locked_message(until) in tenth.content.decode()
    assert 3590 <= int(tenth["Retry-After"]) <= 3600

    right_password = store_login(client, "buyer@example.com", PASSWORD)

    assert right_password.status_code == 429
    assert not signed_in(client)
    # Tries while locked are not counted: the lock still ends an hour after the
    # tenth failure.
    assert AccessAttempt.objects.get().failures_since_start == LIMIT
    assert last_failure("buyer") + datetime.timedelta(hours=1) == until


def test_every_login_counts_for_the_account_by_name_or_address(client):
    make_staff(username="staff", email="staff@example.com")
    for _ in range(5):
        assert store_login(client, "Staff@example.com").status_code == 200
    for _ in range(LIMIT - 6):
        assert form_login(client, DASHBOARD_LOGIN, "staff").status_code == 200

    tenth = form_login(client, ADMIN_LOGIN, "Staff")
    right_password = form_login(client, DASHBOARD_LOGIN, "staff", PASSWORD)

    assert tenth.status_code == 429
    assert right_password.status_code == 429
    assert "security/locked_out.html" in template_names(right_password)
    assert not signed_in(client)


def test_another_account_is_not_locked(client, buyer):
    UserFactory(username="approver", email="approver@example.com")
    for _ in range(LIMIT):
        store_login(client, "buyer@example.com")

    response = store_login(client, "approver@example.com", PASSWORD)

    assert response.status_code == 302
    assert signed_in(client)


def test_the_api_token_answers_a_locked_account_in_json(api, buyer):
    for _ in range(LIMIT - 1):
        response = api.post(TOKEN, {"username": "buyer", "password": "nope"})
        assert response.status_code == 400

    tenth = api.post(TOKEN, {"username": "buyer", "password": "nope"})
    right_password = api.post(TOKEN, {"username": "buyer", "password": PASSWORD})

    until = last_failure("buyer") + datetime.timedelta(hours=1)
    for response in (tenth, right_password):
        assert response.status_code == 429
        assert response.json() == {
            "detail": locked_message(until),
            "code": "locked_out",
        }
        assert 3590 <= int(response["Retry-After"]) <= 3600
    assert "token" not in right_password.json()


def test_a_successful_login_clears_the_count(client, buyer):
    for _ in range(LIMIT - 1):
        store_login(client, "buyer@example.com")
    assert form_login(client, DASHBOARD_LOGIN, "buyer", PASSWORD).status_code == 302
    client.logout()

    for _ in range(LIMIT - 1):
        assert store_login(client, "buyer@example.com").status_code == 200
    assert store_login(client, "buyer@example.com", PASSWORD).status_code == 302


def test_the_lock_ends_an_hour_after_the_tenth_failure(client, buyer):
    for _ in range(LIMIT):
        store_login(client, "buyer@example.com")
    assert store_login(client, "buyer@example.com", PASSWORD).status_code == 429

    AccessAttempt.objects.update(
        attempt_time=timezone.now() - datetime.timedelta(minutes=61)
    )

    assert store_login(client, "buyer@example.com", PASSWORD).status_code == 302
    assert signed_in(client)


def test_staff_unlock_an_account_with_the_command(client, buyer):
    for _ in range(LIMIT):
        store_login(client, "buyer@example.com")

    call_command("axes_reset_username", "buyer", stdout=io.StringIO())

    assert AccessAttempt.objects.count() == 0
    assert store_login(client, "buyer@example.com", PASSWORD).status_code == 302


def test_failed_logins_keep_no_password(client, api, buyer):
    store_login(client, "buyer@example.com", "store-secret-1")
    form_login(client, ADMIN_LOGIN, "buyer", "admin-secret-2")
    api.post(TOKEN, {"username": "buyer", "password": "api-secret-3"})

    kept = " ".join(AccessAttempt.objects.values_list("post_data", flat=True))
    assert AccessAttempt.objects.get().failures_since_start == 3  # one account
    assert "login-password=********************" in kept
    for secret in ("store-secret-1", "admin-secret-2", "api-secret-3"):
        assert secret not in kept


def test_a_new_customer_is_signed_in_on_registering(client):
    """Oscar's registration signs the customer in through authenticate() without
    the request, which axes alone refuses (a 500)."""
    response = client.post(
        "/accounts/register/",
        {
            "email": "new@example.com",
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
        },
    )

    assert response.status_code == 302
    assert signed_in(client)
