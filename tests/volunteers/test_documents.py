"""Document rules of DOMAIN.md §5: formats, check digits, dates, masks, normalisation."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from volunteers.documents import (
    FOREIGN_PR,
    HM_PERMIT,
    HMT_RESIDENCE,
    MAINLAND_ID,
    PASSPORT,
    TW_PERMIT,
    age_on,
    check_char,
    mask_document,
    normalize_document_number,
    validate_document,
)

TODAY = date(2026, 6, 15)


def with_check(first17: str) -> str:
    return first17 + check_char(first17)


def with_wrong_check(first17: str) -> str:
    return first17 + next(c for c in "10X98765432" if c != check_char(first17))


def refused(document_type: str, number: str) -> str:
    with pytest.raises(ValidationError) as exc:
        validate_document(document_type, number, today=TODAY)
    return exc.value.messages[0]


def test_it_accepts_the_domain_vectors_and_derives_birth_date_and_sex():
    first = validate_document(MAINLAND_ID, "11010519491231002X", today=TODAY)
    assert (first.birth_date, first.sex) == (date(1949, 12, 31), "F")
    second = validate_document(MAINLAND_ID, "360426199101010071", today=TODAY)
    assert (second.birth_date, second.sex) == (date(1991, 1, 1), "M")


def test_it_rejects_a_bad_check_digit():
    assert refused(MAINLAND_ID, "110105194912310021") == "身份证号校验位不正确"


@pytest.mark.parametrize(
    "number",
    [
        "11010519491231002x",
        " 11010519491231002X ",
        "110105 19491231 002x",
        "１１０１０５１９４９１２３１００２Ｘ",
    ],
)
def test_it_normalises_spaces_lowercase_x_and_full_width_digits(number):
    assert validate_document(MAINLAND_ID, number, today=TODAY).number == "11010519491231002X"


def test_normalising_keeps_other_characters_for_the_format_check():
    assert normalize_document_number(" e12-34 ") == "E12-34"


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("", "请填写证件号码"),
        ("11010519491231002", "身份证号应为 18 位：前 17 位是数字，最后一位是数字或 X"),
        ("1101051949123100X2", "身份证号应为 18 位：前 17 位是数字，最后一位是数字或 X"),
        (with_check("11010519490230002"), "身份证号中的出生日期不存在"),
        (with_check("11010519491301002"), "身份证号中的出生日期不存在"),
        (with_check("11010520260616002"), "身份证号中的出生日期晚于今天"),
        (with_check("11010518991231002"), "身份证号中的出生日期早于 1900 年，请核对"),
    ],
)
def test_it_rejects_bad_mainland_numbers_with_a_specific_message(number, message):
    assert refused(MAINLAND_ID, number) == message


def test_a_leap_day_birth_date_is_possible_in_a_leap_year_only():
    assert validate_document(MAINLAND_ID, with_check("11010520000229002"), today=TODAY)
    assert refused(MAINLAND_ID, with_check("11010519000229002")) == "身份证号中的出生日期不存在"


def test_a_birth_date_of_today_is_accepted():
    parsed = validate_document(MAINLAND_ID, with_check("11010520260615001"), today=TODAY)
    assert parsed.birth_date == TODAY


def test_an_unknown_or_retired_address_code_is_accepted():
    # 110102 (西城区) is current; 110103 (崇文区) was merged away in 2010; 999… is not a place.
    for prefix in ("110103", "110104", "500000"):
        assert validate_document(MAINLAND_ID, with_check(prefix + "19800101001"), today=TODAY)


def test_a_residence_permit_or_foreign_number_typed_as_mainland_id_is_pointed_to_its_type():
    assert "港澳台居民居住证" in refused(MAINLAND_ID, with_check("81000019800101001"))
    assert "外国人永久居留身份证" in refused(MAINLAND_ID, with_check("91115619800101001"))


@pytest.mark.parametrize("address", ["810000", "820000", "830000"])
def test_hmt_residence_permits_use_the_id_format_with_their_address_codes(address):
    parsed = validate_document(HMT_RESIDENCE, with_check(address + "19800101002"), today=TODAY)
    assert (parsed.birth_date, parsed.sex) == (date(1980, 1, 1), "F")
    assert parsed.masked == address + "********" + parsed.number[-4:]


@pytest.mark.parametrize(
    ("number", "fragment"),
    [
        ("11010519491231002X", "以 810000（香港）、820000（澳门）或 830000（台湾）开头"),
        ("81000019800101001", "应为 18 位"),
        (with_wrong_check("81000019800101001"), "居住证号码校验位不正确"),
        (with_check("82000019801301001"), "居住证号码中的出生日期不存在"),
        (with_check("83000020300101001"), "居住证号码中的出生日期晚于今天"),
    ],
)
def test_it_rejects_bad_hmt_residence_permits(number, fragment):
    assert fragment in refused(HMT_RESIDENCE, number)


def test_foreign_permanent_residence_2023_card_uses_the_check_rule_and_embeds_a_birth_date():
    number = with_check("91115619850720001")
    parsed = validate_document(FOREIGN_PR, number, today=TODAY)
    assert (parsed.birth_date, parsed.sex) == (date(1985, 7, 20), "M")
    assert refused(FOREIGN_PR, with_wrong_check(number[:17])) == "永久居留身份证号码校验位不正确"
    assert "以 9 开头" in refused(FOREIGN_PR, "11010519491231002X")
    assert refused(FOREIGN_PR, with_check("91115619851320001")).endswith("出生日期不存在")


def test_foreign_permanent_residence_2017_card_is_three_letters_and_twelve_digits():
    parsed = validate_document(FOREIGN_PR, "usa110085072001", today=TODAY)
    assert parsed.number == "USA110085072001"
    assert parsed.birth_date is None and parsed.sex == ""
    assert parsed.masked == "USA********2001"
    for bad in ("US1110085072001", "USA11008507200", "USA1100850720011", "USAB10085072001"):
        assert "3 个字母加 12 位数字" in refused(FOREIGN_PR, bad)


@pytest.mark.parametrize("number", ["H12345678", "M12345678", "H1234567801", "h12345678"])
def test_hong_kong_macao_permits_are_accepted(number):
    parsed = validate_document(HM_PERMIT, number, today=TODAY)
    assert parsed.birth_date is None
    assert parsed.masked.startswith(number[0].upper()) and "*" in parsed.masked


@pytest.mark.parametrize(
    "number", ["12345678", "A12345678", "H1234567", "H123456789", "H123456780123", "HM1234567"]
)
def test_bad_hong_kong_macao_permits_are_refused(number):
    assert refused(HM_PERMIT, number) == (
        "港澳居民来往内地通行证号码应为 H（香港）或 M（澳门）加 8 位或 10 位数字"
    )


def test_taiwan_permits_are_eight_digits():
    assert validate_document(TW_PERMIT, "12345678", today=TODAY).masked == "12****78"
    for bad in ("1234567", "123456789", "T1234567", "1234567A"):
        assert refused(TW_PERMIT, bad) == "台湾居民来往大陆通行证号码应为 8 位数字"


def test_passports_are_five_to_twenty_letters_or_digits():
    for good in ("E1234", "e12345678", "AB1234567890CDEF1234"):
        assert validate_document(PASSPORT, good, today=TODAY).birth_date is None
    for bad in ("E123", "AB1234567890CDEF12345", "E1234-567", "护照12345"):
        assert refused(PASSPORT, bad) == "护照号码应为 5 至 20 位字母或数字"


def test_an_unknown_document_type_is_refused():
    assert refused("driving_licence", "11010519491231002X") == "请选择证件类型"


def test_masks_follow_the_domain_example():
    assert mask_document(MAINLAND_ID, "11010519491231002X") == "110105********002X"
    assert mask_document(PASSPORT, "E1234") == "E**34"


def test_the_parsed_document_never_shows_its_number_in_repr():
    parsed = validate_document(MAINLAND_ID, "11010519491231002X", today=TODAY)
    assert "11010519491231002X" not in repr(parsed)
    assert "110105********002X" in repr(parsed)


@settings(deadline=None)  # no timed assertions: a busy CI machine must not fail this
@given(
    st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    st.from_regex(r"\A[1-6]\d{5}\Z"),
    st.from_regex(r"\A\d{3}\Z"),
)
def test_any_well_formed_number_with_its_check_digit_is_valid(born, address, sequence):
    number = with_check(f"{address}{born:%Y%m%d}{sequence}")
    parsed = validate_document(MAINLAND_ID, number, today=TODAY)
    assert parsed.birth_date == born
    assert parsed.sex == ("M" if int(sequence[-1]) % 2 else "F")
    with pytest.raises(ValidationError):
        validate_document(MAINLAND_ID, with_wrong_check(number[:17]), today=TODAY)


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(2012, 6, 15), date(2026, 6, 14), 13),
        (date(2012, 6, 15), date(2026, 6, 15), 14),
        (date(2008, 2, 29), date(2026, 2, 28), 17),
        (date(2008, 2, 29), date(2026, 3, 1), 18),
    ],
)
def test_age_is_exact_at_birthdays(born, on, age):
    assert age_on(born, on) == age
