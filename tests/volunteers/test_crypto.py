"""Encryption at rest, the keyed hash and key rotation."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from tests.factories import VolunteerFactory
from volunteers import crypto
from volunteers.models import Volunteer

RAW = "11010519491231002X"


def test_tokens_are_randomised_and_open_to_the_configured_keys():
    first, second = crypto.encrypt(RAW), crypto.encrypt(RAW)
    assert first != second and RAW not in first
    assert crypto.decrypt(first) == crypto.decrypt(second) == RAW


def test_the_hash_is_keyed(settings):
    before = crypto.document_hash(RAW)
    assert len(before) == 64 and before == crypto.document_hash(RAW)
    settings.DOCUMENT_HASH_KEY = "another-key"
    assert crypto.document_hash(RAW) != before


def test_a_bad_key_fails_loudly(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["not-a-fernet-key"]
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt(RAW)
    settings.FIELD_ENCRYPTION_KEYS = []
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt(RAW)


@pytest.mark.django_db
def test_rotation_re_encrypts_under_the_new_key_and_rehashes(settings, capsys):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    volunteer = VolunteerFactory(document_number=RAW)
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    settings.DOCUMENT_HASH_KEY = "rotated-hash-key"
    assert crypto.decrypt(volunteer.document_token) == RAW  # old tokens still open
    assert not crypto.is_current(volunteer.document_token)

    call_command("reencrypt_documents", "--dry-run")
    assert "would re-encrypt 1 of 1" in capsys.readouterr().out
    assert Volunteer.objects.get().document_token == volunteer.document_token

    call_command("reencrypt_documents")
    assert "re-encrypted 1 of 1" in capsys.readouterr().out
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is retired
    row = Volunteer.objects.get()
    assert crypto.decrypt(row.document_token) == RAW
    assert row.document_hash == crypto.document_hash(RAW)
    call_command("reencrypt_documents")
    assert "re-encrypted 0 of 1" in capsys.readouterr().out
