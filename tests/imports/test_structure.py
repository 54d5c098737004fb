"""Organizations, projects, activities and the practice hierarchy: imports through the owning
apps' services, natural keys (a re-import updates, never duplicates), export → import changes
nothing, scoped exports and templates, and nobody reaches outside their scope."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.utils import timezone

from civilization_stations.models import PracticeNode
from imports import services
from imports.scope import get_scope
from organizations.models import Organization, OrganizationReview
from projects.models import Activity, Project
from tests.hours.conftest import make_activity, make_project

from .conftest import csv_bytes, run_file

pytestmark = pytest.mark.django_db

ORG_HEADERS = ["名称", "类型", "所属阵地代码", "上级组织编号", "联系人", "联系电话"]
PROJECT_HEADERS = [
    "项目名称",
    "服务类别",
    "服务阵地代码",
    "服务地点",
    "开始日期",
    "结束日期",
    "项目简介",
    "服务内容",
    "招募人数",
]
ACTIVITY_HEADERS = ["项目编号", "活动名称", "开始时间", "结束时间", "活动地点", "名额"]
NODE_HEADERS = ["代码", "名称", "层级", "上级代码"]


def _state(model) -> list[dict]:
    return [model_to_dict(o) for o in model.objects.order_by("pk")]


def _round_trip(client, user, scope: str, kind: str, model) -> None:
    """Export (CSV and XLSX) and import the file back: nothing changes."""
    before = _state(model)
    assert before, "something to export"
    for fmt in ("csv", "xlsx"):
        exported = client.get(f"/imports/export/{kind}.{fmt}?scope={scope}")
        assert exported.status_code == 200
        job = run_file(user, scope, kind, exported.content, name=f"export.{fmt}")
        assert job.status in ("checked", "done"), job.message
        assert (job.new_rows, job.updated_rows, job.error_rows) == (0, 0, 0), job.errors
        assert job.skipped_rows == len(before)
    assert _state(model) == before


# --- organizations ---------------------------------------------------------------------------


def test_staff_import_organizations_approved_and_reimports_update(world, login):
    rows = [
        ["朝外邻里互助队", "社区志愿服务队", world.tree.nanlang.code, "", "李四", "13800138011"],
        ["建外青年志愿者协会", "社会组织", world.tree.jianwai.code, "", "王五", "13800138012"],
    ]
    scope = f"node:{world.tree.jianwai.code}"
    job = run_file(world.staff, scope, "organizations", csv_bytes(ORG_HEADERS, rows))
    assert (job.status, job.new_rows, job.error_rows) == ("done", 2, 0), job.errors
    org = Organization.objects.get(name="朝外邻里互助队")
    assert org.status == "approved" and org.reviewed_by == world.staff
    assert OrganizationReview.objects.filter(organization=org, decision="approve").exists()

    team = [["第一分队", "", world.tree.nanlang.code, str(org.pk), "赵六", "13800138013"]]
    rows[0][5] = "13900139011"
    job = run_file(world.staff, scope, "organizations", csv_bytes(ORG_HEADERS, rows + team))
    assert (job.new_rows, job.updated_rows, job.skipped_rows) == (1, 1, 1), job.errors
    org.refresh_from_db()
    assert org.contact_phone == "13900139011"
    assert Organization.objects.get(name="第一分队").parent == org
    assert Organization.objects.filter(name="朝外邻里互助队").count() == 1

    _round_trip(login(world.staff), world.staff, scope, "organizations", Organization)


def test_organizations_outside_the_subtree_are_out_of_reach(world):
    rows = [["东城互助队", "社会组织", world.tree.nanlang.code, "", "李四", "13800138011"]]
    job = run_file(
        world.other_staff,
        f"node:{world.tree.dongcheng.code}",
        "organizations",
        csv_bytes(ORG_HEADERS, rows),
    )
    assert job.new_rows == 0 and job.errors[0][1] == "所属阵地代码"
    # Updating world.org (at 南郎家园) by its number: refused for the other district's staff.
    job = run_file(
        world.other_staff,
        f"node:{world.tree.dongcheng.code}",
        "organizations",
        csv_bytes(
            ["组织编号", *ORG_HEADERS],
            [
                [
                    str(world.org.pk),
                    "改名",
                    "社会组织",
                    world.tree.duofu.code,
                    "",
                    "李四",
                    "13800138011",
                ]
            ],
        ),
    )
    assert job.errors[0][1] == "组织编号"
    world.org.refresh_from_db()
    assert world.org.name == "南郎家园志愿服务队"
    # An organization's admin imports no organizations at all.
    with pytest.raises(PermissionDenied):
        run_file(
            world.admin_user, f"org:{world.org.pk}", "organizations", csv_bytes(ORG_HEADERS, rows)
        )


# --- projects and activities -----------------------------------------------------------------


def _project_rows(world) -> list[list[str]]:
    return [
        [
            "社区助老服务",
            "助老服务",
            world.tree.nanlang.code,
            "活动室",
            "2026-01-01",
            "2026-12-31",
            "为社区老人提供陪伴服务",
            "陪伴聊天",
            "10",
        ]
    ]


def test_an_organization_imports_draft_projects_and_activities_and_reimports_update(world, login):
    scope = f"org:{world.org.pk}"
    job = run_file(
        world.admin_user, scope, "projects", csv_bytes(PROJECT_HEADERS, _project_rows(world))
    )
    assert (job.new_rows, job.error_rows) == (1, 0), job.errors
    project = Project.objects.get()
    assert project.organization == world.org and project.status == "draft"

    rows = _project_rows(world)
    rows[0][8] = "12"
    job = run_file(world.admin_user, scope, "projects", csv_bytes(PROJECT_HEADERS, rows))
    assert (job.new_rows, job.updated_rows) == (0, 1)
    project.refresh_from_db()
    assert project.volunteers_needed == 12 and Project.objects.count() == 1

    activity_rows = [
        [str(project.pk), "周末陪伴", "2026-05-02 09:00", "2026-05-02 12:00", "活动室", "20"],
        [str(project.pk), "周末陪伴", "2026-05-02 09:00", "2026-05-02 12:00", "活动室", "20"],
        [str(project.pk), "结束早于开始", "2026-05-03 12:00", "2026-05-03 09:00", "活动室", "5"],
    ]
    job = run_file(
        world.admin_user, scope, "activities", csv_bytes(ACTIVITY_HEADERS, activity_rows)
    )
    assert job.new_rows == 1
    assert {(line, column) for line, column, _m in job.errors} == {(3, "活动名称"), (4, "结束时间")}
    activity_rows[0][5] = "25"
    job = run_file(
        world.admin_user, scope, "activities", csv_bytes(ACTIVITY_HEADERS, activity_rows[:1])
    )
    assert job.updated_rows == 1 and Activity.objects.get().quota == 25

    client = login(world.admin_user)
    _round_trip(client, world.admin_user, scope, "projects", Project)
    _round_trip(client, world.admin_user, scope, "activities", Activity)


def test_published_projects_do_not_change_through_imports_and_others_cannot_touch_them(world):
    project = make_project(organization=world.org, node=world.tree.nanlang)  # in progress
    starts = timezone.make_aware(
        datetime.combine(timezone.localdate() + timedelta(days=3), time(9))
    )
    activity = make_activity(project, starts_at=starts)
    rows = [[str(project.pk), *_project_rows(world)[0]]]
    job = run_file(
        world.admin_user,
        f"org:{world.org.pk}",
        "projects",
        csv_bytes(["项目编号", *PROJECT_HEADERS], rows),
    )
    assert job.error_rows == 1 and "草稿" in job.errors[0][2]
    job = run_file(
        world.other_admin_user,
        f"org:{world.other_org.pk}",
        "projects",
        csv_bytes(["项目编号", *PROJECT_HEADERS], rows),
    )
    assert job.errors[0][1] == "项目编号"
    job = run_file(
        world.other_admin_user,
        f"org:{world.other_org.pk}",
        "activities",
        csv_bytes(
            ["活动编号", *ACTIVITY_HEADERS],
            [
                [
                    str(activity.pk),
                    str(project.pk),
                    "改",
                    "2026-05-02 09:00",
                    "2026-05-02 12:00",
                    "x",
                    "1",
                ]
            ],
        ),
    )
    assert {c for _l, c, _m in job.errors} == {"项目编号", "活动编号"}
    project.refresh_from_db()
    activity.refresh_from_db()
    assert project.title == "社区助老服务" and activity.title == "周末陪伴"


def test_station_staff_publish_station_projects_in_their_subtree(world):
    job = run_file(
        world.staff,
        f"node:{world.tree.jianwai.code}",
        "projects",
        csv_bytes(PROJECT_HEADERS, _project_rows(world)),
    )
    project = Project.objects.get()
    assert job.new_rows == 1 and project.publisher_node == world.tree.jianwai
    rows = _project_rows(world)
    job = run_file(
        world.other_staff,
        f"node:{world.tree.dongcheng.code}",
        "projects",
        csv_bytes(PROJECT_HEADERS, rows),
    )
    assert job.errors[0][1] == "服务阵地代码"


# --- the hierarchy ------------------------------------------------------------------------------


def test_the_federation_imports_the_hierarchy_with_the_loaders_rules(world, login):
    rows = [
        ["110105001026", "永安里社区居委会", "实践站", "110105001"],  # new, under an existing 所
        ["110105001024", "南郎家园社区", "实践站", "110105001"],  # renamed
        ["110105009", "新街道", "实践所", "110105"],
        ["110105009001", "新社区", "community", "110105009"],  # parent from the line above
        ["1101050010", "太短", "实践站", "110105001"],  # code length
        ["110105002099", "错上级", "实践站", "110105001"],  # code does not start with parent
        ["110105777001", "无上级", "实践站", "110105777"],  # unknown parent
        ["110105001030", "层级错", "街道", "110105001"],  # unknown level
        ["110105001026", "重复", "实践站", "110105001"],  # repeated in the file
    ]
    job = run_file(world.fed, "fed", "hierarchy", csv_bytes(NODE_HEADERS, rows))
    assert (job.new_rows, job.updated_rows) == (3, 1), job.errors
    assert {line: column for line, column, _m in job.errors} == {
        6: "代码",
        7: "上级代码",
        8: "上级代码",
        9: "层级",
        10: "代码",
    }
    node = PracticeNode.objects.get(code="110105009001")
    assert node.parent.code == "110105009" and node.path.startswith(world.tree.chaoyang.path)
    assert PracticeNode.objects.get(code="110105001024").name == "南郎家园社区"

    _round_trip(login(world.fed), world.fed, "fed", "hierarchy", PracticeNode)


def test_staff_export_their_subtree_of_the_hierarchy_and_import_none(world, login):
    client = login(world.staff)
    scope = f"node:{world.tree.jianwai.code}"
    text = client.get(f"/imports/export/hierarchy.csv?scope={scope}").content.decode("utf-8-sig")
    assert world.tree.nanlang.code in text and world.tree.duofu.code not in text
    assert world.tree.chaoyang.code + "," not in text.replace("110105001", "")
    assert client.get("/imports/templates/hierarchy.csv").status_code == 404
    with pytest.raises(PermissionDenied):
        services.start_import(
            user=world.staff,
            scope=get_scope(world.staff, scope),
            kind="hierarchy",
            upload=SimpleUploadedFile(
                "n.csv", csv_bytes(NODE_HEADERS, [["110105001099", "x", "实践站", "110105001"]])
            ),
        )


@pytest.mark.parametrize(
    ("who", "kind", "fmt"),
    [
        ("staff", "organizations", "xlsx"),
        ("admin_user", "projects", "csv"),
        ("admin_user", "activities", "xlsx"),
        ("fed", "hierarchy", "csv"),
    ],
)
def test_templates_name_the_columns(world, login, who, kind, fmt):
    from imports.resources import RESOURCES

    response = login(getattr(world, who)).get(f"/imports/templates/{kind}.{fmt}")
    assert response.status_code == 200
    if fmt == "csv":
        header = response.content.decode("utf-8-sig").splitlines()[0]
        assert header.split(",")[0].rstrip("*") == RESOURCES[kind].columns[0].name


def test_the_services_behind_the_imports_refuse_the_wrong_role(world):
    """add_entered_members and import_organization check who acts, whoever calls them."""
    from django.core.exceptions import ValidationError

    from organizations.models import Membership
    from organizations.services import add_entered_members, import_organization
    from tests.factories import VolunteerFactory

    volunteer = VolunteerFactory(residence_node=world.tree.nanlang)
    for outsider in (world.other_admin_user, world.staff):
        with pytest.raises(ValidationError):
            add_entered_members(organization=world.org, volunteers=[volunteer], admin=outsider)
    assert not Membership.objects.filter(volunteer=volunteer).exists()
    world.org.status = "pending"
    world.org.save()
    with pytest.raises(ValidationError):
        add_entered_members(organization=world.org, volunteers=[volunteer], admin=world.admin_user)

    details = {
        "name": "某服务队",
        "type": "social",
        "node": world.tree.nanlang,
        "contact_name": "李四",
        "contact_phone": "13800138011",
    }
    for outsider in (world.admin_user, world.other_staff):
        with pytest.raises(ValidationError):
            import_organization(actor=outsider, organization=None, **details)
    with pytest.raises(ValidationError) as bad:
        import_organization(actor=world.staff, organization=None, **{**details, "name": "x"})
    assert "name" in bad.value.message_dict
    assert not Organization.objects.filter(name="某服务队").exists()
