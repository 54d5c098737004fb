"""Station staff act on their node and everything below it; federation admins everywhere."""

import pytest
from django.http import Http404

from civilization_stations.access import (
    can_act_on_node,
    get_node_for_staff,
    nodes_in_scope,
    scope_path,
)

pytestmark = pytest.mark.django_db


def test_street_staff_act_on_their_street_and_its_communities(tree, staff_factory):
    staff = staff_factory(tree.jianwai)
    assert can_act_on_node(staff, tree.jianwai)
    assert can_act_on_node(staff, tree.nanlang)
    assert can_act_on_node(staff, tree.beilang)


def test_street_staff_cannot_act_on_another_street_or_above(tree, staff_factory):
    staff = staff_factory(tree.jianwai)
    for node in (tree.chaowai, tree.jiqing, tree.chaoyang, tree.dongcheng, tree.duofu):
        assert not can_act_on_node(staff, node), node.code
        with pytest.raises(Http404):
            get_node_for_staff(staff, node.code)


def test_center_staff_act_on_the_whole_district_only(tree, staff_factory):
    staff = staff_factory(tree.chaoyang)
    codes = set(nodes_in_scope(staff).values_list("code", flat=True))
    assert codes == {
        "110105",
        "110105001",
        "110105002",
        "110105001024",
        "110105001025",
        "110105002001",
        "110105002002",
    }
    assert not can_act_on_node(staff, tree.donghuamen)


def test_station_staff_act_on_their_station_only(tree, staff_factory):
    staff = staff_factory(tree.nanlang)
    assert set(nodes_in_scope(staff).values_list("code", flat=True)) == {"110105001024"}
    assert not can_act_on_node(staff, tree.beilang)
    assert not can_act_on_node(staff, tree.jianwai)


def test_federation_admins_act_everywhere(tree, federation_admin):
    assert all(
        can_act_on_node(federation_admin, n) for n in (tree.dongcheng, tree.nanlang, tree.chaowai)
    )
    assert scope_path(federation_admin) == ""
    assert get_node_for_staff(federation_admin, "110101001001") == tree.duofu


def test_other_users_act_nowhere(tree, plain_user, client):
    from django.contrib.auth.models import AnonymousUser

    for user in (plain_user, AnonymousUser()):
        assert not can_act_on_node(user, tree.nanlang)
        assert not nodes_in_scope(user).exists()
        assert scope_path(user) is None
        with pytest.raises(Http404):
            get_node_for_staff(user, tree.nanlang.code)


def test_unknown_codes_are_404_not_errors(tree, federation_admin):
    with pytest.raises(Http404):
        get_node_for_staff(federation_admin, "999999")
