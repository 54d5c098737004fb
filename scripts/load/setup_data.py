"""Data for `make load` (scripts/load/run.sh), on its scratch database: a station project with
two activities back to back at one station, and N volunteers (default 500) confirmed for both:

- 上午场 ended just now; every volunteer was checked in at its start (through
  attendance.services.check_in, with the code of that minute), so checking out writes a ledger
  entry of the full two hours. (A check-out minutes after a check-in writes none: a stay under
  16 minutes rounds to 0 hours, and the run lasts about a minute.)
- 下午场 starts in a few minutes: check-in is open (30 minutes before the start).

So the run is a shift change at an event: each volunteer checks in to 下午场 with the code on
the screen, then checks out of 上午场. Station staff show the codes (their code pages), a
federation admin views the dashboards, residents place orders at the station.

Sign-ins are sessions made here (the run measures check-ins, not password hashing), written as
JSON to stdout for the locustfile and the checks (scripts/load/report.py).
"""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "volunteer_hub.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from attendance.codes import current_code  # noqa: E402
from attendance.services import check_in, get_or_create_point  # noqa: E402
from civilization_stations.models import PracticeNode  # noqa: E402
from projects.models import Project, SignUp  # noqa: E402
from tests.factories import UserFactory, VolunteerFactory  # noqa: E402
from tests.projects.factories import ActivityFactory, ProjectFactory  # noqa: E402

STATION = os.environ.get("LOAD_STATION", "110105001024")  # 朝阳区 建外街道 南郎家园社区


def session_for(user: User) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def main() -> None:
    n = int(os.environ.get("LOAD_VOLUNTEERS", "500"))
    station = PracticeNode.objects.select_related("parent__parent").get(code=STATION)
    institute, center = station.parent, station.parent.parent
    now = timezone.now()
    with transaction.atomic():
        staff = UserFactory(name="南郎家园社区工作人员", staff_node=station, password=None)
        admin = UserFactory(name="联合会管理员", is_federation_admin=True, password=None)
        project = ProjectFactory(
            organization=None,
            publisher_node=station,
            node=station,
            node_path=station.path,
            title="负载测试：社区志愿服务日",
            status=Project.Status.IN_PROGRESS,
            starts_on=timezone.localdate() - timedelta(days=1),
            ends_on=timezone.localdate() + timedelta(days=1),
        )
        morning = ActivityFactory(
            project=project,
            title="上午场",
            starts_at=now - timedelta(hours=2),
            ends_at=now,
            quota=n,
        )
        afternoon = ActivityFactory(
            project=project,
            title="下午场",
            starts_at=now + timedelta(minutes=5),
            ends_at=now + timedelta(hours=3),
            quota=n,
        )
        volunteers = [VolunteerFactory(user__password=None) for _ in range(n)]
        SignUp.objects.bulk_create(
            SignUp(volunteer=v, project=project, activity=slot, status=SignUp.Status.CONFIRMED)
            for v in volunteers
            for slot in (morning, afternoon)
        )
    # The morning's check-ins, at its start, through the service (one transaction each).
    point = get_or_create_point(slot=morning)
    get_or_create_point(slot=afternoon)
    code = current_code(point, morning.starts_at)
    for volunteer in volunteers:
        check_in(volunteer=volunteer, slot=morning, code=code, now=morning.starts_at)
    data = {
        "created_at": now.isoformat(),
        "checkin_activity": afternoon.pk,
        "checkout_activity": morning.pk,
        "station": station.code,
        "staff_session": session_for(staff),
        "admin_session": session_for(admin),
        "dashboards": {
            "city": "/dashboard/",
            "center": f"/dashboard/{center.code}/",
            "institute": f"/dashboard/{institute.code}/",
            "station": f"/dashboard/{station.code}/",
        },
        "volunteers": [{"volunteer": v.pk, "session": session_for(v.user)} for v in volunteers],
    }
    json.dump(data, sys.stdout)


if __name__ == "__main__":
    main()
