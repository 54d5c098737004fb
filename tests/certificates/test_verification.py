"""The public verification page: a valid number shows what the certificate states with the name
masked; an unknown or altered number is a clear 404, never a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from certificates.numbers import ALPHABET, LENGTH, display, is_well_formed, new_number, normalise
from certificates.services import issue_certificate
from tests.certificates.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(world):
    return issue_certificate(volunteer=world.alice, now=at(4, 1, 10))


def verify_url(number: str) -> str:
    return reverse("certificates:verify", args=[number])


def test_a_valid_number_confirms_the_certificate_and_its_contents(client, world, certificate):
    response = client.get(verify_url(certificate.number))
    body = response.content.decode()

    assert response.status_code == 200
    assert "核验通过" in body
    assert "李*华" in body
    assert "李晓华" not in body
    assert world.alice.number in body
    assert "10.0 小时" in body
    for recorder in ("南郎家园志愿服务队", "吉庆里志愿服务队", "建外街道"):
        assert recorder in body
    assert certificate.display_number in body
    assert "2026-04-01" in body
    assert "2026-01-10" in body and "2026-03-21" in body


def test_the_page_shows_no_more_personal_data_than_the_certificate(client, world, certificate):
    body = client.get(verify_url(certificate.number)).content.decode()
    assert world.alice.document_masked not in body
    assert world.alice.phone not in body
    assert world.alice.user.email not in body


def test_the_number_may_be_typed_with_hyphens_and_in_lower_case(client, certificate):
    typed = display(certificate.number).lower()
    assert client.get(verify_url(typed)).status_code == 200


def test_an_unknown_number_says_so(client, certificate):
    unknown = new_number()
    response = client.get(verify_url(unknown))
    assert response.status_code == 404
    assert "没有出具过" in response.content.decode()


def test_an_altered_number_says_so(client, certificate):
    position = 5
    replacement = next(ch for ch in ALPHABET if ch != certificate.number[position])
    altered = certificate.number[:position] + replacement + certificate.number[position + 1 :]
    response = client.get(verify_url(altered))
    assert response.status_code == 404
    assert "校验位不符" in response.content.decode()


@pytest.mark.parametrize("junk", ["x", "A" * 300, "%E4%B8%AD%E6%96%87", "<script>", "0000"])
def test_junk_is_a_404_not_a_500(client, junk):
    response = client.get(verify_url(junk))
    assert response.status_code == 404
    assert "<script>" not in response.content.decode()


def test_the_form_sends_a_typed_number_to_its_page(client, certificate):
    response = client.get(
        reverse("certificates:verify_form"), {"number": display(certificate.number)}
    )
    assert response.status_code == 302
    assert response["Location"] == verify_url(certificate.number)


def test_the_form_refuses_a_malformed_number_and_keeps_it(client, certificate):
    response = client.get(reverse("certificates:verify_form"), {"number": "ABCD-1234"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "校验位不符" in body
    assert 'value="ABCD-1234"' in body


def test_the_empty_form_is_shown(client):
    response = client.get(reverse("certificates:verify_form"))
    assert response.status_code == 200
    assert 'name="number"' in response.content.decode()


def test_the_verification_page_query_count_is_pinned(
    client, certificate, django_assert_num_queries
):
    # The certificate with its holder (1), then the holder's current star level: approved hours,
    # the thresholds and published awards (3).
    with django_assert_num_queries(4):
        assert client.get(verify_url(certificate.number)).status_code == 200


def test_verification_is_rate_limited_per_address(client, settings, certificate):
    url = verify_url(new_number())
    for _ in range(60):
        assert client.get(url).status_code == 404
    assert client.get(verify_url(certificate.number)).status_code == 429


# --- numbers --------------------------------------------------------------------------------------


def test_new_numbers_are_well_formed_and_distinct():
    numbers = {new_number() for _ in range(1000)}
    assert len(numbers) == 1000
    assert all(len(n) == LENGTH and is_well_formed(n) for n in numbers)


def test_confusable_characters_are_read_as_what_they_look_like():
    number = new_number()
    typed = number.replace("0", "O").replace("1", "I").lower()
    assert normalise(f" {typed[:4]}-{typed[4:]} ") == number


def test_any_single_changed_character_is_caught():
    number = new_number()
    caught = 0
    total = 0
    for position in range(LENGTH):
        for ch in ALPHABET:
            if ch == number[position]:
                continue
            total += 1
            caught += not is_well_formed(number[:position] + ch + number[position + 1 :])
    # A 20-bit check lets about one change in a million through; none of these 620 should.
    assert caught == total
