"""Hostile spreadsheets for the import page: random bytes under a spreadsheet's name, and CSV or
Excel files whose cells are hostile text. Whatever arrives: never a server error, the preview and
the error report render, markup from the file comes back escaped, and nothing is written before
the staff member confirms."""

from __future__ import annotations

import io
from types import SimpleNamespace

import openpyxl
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from imports.models import ImportJob
from tests.imports.conftest import VOLUNTEER_HEADERS, csv_bytes, xlsx_bytes
from volunteers.models import Volunteer

from .strategies import FUZZ, MARKUP_PAYLOADS, hostile_text
from .world import build_world

pytestmark = pytest.mark.django_db

EXCEL_CELL = st.text(
    alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), max_size=60
)  # what openpyxl can write into a cell


@pytest.fixture
def ctx(tree, settings) -> SimpleNamespace:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_world(tree)


def _spreadsheets() -> st.SearchStrategy[tuple[str, bytes, list[list[str]]]]:
    """(file name, content, the cells written) for three kinds of bad file."""
    rows = st.lists(
        st.lists(hostile_text(), min_size=len(VOLUNTEER_HEADERS), max_size=8), max_size=5
    )
    excel_rows = st.lists(
        st.lists(
            st.one_of(st.sampled_from(MARKUP_PAYLOADS), EXCEL_CELL),
            min_size=len(VOLUNTEER_HEADERS),
            max_size=8,
        ),
        max_size=5,
    )
    headers = st.one_of(st.just(VOLUNTEER_HEADERS), st.lists(hostile_text(), max_size=8))
    return st.one_of(
        st.tuples(st.sampled_from(["data.csv", "data.xlsx"]), st.binary(max_size=2000)).map(
            lambda t: (t[0], t[1], [])
        ),
        st.tuples(headers, rows, st.sampled_from(["utf-8", "gbk"])).map(
            lambda t: (
                "volunteers.csv",
                csv_bytes(t[0], t[1], encoding="utf-8").decode("utf-8").encode(t[2], "replace"),
                [t[0], *t[1]],
            )
        ),
        excel_rows.map(
            lambda r: ("volunteers.xlsx", xlsx_bytes(VOLUNTEER_HEADERS, r), [VOLUNTEER_HEADERS, *r])
        ),
    )


@FUZZ
@given(spreadsheet=_spreadsheets(), on_error=st.sampled_from(["skip", "abort"]))
def test_a_hostile_spreadsheet_is_checked_without_a_server_error(ctx, spreadsheet, on_error):
    name, content, cells = spreadsheet
    sent = [cell for row in cells for cell in row]
    cache.clear()
    with transaction.atomic():
        volunteers = Volunteer.objects.count()
        client = Client()
        client.force_login(ctx.station_staff)
        response = client.post(
            "/imports/",
            {
                "scope": f"node:{ctx.tree.nanlang.code}",
                "kind": "volunteers",
                "on_error": on_error,
                "file": SimpleUploadedFile(name, content),
            },
        )
        pages = [response] if response.status_code == 200 else []  # refused: the form again
        if response.status_code == 302:  # checked: the preview, and the error report if any
            job = ImportJob.objects.get(created_by=ctx.station_staff)
            assert job.status == ImportJob.Status.CHECKED, job.status
            pages.append(client.get(response["Location"]))
            if job.error_report:  # (the Excel copy: see the known failure below)
                pages.append(client.get(f"/imports/jobs/{job.pk}/errors.csv"))
        assert Volunteer.objects.count() == volunteers, "the dry run wrote volunteers"
        transaction.set_rollback(True)

    assert response.status_code in {200, 302}, response.status_code
    for page in pages:
        assert page.status_code == 200, page.status_code
        if "html" in page.get("Content-Type", ""):
            body = page.content.decode("utf-8", errors="replace")
            for payload in MARKUP_PAYLOADS:
                if any(payload in cell for cell in sent):
                    assert payload not in body, f"{payload!r} came back unescaped"


def test_an_error_report_with_a_control_character_downloads_as_excel(ctx):
    client = Client()
    client.force_login(ctx.station_staff)
    row = [
        "王五\x1b",
        "居民身份证",
        "110105194912310021",
        "13800138001",
        "110105001024",
        "2024-05-01",
    ]
    client.post(
        "/imports/",
        {
            "scope": f"node:{ctx.tree.nanlang.code}",
            "kind": "volunteers",
            "on_error": "skip",
            "file": SimpleUploadedFile("volunteers.csv", csv_bytes(VOLUNTEER_HEADERS, [row])),
        },
    )
    job = ImportJob.objects.get(created_by=ctx.station_staff)
    assert client.get(f"/imports/jobs/{job.pk}/errors.csv").status_code == 200
    response = client.get(f"/imports/jobs/{job.pk}/errors.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert "王五" in [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))]
