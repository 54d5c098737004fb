"""The volunteer's own pages: /me/ with its sections, corrections, the personal-data copy and
closing the account."""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

import pytest

from tests.factories import PASSWORD, UserFactory, VolunteerFactory
from volunteers.models import PersonalDataAccess, Volunteer
from volunteers.privacy import ExportSection, register_data_export, unregister_data_export
from volunteers.profile import register_profile_section, unregister_profile_section
from volunteers.services import verify_document

pytestmark = pytest.mark.django_db
RAW = "11010519491231002X"


@pytest.fixture
def volunteer(client, tree):
    volunteer = VolunteerFactory(
        name="张晓明",
        document_number=RAW,
        birth_date=date(1949, 12, 31),
        residence_node=tree.jianwai,
        skills=["first_aid"],
        service_categories=["elderly"],
    )
    client.force_login(volunteer.user)
    return volunteer


def edit_data(volunteer, **overrides):
    data = {
        "name": volunteer.name,
        "district": "110105",
        "residence_node": "110105001",
        "document_type": "id_card",
        "document_number": "",
        "phone": volunteer.phone,
        "email": "",
        "skills": ["first_aid"],
        "service_categories": ["elderly"],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_me_shows_the_record_with_the_masked_document(client, volunteer):
    html = client.get("/me/").content.decode()
    assert volunteer.number in html and "张晓明" in html
    assert "110105********002X" in html and RAW not in html
    assert "朝阳区 · 建外街道" in html and "急救" in html and "助老服务" in html
    assert 'href="/me/edit/"' in html and 'href="/me/data/"' in html and 'href="/me/close/"' in html


def test_me_is_in_the_navigation_for_signed_in_users(client, volunteer):
    assert '<a href="/me/">我的</a>' in client.get("/").content.decode()
    client.logout()
    assert '<a href="/me/">我的</a>' not in client.get("/").content.decode()


def test_apps_add_sections_to_me_through_the_registry(client, volunteer, settings):
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "DIRS": [*settings.TEMPLATES[0]["DIRS"], Path(__file__).parent / "templates"],
        }
    ]

    def hours(request, v):
        return {
            "template": "volunteers_tests/_section.html",
            "heading": "服务时长",
            "text": f"{v.number}: 12.5 小时",
        }

    def nothing(request, v):
        return None

    register_profile_section(hours, order=500)
    register_profile_section(nothing)
    try:
        html = client.get("/me/").content.decode()
    finally:
        unregister_profile_section(hours)
        unregister_profile_section(nothing)
    assert '<h2 id="test-section">服务时长</h2>' in html
    assert f"{volunteer.number}: 12.5 小时" in html


def test_a_correction_updates_the_record(client, volunteer, tree):
    response = client.post(
        "/me/edit/",
        edit_data(
            volunteer,
            phone="13800001111",
            district="110105",
            residence_node="110105002",
            skills=["law"],
        ),
    )
    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.phone == "13800001111"
    assert volunteer.residence_node == tree.chaowai
    assert volunteer.skills == ["law"]
    assert volunteer.document_masked == "110105********002X"  # kept: no number typed


def test_a_refused_correction_keeps_what_was_typed(client, volunteer):
    response = client.post(
        "/me/edit/", edit_data(volunteer, phone="1380000", email="new@example.com")
    )
    html = response.content.decode()
    assert "请输入有效的 11 位手机号码" in html and 'value="new@example.com"' in html
    assert RAW not in html


def test_the_edit_form_does_not_show_the_stored_number(client, volunteer):
    html = client.get("/me/edit/").content.decode()
    assert RAW not in html and "110105********002X" in html


def test_a_verified_document_cannot_be_changed_by_its_owner(client, volunteer, federation_admin):
    verify_document(volunteer=volunteer, by=federation_admin)
    html = client.get("/me/edit/").content.decode()
    assert 'name="name" value="张晓明"' in html and "disabled" in html
    response = client.post(
        "/me/edit/",
        edit_data(
            volunteer, name="李四", document_number="360426199101010071", phone="13800002222"
        ),
    )
    assert response.status_code == 302  # the locked fields are ignored, the rest is saved
    volunteer.refresh_from_db()
    assert volunteer.name == "张晓明" and volunteer.document_masked == "110105********002X"
    assert volunteer.phone == "13800002222"


def test_the_data_page_shows_every_registered_part_and_is_logged(client, volunteer):
    def memberships(v):
        return ExportSection(
            key="memberships",
            title="组织成员关系",
            records=[{"组织": "朝阳志愿服务队", "角色": "成员"}],
        )

    register_data_export(memberships, order=200)
    try:
        response = client.get("/me/data/")
    finally:
        unregister_data_export(memberships)
    html = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    for text in (
        "基本信息",
        volunteer.number,
        "张晓明",
        "110105********002X",
        "组织成员关系",
        "朝阳志愿服务队",
        "个人信息访问记录",
    ):
        assert text in html
    assert RAW not in html
    entry = PersonalDataAccess.objects.get()
    assert (entry.volunteer, entry.accessed_by, entry.action) == (
        volunteer,
        volunteer.user,
        "export_view",
    )


def test_the_download_is_json_with_everything_and_is_logged(client, volunteer):
    def hours(v):
        return {"hours": [{"activity": "敬老院探访", "hours": "2.5"}]}  # a plain dict works too

    register_data_export(hours, order=300)
    try:
        assert client.get("/me/data/download/").status_code == 405
        response = client.post("/me/data/download/")
    finally:
        unregister_data_export(hours)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    payload = json.loads(response.content)
    assert payload["volunteer_number"] == volunteer.number
    basic = payload["sections"]["volunteer"]["records"][0]
    assert basic["姓名"] == "张晓明" and basic["出生日期"] == "1949-12-31"
    assert basic["证件号码（完整）"] == RAW  # the person's own copy
    assert basic["专业技能"] == "急救"
    assert payload["sections"]["hours"]["records"] == [{"activity": "敬老院探访", "hours": "2.5"}]
    assert PersonalDataAccess.objects.get().action == "export_download"


def test_the_data_page_lists_who_revealed_the_number(client, volunteer, tree, staff_factory):
    from volunteers.services import reveal_document

    reveal_document(volunteer=volunteer, by=staff_factory(tree.jianwai))
    html = client.get("/me/data/").content.decode()
    assert "查看完整证件号码" in html and "建外街道工作人员" in html


def test_closing_needs_confirmation_and_the_password(client, volunteer):
    assert "注销后" in client.get("/me/close/").content.decode()
    html = client.post("/me/close/", {"password": PASSWORD}).content.decode()
    assert "请勾选确认后再注销" in html
    html = client.post("/me/close/", {"confirm": "on", "password": "wrong"}).content.decode()
    assert "密码不正确" in html
    volunteer.refresh_from_db()
    assert not volunteer.is_closed and volunteer.name == "张晓明"


def test_closing_anonymises_the_person_keeps_the_row_and_ends_the_login(client, volunteer, caplog):
    caplog.set_level(logging.DEBUG)
    user = volunteer.user
    email, phone = user.email, user.phone
    response = client.post("/me/close/", {"confirm": "on", "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    row = Volunteer.objects.get(pk=volunteer.pk)
    assert row.number == volunteer.number and row.closed_at is not None
    assert row.name == "已注销志愿者"
    assert (
        row.document_token,
        row.document_hash,
        row.document_masked,
        row.phone,
        row.birth_date,
    ) == ("", None, "", "", None)
    user.refresh_from_db()
    assert not user.is_active and user.email is None and user.phone is None
    for login in (email, phone):
        response = client.post("/accounts/login/", {"login": login, "password": PASSWORD})
        assert "_auth_user_id" not in client.session
    assert RAW not in caplog.text and "张晓明" not in caplog.text


def test_a_closed_account_is_gone_from_staff_lists_by_name(client, volunteer, federation_admin):
    client.post("/me/close/", {"confirm": "on", "password": PASSWORD})
    client.force_login(federation_admin)
    html = client.get(f"/volunteers/{volunteer.number}/").content.decode()
    assert "已注销" in html and "张晓明" not in html and "查看完整证件号码</button>" not in html
    assert client.get("/volunteers/?q=张晓明").content.decode().count(volunteer.number) == 0


def test_privacy_pages_are_only_for_the_owner(client, tree):
    other = VolunteerFactory(name="王秀英")
    user = UserFactory()
    client.force_login(user)  # signed in, not registered
    assert client.get("/me/data/")["Location"] == "/me/"
    assert client.post("/me/data/download/")["Location"] == "/me/"
    assert client.post("/me/close/", {"confirm": "on", "password": PASSWORD})["Location"] == "/me/"
    assert client.get("/me/edit/")["Location"] == "/me/register/"
    other.refresh_from_db()
    assert not other.is_closed and not PersonalDataAccess.objects.exists()


def test_me_costs_a_fixed_number_of_queries(
    client, volunteer, monkeypatch, django_assert_num_queries
):
    from volunteers import profile

    monkeypatch.setattr(profile, "_sections", [])  # other apps' sections pin their own counts
    client.get("/me/")
    # session, user, volunteer with residence node, residence ancestors
    with django_assert_num_queries(4):
        assert client.get("/me/").status_code == 200
