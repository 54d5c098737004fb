"""Star levels from approved hours, thresholds as data, and the yearly 五星 award."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from hours.models import ServiceRecord, StarLevel
from hours.selectors import star_status
from hours.services import (
    create_star_batch,
    nominate_for_star,
    publish_star_batch,
    review_nomination,
)
from organizations.models import Membership
from tests.factories import VolunteerFactory


def give_hours(world, volunteer, hours: str, *, on: date = date(2026, 6, 1)) -> None:
    """Approved history written straight to the ledger (inserts are what the ledger allows)."""
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


def test_thresholds_are_seeded_as_data(db):
    assert list(StarLevel.objects.values_list("level", "min_half_hours", "awarded_only")) == [
        (1, 200, False),
        (2, 600, False),
        (3, 1200, False),
        (4, 2000, False),
        (5, 3000, True),
    ]


@pytest.mark.parametrize(
    ("hours", "level", "next_level", "remaining"),
    [
        ("0", None, 1, "100.0"),
        ("99.5", None, 1, "0.5"),
        ("100", 1, 2, "200.0"),
        ("299.5", 1, 2, "0.5"),
        ("300", 2, 3, "300.0"),
        ("599.5", 2, 3, "0.5"),
        ("600", 3, 4, "400.0"),
        ("999.5", 3, 4, "0.5"),
        ("1000", 4, 5, "500.0"),
        ("1499.5", 4, 5, "0.5"),
        ("1500", 4, 5, "0.0"),
        ("2400", 4, 5, "0.0"),
    ],
)
def test_star_level_at_each_threshold(world, hours, level, next_level, remaining):
    volunteer = VolunteerFactory()
    give_hours(world, volunteer, hours)
    status = star_status(volunteer)
    assert (status.current.level if status.current else None) == level
    assert status.next.level == next_level
    assert status.remaining_hours == Decimal(remaining)
    assert status.awaiting_award is (Decimal(hours) >= 1500)


def test_changing_a_threshold_row_changes_the_level(world):
    volunteer = VolunteerFactory()
    give_hours(world, volunteer, "80")
    StarLevel.objects.filter(level=1).update(min_half_hours=160)
    assert star_status(volunteer).current.level == 1


@pytest.fixture
def batch(world, federation_admin):
    return create_star_batch(actor=federation_admin, year=2026)


@pytest.fixture
def veteran(world):
    volunteer = VolunteerFactory(name="老志愿者")
    Membership.objects.create(organization=world.org, volunteer=volunteer, status="approved")
    give_hours(world, volunteer, "1500", on=date(2026, 11, 30))
    return volunteer


def test_five_stars_only_after_the_award_is_published(world, federation_admin, batch, veteran):
    nomination = nominate_for_star(
        actor=world.admin, batch=batch, organization=world.org, volunteer=veteran
    )
    assert nomination.hours_at_cutoff == Decimal("1500.0")
    assert star_status(veteran).current.level == 4
    review_nomination(actor=federation_admin, nomination=nomination, approve=True)
    assert star_status(veteran).current.level == 4  # reviewed, not yet published
    publish_star_batch(actor=federation_admin, batch=batch)
    status = star_status(veteran)
    assert status.current.level == 5 and status.next is None and status.progress_percent == 100


def test_hours_after_30_november_do_not_make_a_volunteer_eligible(world, batch):
    volunteer = VolunteerFactory(name="差一点")
    Membership.objects.create(organization=world.org, volunteer=volunteer, status="approved")
    give_hours(world, volunteer, "1499.5", on=date(2026, 11, 30))
    give_hours(world, volunteer, "10", on=date(2026, 12, 1))
    with pytest.raises(ValidationError, match="未达到"):
        nominate_for_star(
            actor=world.admin, batch=batch, organization=world.org, volunteer=volunteer
        )


def test_only_the_organizations_admin_nominates_its_own_members(world, batch, veteran, plain_user):
    for actor in (world.other_admin, AnonymousUser(), plain_user, veteran.user):
        with pytest.raises(PermissionDenied):
            nominate_for_star(actor=actor, batch=batch, organization=world.org, volunteer=veteran)
    with pytest.raises(ValidationError, match="本组织成员"):
        nominate_for_star(
            actor=world.other_admin, batch=batch, organization=world.other_org, volunteer=veteran
        )
    nominate_for_star(actor=world.admin, batch=batch, organization=world.org, volunteer=veteran)
    with pytest.raises(ValidationError, match="已被提名"):
        nominate_for_star(actor=world.admin, batch=batch, organization=world.org, volunteer=veteran)


def test_only_federation_admins_run_batches(world, batch, veteran, federation_admin):
    nomination = nominate_for_star(
        actor=world.admin, batch=batch, organization=world.org, volunteer=veteran
    )
    for actor in (world.admin, AnonymousUser(), veteran.user):
        with pytest.raises(PermissionDenied):
            create_star_batch(actor=actor, year=2025)
        with pytest.raises(PermissionDenied):
            review_nomination(actor=actor, nomination=nomination, approve=True)
        with pytest.raises(PermissionDenied):
            publish_star_batch(actor=actor, batch=batch)
    with pytest.raises(ValidationError, match="未评审"):
        publish_star_batch(actor=federation_admin, batch=batch)
    with pytest.raises(ValidationError, match="原因"):
        review_nomination(actor=federation_admin, nomination=nomination, approve=False)
    review_nomination(actor=federation_admin, nomination=nomination, approve=False, note="材料不全")
    publish_star_batch(actor=federation_admin, batch=batch)
    assert star_status(veteran).current.level == 4
    with pytest.raises(ValidationError):
        create_star_batch(actor=federation_admin, year=2026)
