"""Campaign creation and enrolment: the right organization, the wrong one, outside the nodes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from campaigns import services
from campaigns.models import Campaign, Enrolment


def test_the_projects_own_organization_enrols_and_the_owner_approves(cw):
    enrolment = services.enrol_project(actor=cw.admin, campaign=cw.campaign, project=cw.project)
    assert enrolment.status == Enrolment.Status.PENDING
    services.decide_enrolment(actor=cw.center_staff, enrolment=enrolment, approve=True)
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.APPROVED
    assert enrolment.decided_by == cw.center_staff and enrolment.decided_at is not None


def test_another_organizations_admin_cannot_enrol_the_project(cw):
    with pytest.raises(PermissionDenied):
        services.enrol_project(actor=cw.other_admin, campaign=cw.campaign, project=cw.project)
    assert not Enrolment.objects.exists()


def test_a_project_outside_the_covered_nodes_is_refused(cw):
    # 吉庆里 is in 朝外街道, the campaign covers 建外街道 only.
    with pytest.raises(ValidationError) as exc:
        services.enrol_project(
            actor=cw.jiqing_admin, campaign=cw.campaign, project=cw.jiqing_project
        )
    assert exc.value.code == "outside"
    assert "覆盖范围" in exc.value.messages[0]


def test_enrolling_twice_is_refused_but_a_rejected_project_may_ask_again(cw):
    enrolment = services.enrol_project(actor=cw.admin, campaign=cw.campaign, project=cw.project)
    with pytest.raises(ValidationError):
        services.enrol_project(actor=cw.admin, campaign=cw.campaign, project=cw.project)
    with pytest.raises(ValidationError):
        services.decide_enrolment(actor=cw.center_staff, enrolment=enrolment, approve=False)
    services.decide_enrolment(
        actor=cw.center_staff, enrolment=enrolment, approve=False, note="项目内容与主题不符"
    )
    again = services.enrol_project(actor=cw.admin, campaign=cw.campaign, project=cw.project)
    assert again.pk == enrolment.pk and again.status == Enrolment.Status.PENDING


def test_a_project_whose_dates_miss_the_period_is_refused(cw):
    cw.project.ends_on = cw.campaign.starts_on - timedelta(days=1)
    cw.project.starts_on = cw.project.ends_on - timedelta(days=5)
    cw.project.save()
    with pytest.raises(ValidationError) as exc:
        services.enrol_project(actor=cw.admin, campaign=cw.campaign, project=cw.project)
    assert exc.value.code == "dates"


@pytest.mark.parametrize("who", ["admin", "other_admin", "dongcheng_staff"])
def test_only_the_campaign_owner_decides(cw, who):
    enrolment = services.enrol_project(actor=cw.admin, campaign=cw.campaign, project=cw.project)
    with pytest.raises(PermissionDenied):
        services.decide_enrolment(actor=getattr(cw, who), enrolment=enrolment, approve=True)


def test_federation_admin_decides_any_campaign(cw, federation_admin):
    enrolment = services.enrol_project(actor=cw.admin, campaign=cw.campaign, project=cw.project)
    services.decide_enrolment(actor=federation_admin, enrolment=enrolment, approve=True)
    assert Enrolment.objects.get().status == Enrolment.Status.APPROVED


def test_campaigns_are_created_by_federation_admins_or_center_staff_only(cw, staff_factory):
    institute_staff = staff_factory(cw.tree.jianwai)
    for actor in (cw.admin, institute_staff):
        with pytest.raises(PermissionDenied):
            services.campaign_create(
                actor=actor,
                name="春运志愿服务",
                starts_on=cw.today,
                ends_on=cw.today,
                covered_nodes=[cw.tree.jianwai],
            )


def test_center_staff_cover_only_their_own_district(cw):
    with pytest.raises(ValidationError) as exc:
        services.campaign_create(
            actor=cw.center_staff,
            name="春运志愿服务",
            starts_on=cw.today,
            ends_on=cw.today,
            covered_nodes=[cw.tree.dongcheng],
        )
    assert "covered_nodes" in exc.value.message_dict


def test_bad_campaign_input_is_refused_with_messages(cw, federation_admin):
    with pytest.raises(ValidationError) as exc:
        services.campaign_create(
            actor=federation_admin,
            name="  ",
            starts_on=cw.today,
            ends_on=cw.today - timedelta(days=1),
            covered_nodes=[],
        )
    assert set(exc.value.message_dict) == {"name", "ends_on", "covered_nodes"}


def test_the_create_page_keeps_what_was_typed_on_error(cw, client):
    client.force_login(cw.center_staff)
    response = client.post(
        reverse("campaigns:create"),
        {
            "name": "春运志愿服务",
            "starts_on": "2026-02-01",
            "ends_on": "2026-01-01",
            "covered_nodes": [cw.tree.jianwai.code],
        },
    )
    assert response.status_code == 400
    assert "春运志愿服务" in response.content.decode()
    assert Campaign.objects.count() == 1


def test_enrol_and_decide_pages(cw, client):
    client.force_login(cw.admin)
    response = client.post(
        reverse("campaigns:enrol", args=[cw.campaign.pk]), {"project": cw.project.pk}
    )
    assert response.status_code == 302
    enrolment = Enrolment.objects.get()
    # Another district's staff and the organization admin cannot decide (404: not theirs).
    for user in (cw.dongcheng_staff, cw.admin):
        client.force_login(user)
        url = reverse("campaigns:decide", args=[enrolment.pk])
        assert client.post(url, {"decision": "approve"}).status_code == 404
    client.force_login(cw.center_staff)
    assert client.get(reverse("campaigns:manage", args=[cw.campaign.pk])).status_code == 200
    client.post(reverse("campaigns:decide", args=[enrolment.pk]), {"decision": "approve"})
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.APPROVED


def test_anonymous_users_are_sent_to_log_in_for_every_write(cw, client):
    for url in (
        reverse("campaigns:create"),
        reverse("campaigns:enrol", args=[cw.campaign.pk]),
        reverse("campaigns:site_create"),
        reverse("campaigns:benefits_manage"),
    ):
        response = client.post(url, {})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
