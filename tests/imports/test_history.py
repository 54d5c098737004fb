"""历史补录: a district brings its old records past the 10-working-day deadline. Federation
admins (anywhere) and station staff (their subtree) may; the entries are marked (ImportedRecord
.history, who and when), pending and flagged for review unless that importer approves them. An
organization's admin cannot bypass the deadline, neither through the page nor the service."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from hours.models import ServiceRecord, TouchedBucket
from imports.models import ImportedRecord, ImportJob

from .conftest import RECORD_HEADERS, csv_bytes, run_file, upload

pytestmark = pytest.mark.django_db


def _old_rows(ledger, tree, days: int = 400) -> list[list[str]]:
    old = (timezone.localdate() - timedelta(days=days)).isoformat()
    a, b = ledger.members
    return [
        ["H1", a.number, "2", "", old, "2023 年社区清洁", "社区服务", tree.nanlang.code],
        ["H2", b.number, "1.5", "", old, "2023 年敬老", "助老服务", tree.beilang.code],
    ]


@pytest.mark.parametrize("copy", [False, True])
def test_federation_history_is_pending_flagged_and_marked_with_who_and_when(
    world, ledger, settings, copy
):
    settings.IMPORTS_COPY_ROWS = 0 if copy else 10**9
    content = csv_bytes(RECORD_HEADERS, _old_rows(ledger, world.tree))
    refused = run_file(world.fed, "fed", "records", content)
    assert refused.new_rows == 0 and all("时限" in m for _l, _c, m in refused.errors)

    job = run_file(world.fed, "fed", "records", content, history=True)
    assert (job.use_copy, job.new_rows, job.error_rows) == (copy, 2, 0), job.errors
    for record in ServiceRecord.objects.select_related("import_key__job"):
        assert record.status == "pending" and record.flagged and "历史补录" in record.flag_reason
        assert record.source == "import" and record.organization is None
        assert record.recorded_by == world.fed and record.recorded_at is not None
        key = record.import_key
        assert key.history and key.job.created_by == world.fed and key.job.history
    assert not TouchedBucket.objects.exists()


@pytest.mark.parametrize("copy", [False, True])
def test_station_staff_approve_history_in_their_subtree_only(world, ledger, settings, copy):
    settings.IMPORTS_COPY_ROWS = 0 if copy else 10**9
    rows = _old_rows(ledger, world.tree)
    rows.append(["H3", ledger.members[0].number, "1", "", rows[0][4], "东城", "社区服务",
                 world.tree.duofu.code])  # fmt: skip
    job = run_file(
        world.staff,
        f"node:{world.tree.jianwai.code}",
        "records",
        csv_bytes(RECORD_HEADERS, rows),
        history=True,
        approve=True,
    )
    assert job.new_rows == 2 and [(e[0], e[1]) for e in job.errors] == [(4, "服务阵地代码")]
    records = ServiceRecord.objects.all()
    assert {(r.status, r.flagged, r.decided_by_id) for r in records} == {
        ("approved", False, world.staff.pk)
    }
    assert ImportedRecord.objects.filter(history=True).count() == 2
    assert TouchedBucket.objects.count() == 2


def test_an_organization_admin_cannot_bypass_the_deadline(world, ledger, login):
    content = csv_bytes(RECORD_HEADERS, _old_rows(ledger, world.tree))
    with pytest.raises(ValidationError) as refused:
        run_file(world.admin_user, f"org:{world.org.pk}", "records", content, history=True)
    assert "历史补录" in refused.value.messages[0]
    assert not ImportJob.objects.exists()

    client = login(world.admin_user)
    page = client.get("/imports/").content.decode()
    assert 'name="history"' not in page, "the option is not offered to organizations"
    response = upload(
        client, scope=f"org:{world.org.pk}", kind="records", content=content, history="on"
    )
    assert response.status_code == 200 and "组织不能导入历史补录" in response.content.decode()
    assert not ImportJob.objects.exists()

    # Without the option, the deadline holds for the organization as for everyone.
    job = run_file(world.admin_user, f"org:{world.org.pk}", "records", content)
    assert job.new_rows == 0 and {c for _l, c, _m in job.errors} == {"服务日期"}
    assert not ServiceRecord.objects.exists()


def test_history_is_only_for_service_records(world, ledger, login):
    client = login(world.fed)
    assert 'name="history"' in client.get("/imports/").content.decode()
    response = upload(
        client,
        scope="fed",
        kind="volunteers",
        content=csv_bytes(["姓名"], [["张三"]]),
        history="on",
    )
    assert "历史补录只适用于服务记录" in response.content.decode()
    assert not ImportJob.objects.exists()
