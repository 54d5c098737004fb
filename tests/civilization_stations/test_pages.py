"""Public pages: the tree, search and a node, each in a fixed number of queries."""

import pytest

from civilization_stations.selectors import _node_panels

pytestmark = pytest.mark.django_db


def test_the_tree_lists_the_centers(client, tree, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = client.get("/stations/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "东城区" in html and "朝阳区" in html
    assert 'href="/stations/110105/"' in html


def test_the_tree_says_so_when_nothing_is_loaded(client, db):
    response = client.get("/stations/")
    assert "尚未导入实践阵地" in response.content.decode()


def test_a_node_shows_its_place_and_its_children(client, tree):
    html = client.get("/stations/110105001/").content.decode()
    assert "建外街道" in html
    assert 'href="/stations/110105/"' in html  # breadcrumb up to the center
    assert "南郎家园社区居委会" in html and "北郎家园社区居委会" in html
    assert "吉庆里" not in html  # another street's community


def test_node_pages_take_a_fixed_number_of_queries(client, tree, django_assert_max_num_queries):
    # Node, ancestors, children: the same few queries at any depth or number of children
    # (panels registered by other apps bring their own fixed number, checked in their tests).
    for code in ("110105", "110105001", "110105001024"):
        with django_assert_max_num_queries(3 + 3 * len(_node_panels)):
            assert client.get(f"/stations/{code}/").status_code == 200


def test_search_finds_nodes_by_name_with_their_lineage(client, tree, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = client.get("/stations/", {"q": "郎家园"})
    html = response.content.decode()
    assert "南郎家园社区居委会" in html and "北郎家园社区居委会" in html
    assert "朝阳区 › 建外街道" in html
    assert "多福巷" not in html


def test_search_by_code_prefix_and_empty_result(client, tree):
    assert "东华门街道" in client.get("/stations/", {"q": "110101"}).content.decode()
    html = client.get("/stations/", {"q": "不存在的地方"}).content.decode()
    assert "没有找到匹配的实践阵地" in html


def test_search_input_is_escaped(client, tree):
    html = client.get("/stations/", {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_unknown_node_is_404(client, tree):
    assert client.get("/stations/999999/").status_code == 404
