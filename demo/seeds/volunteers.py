"""Demo volunteers: accounts with real-name records across 朝阳区 and one in 东城区, registered
through the volunteers services (validation, encryption, volunteer numbers). The ID numbers are
made up, with valid check digits."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from accounts.models import User
from civilization_stations.models import PracticeNode
from demo.seeds.accounts import DEMO_PASSWORD
from volunteers.documents import check_char
from volunteers.models import Volunteer
from volunteers.services import Guardian, register_volunteer, verify_document

# email, mobile, name, birth date, sex sequence digit, street code, skills, categories
DEMO_VOLUNTEERS = [
    (
        "volunteer@example.com",
        "13800000010",
        "张晓明",
        date(1990, 3, 12),
        1,
        "110105001",
        ["first_aid", "computer"],
        ["community", "elderly"],
    ),
    (
        "volunteer2@example.com",
        "13800000011",
        "李秀兰",
        date(1962, 8, 1),
        2,
        "110105001",
        ["medical"],
        ["elderly", "health"],
    ),
    (
        "volunteer3@example.com",
        "13800000012",
        "王建国",
        date(1985, 11, 23),
        3,
        "110105002",
        ["law"],
        ["legal", "community"],
    ),
    (
        "volunteer4@example.com",
        "13800000013",
        "陈静",
        date(1998, 5, 6),
        4,
        "110105003",
        ["teaching", "foreign_language"],
        ["education", "children"],
    ),
    (
        "volunteer5@example.com",
        "13800000014",
        "刘洋",
        date(2001, 1, 30),
        5,
        "110101001",
        ["photography"],
        ["culture", "large_event"],
    ),
]
# A 16-year-old, registered with a guardian's consent.
MINOR = ("teen@example.com", "13800000015", "赵小雨", 16, 6, "110105001", ["art"], ["children"])


def _id_number(born: date, sequence: int) -> str:
    first17 = f"110105{born:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)


def _user(email: str, phone: str, name: str) -> User:
    user, created = User.objects.get_or_create(email=email, defaults={"phone": phone, "name": name})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def _register(email, phone, name, born, sequence, street, skills, categories, guardian=None):
    node = PracticeNode.objects.filter(code=street).first()
    if node is None:
        return None
    user = _user(email, phone, name)
    existing = Volunteer.objects.filter(user=user).first()
    if existing is not None:
        return existing
    return register_volunteer(
        user=user,
        name=name,
        document_type="id_card",
        document_number=_id_number(born, sequence),
        phone=phone,
        email=email,
        residence_node=node,
        skills=skills,
        service_categories=categories,
        guardian=guardian,
    )


@transaction.atomic
def seed() -> list[str]:
    lines = []
    for row in DEMO_VOLUNTEERS:
        volunteer = _register(*row)
        if volunteer is not None:
            lines.append(f"volunteer {volunteer.name} {volunteer.number}: {row[0]} / {row[1]}")
    email, phone, name, age, sequence, street, skills, categories = MINOR
    today = date.today()
    born = date(today.year - age, 1, 1)
    minor = _register(
        email,
        phone,
        name,
        born,
        sequence,
        street,
        skills,
        categories,
        guardian=Guardian("赵大勇", "父亲", "13800000016"),
    )
    if minor is not None:
        lines.append(f"volunteer (minor, guardian consent) {minor.name} {minor.number}: {email}")
    # The first demo volunteer's document has been checked in person by the station.
    admin = User.objects.filter(email="admin@example.com").first()
    first = Volunteer.objects.filter(user__email=DEMO_VOLUNTEERS[0][0]).first()
    if admin is not None and first is not None and not first.document_verified:
        verify_document(volunteer=first, by=admin)
    return lines
