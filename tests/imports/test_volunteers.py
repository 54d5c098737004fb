"""Importing volunteers: the registration rules row by row, the dry run, the error report,
encodings, headers, re-imports and scope."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from imports.models import ImportJob
from organizations.models import Membership
from tests.factories import VolunteerFactory
from volunteers import crypto
from volunteers.models import Volunteer

from .conftest import VOLUNTEER_HEADERS, csv_bytes, upload, valid_id, xlsx_bytes

pytestmark = pytest.mark.django_db


def _rows(n: int = 2) -> list[list[str]]:
    return [
        [
            f"张{'三四五六七八'[i]}",
            "居民身份证",
            valid_id(i),
            f"1380013800{i}",
            "110105001024",
            "2024-05-01",
        ]
        for i in range(n)
    ]


def _job(response) -> ImportJob:
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportJob.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def test_it_checks_first_and_imports_only_after_confirmation(world, login):
    client = login(world.admin_user)
    job = _job(
        upload(
            client,
            scope=f"org:{world.org.pk}",
            kind="volunteers",
            content=csv_bytes(VOLUNTEER_HEADERS, _rows()),
        )
    )
    assert job.status == "checked"
    assert (job.new_rows, job.error_rows) == (2, 0)
    assert not Volunteer.objects.filter(name="张三").exists(), "the dry run wrote nothing"
    page = client.get(f"/imports/jobs/{job.pk}/")
    assert "确认导入 2 行" in page.content.decode()

    client.post(f"/imports/jobs/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == "done" and job.new_rows == 2
    volunteer = Volunteer.objects.get(name="张三")
    assert volunteer.entered_by == Volunteer.EnteredBy.ORGANIZATION
    assert timezone.localtime(volunteer.consent_at).date() == date(2024, 5, 1)
    assert volunteer.user is None
    assert crypto.decrypt(volunteer.document_token) == valid_id(0)
    assert volunteer.document_masked.count("*") == 8
    assert Membership.objects.filter(
        organization=world.org, volunteer=volunteer, status="approved", role="member"
    ).exists()


BAD_ROWS = {
    # line in file → (row, column that is wrong, words in the message)
    2: (
        ["王五", "居民身份证", "110105194912310021", "13800138001", "110105001024", "2024-05-01"],
        "证件号码",
        "校验",
    ),
    3: (
        ["赵六", "居民身份证", valid_id(3), "13800138002", "999999999", "2024-05-01"],
        "居住地代码",
        "不存在",
    ),
    4: (
        ["孙七", "居民身份证", valid_id(4), "13800138003", "110105001024", "2024/13/45"],
        "本人同意日期",
        "格式",
    ),
    5: (
        ["周八", "居民身份证", valid_id(4), "13800138004", "110105001024", "2024-05-01"],
        "证件号码",
        "重复",
    ),
    6: (
        [
            "吴九",
            "居民身份证",
            valid_id(6, born=date(timezone.localdate().year - 15, 1, 1)),
            "13800138005",
            "110105001024",
            "2024-05-01",
        ],
        "监护人姓名",
        "监护人",
    ),
    7: (
        ["郑十", "居民身份证", valid_id(7), "13800138006", "110105001024", "2024-05-01"],
        "证件号码",
        "已经注册",
    ),
    8: (
        ["钱一", "居民身份证", valid_id(8), "13800138007", "110105001024", "2024-05-01"],
        None,
        None,
    ),
}


def test_every_kind_of_bad_row_is_reported_with_line_column_and_reason(world, login):
    VolunteerFactory(document_number=valid_id(7), residence_node=world.tree.dongcheng)
    client = login(world.admin_user)
    rows = [row for row, _col, _word in BAD_ROWS.values()]
    job = _job(
        upload(
            client,
            scope=f"org:{world.org.pk}",
            kind="volunteers",
            content=csv_bytes(VOLUNTEER_HEADERS, rows),
        )
    )
    assert job.status == "checked"
    reported = {(line, column): message for line, column, message in job.errors}
    for line, (_row, column, word) in BAD_ROWS.items():
        if column is None:
            assert not any(k[0] == line for k in reported)
            continue
        matches = [m for (ln, c), m in reported.items() if ln == line and c == column]
        assert matches, f"line {line}: {reported}"
        assert word in matches[0], matches
    # Line 5 repeats line 4's document: line 4 itself is refused for its date only.
    assert "第 4 行" in reported[(5, "证件号码")]
    assert job.error_rows == 6 and job.new_rows == 1

    report = client.get(f"/imports/jobs/{job.pk}/errors.csv")
    text = report.content.decode("utf-8-sig")
    assert report.status_code == 200 and "行号,列,错误说明" in text and "110105194912310021" in text
    assert client.get(f"/imports/jobs/{job.pk}/errors.xlsx").status_code == 200

    client.post(f"/imports/jobs/{job.pk}/confirm/")
    assert list(
        Volunteer.objects.filter(
            name__in=["王五", "赵六", "孙七", "周八", "吴九", "郑十", "钱一"]
        ).values_list("name", flat=True)
    ) == ["钱一"]


def test_a_minor_with_guardian_consent_columns_is_imported(world, login):
    headers = [*VOLUNTEER_HEADERS, "监护人姓名", "与监护人关系", "监护人手机号"]
    born = date(timezone.localdate().year - 15, 1, 1)
    rows = [
        [
            "小明",
            "居民身份证",
            valid_id(9, born=born),
            "13800138009",
            "110105001024",
            "2024-05-01",
            "王芳",
            "母子",
            "13900139000",
        ]
    ]
    client = login(world.admin_user)
    job = _job(
        upload(
            client, scope=f"org:{world.org.pk}", kind="volunteers", content=csv_bytes(headers, rows)
        )
    )
    client.post(f"/imports/jobs/{job.pk}/confirm/")
    volunteer = Volunteer.objects.get(name="小明")
    assert volunteer.guardian_name == "王芳" and volunteer.guardian_consent_at is not None


def test_with_abort_a_single_bad_row_imports_nothing(world, login):
    client = login(world.admin_user)
    rows = [
        *_rows(2),
        ["王五", "居民身份证", "110105194912310021", "13800138001", "110105001024", "2024-05-01"],
    ]
    job = _job(
        upload(
            client,
            scope=f"org:{world.org.pk}",
            kind="volunteers",
            content=csv_bytes(VOLUNTEER_HEADERS, rows),
            on_error="abort",
        )
    )
    assert job.error_rows == 1
    response = client.post(f"/imports/jobs/{job.pk}/confirm/", follow=True)
    assert "整个文件不导入" in response.content.decode()
    assert not Volunteer.objects.filter(name__in=["张三", "张四"]).exists()


def test_a_wrong_header_refuses_the_file_with_the_columns_named(world, login):
    client = login(world.admin_user)
    headers = ["姓名", "身份证号", "手机号", "居住地代码", "本人同意日期"]
    response = upload(
        client,
        scope=f"org:{world.org.pk}",
        kind="volunteers",
        content=csv_bytes(
            headers, [["张三", valid_id(1), "13800138000", "110105001024", "2024-05-01"]]
        ),
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "缺少必填的列：证件号码" in text and "无法识别的列：身份证号" in text
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_gbk_and_utf8_files_import_the_same_names(world, login, encoding):
    client = login(world.admin_user)
    job = _job(
        upload(
            client,
            scope=f"org:{world.org.pk}",
            kind="volunteers",
            content=csv_bytes(VOLUNTEER_HEADERS, _rows(), encoding),
        )
    )
    assert job.error_rows == 0, job.errors
    client.post(f"/imports/jobs/{job.pk}/confirm/")
    assert set(
        Volunteer.objects.filter(entered_by="organization").values_list("name", flat=True)
    ) == {"张三", "张四"}


def test_a_file_in_an_unknown_encoding_is_refused_not_imported_as_garbage(world, login):
    client = login(world.admin_user)
    content = csv_bytes(VOLUNTEER_HEADERS, _rows()).replace("张".encode(), b"\xff\xfe\xfd")
    response = upload(client, scope=f"org:{world.org.pk}", kind="volunteers", content=content)
    assert "无法识别文件编码" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_xlsx_files_import_like_csv(world, login):
    client = login(world.admin_user)
    job = _job(
        upload(
            client,
            scope=f"org:{world.org.pk}",
            kind="volunteers",
            content=xlsx_bytes(VOLUNTEER_HEADERS, _rows()),
            name="data.xlsx",
        )
    )
    assert (job.new_rows, job.error_rows) == (2, 0)


def test_reimporting_updates_instead_of_duplicating(world, login):
    client = login(world.admin_user)
    scope = f"org:{world.org.pk}"
    job = _job(
        upload(
            client, scope=scope, kind="volunteers", content=csv_bytes(VOLUNTEER_HEADERS, _rows())
        )
    )
    client.post(f"/imports/jobs/{job.pk}/confirm/")
    rows = _rows()
    rows[0][3] = "13911112222"
    job = _job(
        upload(client, scope=scope, kind="volunteers", content=csv_bytes(VOLUNTEER_HEADERS, rows))
    )
    assert (job.new_rows, job.updated_rows, job.skipped_rows) == (0, 1, 1)
    client.post(f"/imports/jobs/{job.pk}/confirm/")
    assert Volunteer.objects.filter(entered_by="organization").count() == 2
    assert Volunteer.objects.get(name="张三").phone == "13911112222"


def test_an_organization_cannot_touch_another_organizations_volunteers(world, login):
    other = login(world.other_admin_user)
    job = _job(
        upload(
            other,
            scope=f"org:{world.other_org.pk}",
            kind="volunteers",
            content=csv_bytes(VOLUNTEER_HEADERS, _rows(1)),
        )
    )
    other.post(f"/imports/jobs/{job.pk}/confirm/")
    rows = _rows(1)
    rows[0][3] = "13911112222"
    client = login(world.admin_user)
    job = _job(
        upload(
            client,
            scope=f"org:{world.org.pk}",
            kind="volunteers",
            content=csv_bytes(VOLUNTEER_HEADERS, rows),
        )
    )
    assert job.error_rows == 1 and job.errors[0][1] == "证件号码" and "已经注册" in job.errors[0][2]
    assert Volunteer.objects.get(name="张三").phone == "13800138000"
    assert not Membership.objects.filter(organization=world.org, volunteer__name="张三").exists()


def test_station_staff_import_only_residents_of_their_subtree(world, login):
    client = login(world.other_staff)  # 东城区
    job = _job(
        upload(
            client,
            scope=f"node:{world.tree.dongcheng.code}",
            kind="volunteers",
            content=csv_bytes(VOLUNTEER_HEADERS, _rows(1)),
        )
    )
    assert job.error_rows == 1 and job.errors[0][1] == "居住地代码"


def test_export_then_import_changes_nothing(world, login):
    Volunteer.objects.filter(user=world.admin_user).update(residence_node=world.tree.nanlang)
    client = login(world.admin_user)
    scope = f"org:{world.org.pk}"
    job = _job(
        upload(
            client, scope=scope, kind="volunteers", content=csv_bytes(VOLUNTEER_HEADERS, _rows(3))
        )
    )
    client.post(f"/imports/jobs/{job.pk}/confirm/")
    before = list(Volunteer.objects.order_by("pk").values())
    for fmt, name in (("csv", "export.csv"), ("xlsx", "export.xlsx")):
        exported = client.get(f"/imports/export/volunteers.{fmt}?scope={scope}")
        assert exported.status_code == 200
        job = _job(
            upload(client, scope=scope, kind="volunteers", content=exported.content, name=name)
        )
        assert (job.new_rows, job.updated_rows, job.skipped_rows, job.error_rows) == (0, 0, 4, 0), (
            job.errors
        )
        client.post(f"/imports/jobs/{job.pk}/confirm/")
    assert list(Volunteer.objects.order_by("pk").values()) == before


def test_the_import_is_set_based_its_queries_do_not_grow_with_the_rows(world, settings):
    """Chunks of 500: one duplicate query, one block of numbers, one insert of volunteers and
    one of memberships per chunk, instead of ~13 queries a row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from imports import services

    from .conftest import run_file

    settings.IMPORTS_ASYNC_ROWS = 10**6
    rows = [
        [
            f"批量{chr(0x4E00 + i)}",
            "居民身份证",
            valid_id(i, born=date(1985, 3, 3)),  # not a factory volunteer's birth date
            f"138{i:08d}",
            "110105001024",
            "2024-05-01",
        ]
        for i in range(600)
    ]
    job = run_file(
        world.admin_user,
        f"org:{world.org.pk}",
        "volunteers",
        csv_bytes(VOLUNTEER_HEADERS, rows),
        confirm=False,
    )
    with CaptureQueriesContext(connection) as queries:
        job = services.confirm_import(job=job, user=world.admin_user)
    assert job.new_rows == 600
    assert len(queries) < 60, len(queries)
    assert Membership.objects.filter(organization=world.org, status="approved").count() == 601
    numbers = sorted(
        Volunteer.objects.filter(entered_by="organization").values_list("number", flat=True)
    )
    assert len(set(numbers)) == 600
