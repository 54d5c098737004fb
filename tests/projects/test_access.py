"""Every write from the wrong role: anonymous (sent to log in), a volunteer, another
organization's admin, staff of another district. Nothing changes and ids are not revealed."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.urls import reverse

from projects import services
from projects.models import Activity, BusinessArea, LeaveRequest, Post, Project, Shift, SignUp
from tests.factories import VolunteerFactory
from tests.projects.factories import (
    ActivityFactory,
    AreaFactory,
    PostFactory,
    ProjectFactory,
    ShiftFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(org, tree):
    draft = ProjectFactory(organization=org, status=Project.Status.DRAFT)
    pending = ProjectFactory(organization=org, status=Project.Status.PENDING_REVIEW)
    project = ProjectFactory(organization=org)
    activity = ActivityFactory(project=project, signup_mode="approval")
    signup = services.signup_create(volunteer=VolunteerFactory(), activity=activity)
    event = ProjectFactory(organization=org, kind="large_event", category="large_event")
    area = AreaFactory(project=event)
    post = PostFactory(area=area)
    shift = ShiftFactory(post=post)
    shift_signup = services.signup_create(volunteer=VolunteerFactory(), shift=shift)
    leave = services.leave_request_create(signup=shift_signup, reason="有事")
    return SimpleNamespace(
        draft=draft,
        pending=pending,
        project=project,
        activity=activity,
        signup=signup,
        event=event,
        area=area,
        post=post,
        shift=shift,
        shift_signup=shift_signup,
        leave=leave,
    )


def snapshot():
    return {
        "projects": sorted(Project.objects.values_list("pk", "status", "title", "is_gold")),
        "activities": sorted(Activity.objects.values_list("pk", "title", "quota")),
        "areas": sorted(BusinessArea.objects.values_list("pk", "name")),
        "posts": Post.objects.count(),
        "shifts": Shift.objects.count(),
        "signups": sorted(SignUp.objects.values_list("pk", "status")),
        "leaves": sorted(LeaveRequest.objects.values_list("pk", "status")),
    }


WRITES = [
    ("projects:edit", lambda w: [w.draft.pk], {"title": "改名"}),
    ("projects:action", lambda w: [w.draft.pk, "submit"], {}),
    ("projects:action", lambda w: [w.project.pk, "finish"], {}),
    ("projects:activity_create", lambda w: [w.project.pk], {"title": "x"}),
    ("projects:activity_edit", lambda w: [w.activity.pk], {"title": "x"}),
    ("projects:activity_delete", lambda w: [w.activity.pk], {}),
    ("projects:area_create", lambda w: [w.event.pk], {"name": "新业务口"}),
    ("projects:area_edit", lambda w: [w.area.pk], {"name": "改名"}),
    ("projects:post_create", lambda w: [w.area.pk], {"name": "新岗位", "quota": 2}),
    (
        "projects:shift_create",
        lambda w: [w.post.pk],
        {"starts_at": "2030-01-01T08:00", "ends_at": "2030-01-01T09:00"},
    ),
    ("projects:shift_delete", lambda w: [w.shift.pk], {}),
    ("projects:signup_decide", lambda w: [w.signup.pk, "approve"], {}),
    ("projects:signup_decide", lambda w: [w.signup.pk, "reject"], {"reason": "x"}),
    ("projects:leave_decide", lambda w: [w.leave.pk], {"decision": "approve"}),
    ("projects:review_detail", lambda w: [w.pending.pk], {"decision": "approve"}),
    ("projects:honours", lambda w: [w.project.pk], {"is_gold": "on"}),
    ("projects:signup_cancel", lambda w: [w.signup.pk], {}),
    ("projects:leave_request", lambda w: [w.shift_signup.pk], {"reason": "x"}),
]
READS = [
    ("projects:console", lambda w: [w.project.pk]),
    ("projects:activity_signups", lambda w: [w.activity.pk]),
    ("projects:shift_signups", lambda w: [w.shift.pk]),
    ("projects:review_detail", lambda w: [w.pending.pk]),
    ("projects:detail", lambda w: [w.draft.pk]),
]
WRONG = ["volunteer", "other_org_admin", "dongcheng_staff"]


@pytest.mark.parametrize("write", WRITES, ids=[w[0] + str(i) for i, w in enumerate(WRITES)])
def test_anonymous_writes_go_to_login_and_change_nothing(client, world, write):
    name, args, data = write
    before = snapshot()
    response = client.post(reverse(name, args=args(world)), data)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert snapshot() == before


@pytest.mark.parametrize("write", WRITES, ids=[w[0] + str(i) for i, w in enumerate(WRITES)])
def test_wrong_roles_get_not_found_and_change_nothing(client, world, roles, write):
    name, args, data = write
    before = snapshot()
    for who in WRONG:
        client.force_login(getattr(roles, who))
        response = client.post(reverse(name, args=args(world)), data)
        assert response.status_code == 404, who
    assert snapshot() == before


@pytest.mark.parametrize("read", READS, ids=[r[0] for r in READS])
def test_wrong_roles_cannot_see_consoles_or_unpublished_projects(client, world, roles, read):
    name, args = read
    for who in WRONG:
        client.force_login(getattr(roles, who))
        assert client.get(reverse(name, args=args(world))).status_code == 404, who


def test_the_org_admin_may_not_review_their_own_project(client, world, roles):
    client.force_login(roles.org_admin)
    assert (
        client.post(
            reverse("projects:review_detail", args=[world.pending.pk]), {"decision": "approve"}
        ).status_code
        == 404
    )


def test_creating_a_project_needs_a_publisher_role(client, roles):
    for who in ("volunteer", "federation_admin"):
        client.force_login(getattr(roles, who))
        assert client.get(reverse("projects:create")).status_code == 403


def test_an_admin_cannot_publish_as_another_organization(client, world, roles, org):
    client.force_login(roles.other_org_admin)
    before = Project.objects.count()
    response = client.post(
        reverse("projects:create"), {"publisher": f"org:{org.pk}", "title": "冒名"}
    )
    assert response.status_code == 200
    assert response.context["publisher_form"].errors["publisher"]
    assert Project.objects.count() == before


def test_the_review_queue_is_for_staff_and_federation_admins(client, roles, world):
    client.force_login(roles.volunteer)
    assert client.get(reverse("projects:review_queue")).status_code == 403
    client.force_login(roles.dongcheng_staff)
    response = client.get(reverse("projects:review_queue"))
    assert world.pending not in response.context["page"].object_list
    client.force_login(roles.chaoyang_staff)
    assert world.pending in client.get(reverse("projects:review_queue")).context["page"].object_list


def test_a_volunteer_cannot_sign_up_for_an_unpublished_project(client, org, volunteer):
    hidden = ActivityFactory(project=ProjectFactory(organization=org, status=Project.Status.DRAFT))
    client.force_login(volunteer.user)
    assert client.post(reverse("projects:activity_signup", args=[hidden.pk])).status_code == 404
    assert not SignUp.objects.exists()


def test_the_area_manager_decides_leave_only_in_their_area(client, world, roles):
    manager = VolunteerFactory()
    world.area.manager = manager
    world.area.save()
    other_area_manager = VolunteerFactory()
    AreaFactory(project=world.event, manager=other_area_manager)
    client.force_login(other_area_manager.user)
    assert (
        client.post(
            reverse("projects:leave_decide", args=[world.leave.pk]), {"decision": "approve"}
        ).status_code
        == 404
    )
    client.force_login(manager.user)
    client.post(reverse("projects:leave_decide", args=[world.leave.pk]), {"decision": "approve"})
    world.leave.refresh_from_db()
    world.shift_signup.refresh_from_db()
    assert world.leave.status == "approved" and world.shift_signup.status == "cancelled"
