"""Demo accounts: a federation admin and station staff at each level of one district."""

from accounts.models import User
from civilization_stations.models import PracticeNode

DEMO_PASSWORD = "demo-pass-2024"  # noqa: S105 - documented demo credential, DEBUG only


def _user(email: str, phone: str, name: str, **extra) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"phone": phone, "name": name, **extra}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def seed() -> list[str]:
    lines = []
    _user(
        "admin@example.com",
        "13800000001",
        "联合会管理员",
        is_federation_admin=True,
        is_staff=True,
        is_superuser=True,
    )
    lines.append("federation admin: admin@example.com / 13800000001")
    for email, phone, code in (
        ("center@example.com", "13800000002", "110105"),  # 朝阳区 center
        ("institute@example.com", "13800000003", "110105001"),  # 建外街道 institute
        ("station@example.com", "13800000004", "110105001024"),  # 南郎家园社区 station
    ):
        node = PracticeNode.objects.filter(code=code).first()
        if node:
            _user(email, phone, f"{node.name}工作人员", staff_node=node)
            lines.append(f"station staff of {node.name}: {email} / {phone}")
    return lines
