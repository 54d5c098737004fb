"""Registering an organization: only real-name volunteers, validated input, status pending."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from organizations.models import Membership, Organization
from organizations.services import MAX_OPEN_REGISTRATIONS, register_organization
from tests.factories import OrganizationFactory, VolunteerFactory

from .conftest import login

URL = "/organizations/register/"


def form_data(tree, **overrides):
    data = {
        "name": "南郎家园青年志愿服务队",
        "type": "community_team",
        "district": tree.chaoyang.code,
        "street": tree.jianwai.code,
        "community": tree.nanlang.code,
        "contact_name": "王老师",
        "contact_phone": "010-65001234",
        "contact_email": "team@example.com",
        "description": "为社区老人提供助餐、陪伴服务。",
    }
    data.update(overrides)
    return data


def test_a_volunteer_registers_an_organization_that_waits_for_review(client, tree, volunteer):
    response = login(client, volunteer).post(URL, form_data(tree))

    organization = Organization.objects.get(name="南郎家园青年志愿服务队")
    assert response.status_code == 302
    assert response["Location"] == f"/organizations/{organization.pk}/manage/"
    assert organization.status == Organization.Status.PENDING
    assert organization.node == tree.nanlang
    assert organization.parent is None
    assert organization.created_by == volunteer.user
    assert organization.submitted_at is not None
    assert organization.contact_phone == "010-65001234"
    admin = Membership.objects.get(organization=organization)
    assert (admin.volunteer, admin.role, admin.status) == (volunteer, "admin", "approved")


def test_an_organization_may_belong_to_a_street_or_a_district(client, tree, volunteer):
    login(client, volunteer).post(
        URL, form_data(tree, name="朝阳区青年志愿者协会", street="", community="")
    )
    assert Organization.objects.get(name="朝阳区青年志愿者协会").node == tree.chaoyang


def test_the_contact_phone_may_be_a_mobile_and_is_normalised(client, tree, volunteer):
    login(client, volunteer).post(URL, form_data(tree, contact_phone="+86 138-0013-8000"))
    assert Organization.objects.get().contact_phone == "13800138000"


def test_bad_input_is_refused_in_chinese_and_nothing_typed_is_lost(client, tree, volunteer):
    data = form_data(tree, name="", type="", contact_phone="12345", contact_email="not-an-email")
    response = login(client, volunteer).post(URL, data)

    html = response.content.decode()
    assert response.status_code == 200
    assert not Organization.objects.exists()
    assert "请填写组织名称。" in html
    assert "请选择组织类型。" in html
    assert "请输入有效的手机号码或固定电话" in html
    assert "请输入有效的电子邮箱地址。" in html
    assert 'value="12345"' in html
    assert 'value="not-an-email"' in html
    assert "为社区老人提供助餐、陪伴服务。" in html
    assert f'<option value="{tree.nanlang.code}" selected>' in html


def test_the_street_must_belong_to_the_district(client, tree, volunteer):
    data = form_data(tree, district=tree.dongcheng.code, community="")
    response = login(client, volunteer).post(URL, data)

    assert response.status_code == 200
    assert "所选阵地不在可选范围内，请重新选择。" in response.content.decode()
    assert not Organization.objects.exists()


def test_a_district_is_required(client, tree, volunteer):
    data = form_data(tree, district="", street="", community="")
    response = login(client, volunteer).post(URL, data)
    assert "请选择所属的区。" in response.content.decode()
    assert not Organization.objects.exists()


def test_without_javascript_the_picker_refreshes_and_keeps_the_input(client, tree, volunteer):
    data = form_data(tree, street="", community="", refresh_nodes="1", contact_phone="bad")
    response = login(client, volunteer).post(URL, data)

    html = response.content.decode()
    assert response.status_code == 200
    assert not Organization.objects.exists()
    assert f'<option value="{tree.jianwai.code}">建外街道</option>' in html
    assert "东华门街道" not in html
    assert 'value="南郎家园青年志愿服务队"' in html
    assert "请输入有效的手机号码" not in html  # not validated yet: the person is still choosing


def test_the_htmx_picker_lists_the_children_of_the_chosen_level(client, tree):
    response = client.get(
        "/organizations/node-picker/",
        {"district": tree.chaoyang.code, "street": tree.chaowai.code},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith("<fieldset")
    assert "建外街道" in html and "朝外街道" in html
    assert "吉庆里社区居委会" in html
    assert "南郎家园社区居委会" not in html
    assert "东华门街道" not in html


def test_the_registration_form_asks_htmx_to_refresh_the_picker(client, tree, volunteer):
    html = login(client, volunteer).get(URL).content.decode()
    assert 'hx-get="/organizations/node-picker/' in html
    assert 'name="refresh_nodes"' in html
    assert volunteer.name in html  # the contact defaults to the registrant


def test_a_user_without_a_volunteer_record_is_told_to_register_first(client, tree, plain_user):
    client.force_login(plain_user)

    page = client.get(URL).content.decode()
    response = client.post(URL, form_data(tree))

    assert "只有完成实名注册的志愿者才能登记志愿服务组织" in page
    assert 'href="/me/"' in page
    assert '<form method="post" novalidate>' not in page
    assert response.status_code == 200
    assert not Organization.objects.exists()


def test_the_service_refuses_a_user_without_a_volunteer_record(tree, plain_user):
    with pytest.raises(ValidationError, match="实名注册"):
        register_organization(
            user=plain_user,
            name="某某志愿服务队",
            type="other",
            node=tree.nanlang,
            contact_name="王",
            contact_phone="13800138000",
        )


def test_a_closed_volunteer_cannot_register(tree):
    from django.utils import timezone

    closed = VolunteerFactory(closed_at=timezone.now())
    with pytest.raises(ValidationError, match="实名注册"):
        register_organization(
            user=closed.user,
            name="某某志愿服务队",
            type="other",
            node=tree.nanlang,
            contact_name="王",
            contact_phone="13800138000",
        )


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_name_already_registered_is_refused(client, tree, volunteer):
    OrganizationFactory(name="南郎家园青年志愿服务队")
    response = login(client, volunteer).post(URL, form_data(tree))
    assert "已有同名的志愿服务组织登记。" in response.content.decode()
    assert Organization.objects.count() == 1


def test_a_rejected_name_may_be_registered_again(client, tree, volunteer):
    OrganizationFactory(name="南郎家园青年志愿服务队", status="rejected")
    login(client, volunteer).post(URL, form_data(tree))
    assert Organization.objects.filter(status="pending").count() == 1


def test_a_volunteer_cannot_flood_the_review_queue(tree, volunteer):
    for n in range(MAX_OPEN_REGISTRATIONS):
        register_organization(
            user=volunteer.user,
            name=f"志愿服务队{n}",
            type="other",
            node=tree.nanlang,
            contact_name="王",
            contact_phone="13800138000",
        )
    with pytest.raises(ValidationError, match="正在审核中"):
        register_organization(
            user=volunteer.user,
            name="又一个志愿服务队",
            type="other",
            node=tree.nanlang,
            contact_name="王",
            contact_phone="13800138000",
        )
