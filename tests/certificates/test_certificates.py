"""Issuing certificates and what they state: the content from the ledger, the PDF (its text read
back with pypdf, its embedded font), periods, refusals, and who may download which."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pypdf
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from certificates.models import Certificate
from certificates.pdf import render_certificate
from certificates.selectors import certificate_content, mask_name
from certificates.services import issue_certificate
from hours.models import ServiceRecord
from hours.services import correct_record, record_hours
from tests.certificates.conftest import at
from tests.factories import UserFactory, VolunteerFactory
from tests.projects.factories import ActivityFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def issue(world, **period) -> Certificate:
    return issue_certificate(volunteer=world.alice, now=at(4, 1, 10), **period)


# --- content ------------------------------------------------------------------------------------


def test_the_content_sums_approved_hours_by_project_with_their_recorders(world):
    content = certificate_content(world.alice)

    assert content.total_hours == Decimal("10")
    assert content.times == 5
    summary = {(line.title, line.recorder): (line.hours, line.times) for line in content.lines}
    assert summary == {
        ("社区助老服务", "南郎家园志愿服务队"): (Decimal("5.5"), 2),
        ("亲子阅读推广", "吉庆里志愿服务队"): (Decimal("2"), 1),
        ("文明交通引导", "建外街道"): (Decimal("1.5"), 1),
        ("上门助老服务", "南郎家园志愿服务队"): (Decimal("1"), 1),
    }
    assert content.recorders == ["南郎家园志愿服务队", "吉庆里志愿服务队", "建外街道"]
    assert (content.first_service_date, content.last_service_date) == ("2026-01-10", "2026-03-21")


def test_pending_and_rejected_hours_are_not_certified(world):
    late = ActivityFactory(project=world.elderly, starts_at=at(3, 28), ends_at=at(3, 28, 12))
    record_hours(
        volunteer=world.alice,
        hours="3",
        source="checkin",
        slot=late,
        flag_reason="未签退",
    )
    assert ServiceRecord.objects.pending().count() == 1
    assert certificate_content(world.alice).total_hours == Decimal("10")


def test_a_corrected_record_counts_with_its_corrected_hours(world):
    correct_record(
        actor=world.admin, record=world.records.january, hours="1", reason="签退时间有误"
    )
    content = certificate_content(world.alice)
    assert content.total_hours == Decimal("8")
    elderly = next(line for line in content.lines if line.title == "社区助老服务")
    assert (elderly.hours, elderly.times) == (Decimal("3.5"), 2)


def test_a_certificate_for_a_period_counts_only_that_period(world):
    certificate = issue(world, period_start=date(2026, 2, 1), period_end=date(2026, 3, 31))

    assert certificate.total_hours == Decimal("5.5")
    assert certificate.snapshot["period_start"] == "2026-02-01"
    titles = {line["title"] for line in certificate.snapshot["lines"]}
    assert titles == {"社区助老服务", "亲子阅读推广", "上门助老服务"}
    text = pdf_text(render_certificate(certificate))
    assert "在2026年2月1日至2026年3月31日期间" in text
    assert "累计5.5小时" in text
    assert "文明交通引导" not in text


def test_the_certificate_keeps_what_it_stated_when_the_ledger_changes(world):
    certificate = issue(world)
    correct_record(actor=world.admin, record=world.records.january, hours="1", reason="更正")
    certificate.refresh_from_db()
    assert certificate.total_hours == Decimal("10")
    assert "累计10小时" in pdf_text(render_certificate(certificate))


# --- the PDF ------------------------------------------------------------------------------------


def test_the_pdf_states_name_numbers_hours_content_and_recorders(world):
    certificate = issue(world)
    text = pdf_text(render_certificate(certificate))

    assert "志愿服务证明" in text
    assert "李晓华" in text
    assert f"志愿者编号：{world.alice.number}" in text
    assert "累计10小时" in text
    assert "5人次" in text
    for title in ("社区助老服务", "亲子阅读推广", "文明交通引导", "上门助老服务"):
        assert title in text
    assert "记录单位：南郎家园志愿服务队、吉庆里志愿服务队、建外街道" in text
    assert f"证明编号：{certificate.display_number}" in text
    assert "出具日期：2026年4月1日" in text
    assert f"/certificates/verify/{certificate.number}/" in text
    assert "自2026年1月10日至2026年3月21日" in text


def test_the_pdf_embeds_the_shipped_font_and_no_other(world):
    reader = pypdf.PdfReader(io.BytesIO(render_certificate(issue(world))))
    fonts = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.append(font.get_object())
    assert fonts
    for font in fonts:
        assert font["/Subtype"] == "/Type0"
        descendant = font["/DescendantFonts"][0].get_object()
        descriptor = descendant["/FontDescriptor"].get_object()
        assert descendant["/Subtype"] == "/CIDFontType2"
        assert "/FontFile2" in descriptor  # the outlines travel inside the PDF
        assert re.fullmatch(r"/[A-Z]{6}\+NotoSansCJKSC", descriptor["/FontName"])
        assert "/ToUnicode" in font  # so the text can be searched and copied


def test_the_same_certificate_renders_to_the_same_bytes(world):
    certificate = issue(world)
    assert render_certificate(certificate) == render_certificate(certificate)


def test_a_long_history_is_summarised_on_the_certificate(world):
    for day in range(1, 21):
        activity = ActivityFactory(
            project=ProjectFactory(organization=world.org, title=f"项目{day:02d}"),
            starts_at=at(2, day),
            ends_at=at(2, day, 10),
        )
        record_hours(volunteer=world.alice, hours="1", source="checkin", slot=activity)
    certificate = issue(world)
    text = pdf_text(render_certificate(certificate))
    assert "累计30小时" in text
    assert "其他" in text  # the tail of the list is summed in one line


# --- refusals -----------------------------------------------------------------------------------


def test_a_volunteer_without_approved_hours_gets_a_clear_message_not_an_empty_pdf(world):
    newcomer = VolunteerFactory()
    with pytest.raises(ValidationError) as info:
        issue_certificate(volunteer=newcomer)
    assert info.value.code == "no_hours"
    assert "还没有经组织确认的志愿服务时长" in info.value.messages[0]
    assert not Certificate.objects.exists()


def test_a_period_without_hours_is_refused(world):
    with pytest.raises(ValidationError) as info:
        issue(world, period_start=date(2025, 1, 1), period_end=date(2025, 12, 31))
    assert "所选期间" in info.value.messages[0]
    assert not Certificate.objects.exists()


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (date(2026, 3, 1), date(2026, 2, 1), "period_end"),
        (date(2026, 5, 1), None, "period_start"),
        (None, date(2026, 5, 1), "period_end"),
    ],
)
def test_impossible_periods_are_refused(world, start, end, field):
    with pytest.raises(ValidationError) as info:
        issue(world, period_start=start, period_end=end)
    assert field in info.value.message_dict
    assert not Certificate.objects.exists()


def test_a_closed_account_gets_no_certificate(world):
    world.alice.closed_at = at(3, 30)
    world.alice.save(update_fields=["closed_at"])
    with pytest.raises(ValidationError):
        issue(world)


# --- pages --------------------------------------------------------------------------------------


def test_the_volunteer_issues_and_downloads_a_certificate(client, world):
    client.force_login(world.alice.user)
    page = client.get(reverse("certificates:mine"))
    assert "累计 <strong>10.0</strong> 小时" in page.content.decode()

    response = client.post(
        reverse("certificates:mine"), {"period_start": "2026-02-01", "period_end": "2026-03-31"}
    )
    assert response.status_code == 302
    certificate = Certificate.objects.get()
    assert certificate.total_hours == Decimal("5.5")
    listing = client.get(reverse("certificates:mine")).content.decode()
    assert certificate.display_number in listing

    pdf = client.get(reverse("certificates:pdf", args=[certificate.pk]))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert "inline" in pdf["Content-Disposition"]
    assert "李晓华" in pdf_text(pdf.content)


def test_the_page_explains_a_refusal_and_keeps_the_dates(client, world):
    client.force_login(VolunteerFactory().user)
    response = client.post(reverse("certificates:mine"), {"period_start": "2026-01-01"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "所选期间没有经组织确认的志愿服务时长" in body
    assert 'value="2026-01-01"' in body
    assert not Certificate.objects.exists()


def test_bad_dates_are_refused_on_the_page(client, world):
    client.force_login(world.alice.user)
    response = client.post(
        reverse("certificates:mine"), {"period_start": "二月", "period_end": "2026-01-01"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["period_start"]
    assert 'value="二月"' in response.content.decode()
    assert not Certificate.objects.exists()


def test_a_user_who_is_not_a_registered_volunteer_is_sent_to_register(client, world):
    client.force_login(UserFactory())
    response = client.post(reverse("certificates:mine"), {})
    assert response.status_code == 200
    assert reverse("volunteers:register") in response.content.decode()
    assert not Certificate.objects.exists()


def test_another_users_certificate_is_not_downloadable_by_id(client, world):
    certificate = issue(world)
    url = reverse("certificates:pdf", args=[certificate.pk])
    client.force_login(VolunteerFactory().user)
    assert client.get(url).status_code == 404
    client.force_login(world.admin)  # the recording organization's admin neither
    assert client.get(url).status_code == 404
    client.force_login(world.alice.user)
    assert client.get(reverse("certificates:pdf", args=[certificate.pk + 1000])).status_code == 404
    client.logout()
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_me_page_has_a_certificate_section(client, world):
    client.force_login(world.alice.user)
    body = client.get(reverse("volunteers:me")).content.decode()
    assert reverse("certificates:mine") in body
    assert "经组织确认的服务时长累计 10.0 小时" in body


# --- helpers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三明", "张*明"), ("李华", "李*"), ("欧阳晓明", "欧**明"), ("王", "*"), ("", "*")],
)
def test_names_are_masked_to_first_and_last_character(name, masked):
    assert mask_name(name) == masked
