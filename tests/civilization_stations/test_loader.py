"""Loading Beijing's statistical divisions into the 中心/所/站 hierarchy."""

import csv
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from civilization_stations.models import PracticeNode
from civilization_stations.services import (
    ETDZ_CENTER_CODE,
    ETDZ_INSTITUTE_CODE,
    DivisionFileError,
    load_divisions,
)

pytestmark = pytest.mark.django_db

CSV_PATH = (
    Path(__file__).resolve().parents[2] / "civilization_stations" / "data" / "beijing-divisions.csv"
)
HEADER = "code,name,level,parent_code\n"


def csv_rows():
    with CSV_PATH.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_it_loads_the_real_beijing_divisions():
    report = load_divisions(data=CSV_PATH.read_bytes())
    assert report.created == {"center": 17, "institute": 349, "station": 7535}
    counts = Counter(PracticeNode.objects.values_list("level", flat=True))
    assert counts == {"center": 17, "institute": 349, "station": 7535}
    etdz = PracticeNode.objects.get(code=ETDZ_CENTER_CODE)
    assert etdz.name == "北京经济技术开发区"
    assert etdz.level == "center"
    assert PracticeNode.objects.get(code=ETDZ_INSTITUTE_CODE).parent == etdz


def test_reloading_duplicates_nothing_and_updates_names():
    load_divisions(data=CSV_PATH.read_bytes())
    again = load_divisions(data=CSV_PATH.read_bytes())
    assert again.total_created == 0
    assert again.updated == 0
    assert again.unchanged == 7901
    assert PracticeNode.objects.count() == 7901

    renamed = CSV_PATH.read_text(encoding="utf-8").replace("建外街道", "建国门外街道")
    report = load_divisions(data=renamed.encode())
    assert report.updated == 1
    assert PracticeNode.objects.get(code="110105001").name == "建国门外街道"
    assert PracticeNode.objects.count() == 7901


def test_new_rows_are_added_on_reload(tree):
    before = PracticeNode.objects.count()
    data = HEADER + "110105,朝阳区,district,11\n110105003,呼家楼街道,subdistrict,110105\n"
    report = load_divisions(data=data.encode())
    assert report.created["institute"] == 1
    assert PracticeNode.objects.count() == before + 1
    assert PracticeNode.objects.get(code="110105003").path == "110105/110105003/"


@pytest.mark.parametrize(
    ("body", "line", "reason"),
    [
        (
            "110101,东城区,district,11\n11010A001,东华门街道,subdistrict,110101\n",
            3,
            "应为 9 位数字",
        ),
        (
            "110101,东城区,district,11\n110101001,东华门街道,subdistrict,110199\n",
            3,
            "上级 110199 不存在",
        ),
        ("110101,东城区,district,11\n110101001,东华门街道,community,110101\n", 3, "应为 12 位数字"),
        ("110101,东城区,district,11\n110101001,东华门街道,street,110101\n", 3, "未知层级"),
        (
            "110101,东城区,district,11\n110101001001,多福巷社区,community,110101\n",
            3,
            "不存在或层级不对",
        ),
        (
            "110101,东城区,district,11\n110102001,西长安街街道,subdistrict,110101\n",
            3,
            "不以上级代码",
        ),
        ("110101,东城区,district,11\n110101,东城区,district,11\n", 3, "重复"),
        ("110101,,district,11\n", 2, "名称为空"),
        ("110101,东城区,district\n", 2, "应有 4 列"),
    ],
)
def test_a_broken_file_loads_nothing_and_names_the_line(body, line, reason):
    with pytest.raises(DivisionFileError) as exc:
        load_divisions(data=(HEADER + body).encode())
    assert exc.value.line == line
    assert reason in exc.value.reason
    assert not PracticeNode.objects.exists()


def test_a_gbk_encoded_file_is_refused_with_its_line():
    body = HEADER + "110101,东城区,district,11\n"
    with pytest.raises(DivisionFileError) as exc:
        load_divisions(data=body.encode("gbk"))
    assert exc.value.line == 2
    assert "UTF-8" in exc.value.reason
    assert not PracticeNode.objects.exists()


def test_a_wrong_header_is_refused():
    with pytest.raises(DivisionFileError) as exc:
        load_divisions(data=b"id,title,kind,parent\n110101,x,district,11\n")
    assert exc.value.line == 1


def test_a_broken_file_changes_nothing_already_loaded(tree):
    before = list(PracticeNode.objects.values_list("code", "name", "path"))
    bad = HEADER + "110105,改名的朝阳区,district,11\n110105001,建外街道,subdistrict,999999\n"
    with pytest.raises(DivisionFileError):
        load_divisions(data=bad.encode())
    assert list(PracticeNode.objects.values_list("code", "name", "path")) == before


def test_the_command_reports_counts_and_refuses_bad_files(tmp_path, capsys):
    call_command("load_divisions", str(CSV_PATH))
    assert "created 7901 (centers 17, institutes 349, stations 7535)" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "1101,东城区,district,11\n", encoding="utf-8")
    with pytest.raises(CommandError, match="第 2 行"):
        call_command("load_divisions", str(bad))
    with pytest.raises(CommandError, match="No such file"):
        call_command("load_divisions", str(tmp_path / "missing.csv"))


def expected_subtree(code: str, rows) -> set[str]:
    """Everything under `code` according to the CSV (by code prefix), with 经开区 moved out of 大兴."""
    if code == ETDZ_CENTER_CODE:
        return {ETDZ_CENTER_CODE} | {
            r["code"] for r in rows if r["code"].startswith(ETDZ_INSTITUTE_CODE)
        }
    found = {r["code"] for r in rows if r["code"].startswith(code)}
    if ETDZ_INSTITUTE_CODE.startswith(code) and code != ETDZ_INSTITUTE_CODE:
        found -= {c for c in found if c.startswith(ETDZ_INSTITUTE_CODE)}
    return found


def test_everything_under_a_node_matches_the_csv_at_every_level():
    load_divisions(data=CSV_PATH.read_bytes())
    rows = csv_rows()
    centers = [r["code"] for r in rows if r["level"] == "district"] + [ETDZ_CENTER_CODE]
    institutes = [
        *[r["code"] for r in rows if r["level"] == "subdistrict"][::25],
        ETDZ_INSTITUTE_CODE,
    ]
    stations = [r["code"] for r in rows if r["level"] == "community"][::500]
    for code in centers + institutes + stations:
        node = PracticeNode.objects.get(code=code)
        got = set(PracticeNode.objects.subtree_of(node).values_list("code", flat=True))
        assert got == expected_subtree(code, rows), code
    total = sum(
        PracticeNode.objects.subtree_of(PracticeNode.objects.get(code=c)).count() for c in centers
    )
    assert total == 7901  # the 17 centers partition the city


def test_subtree_queries_use_the_path_index(postgres, django_assert_num_queries):
    from django.db import connection

    load_divisions(data=CSV_PATH.read_bytes())
    node = PracticeNode.objects.get(code="110105")
    with connection.cursor() as cursor:
        # The planner may prefer a sequential scan for a large district; what matters is that the
        # prefix LIKE *can* use the index (varchar_pattern_ops), so forbid the alternative.
        cursor.execute("ANALYZE civilization_stations_practicenode")
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = PracticeNode.objects.subtree_of(node).only("id").query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "node_path_prefix" in plan, plan
    with django_assert_num_queries(1):
        assert PracticeNode.objects.subtree_of(node).stations().count() > 0
