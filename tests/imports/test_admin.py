"""Import and export in the Django admin: federation admins only, through the same resources
(so the same services and rules; documents masked in exports)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from civilization_stations.models import PracticeNode
from tests.factories import UserFactory, VolunteerFactory

from .conftest import csv_bytes, valid_id

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _federation_admin_is_django_admin(world):
    """The federation admin also runs the Django admin site (as in the demo)."""
    world.fed.is_staff = world.fed.is_superuser = True
    world.fed.save()


ADMIN_PAGES = [
    "/admin/volunteers/volunteer/",
    "/admin/organizations/organization/",
    "/admin/projects/project/",
    "/admin/projects/activity/",
    "/admin/hours/servicerecord/",
    "/admin/civilization_stations/practicenode/",
]


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_federation_admins_get_import_and_export(world, login, page):
    client = login(world.fed)
    assert client.get(page + "import/").status_code == 200
    assert client.get(page + "export/").status_code == 200


@pytest.mark.parametrize("page", ADMIN_PAGES[:2])
def test_other_admin_site_staff_get_neither(world, login, page):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(*Permission.objects.all())
    client = login(user)
    assert client.get(page).status_code == 200, "the admin list itself stays"
    assert client.get(page + "import/").status_code == 403
    assert client.get(page + "export/").status_code == 403


def _admin_import(client, page: str, content: bytes) -> str:
    """django-import-export's two steps: upload (a dry run) and confirm."""
    response = client.post(
        page + "import/",
        {
            "resource": "0",
            "format": "0",
            "import_file": SimpleUploadedFile("nodes.csv", content),
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', text))
    confirm = {
        k: fields[k]
        for k in ("import_file_name", "original_file_name", "format", "resource")
        if k in fields
    }
    response = client.post(page + "process_import/", confirm, follow=True)
    return text + response.content.decode()


def test_a_hierarchy_imported_in_the_admin_goes_through_the_loaders_rules(world, login):
    client = login(world.fed)
    content = csv_bytes(
        ["代码", "名称", "层级", "上级代码"],
        [["110105001099", "新社区", "实践站", "110105001"]],
    )
    _admin_import(client, "/admin/civilization_stations/practicenode/", content)
    node = PracticeNode.objects.get(code="110105001099")
    assert node.parent == world.tree.jianwai and node.path.startswith(world.tree.jianwai.path)

    bad = csv_bytes(
        ["代码", "名称", "层级", "上级代码"], [["1101050010", "短", "实践站", "110105001"]]
    )
    text = _admin_import(client, "/admin/civilization_stations/practicenode/", bad)
    assert "应为 12 位数字" in text
    assert not PracticeNode.objects.filter(code="1101050010").exists()


def test_admin_export_masks_documents(world, login):
    volunteer = VolunteerFactory(residence_node=world.tree.nanlang, document_number=valid_id(5))
    client = login(world.fed)
    page = client.get("/admin/volunteers/volunteer/export/").content.decode()
    field_names = set(re.findall(r'name="(volunteerresource_\w+)"', page))
    response = client.post(
        "/admin/volunteers/volunteer/export/",
        {"format": "0", "resource": "0", **dict.fromkeys(field_names, "on")},
    )
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    body = response.content.decode("utf-8-sig")
    assert volunteer.number in body and volunteer.document_masked in body
    assert valid_id(5) not in body
