"""Registration, correction and closing through the services (the same path the import uses)."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from tests.factories import UserFactory
from volunteers import crypto
from volunteers.models import PersonalDataAccess, Volunteer
from volunteers.services import (
    Guardian,
    close_volunteer,
    is_valid_volunteer_number,
    reveal_document,
    update_volunteer,
    verify_document,
)

from .conftest import TODAY, birthday, id_number

pytestmark = pytest.mark.django_db
RAW = "11010519491231002X"


def errors_of(call, *args, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as exc:
        call(*args, **kwargs)
    return exc.value.message_dict


def test_registration_stores_the_basic_record_with_the_derived_birth_date_and_sex(register):
    user = UserFactory()
    volunteer = register(user, birth_date=date(2000, 1, 1), sex="M")  # ignored: from the number
    volunteer.refresh_from_db()
    assert volunteer.user == user
    assert volunteer.name == "张晓明"
    assert (volunteer.birth_date, volunteer.sex) == (date(1949, 12, 31), "F")
    assert volunteer.document_masked == "110105********002X"
    assert volunteer.skills == ["first_aid"]
    assert volunteer.service_categories == ["community", "elderly"]  # vocabulary order
    assert volunteer.consent_at is not None
    assert volunteer.entered_by == "self"
    assert is_valid_volunteer_number(volunteer.number)
    assert RAW not in volunteer.number and "19491231" not in volunteer.number


def test_the_document_is_stored_encrypted_with_a_keyed_hash(register):
    volunteer = register(UserFactory())
    assert crypto.decrypt(volunteer.document_token) == RAW
    assert volunteer.document_hash == crypto.document_hash(RAW)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM volunteers_volunteer")
        rows = cursor.fetchall()
    dump = repr(rows)
    assert RAW not in dump and RAW.lower() not in dump and "194912310" not in dump


def test_the_raw_number_is_never_logged(register, caplog):
    caplog.set_level(logging.DEBUG)
    volunteer = register(UserFactory())
    with pytest.raises(ValidationError):
        register(UserFactory(), document_number=RAW.lower())
    reveal_document(volunteer=volunteer, by=UserFactory(is_federation_admin=True))
    assert caplog.records  # the registration and the reveal were logged…
    assert RAW not in caplog.text and "194912310" not in caplog.text  # …without the number


def test_volunteer_numbers_are_sequential_within_a_year_and_carry_a_check_digit(register):
    first = register(UserFactory())
    second = register(UserFactory(), document_number="360426199101010071")
    assert first.number.startswith("BJ2026") and len(first.number) == 14
    assert int(second.number[6:13]) == int(first.number[6:13]) + 1
    assert is_valid_volunteer_number(second.number)
    assert not is_valid_volunteer_number(
        second.number[:-1] + str((int(second.number[-1]) + 1) % 10)
    )


@pytest.mark.parametrize("typed", [RAW, RAW.lower(), f"  {RAW} ", "110105 19491231 002x"])
def test_the_same_document_cannot_register_twice(register, typed):
    register(UserFactory())
    errors = errors_of(register, UserFactory(), document_number=typed, name="李四")
    assert errors["document_number"][0].startswith("该证件号码已经注册过志愿者")
    assert "张晓明" not in str(errors)  # does not reveal whose it is
    assert Volunteer.objects.count() == 1


def test_an_account_registers_once(register):
    user = UserFactory()
    register(user)
    with pytest.raises(ValidationError, match="已经登记过"):
        register(user, document_number="360426199101010071")


def test_self_registration_needs_an_active_account(register):
    with pytest.raises(ValidationError, match="先登录"):
        register(None)
    with pytest.raises(ValidationError, match="已停用"):
        register(UserFactory(is_active=False))


def test_an_organization_may_enter_a_record_without_an_account(register):
    volunteer = register(None, entered_by="organization")
    assert volunteer.user is None and volunteer.entered_by == "organization"
    assert volunteer.consent_at is not None  # defaults to now when not given


def test_all_field_errors_come_back_at_once(register, tree):
    errors = errors_of(
        register,
        UserFactory(),
        name="张3",
        document_number="110105194912310021",
        phone="12345",
        residence_node=tree.chaoyang,
        skills=["juggling"],
        service_categories=["nope"],
        email="not-an-email",
    )
    assert errors["name"] == ["姓名只能包含文字，可用空格或“·”分隔，不能包含数字或符号"]
    assert errors["document_number"] == ["身份证号校验位不正确"]
    assert errors["phone"] == ["请输入有效的 11 位手机号码"]
    assert errors["residence_node"] == ["请选择居住的街道（乡镇），不能只选区"]
    assert errors["skills"] == ["未知的专业技能：juggling"]
    assert errors["service_categories"] == ["未知的服务类别：nope"]
    assert "email" in errors


@pytest.mark.parametrize(
    "name", ["阿依古丽·买买提", "John Smith", "Mary-Jane O'Neil", "J. R. Smith"]
)
def test_names_of_every_script_are_accepted(register, name):
    assert register(UserFactory(), name=name).name == name


def test_documents_without_a_birth_date_need_birth_date_and_sex(register):
    errors = errors_of(
        register, UserFactory(), document_type="passport", document_number="E12345678"
    )
    assert errors["birth_date"] == ["请填写出生日期"]
    assert errors["sex"] == ["请选择性别"]
    errors = errors_of(
        register,
        UserFactory(),
        document_type="passport",
        document_number="E12345678",
        birth_date=date(2030, 1, 1),
        sex="F",
    )
    assert errors["birth_date"] == ["出生日期晚于今天"]
    volunteer = register(
        UserFactory(),
        document_type="hm_permit",
        document_number="h12345678",
        birth_date=date(1990, 5, 6),
        sex="M",
    )
    assert (volunteer.birth_date, volunteer.sex, volunteer.document_masked) == (
        date(1990, 5, 6),
        "M",
        "H******78",
    )


# Age limits at their exact boundaries: the day before and on the 14th and the 18th birthday.
BORN = date(2008, 6, 16)


@pytest.mark.parametrize(
    ("today", "outcome"),
    [
        (birthday(BORN, 14) - date.resolution, "under_14"),
        (birthday(BORN, 14), "guardian"),
        (birthday(BORN, 18) - date.resolution, "guardian"),
        (birthday(BORN, 18), "adult"),
    ],
)
@pytest.mark.parametrize("source", ["document", "typed"])
def test_age_limits_hold_at_the_exact_birthdays(register, today, outcome, source):
    if source == "document":
        kwargs = {"document_number": id_number(BORN)}
        field = "document_number"
    else:
        kwargs = {
            "document_type": "passport",
            "document_number": "E12345678",
            "birth_date": BORN,
            "sex": "F",
        }
        field = "birth_date"
    if outcome == "under_14":
        errors = errors_of(register, UserFactory(), today=today, **kwargs)
        assert errors[field][0].startswith("未满 14 周岁不能注册为志愿者")
    elif outcome == "guardian":
        errors = errors_of(register, UserFactory(), today=today, **kwargs)
        assert errors["guardian_name"] == ["未满 18 周岁需填写监护人姓名"]
        assert errors["guardian_relation"] == ["请填写与监护人的关系"]
        assert errors["guardian_phone"] == ["未满 18 周岁需填写监护人手机号"]
        guardian = Guardian("张大山", "父亲", "13700000001")
        volunteer = register(UserFactory(), today=today, guardian=guardian, **kwargs)
        assert volunteer.guardian_name == "张大山"
        assert volunteer.guardian_consent_at is not None
    else:
        guardian = Guardian("张大山", "父亲", "13700000001")  # not needed: dropped
        volunteer = register(UserFactory(), today=today, guardian=guardian, **kwargs)
        assert volunteer.guardian_name == "" and volunteer.guardian_consent_at is None


def test_a_guardian_mobile_is_checked(register):
    errors = errors_of(
        register,
        UserFactory(),
        document_number=id_number(date(2010, 1, 1)),
        guardian=Guardian("张大山", "父亲", "123"),
    )
    assert errors == {"guardian_phone": ["请输入有效的 11 位手机号码"]}


def test_a_correction_keeps_the_document_when_no_number_is_typed(register, tree):
    volunteer = register(UserFactory())
    update_volunteer(
        volunteer=volunteer,
        name="张晓明",
        phone="13800001111",
        residence_node=tree.nanlang,
        skills=["law"],
        today=TODAY,
    )
    volunteer.refresh_from_db()
    assert volunteer.phone == "13800001111" and volunteer.residence_node == tree.nanlang
    assert crypto.decrypt(volunteer.document_token) == RAW


def test_a_correction_can_fix_an_unverified_document(register, tree):
    volunteer = register(UserFactory())
    update_volunteer(
        volunteer=volunteer,
        name="张晓明",
        document_number="360426199101010071",
        phone="13912345678",
        residence_node=tree.jianwai,
        today=TODAY,
    )
    volunteer.refresh_from_db()
    assert volunteer.document_hash == crypto.document_hash("360426199101010071")
    assert (volunteer.birth_date, volunteer.sex) == (date(1991, 1, 1), "M")
    # The old number is free again; the new one is taken.
    register(UserFactory())
    with pytest.raises(ValidationError, match="已经注册过"):
        register(UserFactory(), document_number="360426199101010071")


def test_a_verified_document_and_name_are_locked(register, tree, federation_admin):
    volunteer = register(UserFactory())
    verify_document(volunteer=volunteer, by=federation_admin)
    common = {"phone": "13912345678", "residence_node": tree.jianwai, "today": TODAY}
    errors = errors_of(
        update_volunteer,
        volunteer=volunteer,
        name="李四",
        document_number="360426199101010071",
        **common,
    )
    assert set(errors) == {"name", "document_number"}
    # Retyping the same number (in another spelling) is not a change.
    update_volunteer(volunteer=volunteer, name="张晓明", document_number=RAW.lower(), **common)


def test_changing_the_document_type_needs_the_number_again(register, tree):
    volunteer = register(UserFactory())
    errors = errors_of(
        update_volunteer,
        volunteer=volunteer,
        name="张晓明",
        document_type="passport",
        phone="13912345678",
        residence_node=tree.jianwai,
    )
    assert errors == {"document_number": ["更改证件类型时请重新填写完整的证件号码"]}


def test_reveal_is_logged_and_refused_outside_the_scope(register, tree, staff_factory):
    volunteer = register(UserFactory())  # lives in 建外街道
    staff = staff_factory(tree.chaoyang)
    assert reveal_document(volunteer=volunteer, by=staff, ip_address="10.0.0.1") == RAW
    entry = PersonalDataAccess.objects.get()
    assert (entry.volunteer, entry.accessed_by, entry.action, entry.ip_address) == (
        volunteer,
        staff,
        "reveal_document",
        "10.0.0.1",
    )
    for outsider in (staff_factory(tree.chaowai), staff_factory(tree.dongcheng), UserFactory()):
        with pytest.raises(PermissionDenied):
            reveal_document(volunteer=volunteer, by=outsider)
        with pytest.raises(PermissionDenied):
            verify_document(volunteer=volunteer, by=outsider)
    assert PersonalDataAccess.objects.count() == 1


def test_closing_anonymises_the_person_and_keeps_the_row(register):
    user = UserFactory(email="zhang@example.com", phone="13912345678")
    volunteer = register(
        user,
        document_number=id_number(date(2010, 1, 1)),
        guardian=Guardian("张大山", "父亲", "13700000001"),
    )
    close_volunteer(volunteer=volunteer)
    volunteer = Volunteer.objects.get(pk=volunteer.pk)
    assert volunteer.closed_at is not None and volunteer.number
    assert volunteer.name == "已注销志愿者"
    assert (volunteer.document_token, volunteer.document_hash, volunteer.document_masked) == (
        "",
        None,
        "",
    )
    assert (volunteer.phone, volunteer.email, volunteer.birth_date) == ("", "", None)
    assert (volunteer.guardian_name, volunteer.guardian_phone, volunteer.guardian_consent_at) == (
        "",
        "",
        None,
    )
    user.refresh_from_db()
    assert not user.is_active and not user.has_usable_password()
    assert (user.email, user.phone, user.name) == (None, None, "")
    # The same person may register again later, with a new account.
    register(
        UserFactory(),
        document_number=id_number(date(2010, 1, 1)),
        guardian=Guardian("张大山", "父亲", "13700000001"),
    )
