"""The demo volunteers go through the services and can be seeded twice."""

import pytest

from demo.seeds import accounts, volunteers
from volunteers import crypto
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db


def test_seeding_twice_creates_the_demo_volunteers_once(tree):
    accounts.seed()
    first = volunteers.seed()
    again = volunteers.seed()
    assert first == again
    # 110105003 (呼家楼街道) is not in the small test tree: that volunteer is skipped.
    assert Volunteer.objects.count() == 5
    minor = Volunteer.objects.get(user__email="teen@example.com")
    assert minor.guardian_name == "赵大勇" and minor.guardian_consent_at is not None
    checked = Volunteer.objects.get(user__email="volunteer@example.com")
    assert checked.document_verified
    assert crypto.decrypt(checked.document_token).startswith("11010519900312")
