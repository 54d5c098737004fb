"""The set-based helpers behind the bulk import: the same rules as one registration, a block of
volunteer numbers in one locked update, the duplicate check of a batch in one query, one insert
for the batch (a COPY on PostgreSQL) that writes nothing when any document is taken."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from volunteers import crypto
from volunteers.models import Volunteer, VolunteerNumberSequence
from volunteers.services import (
    BulkEntry,
    Guardian,
    clean_volunteer_data,
    is_valid_volunteer_number,
    issue_volunteer_number,
    issue_volunteer_numbers,
    register_volunteer,
    register_volunteers,
    volunteers_by_document_hash,
)

from .conftest import TODAY, id_number

pytestmark = pytest.mark.django_db


def _entry(registration_data, n: int, **overrides) -> BulkEntry:
    data = clean_volunteer_data(
        **registration_data(
            document_number=id_number(date(1990, 1, 1), sequence=f"{n:03d}"), **overrides
        ),
        today=TODAY,
        check_duplicate=False,
    )
    return BulkEntry(data, timezone.make_aware(datetime(2024, 5, 1)))


def test_a_block_of_numbers_is_consecutive_valid_and_continues_the_sequence():
    first = issue_volunteer_number(today=TODAY)
    block = issue_volunteer_numbers(count=3, today=TODAY)
    after = issue_volunteer_number(today=TODAY)
    serials = [int(n[6:-1]) for n in [first, *block, after]]
    assert serials == list(range(serials[0], serials[0] + 5))
    assert all(is_valid_volunteer_number(n) for n in [first, *block, after])
    assert VolunteerNumberSequence.objects.get(year=TODAY.year).last_value == serials[-1]
    assert issue_volunteer_numbers(count=0, today=TODAY) == []


def test_without_the_duplicate_check_every_other_rule_still_applies(registration_data):
    register_volunteer(user=None, entered_by="organization", **registration_data(), today=TODAY)
    # The taken document passes only when the caller checks duplicates itself…
    data = clean_volunteer_data(**registration_data(), today=TODAY, check_duplicate=False)
    assert data.document.number == "11010519491231002X"
    with pytest.raises(ValidationError) as refused:
        clean_volunteer_data(**registration_data(), today=TODAY)
    assert "已经注册" in refused.value.message_dict["document_number"][0]
    # …and the other rules are the registration's: check digit, age, guardian for 14–17.
    with pytest.raises(ValidationError) as bad:
        clean_volunteer_data(
            **registration_data(document_number="110105194912310021"),
            today=TODAY,
            check_duplicate=False,
        )
    assert "校验" in bad.value.message_dict["document_number"][0]
    minor = id_number(date(TODAY.year - 15, 1, 1))
    with pytest.raises(ValidationError) as teen:
        clean_volunteer_data(
            **registration_data(document_number=minor), today=TODAY, check_duplicate=False
        )
    assert "guardian_name" in teen.value.message_dict
    young = id_number(date(TODAY.year - 12, 1, 1))
    with pytest.raises(ValidationError) as child:
        clean_volunteer_data(
            **registration_data(document_number=young), today=TODAY, check_duplicate=False
        )
    assert "14" in child.value.message_dict["document_number"][0]


def test_the_duplicates_of_a_batch_are_found_in_one_query(registration_data):
    taken = register_volunteer(
        user=None, entered_by="organization", **registration_data(), today=TODAY
    )
    free = crypto.document_hash(id_number(date(1990, 1, 1), sequence="077"))
    with CaptureQueriesContext(connection) as queries:
        found = volunteers_by_document_hash([taken.document_hash, free, ""])
    assert len(queries) == 1
    assert list(found) == [taken.document_hash] and found[taken.document_hash].pk == taken.pk
    assert volunteers_by_document_hash([]) == {}


def test_a_batch_is_registered_like_single_registrations(registration_data):
    teen = id_number(date(TODAY.year - 15, 3, 1), sequence="031")
    entries = [
        _entry(registration_data, 11),
        _entry(registration_data, 12),
        BulkEntry(
            clean_volunteer_data(
                **registration_data(
                    document_number=teen, guardian=Guardian("王芳", "母子", "13900139000")
                ),
                today=TODAY,
                check_duplicate=False,
            ),
            timezone.make_aware(datetime(2024, 5, 1)),
        ),
    ]
    with CaptureQueriesContext(connection) as queries:
        created = register_volunteers(entries=entries, today=TODAY)
    assert len(queries) <= 8, [q["sql"][:80] for q in queries.captured_queries]
    assert [v.pk for v in created] == list(
        Volunteer.objects.filter(pk__in=[v.pk for v in created])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    stored = {v.pk: v for v in Volunteer.objects.filter(pk__in=[v.pk for v in created])}
    for volunteer, entry in zip(created, entries, strict=True):
        row = stored[volunteer.pk]
        assert row.number == volunteer.number and is_valid_volunteer_number(row.number)
        assert row.entered_by == "organization" and row.user is None
        assert row.consent_at == entry.consent_at
        assert crypto.decrypt(row.document_token) == entry.data.document.number
        assert row.document_hash == crypto.document_hash(entry.data.document.number)
        assert row.document_masked == entry.data.document.masked
        assert row.skills == ["first_aid"]
        assert row.service_categories == entry.data.service_categories == ["community", "elderly"]
    teen_row = stored[created[2].pk]
    assert teen_row.guardian_name == "王芳" and teen_row.guardian_consent_at is not None


def test_a_batch_with_a_document_taken_meanwhile_writes_nothing_and_gives_its_numbers_back(
    registration_data,
):
    entries = [_entry(registration_data, 21), _entry(registration_data, 22)]
    # Registered after the batch was checked (a concurrent registration won the race).
    register_volunteer(
        user=None,
        entered_by="organization",
        **registration_data(document_number=entries[1].data.document.number),
        today=TODAY,
    )
    before = VolunteerNumberSequence.objects.get(year=TODAY.year).last_value
    with pytest.raises(IntegrityError), transaction.atomic():
        register_volunteers(entries=entries, today=TODAY)
    assert Volunteer.objects.count() == 1
    assert VolunteerNumberSequence.objects.get(year=TODAY.year).last_value == before


def test_only_organizations_register_in_bulk(registration_data):
    with pytest.raises(ValidationError):
        register_volunteers(entries=[_entry(registration_data, 31)], entered_by="self")
    assert register_volunteers(entries=[]) == []
