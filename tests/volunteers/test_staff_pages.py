"""Staff views of volunteers: scoped by role and hierarchy (404 outside), masked documents, the
logged one-time reveal and document verification."""

from __future__ import annotations

import logging

import pytest

from tests.factories import UserFactory, VolunteerFactory
from volunteers.models import PersonalDataAccess

pytestmark = pytest.mark.django_db
RAW = "11010519491231002X"


@pytest.fixture
def resident(tree):
    """A volunteer living in 建外街道 (朝阳区)."""
    return VolunteerFactory(name="张晓明", document_number=RAW, residence_node=tree.jianwai)


def test_staff_in_scope_see_the_masked_document_only(client, tree, resident, staff_factory):
    for node in (tree.chaoyang, tree.jianwai):
        client.force_login(staff_factory(node))
        response = client.get(f"/volunteers/{resident.number}/")
        html = response.content.decode()
        assert response.status_code == 200
        assert "110105********002X" in html and RAW not in html
        assert "查看完整证件号码" in html


def test_a_volunteer_is_invisible_outside_the_scope(client, tree, resident, staff_factory):
    for node in (tree.chaowai, tree.dongcheng, tree.nanlang):
        client.force_login(staff_factory(node))
        assert client.get(f"/volunteers/{resident.number}/").status_code == 404
        assert client.post(f"/volunteers/{resident.number}/reveal/").status_code == 404
        assert client.post(f"/volunteers/{resident.number}/verify/").status_code == 404
    assert not PersonalDataAccess.objects.exists()
    resident.refresh_from_db()
    assert not resident.document_verified


def test_volunteers_and_anonymous_visitors_get_no_staff_view(client, resident):
    url = f"/volunteers/{resident.number}/"
    response = client.post(url + "reveal/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(resident.user)  # not even about themselves
    assert client.get(url).status_code == 403
    assert client.post(url + "reveal/").status_code == 403
    client.force_login(UserFactory())
    assert client.get("/volunteers/").status_code == 403
    assert not PersonalDataAccess.objects.exists()


def test_an_unknown_number_is_a_404(client, federation_admin):
    client.force_login(federation_admin)
    assert client.get("/volunteers/BJ202600000000/").status_code == 404


def test_the_reveal_is_a_post_shown_once_and_logged(client, tree, resident, staff_factory, caplog):
    caplog.set_level(logging.DEBUG)
    staff = staff_factory(tree.jianwai)
    client.force_login(staff)
    url = f"/volunteers/{resident.number}/reveal/"
    assert client.get(url).status_code == 405
    response = client.post(url, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    assert RAW in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    entry = PersonalDataAccess.objects.get()
    assert (entry.volunteer, entry.accessed_by, entry.action, entry.ip_address) == (
        resident,
        staff,
        "reveal_document",
        "10.1.2.3",
    )
    assert entry.accessed_at is not None
    # Shown once: the page itself masks it again; the reveal is listed.
    html = client.get(f"/volunteers/{resident.number}/").content.decode()
    assert RAW not in html and "查看完整证件号码" in html and staff.name in html
    assert RAW not in caplog.text


def test_federation_admins_reveal_anywhere(client, resident, federation_admin):
    client.force_login(federation_admin)
    assert RAW in client.post(f"/volunteers/{resident.number}/reveal/").content.decode()
    assert PersonalDataAccess.objects.get().accessed_by == federation_admin


def test_a_volunteer_without_residence_is_for_federation_admins_only(
    client, tree, staff_factory, federation_admin
):
    homeless = VolunteerFactory(residence_node=None)
    client.force_login(staff_factory(tree.chaoyang))
    assert client.get(f"/volunteers/{homeless.number}/").status_code == 404
    client.force_login(federation_admin)
    assert client.get(f"/volunteers/{homeless.number}/").status_code == 200


def test_staff_verify_a_document_in_scope(client, tree, resident, staff_factory):
    staff = staff_factory(tree.chaoyang)
    client.force_login(staff)
    assert client.get(f"/volunteers/{resident.number}/verify/").status_code == 405
    response = client.post(f"/volunteers/{resident.number}/verify/")
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.document_verified and resident.document_verified_by == staff
    assert "证件于" in client.get(f"/volunteers/{resident.number}/").content.decode()


def test_the_list_is_scoped_searchable_and_paginated(client, tree, resident, staff_factory):
    elsewhere = VolunteerFactory(name="李秀兰", residence_node=tree.chaowai)
    far = VolunteerFactory(name="王建国", residence_node=tree.duofu)
    client.force_login(staff_factory(tree.jianwai))
    html = client.get("/volunteers/").content.decode()
    assert resident.number in html and "朝阳区 建外街道" in html
    assert elsewhere.number not in html and far.number not in html
    assert "110105********002X" in html and RAW not in html
    client.force_login(staff_factory(tree.chaoyang))
    html = client.get("/volunteers/").content.decode()
    assert resident.number in html and elsewhere.number in html and far.number not in html
    html = client.get("/volunteers/", {"q": "李秀"}).content.decode()
    assert elsewhere.number in html and resident.number not in html
    html = client.get("/volunteers/", {"q": resident.number.lower()}).content.decode()
    assert resident.number in html and elsewhere.number not in html
    html = client.get("/volunteers/", {"q": "没有这个人"}).content.decode()
    assert "没有找到符合条件的志愿者" in html


def test_the_list_pages_in_a_fixed_number_of_queries(
    client, tree, staff_factory, django_assert_num_queries
):
    VolunteerFactory.create_batch(35, residence_node=tree.jianwai)
    VolunteerFactory.create_batch(5, residence_node=tree.nanlang)
    client.force_login(staff_factory(tree.chaoyang))
    client.get("/volunteers/")  # warm up the session
    # session, user, staff node, count, page, residence ancestors
    with django_assert_num_queries(6):
        response = client.get("/volunteers/")
    html = response.content.decode()
    assert "共 40 名志愿者" in html and "第 1 / 2 页" in html
    with django_assert_num_queries(6):
        assert client.get("/volunteers/", {"page": 2}).status_code == 200


def test_staff_nav_shows_the_volunteer_list_to_staff_only(client, tree, staff_factory):
    client.force_login(staff_factory(tree.jianwai))
    assert '<a href="/volunteers/">志愿者</a>' in client.get("/").content.decode()
    client.force_login(UserFactory())
    assert '<a href="/volunteers/">志愿者</a>' not in client.get("/").content.decode()
