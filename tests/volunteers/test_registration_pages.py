"""The registration page: who may register, errors that keep what was typed, the district →
street select with and without JavaScript, and the flow from signup."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory, VolunteerFactory
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db
RAW = "11010519491231002X"


def form_data(**overrides):
    data = {
        "name": "张晓明",
        "district": "110105",
        "residence_node": "110105001",
        "document_type": "id_card",
        "document_number": RAW,
        "phone": "13912345678",
        "email": "xiaoming@example.com",
        "skills": ["first_aid", "law"],
        "service_categories": ["elderly"],
        "consent": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def signed_in(client, tree):
    user = UserFactory()
    client.force_login(user)
    return user


def test_anonymous_visitors_are_sent_to_sign_in(client, tree):
    for url in ("/me/", "/me/register/", "/me/edit/", "/me/data/", "/me/close/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.post("/me/register/", form_data())
    assert "/accounts/login/" in response["Location"]
    assert not Volunteer.objects.exists()


def test_signup_leads_to_real_name_registration(client, tree):
    response = client.post(
        "/accounts/signup/",
        {
            "name": "李雷",
            "phone": "13912340000",
            "email": "lilei@example.com",
            "password1": "Vol-unteer-2024!",
            "password2": "Vol-unteer-2024!",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/me/register/"


def test_me_prompts_for_registration_when_there_is_none(client, signed_in):
    response = client.get("/me/")
    assert response.status_code == 200
    assert 'href="/me/register/"' in response.content.decode()


def test_the_registration_page_offers_the_account_mobile(client, signed_in):
    html = client.get("/me/register/").content.decode()
    assert f'value="{signed_in.phone}"' in html
    assert 'name="document_number"' in html
    assert 'hx-get="/volunteers/streets/"' in html


def test_registration_creates_the_record_for_the_signed_in_user(client, signed_in, tree):
    other = UserFactory()
    response = client.post("/me/register/", form_data(user=other.pk))  # a posted user is ignored
    assert response.status_code == 302 and response["Location"] == "/me/"
    volunteer = Volunteer.objects.get()
    assert volunteer.user == signed_in
    assert volunteer.residence_node == tree.jianwai
    assert volunteer.skills == ["first_aid", "law"]
    page = client.get("/me/").content.decode()
    assert volunteer.number in page and "110105********002X" in page
    assert RAW not in page


def test_a_registered_user_cannot_register_again(client, signed_in):
    VolunteerFactory(user=signed_in)
    assert client.get("/me/register/")["Location"] == "/me/"
    response = client.post("/me/register/", form_data())
    assert response.status_code == 302 and response["Location"] == "/me/"
    assert Volunteer.objects.count() == 1


def test_a_refused_form_keeps_what_was_typed_except_the_document_number(client, signed_in):
    response = client.post(
        "/me/register/",
        form_data(
            document_number="110105194912310021",
            guardian_name="张大山",
            guardian_relation="父亲",
        ),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "身份证号校验位不正确" in html
    assert 'value="张晓明"' in html
    assert 'value="13912345678"' in html
    assert 'value="xiaoming@example.com"' in html
    assert 'value="张大山"' in html and 'value="父亲"' in html
    assert '<option value="110105" selected>' in html
    assert '<option value="110105001" selected>' in html
    assert (
        '<input type="checkbox" name="skills" value="first_aid" id="id_skills_0" checked>' in html
    )
    assert '<input type="checkbox" name="skills" value="law" id="id_skills_3" checked>' in html
    assert '<input type="checkbox" name="consent" required id="id_consent" checked>' in html
    assert "110105194912310021" not in html  # the secret field is not echoed back
    # The number-derived fields do not nag when the number itself was wrong.
    assert "请填写出生日期" not in html and "请选择性别" not in html
    assert not Volunteer.objects.exists()


def test_every_error_shows_at_once_in_chinese(client, signed_in):
    response = client.post(
        "/me/register/",
        form_data(name="", phone="123", residence_node=None, consent=None, document_number=""),
    )
    html = response.content.decode()
    for message in (
        "请填写姓名",
        "请输入有效的 11 位手机号码",
        "请选择居住的区和街道（乡镇）",
        "请阅读并同意个人信息处理规则后再提交",
        "请填写证件号码",
    ):
        assert message in html


def test_a_duplicate_document_is_refused_without_saying_whose(client, signed_in):
    VolunteerFactory(name="王秀英", document_number=RAW)
    response = client.post("/me/register/", form_data(document_number=" 11010519491231002x "))
    html = response.content.decode()
    assert "该证件号码已经注册过志愿者" in html
    assert "王秀英" not in html
    assert Volunteer.objects.count() == 1


def test_other_documents_ask_for_birth_date_and_sex(client, signed_in):
    data = form_data(document_type="passport", document_number="E12345678")
    html = client.post("/me/register/", data).content.decode()
    assert "请填写出生日期" in html and "请选择性别" in html
    response = client.post("/me/register/", {**data, "birth_date": "1990-13-01", "sex": "M"})
    assert "请按 年-月-日 填写出生日期" in response.content.decode()
    response = client.post("/me/register/", {**data, "birth_date": "1990-05-06", "sex": "M"})
    assert response.status_code == 302
    volunteer = Volunteer.objects.get()
    assert (str(volunteer.birth_date), volunteer.sex, volunteer.document_masked) == (
        "1990-05-06",
        "M",
        "E******78",
    )


def test_a_minor_needs_a_guardian_and_a_child_is_refused(client, signed_in):
    from datetime import date

    from .conftest import id_number

    today = date.today()
    sixteen = id_number(today.replace(year=today.year - 16) - date.resolution * 3)
    html = client.post("/me/register/", form_data(document_number=sixteen)).content.decode()
    assert "未满 18 周岁需填写监护人姓名" in html
    twelve = id_number(today.replace(year=today.year - 12) - date.resolution * 3)
    html = client.post("/me/register/", form_data(document_number=twelve)).content.decode()
    assert "未满 14 周岁不能注册为志愿者" in html
    response = client.post(
        "/me/register/",
        form_data(
            document_number=sixteen,
            guardian_name="张大山",
            guardian_relation="父亲",
            guardian_phone="13700000001",
        ),
    )
    assert response.status_code == 302
    volunteer = Volunteer.objects.get()
    assert volunteer.guardian_name == "张大山" and volunteer.guardian_consent_at is not None


def test_a_street_of_another_district_is_refused(client, signed_in):
    response = client.post("/me/register/", form_data(residence_node="110101001"))
    assert "请选择所选区下的街道（乡镇）" in response.content.decode()
    response = client.post("/me/register/", form_data(residence_node="110105"))
    assert "请选择所选区下的街道（乡镇）" in response.content.decode()


def test_htmx_swaps_in_the_streets_of_the_chosen_district(client, tree):
    html = client.get(
        "/volunteers/streets/?district=110105", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert html.startswith('<div id="street-field">')
    assert "建外街道" in html and "朝外街道" in html and "东华门街道" not in html
    html = client.get("/volunteers/streets/?district=nope").content.decode()
    assert "<option" in html and "建外街道" not in html


def test_without_javascript_the_refresh_button_lists_the_streets_and_keeps_the_form(
    client, signed_in
):
    response = client.post(
        "/me/register/",
        form_data(district="110101", residence_node=None, refresh_streets="1"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "东华门街道" in html and "建外街道" not in html
    assert 'value="张晓明"' in html and 'value="xiaoming@example.com"' in html
    assert RAW not in html
    assert 'class="errorlist"' not in html  # a refresh is not a refusal
    assert not Volunteer.objects.exists()


def test_the_raw_number_is_in_no_table_no_log_and_no_page(
    client, signed_in, federation_admin, caplog
):
    import logging

    from django.db import connection

    caplog.set_level(logging.DEBUG)
    client.post("/me/register/", form_data(document_number="110105 19491231 002x"))
    volunteer = Volunteer.objects.get()
    pages = [client.get(url) for url in ("/me/", "/me/edit/", "/me/data/", "/")]
    client.force_login(federation_admin)
    pages += [client.get(url) for url in ("/volunteers/", f"/volunteers/{volunteer.number}/")]
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    pages.append(client.get(f"/admin/volunteers/volunteer/{volunteer.pk}/change/"))
    assert [page.status_code for page in pages] == [200] * len(pages)
    for page in pages:
        assert RAW not in page.content.decode()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            dump = repr(cursor.fetchall())
            assert RAW not in dump and RAW.lower() not in dump, table
    assert RAW not in caplog.text and "19491231002" not in caplog.text
