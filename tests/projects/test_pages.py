"""Whole journeys through the pages: an organization admin creates and submits a project, a
reviewer publishes it, a volunteer signs up (and joins a waitlist), the admin works the list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from projects import services
from projects.models import Activity, BusinessArea, Post, Project, Shift, SignUp
from tests.factories import OrganizationFactory, VolunteerFactory, make_org_admin
from tests.projects.factories import ActivityFactory, ProjectFactory, ShiftFactory, at, in_days

pytestmark = pytest.mark.django_db


def project_post_data(tree, **extra):
    data = {
        "title": "朝阳助老行动",
        "kind": "activities",
        "category": "elderly",
        "node": tree.nanlang.pk,
        "place": "南郎家园活动室",
        "starts_on": in_days(1).isoformat(),
        "ends_on": in_days(90).isoformat(),
        "description": "为独居老人提供陪伴",
        "work_content": "上门陪伴、读报",
        "volunteers_needed": 20,
        "risks": "注意交通安全",
        "required_skills": ["first_aid"],
        "min_age": 16,
    }
    data.update(extra)
    return data


def test_an_admin_creates_submits_and_a_reviewer_publishes(
    client, tree, org, org_admin, staff_factory
):
    client.force_login(org_admin)
    response = client.post(
        reverse("projects:create"), {"publisher": f"org:{org.pk}", **project_post_data(tree)}
    )
    project = Project.objects.get(title="朝阳助老行动")
    assert response.status_code == 302 and response["Location"] == reverse(
        "projects:console", args=[project.pk]
    )
    assert (
        project.organization == org
        and project.required_skills == ["first_aid"]
        and project.status == "draft"
    )

    response = client.post(
        reverse("projects:activity_create", args=[project.pk]),
        {
            "title": "周六陪伴",
            "starts_at": f"{in_days(2).isoformat()}T09:00",
            "ends_at": f"{in_days(2).isoformat()}T11:00",
            "place": "活动室",
            "quota": 3,
            "signup_mode": "open",
            "repeat": "weekly",
            "repeat_until": in_days(30).isoformat(),
        },
    )
    assert response.status_code == 302
    assert Activity.objects.filter(project=project).count() == 5

    client.post(reverse("projects:action", args=[project.pk, "submit"]))
    project.refresh_from_db()
    assert project.status == "pending_review"

    assert (
        client.get(reverse("projects:detail", args=[project.pk])).status_code == 200
    )  # the admin sees it
    client.logout()
    assert (
        client.get(reverse("projects:detail", args=[project.pk])).status_code == 404
    )  # not public yet

    client.force_login(staff_factory(tree.chaoyang))
    queue = client.get(reverse("projects:review_queue"))
    assert project in queue.context["page"].object_list
    response = client.post(
        reverse("projects:review_detail", args=[project.pk]), {"decision": "reject", "note": ""}
    )
    assert response.status_code == 200 and "请填写驳回理由" in response.content.decode()
    client.post(
        reverse("projects:review_detail", args=[project.pk]),
        {"decision": "approve", "note": "同意"},
    )
    project.refresh_from_db()
    assert project.status == "recruiting"
    client.logout()
    page = client.get(reverse("projects:detail", args=[project.pk]))
    assert page.status_code == 200 and "周六陪伴" in page.content.decode()


def test_bad_project_input_keeps_what_was_typed(client, tree, org, org_admin):
    client.force_login(org_admin)
    data = project_post_data(
        tree, ends_on=in_days(0).isoformat(), starts_on=in_days(5).isoformat(), title="保留的标题"
    )
    response = client.post(reverse("projects:create"), {"publisher": f"org:{org.pk}", **data})
    assert response.status_code == 200
    body = response.content.decode()
    assert "结束日期不能早于开始日期" in body and "保留的标题" in body
    assert not Project.objects.filter(title="保留的标题").exists()


def test_an_organization_may_not_serve_outside_its_district(client, tree, org, org_admin):
    client.force_login(org_admin)
    response = client.post(
        reverse("projects:create"),
        {"publisher": f"org:{org.pk}", **project_post_data(tree, node=tree.duofu.pk)},
    )
    assert response.status_code == 200 and response.context["form"].errors["node"]


def test_an_unapproved_organization_is_told_it_cannot_submit(client, tree):
    org = OrganizationFactory(node=tree.nanlang, status="pending")
    admin = make_org_admin(org).user
    project = ProjectFactory(organization=org, status="draft")
    client.force_login(admin)
    response = client.post(reverse("projects:action", args=[project.pk, "submit"]), follow=True)
    assert "尚未通过审核" in response.content.decode()
    project.refresh_from_db()
    assert project.status == "draft"


def test_station_staff_publish_a_station_project(client, tree, staff_factory):
    staff = staff_factory(tree.nanlang)
    client.force_login(staff)
    response = client.post(
        reverse("projects:create"),
        {"publisher": f"node:{tree.nanlang.pk}", **project_post_data(tree)},
    )
    assert response.status_code == 302
    project = Project.objects.get()
    assert project.organization is None and project.publisher_node == tree.nanlang
    assert client.get(reverse("projects:console", args=[project.pk])).status_code == 200


def test_a_volunteer_signs_up_then_meets_a_full_activity_and_joins_the_waitlist(
    client, project, volunteer
):
    activity = ActivityFactory(project=project, quota=1)
    client.force_login(volunteer.user)
    response = client.post(
        reverse("projects:activity_signup", args=[activity.pk]), {"note": "准时到"}
    )
    assert response.status_code == 302
    assert SignUp.objects.get(volunteer=volunteer).status == "confirmed"

    other = VolunteerFactory()
    client.force_login(other.user)
    response = client.post(
        reverse("projects:activity_signup", args=[activity.pk]), {"note": "想参加"}
    )
    body = response.content.decode()
    assert (
        response.status_code == 200
        and "名额已满" in body
        and "加入候补名单" in body
        and "想参加" in body
    )
    client.post(
        reverse("projects:activity_signup", args=[activity.pk]),
        {"note": "想参加", "waitlist": "True"},
    )
    assert SignUp.objects.get(volunteer=other).status == "waitlisted"


def test_a_refused_sign_up_shows_the_reason(client, project):
    activity = ActivityFactory(project=project, min_age=70)
    volunteer = VolunteerFactory()
    client.force_login(volunteer.user)
    response = client.post(reverse("projects:activity_signup", args=[activity.pk]), follow=True)
    assert "年满 70 周岁" in response.content.decode()
    assert not SignUp.objects.exists()


def test_an_account_without_a_volunteer_record_is_asked_to_register(client, activity, plain_user):
    client.force_login(plain_user)
    response = client.post(reverse("projects:activity_signup", args=[activity.pk]), follow=True)
    assert "实名注册" in response.content.decode()
    assert not SignUp.objects.exists()


def test_a_volunteer_cancels_from_my_signups_and_the_waitlist_moves(
    client, activity, volunteer, django_capture_on_commit_callbacks
):
    activity.quota = 1
    activity.save()
    mine = services.signup_create(volunteer=volunteer, activity=activity)
    waiting = services.signup_create(
        volunteer=VolunteerFactory(email="next@example.com"), activity=activity, join_waitlist=True
    )
    client.force_login(volunteer.user)
    page = client.get(reverse("projects:my_signups"))
    assert activity.title in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("projects:signup_cancel", args=[mine.pk]))
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"
    assert mail.outbox[-1].to == ["next@example.com"]


def test_the_admin_approves_rejects_and_marks_no_shows_from_the_list(client, project, org_admin):
    approval = ActivityFactory(project=project, signup_mode="approval")
    a = services.signup_create(volunteer=VolunteerFactory(), activity=approval)
    b = services.signup_create(volunteer=VolunteerFactory(), activity=approval)
    client.force_login(org_admin)
    listing = client.get(reverse("projects:activity_signups", args=[approval.pk]))
    assert a.volunteer.name in listing.content.decode()
    client.post(reverse("projects:signup_decide", args=[a.pk, "approve"]))
    client.post(reverse("projects:signup_decide", args=[b.pk, "reject"]), {"reason": "年龄不符"})
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, b.status, b.decision_note) == ("confirmed", "rejected", "年龄不符")
    response = client.post(reverse("projects:signup_decide", args=[a.pk, "no-show"]), follow=True)
    assert "还没有开始" in response.content.decode()
    Activity.objects.filter(pk=approval.pk).update(
        starts_at=at(in_days(-1), 9), ends_at=at(in_days(-1), 11)
    )
    client.post(reverse("projects:signup_decide", args=[a.pk, "no-show"]))
    a.volunteer.refresh_from_db()
    assert a.volunteer.no_show_count == 1
    client.post(reverse("projects:signup_decide", args=[a.pk, "undo-no-show"]))
    a.volunteer.refresh_from_db()
    assert a.volunteer.no_show_count == 0


def test_the_large_event_structure_is_built_and_shown(client, org, org_admin, tree):
    event = ProjectFactory(organization=org, kind="large_event", category="large_event")
    manager = VolunteerFactory()
    client.force_login(org_admin)
    client.post(
        reverse("projects:area_create", args=[event.pk]),
        {"name": "观众服务", "manager_number": manager.number},
    )
    area = BusinessArea.objects.get(project=event)
    assert area.manager == manager
    response = client.post(reverse("projects:area_create", args=[event.pk]), {"name": "观众服务"})
    assert "同名业务口" in response.content.decode()
    response = client.post(
        reverse("projects:area_edit", args=[area.pk]),
        {"name": "观众服务", "manager_number": "V-nobody"},
    )
    assert "没有找到该编号的志愿者" in response.content.decode()
    client.post(reverse("projects:post_create", args=[area.pk]), {"name": "入口引导", "quota": 4})
    post = Post.objects.get(area=area)
    day = in_days(4).isoformat()
    client.post(
        reverse("projects:shift_create", args=[post.pk]),
        {"starts_at": f"{day}T08:00", "ends_at": f"{day}T12:00"},
    )
    shift = Shift.objects.get(post=post)
    assert shift.quota == 4 and shift.project == event and shift.place == event.place
    response = client.post(
        reverse("projects:shift_create", args=[post.pk]),
        {"starts_at": f"{day}T12:00", "ends_at": f"{day}T08:00"},
    )
    assert "结束时间须晚于开始时间" in response.content.decode()
    client.logout()
    page = client.get(reverse("projects:detail", args=[event.pk])).content.decode()
    assert "观众服务" in page and "入口引导" in page and manager.name in page
    assert reverse("projects:shift_signup", args=[shift.pk]) in page


def test_activities_are_refused_on_a_large_event_and_areas_on_a_plain_project(
    client, project, org_admin
):
    event = ProjectFactory(organization=project.organization, kind="large_event")
    client.force_login(org_admin)
    assert client.get(reverse("projects:activity_create", args=[event.pk])).status_code == 404
    assert client.get(reverse("projects:area_create", args=[project.pk])).status_code == 404


def test_a_volunteer_asks_for_leave_and_the_manager_sees_it(client, tree):
    shift = ShiftFactory()
    manager = VolunteerFactory()
    BusinessArea.objects.filter(pk=shift.post.area_id).update(manager=manager)
    volunteer = VolunteerFactory()
    signup = services.signup_create(volunteer=volunteer, shift=shift)
    client.force_login(volunteer.user)
    response = client.post(reverse("projects:leave_request", args=[signup.pk]), {"reason": ""})
    assert response.status_code == 200 and "这个字段是必填项" in response.content.decode()
    client.post(reverse("projects:leave_request", args=[signup.pk]), {"reason": "临时出差"})
    client.force_login(manager.user)
    assert "临时出差" in client.get(reverse("projects:leaves")).content.decode()


def test_upcoming_activities_come_first_with_free_places(client, project):
    past = ActivityFactory(
        project=project,
        title="上月活动",
        starts_at=at(in_days(-20), 9),
        ends_at=at(in_days(-20), 11),
    )
    soon = ActivityFactory(
        project=project,
        title="明天活动",
        starts_at=at(in_days(1), 9),
        ends_at=at(in_days(1), 11),
        quota=4,
    )
    later = ActivityFactory(
        project=project, title="下周活动", starts_at=at(in_days(7), 9), ends_at=at(in_days(7), 11)
    )
    services.signup_create(volunteer=VolunteerFactory(), activity=soon)
    response = client.get(reverse("projects:detail", args=[project.pk]))
    data = response.context["page_data"]
    assert data.upcoming == [soon, later] and data.past == [past]
    assert data.upcoming[0].free_places() == 3


def test_the_project_page_query_count_does_not_grow_with_activities(
    client, project, volunteer, django_assert_num_queries
):
    for i in range(8):
        activity = ActivityFactory(
            project=project, starts_at=at(in_days(i + 1), 9), ends_at=at(in_days(i + 1), 10)
        )
        services.signup_create(volunteer=VolunteerFactory(), activity=activity)
    client.force_login(volunteer.user)
    # session, user, project, volunteer, membership check, upcoming, past, my sign-ups (+ savepoints none)
    with django_assert_num_queries(8):
        client.get(reverse("projects:detail", args=[project.pk]))


def test_federation_admins_mark_honours_from_the_project_page(client, project, federation_admin):
    client.force_login(federation_admin)
    client.post(reverse("projects:honours", args=[project.pk]), {"is_gold": "on"})
    project.refresh_from_db()
    assert project.is_gold and not project.is_city_demonstration


def test_the_node_page_shows_open_projects_below_it(client, tree, project):
    body = client.get(reverse("stations:node", args=[tree.jianwai.code])).content.decode()
    assert "招募中的项目" in body and project.title in body
    body = client.get(reverse("stations:node", args=[tree.dongcheng.code])).content.decode()
    assert project.title not in body and "这里暂时没有招募中的项目" in body


def test_the_nav_has_a_projects_entry(client, tree):
    assert reverse("projects:list") in client.get(reverse("stations:tree")).content.decode()


def test_empty_states(client, volunteer, roles):
    client.force_login(volunteer.user)
    assert "你还没有报名任何活动" in client.get(reverse("projects:my_signups")).content.decode()
    client.force_login(roles.org_admin)
    assert "还没有项目" in client.get(reverse("projects:manage")).content.decode()
    client.force_login(roles.federation_admin)
    assert "没有待审核的项目" in client.get(reverse("projects:review_queue")).content.decode()


def test_an_edit_after_rejection_shows_the_reason(client, org, org_admin, federation_admin):
    project = ProjectFactory(organization=org, status="pending_review")
    services.project_reject(reviewer=federation_admin, project=project, reason="补充风险说明")
    client.force_login(org_admin)
    assert (
        "补充风险说明" in client.get(reverse("projects:edit", args=[project.pk])).content.decode()
    )
    published = ProjectFactory(organization=org)
    response = client.get(reverse("projects:edit", args=[published.pk]), follow=True)
    assert "只有草稿状态的项目可以修改" in response.content.decode()


def test_activity_quota_cannot_drop_below_sign_ups(client, activity, org_admin):
    for _ in range(2):
        services.signup_create(volunteer=VolunteerFactory(), activity=activity)
    client.force_login(org_admin)
    data = {
        "title": activity.title,
        "starts_at": activity.starts_at.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (activity.starts_at + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "place": activity.place,
        "quota": 1,
        "signup_mode": "open",
    }
    response = client.post(reverse("projects:activity_edit", args=[activity.pk]), data)
    assert "名额不能少于已报名人数" in response.content.decode()


def test_my_signups_appear_on_the_volunteer_home_and_in_the_data_copy(client, activity, volunteer):
    services.signup_create(volunteer=volunteer, activity=activity, note="我会带老花镜")
    client.force_login(volunteer.user)
    me = client.get(reverse("volunteers:me")).content.decode()
    assert "我的报名" in me and activity.title in me
    data = client.get(reverse("volunteers:my_data")).content.decode()
    assert "报名记录" in data and "我会带老花镜" in data
