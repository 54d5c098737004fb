import re

import pytest
from django.core import mail

from accounts.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def signup(client, **overrides):
    data = {
        "name": "李雷",
        "phone": "13912345678",
        "email": "lilei@example.com",
        "password1": "Vol-unteer-2024!",
        "password2": "Vol-unteer-2024!",
    }
    data.update(overrides)
    return client.post("/accounts/signup/", data)


def test_signup_creates_an_account_with_mobile_and_email(client):
    response = signup(client)
    assert response.status_code == 302
    user = User.objects.get(email="lilei@example.com")
    assert user.phone == "13912345678"
    assert user.name == "李雷"
    assert user.check_password("Vol-unteer-2024!")
    # A verification email goes out with the signup.
    assert len(mail.outbox) == 1
    assert "lilei@example.com" in mail.outbox[0].to


def test_signup_normalises_a_mobile_with_country_code(client):
    signup(client, phone="+86 139-1234-5678")
    assert User.objects.get(email="lilei@example.com").phone == "13912345678"


def test_signup_refuses_a_bad_mobile_and_keeps_what_was_typed(client):
    response = signup(client, phone="12345")
    assert response.status_code == 200
    html = response.content.decode()
    assert "请输入有效的 11 位手机号码" in html
    assert 'value="lilei@example.com"' in html
    assert 'value="李雷"' in html
    assert "Vol-unteer-2024!" not in html  # secrets are not echoed back
    assert not User.objects.exists()


def test_signup_with_a_taken_mobile_creates_no_second_account(client):
    existing = UserFactory(phone="13912345678")
    response = signup(client)
    # Enumeration prevention: the form does not say the number is taken; nothing is created.
    assert response.status_code in (200, 302)
    assert list(User.objects.filter(phone="13912345678")) == [existing]


def test_email_verification_link_confirms_the_address(client):
    signup(client)
    link = re.search(r"https?://[^\s]+/accounts/confirm-email/([^/\s]+)/", mail.outbox[0].body)
    assert link
    response = client.post(f"/accounts/confirm-email/{link.group(1)}/")
    assert response.status_code == 302
    from allauth.account.models import EmailAddress

    assert EmailAddress.objects.get(email="lilei@example.com").verified


@pytest.mark.parametrize("login", ["13900000077", "login77@example.com"])
def test_login_by_mobile_or_email_then_logout(client, login):
    user = UserFactory(phone="13900000077", email="login77@example.com")
    response = client.post("/accounts/login/", {"login": login, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_wrong_password_is_refused_in_chinese(client):
    UserFactory(phone="13900000078")
    response = client.post("/accounts/login/", {"login": "13900000078", "password": "wrong"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_password_reset_flow(client):
    user = UserFactory(email="reset@example.com")
    response = client.post("/accounts/password/reset/", {"email": "reset@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    url = re.search(
        r"https?://[^/\s]+(/accounts/password/reset/key/[^\s]+/)", mail.outbox[0].body
    ).group(1)
    response = client.get(url)
    assert response.status_code == 302  # to the set-password page, token moved to the session
    set_url = response["Location"]
    response = client.post(set_url, {"password1": "New-pass-2025!", "password2": "New-pass-2025!"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("New-pass-2025!")


def test_repeated_logins_from_one_address_get_the_limit_page(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "3/m/ip"}
    UserFactory(phone="13900000079")
    statuses = [
        client.post("/accounts/login/", {"login": "13900000079", "password": "wrong"}).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    response = client.post("/accounts/login/", {"login": "13900000079", "password": PASSWORD})
    assert response.status_code == 429
    assert "操作过于频繁" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failed_logins_for_one_account_lock_it_for_a_while(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "login_failed": "100/m/ip,3/5m/key",
    }
    UserFactory(phone="13900000080")
    for _ in range(3):
        client.post("/accounts/login/", {"login": "13900000080", "password": "wrong"})
    # Even the right password is refused until the window passes.
    response = client.post("/accounts/login/", {"login": "13900000080", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_signup_is_rate_limited(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/m/ip"}
    for i in range(2):
        signup(client, phone=f"1391234567{i}", email=f"s{i}@example.com")
        client.logout()
    response = signup(client, phone="13912345679", email="s9@example.com")
    assert response.status_code == 429
    assert not User.objects.filter(email="s9@example.com").exists()
