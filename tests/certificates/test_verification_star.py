"""The verification page tells a benefit provider the holder's star level as of the moment of
verification (computed from the ledger then, not from the certificate), and nothing more about
the person: not their current hours, not for a closed account."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from certificates.services import issue_certificate
from hours.models import ServiceRecord
from hours.services import (
    create_star_batch,
    nominate_for_star,
    publish_star_batch,
    review_nomination,
)
from organizations.models import Membership
from tests.certificates.conftest import at
from volunteers.services import close_volunteer

pytestmark = pytest.mark.django_db


def give_hours(world, volunteer, hours: str, *, on: date = date(2026, 3, 1)) -> None:
    """Approved history written straight to the ledger (inserts are all the ledger allows): the
    service caps one entry at 24 hours, and these are years of service."""
    ServiceRecord.objects.create(
        volunteer=volunteer,
        organization=world.org,
        center=world.tree.chaoyang,
        institute=world.tree.jianwai,
        station=world.tree.nanlang,
        category="elderly",
        service_date=on,
        title="历史服务",
        half_hours=int(Decimal(hours) * 2),
        source="import",
        status="approved",
    )


@pytest.fixture
def certificate(world):
    """Issued when 李晓华 had 10 hours: the certificate states 10.0 hours whatever comes later."""
    return issue_certificate(volunteer=world.alice, now=at(4, 1, 10))


def star_part(client, certificate) -> str:
    response = client.get(reverse("certificates:verify", args=[certificate.number]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "10.0 小时" in body  # the certificate's own figures are unchanged
    return body[body.index('id="star-heading"') :]


def test_just_below_the_first_threshold_shows_no_star(client, world, certificate):
    give_hours(world, world.alice, "89.5")  # 99.5 hours in all
    part = star_part(client, certificate)
    assert "暂未达到星级" in part
    assert "一星志愿者" not in part
    assert "99.5" not in part  # the current hours are not revealed


def test_exactly_at_the_threshold_shows_the_level_as_of_now(client, world, certificate):
    give_hours(world, world.alice, "90")  # 100 hours in all
    part = star_part(client, certificate)
    assert "<strong>一星志愿者</strong>" in part
    assert "核验时间" in part and "不是证明上的内容" in part
    assert "100.0" not in part


def test_the_awarded_level_shows_only_after_a_published_award(
    client, world, certificate, federation_admin
):
    Membership.objects.create(organization=world.org, volunteer=world.alice, status="approved")
    give_hours(world, world.alice, "1490", on=date(2026, 11, 1))  # 1500 hours by 30 November
    batch = create_star_batch(actor=federation_admin, year=2026)
    nomination = nominate_for_star(
        actor=world.admin, batch=batch, organization=world.org, volunteer=world.alice
    )
    review_nomination(actor=federation_admin, nomination=nomination, approve=True)
    part = star_part(client, certificate)
    assert "<strong>四星志愿者</strong>" in part and "五星志愿者" not in part

    publish_star_batch(actor=federation_admin, batch=batch)
    assert "<strong>五星志愿者</strong>" in star_part(client, certificate)


def test_a_closed_account_gets_no_current_level(
    client, world, certificate, django_assert_num_queries
):
    give_hours(world, world.alice, "200")
    close_volunteer(volunteer=world.alice)
    url = reverse("certificates:verify", args=[certificate.number])
    with django_assert_num_queries(1):  # the certificate only: no ledger read for a closed one
        response = client.get(url)
    part = response.content.decode()[response.content.decode().index('id="star-heading"') :]
    assert response.status_code == 200
    assert "已注销" in part
    assert "星志愿者" not in part and "暂未达到星级" not in part


def test_the_page_reads_the_level_in_four_queries(
    client, world, certificate, django_assert_num_queries
):
    give_hours(world, world.alice, "300")
    with django_assert_num_queries(4):  # certificate + holder, approved hours, levels, awards
        body = client.get(reverse("certificates:verify", args=[certificate.number])).content
    assert "二星志愿者" in body.decode()


def test_the_benefits_pages_send_providers_to_the_verification_page(
    client, world, federation_admin
):
    client.force_login(world.alice.user)
    verify_form = reverse("certificates:verify_form")
    assert verify_form in client.get(reverse("campaigns:my_benefits")).content.decode()
    client.force_login(federation_admin)
    body = client.get(reverse("campaigns:benefits_manage")).content.decode()
    assert verify_form in body and "凭志愿服务证明编号核验星级" in body
    assert "凭证明编号核验其当前星级" in client.get(verify_form).content.decode()
