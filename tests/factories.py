"""factory_boy factories and the small hierarchy fixture. Apps add their factories here."""

from __future__ import annotations

from types import SimpleNamespace

import factory
from django.utils import timezone

from accounts.models import User
from civilization_stations.models import PracticeNode
from civilization_stations.services import load_divisions

PASSWORD = "correct-horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


SMALL_TREE_CSV = """code,name,level,parent_code
110101,东城区,district,11
110105,朝阳区,district,11
110101001,东华门街道,subdistrict,110101
110105001,建外街道,subdistrict,110105
110105002,朝外街道,subdistrict,110105
110101001001,多福巷社区居委会,community,110101001
110105001024,南郎家园社区居委会,community,110105001
110105001025,北郎家园社区居委会,community,110105001
110105002001,吉庆里社区居委会,community,110105002
110105002002,朝外大街社区居委会,community,110105002
"""


def load_tree() -> SimpleNamespace:
    load_divisions(data=SMALL_TREE_CSV.encode())
    n = {node.code: node for node in PracticeNode.objects.all()}
    return SimpleNamespace(
        dongcheng=n["110101"],
        donghuamen=n["110101001"],
        duofu=n["110101001001"],
        chaoyang=n["110105"],
        jianwai=n["110105001"],
        chaowai=n["110105002"],
        nanlang=n["110105001024"],
        beilang=n["110105001025"],
        jiqing=n["110105002001"],
        chaowaidajie=n["110105002002"],
    )


class VolunteerFactory(factory.django.DjangoModelFactory):
    """A registered volunteer with an account. Documents are stored as the volunteers app stores
    them (token, keyed hash, mask); tests that care about registration go through its services."""

    class Meta:
        model = "volunteers.Volunteer"

    class Params:
        # A valid mainland ID number matching birth_date and sex (override to choose one).
        document_number = factory.LazyAttributeSequence(
            lambda o, n: _id_number(o.birth_date, o.sex, n)
        )

    user = factory.SubFactory(UserFactory)
    number = factory.Sequence(lambda n: f"V{n:010d}")
    name = factory.Sequence(lambda n: f"志愿者{n}")
    document_type = "id_card"
    document_token = factory.LazyAttribute(lambda o: _crypto().encrypt(o.document_number))
    document_hash = factory.LazyAttribute(lambda o: _crypto().document_hash(o.document_number))
    document_masked = factory.LazyAttribute(
        lambda o: o.document_number[:6] + "*" * 8 + o.document_number[-4:]
    )
    birth_date = factory.LazyFunction(lambda: __import__("datetime").date(1990, 1, 1))
    sex = "F"
    phone = factory.SelfAttribute("user.phone")
    consent_at = factory.LazyFunction(lambda: _now())


def _crypto():
    from volunteers import crypto

    return crypto


def _now():
    from django.utils import timezone

    return timezone.now()


def _id_number(birth_date, sex: str, n: int) -> str:
    """Unique per sequence number: the address code varies, the sequence code carries the sex."""
    from volunteers.documents import check_char

    born = birth_date or __import__("datetime").date(1990, 1, 1)
    sequence = (n % 500) * 2 + (1 if sex == "M" else 0)
    first17 = f"{110105 + n // 500:06d}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "organizations.Organization"

    name = factory.Sequence(lambda n: f"志愿服务队{n}")
    type = "community_team"
    node = factory.LazyFunction(lambda: PracticeNode.objects.stations().first())
    contact_name = "王老师"
    contact_phone = "13700000000"
    status = "approved"
    submitted_at = factory.LazyFunction(timezone.now)


def make_org_admin(organization, volunteer=None):
    """A volunteer who is an approved admin of the organization; returns the volunteer."""
    from organizations.models import Membership

    volunteer = volunteer or VolunteerFactory()
    Membership.objects.create(
        organization=organization, volunteer=volunteer, role="admin", status="approved"
    )
    return volunteer
