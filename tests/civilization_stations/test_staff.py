"""Appointing and removing station staff: only within the appointer's own subtree."""

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_center_staff_appoint_staff_to_a_street_below(client, tree, staff_factory):
    boss = staff_factory(tree.chaoyang)
    newcomer = UserFactory(phone="13911110000")
    client.force_login(boss)
    response = client.post("/stations/110105001/staff/", {"login": "13911110000"})
    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.staff_node == tree.jianwai
    assert newcomer.name in client.get("/stations/110105001/staff/").content.decode()


def test_an_unknown_login_is_refused_in_chinese(client, tree, staff_factory):
    client.force_login(staff_factory(tree.chaoyang))
    response = client.post("/stations/110105001/staff/", {"login": "13999999999"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "没有找到该手机号或邮箱对应的账户" in html
    assert 'value="13999999999"' in html


def test_street_staff_cannot_manage_another_street_or_the_center(client, tree, staff_factory):
    UserFactory(phone="13911110001")
    client.force_login(staff_factory(tree.jianwai))
    for code in ("110105002", "110105", "110101001"):
        assert client.get(f"/stations/{code}/staff/").status_code == 404
        assert client.post(f"/stations/{code}/staff/", {"login": "13911110001"}).status_code == 404


def test_staff_of_another_scope_cannot_be_poached(client, tree, staff_factory):
    other = staff_factory(tree.dongcheng)
    client.force_login(staff_factory(tree.chaoyang))
    response = client.post("/stations/110105001/staff/", {"login": other.phone})
    assert "该用户已是其他实践阵地的工作人员" in response.content.decode()
    other.refresh_from_db()
    assert other.staff_node == tree.dongcheng


def test_volunteers_and_anonymous_cannot_manage_staff(client, tree, plain_user):
    response = client.get("/stations/110105001/staff/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(plain_user)
    assert client.get("/stations/110105001/staff/").status_code == 403


def test_removing_staff_within_scope_only(client, tree, staff_factory, federation_admin):
    street_staff = staff_factory(tree.jianwai)
    boss = staff_factory(tree.chaoyang)
    client.force_login(staff_factory(tree.dongcheng))
    url = f"/stations/110105001/staff/{street_staff.pk}/remove/"
    assert client.post(url).status_code == 404
    client.force_login(boss)
    assert client.post(url).status_code == 302
    street_staff.refresh_from_db()
    assert street_staff.staff_node is None
    # Nobody removes themselves by accident.
    client.force_login(boss)
    client.post(f"/stations/110105/staff/{boss.pk}/remove/")
    boss.refresh_from_db()
    assert boss.staff_node == tree.chaoyang


def test_the_node_page_links_staff_management_only_for_those_in_scope(client, tree, staff_factory):
    assert "管理工作人员" not in client.get("/stations/110105001/").content.decode()
    client.force_login(staff_factory(tree.chaoyang))
    assert "管理工作人员" in client.get("/stations/110105001/").content.decode()
