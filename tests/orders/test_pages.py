"""The pages: the order form (bad input, rate limits), the order page (who sees it, masked phone),
the staff inbox (scope, filters, query count), the action forms, the node panel, navigation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from hours.models import ServiceRecord
from orders import services
from orders.models import Order, OrderEvent
from tests.factories import UserFactory

from .conftest import details

pytestmark = pytest.mark.django_db
State = Order.State
FMT = "%Y-%m-%dT%H:%M"


def form_data(**overrides) -> dict[str, str]:
    start = timezone.localtime() + timedelta(days=2)
    data = {
        "category": "elderly",
        "description": "帮忙更换灯泡",
        "address": "南郎家园 5 号楼 101",
        "wanted_from": start.strftime(FMT),
        "wanted_until": (start + timedelta(hours=2)).strftime(FMT),
        "contact_name": "王奶奶",
        "contact_phone": "13987654321",
        "contact_email": "wang@example.com",
    }
    data.update(overrides)
    return data


def url(name: str, order: Order) -> str:
    return f"/orders/{order.pk}/{name}/"


# --- 点单 --------------------------------------------------------------------------------------


def test_the_order_url_resolves_beside_the_station_pages(tree):
    from django.urls import resolve

    assert resolve("/stations/110105001024/orders/new/").view_name == "orders:place"
    assert resolve("/stations/110105001024/").view_name == "stations:node"
    assert resolve("/stations/110105001024/staff/").view_name == "stations:staff"


def test_the_form_is_accessible_to_anyone(client, tree):
    response = client.get("/stations/110105001024/orders/new/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_contact_phone">' in html and "服务类别" in html
    assert 'type="datetime-local"' in html
    assert "on_behalf" not in html  # only staff of the station or above may enter for a resident
    assert client.get("/stations/999999999999/orders/new/").status_code == 404


def test_an_anonymous_resident_places_an_order_and_gets_the_tracking_link(
    client, tree, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/stations/110105001024/orders/new/", form_data())
    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/orders/track/{order.tracking_token}/"
    assert order.resident is None and order.contact_phone == "13987654321"
    page = client.get(response["Location"]).content.decode()
    assert f"http://testserver/orders/track/{order.tracking_token}/" in page
    assert "13987654321" in page  # the token holder is the resident
    emailed = [m for m in mail.outbox if m.to == ["wang@example.com"]]
    assert len(emailed) == 1 and order.tracking_token in emailed[0].body


def test_a_signed_in_resident_finds_the_order_under_my_orders(client, tree, people):
    client.force_login(people.resident)
    response = client.post("/stations/110105001024/orders/new/", form_data(contact_email=""))
    order = Order.objects.get()
    assert response["Location"] == f"/orders/{order.pk}/"
    assert order.resident == people.resident
    html = client.get("/me/orders/").content.decode()
    assert f'href="/orders/{order.pk}/"' in html and "待派单" in html


def test_my_orders_lists_only_mine_and_has_an_empty_state(client, people, place):
    place(resident=people.other_resident)
    client.force_login(people.resident)
    html = client.get("/me/orders/").content.decode()
    assert "您还没有下过服务订单" in html
    assert client.get("/me/orders/", follow=False).status_code == 200
    client.logout()
    assert client.get("/me/orders/").status_code == 302


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"contact_phone": "12345678901"}, ["请输入有效的 11 位手机号码"]),
        ({"contact_phone": "138-1234"}, ["请输入有效的 11 位手机号码"]),
        ({"description": "", "address": ""}, ["请填写此项。"]),
        ({"category": ""}, ["请选择服务类别。"]),
        ({"category": "painting"}, ["请选择服务类别。"]),
        ({"wanted_from": "明天上午"}, ["请输入有效的日期和时间。"]),
        ({"contact_email": "not-an-email"}, ["请输入有效的电子邮箱地址。"]),
        ({"description": "长" * 1001}, ["最多 1000 个字。"]),
    ],
)
def test_bad_input_is_refused_in_chinese_and_what_was_typed_is_kept(
    client, tree, overrides, errors
):
    data = form_data(**overrides)
    response = client.post("/stations/110105001024/orders/new/", data)
    html = response.content.decode()
    assert response.status_code == 200
    for error in errors:
        assert error in html
    assert 'aria-invalid="true"' in html
    assert 'value="王奶奶"' in html  # the rest of what was typed is still there
    if overrides.get("contact_phone"):
        assert f'value="{overrides["contact_phone"]}"' in html
    assert not Order.objects.exists() and not OrderEvent.objects.exists()


def test_a_window_that_ends_before_it_starts_or_is_over_is_refused(client, tree):
    start = timezone.localtime() + timedelta(days=1)
    backwards = form_data(
        wanted_from=start.strftime(FMT), wanted_until=(start - timedelta(hours=1)).strftime(FMT)
    )
    assert (
        "结束时间须晚于开始时间"
        in client.post("/stations/110105001024/orders/new/", backwards).content.decode()
    )
    past = timezone.localtime() - timedelta(days=1)
    over = form_data(
        wanted_from=past.strftime(FMT), wanted_until=(past + timedelta(hours=1)).strftime(FMT)
    )
    assert (
        "期望服务时间已经过去"
        in client.post("/stations/110105001024/orders/new/", over).content.decode()
    )
    assert not Order.objects.exists()


def test_a_phone_number_places_three_orders_a_day(client, tree, settings):
    settings.ORDER_RATE_LIMIT_PER_IP = "100/h"
    for i in range(3):
        # From different networks: the limit follows the number.
        response = client.post(
            "/stations/110105001024/orders/new/", form_data(), REMOTE_ADDR=f"10.0.0.{i + 1}"
        )
        assert response.status_code == 302
    response = client.post(
        "/stations/110105001024/orders/new/", form_data(), REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 429
    html = response.content.decode()
    assert "提交过于频繁" in html and 'value="王奶奶"' in html
    assert Order.objects.count() == 3
    other = client.post(
        "/stations/110105001024/orders/new/",
        form_data(contact_phone="13700001111"),
        REMOTE_ADDR="10.0.0.9",
    )
    assert other.status_code == 302


def test_one_network_places_a_limited_number_of_orders_an_hour(client, tree, settings):
    settings.ORDER_RATE_LIMIT_PER_IP = "2/h"
    phones = ["13700000001", "13700000002", "13700000003"]
    codes = [
        client.post(
            "/stations/110105001024/orders/new/", form_data(contact_phone=p), REMOTE_ADDR="10.1.1.1"
        ).status_code
        for p in phones
    ]
    assert codes == [302, 302, 429]
    assert Order.objects.count() == 2
    elsewhere = client.post(
        "/stations/110105001024/orders/new/",
        form_data(contact_phone="13700000004"),
        REMOTE_ADDR="10.2.2.2",
    )
    assert elsewhere.status_code == 302


def test_invalid_submissions_do_not_use_up_the_limit(client, tree, settings):
    settings.ORDER_RATE_LIMIT_PER_PHONE = "1/d"
    for _ in range(3):
        client.post("/stations/110105001024/orders/new/", form_data(description=""))
    assert client.post("/stations/110105001024/orders/new/", form_data()).status_code == 302


def test_staff_enter_an_order_for_a_resident_without_the_limit(client, tree, people, settings):
    settings.ORDER_RATE_LIMIT_PER_PHONE = "1/d"
    client.force_login(people.station_staff)
    assert "代居民下单" in client.get("/stations/110105001024/orders/new/").content.decode()
    for _ in range(2):
        response = client.post("/stations/110105001024/orders/new/", form_data(on_behalf="on"))
        assert response.status_code == 302 and "/orders/track/" in response["Location"]
    assert Order.objects.filter(resident=None, placed_by=people.station_staff).count() == 2


# --- the order page: who sees it and what -----------------------------------------------------


def test_the_order_page_is_404_outside_the_orders_circle(client, people, place):
    order = place()
    assert client.get(f"/orders/{order.pk}/").status_code == 404  # anonymous
    for outsider in (people.other_resident, people.sibling_staff, people.far_staff):
        client.force_login(outsider)
        assert client.get(f"/orders/{order.pk}/").status_code == 404
    client.force_login(people.admin)  # not dispatched to them (yet)
    assert client.get(f"/orders/{order.pk}/").status_code == 404
    assert client.get("/orders/track/not-the-token/").status_code == 404


def test_the_phone_is_masked_for_the_organization_and_full_for_staff_and_resident(
    client, people, place, advance
):
    order = advance(place(), "dispatched")
    client.force_login(people.admin)
    html = client.get(f"/orders/{order.pk}/").content.decode()
    assert "138****5678" in html and "13812345678" not in html
    assert "resident@example.com" not in html
    assert "南郎家园 3 号楼" in html  # they need the address to serve
    for who in (people.station_staff, people.center_staff, people.resident):
        client.force_login(who)
        html = client.get(f"/orders/{order.pk}/").content.decode()
        assert "13812345678" in html


def test_the_page_shows_the_timeline(client, people, place, advance):
    order = advance(place(), "accepted")
    client.force_login(people.resident)
    html = client.get(f"/orders/{order.pk}/").content.decode()
    for label in ("下单", "派单", "接单", "南郎家园社区居委会工作人员", "南郎家园志愿服务队"):
        assert label in html
    assert people.station_staff.name not in html.replace("南郎家园社区居委会工作人员", "")


def test_organizations_in_reach_see_a_published_order_others_do_not(client, tree, people, place):
    order = services.publish_order(actor=people.center_staff, order=place(), reach=tree.jianwai)
    client.force_login(people.rival_admin)
    html = client.get(f"/orders/{order.pk}/").content.decode()
    assert "138****5678" in html and 'name="taker"' in html
    client.force_login(people.far_admin)
    assert client.get(f"/orders/{order.pk}/").status_code == 404


# --- actions through the pages ----------------------------------------------------------------


def test_staff_dispatch_from_the_page(client, people, place):
    order = place()
    client.force_login(people.station_staff)
    html = client.get(f"/orders/{order.pk}/").content.decode()
    assert "南郎家园志愿服务队" in html and f'action="/orders/{order.pk}/dispatch/"' in html
    response = client.post(url("dispatch", order), {"organization": people.org.pk})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == State.DISPATCHED and order.organization == people.org


def test_dispatch_candidates_can_be_searched(client, people, place):
    order = place(node=people.rival.node)  # at 建外街道
    client.force_login(people.center_staff)
    html = client.get(f"/orders/{order.pk}/", {"org_q": "多福"}).content.decode()
    assert "没有找到匹配的志愿服务组织" in html  # 多福巷 is in 东城区, outside their scope
    html = client.get(f"/orders/{order.pk}/", {"org_q": "南郎"}).content.decode()
    assert f'<option value="{people.org.pk}"' in html


@pytest.mark.parametrize("who", ["admin", "resident", "sibling_staff", "far_staff"])
def test_dispatch_by_the_wrong_person_is_refused_and_changes_nothing(
    client, people, place, unchanged, who
):
    order = place()
    client.force_login(getattr(people, who))
    with unchanged(order):
        response = client.post(url("dispatch", order), {"organization": people.org.pk})
    assert response.status_code in (403, 404)


def test_anonymous_posts_are_refused(client, people, place):
    order = place()
    for action in ("dispatch", "publish", "reject", "accept", "start", "complete", "cancel"):
        assert client.post(url(action, order), {}).status_code == 404


def test_a_bad_dispatch_form_shows_the_error(client, people, place, unchanged):
    order = place()
    client.force_login(people.station_staff)
    with unchanged(order):
        response = client.post(url("dispatch", order), {"organization": people.far_org.pk})
    assert response.status_code == 400
    assert "请选择您管辖范围内已通过审核的志愿服务组织" in response.content.decode()
    with unchanged(order):
        response = client.post(url("reject", order), {"reason": ""})
    assert "请填写理由" in response.content.decode()


def test_a_second_dispatch_from_a_stale_page_gets_a_message(client, people, place, advance):
    order = advance(place(), "dispatched")
    client.force_login(people.center_staff)
    response = client.post(url("dispatch", order), {"organization": people.rival.pk}, follow=True)
    assert "订单当前状态为“已派单”，不能派单。" in response.content.decode()
    order.refresh_from_db()
    assert order.organization == people.org


def test_the_organization_takes_serves_and_reports_hours_from_the_page(
    client, people, place, advance
):
    order = advance(place(), "dispatched")
    client.force_login(people.admin)
    assert client.post(url("accept", order)).status_code == 302
    assert client.post(url("start", order)).status_code == 302
    a, b = people.members
    data = {
        "served-TOTAL_FORMS": "5",
        "served-INITIAL_FORMS": "0",
        "served-0-volunteer_number": a.number.lower(),
        "served-0-hours": "3",
        "served-1-volunteer_number": b.number,
        "served-1-hours": "1.5",
    }
    assert client.post(url("complete", order), data).status_code == 302
    again = client.post(url("complete", order), data, follow=True)  # "done" submitted twice
    assert "不能完成服务" in again.content.decode()
    order.refresh_from_db()
    assert order.state == State.DONE
    hours = dict(
        ServiceRecord.objects.filter(order_id=order.pk).values_list("volunteer", "half_hours")
    )
    assert hours == {a.pk: 6, b.pk: 3}


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ({}, "请至少填写一名"),
        ({"served-0-volunteer_number": "V9999999999", "served-0-hours": "1"}, "没有找到志愿者编号"),
        ({"served-0-volunteer_number": "{a}", "served-0-hours": "1.2"}, "0.5 小时为单位"),
        ({"served-0-volunteer_number": "{a}", "served-0-hours": "30"}, "不能超过 24"),
        ({"served-0-volunteer_number": "{a}"}, "请填写服务时长"),
        (
            {
                "served-0-volunteer_number": "{a}",
                "served-0-hours": "1",
                "served-1-volunteer_number": "{a}",
                "served-1-hours": "2",
            },
            "填写了两次",
        ),
        (
            {"served-0-volunteer_number": "{outsider}", "served-0-hours": "1"},
            "不是南郎家园志愿服务队的成员",
        ),
    ],
)
def test_bad_hours_are_refused_with_what_was_typed_kept(
    client, people, place, advance, unchanged, rows, message
):
    from tests.factories import VolunteerFactory

    outsider = VolunteerFactory()
    order = advance(place(), "in_service")
    data = {"served-TOTAL_FORMS": "5", "served-INITIAL_FORMS": "0"}
    for key, value in rows.items():
        data[key] = value.format(a=people.members[0].number, outsider=outsider.number)
    client.force_login(people.admin)
    with unchanged(order):
        response = client.post(url("complete", order), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    if "served-0-hours" in rows:
        assert f'value="{rows["served-0-hours"]}"' in html
    assert not ServiceRecord.objects.filter(order_id=order.pk).exists()


def test_the_resident_rates_through_the_tracking_link(client, tree, people, advance):
    order = advance(services.place_order(node=tree.nanlang, details=details()), "done")
    track = f"/orders/track/{order.tracking_token}/"
    assert "提交评价" in client.get(track).content.decode()
    response = client.post(track + "rate/", {"rating": "", "comment": "好"})
    assert response.status_code == 400 and "请选择满意度" in response.content.decode()
    response = client.post(track + "rate/", {"rating": "5", "comment": "非常感谢"})
    assert response.status_code == 302 and response["Location"] == track
    order.refresh_from_db()
    assert order.state == State.RATED and order.rating_comment == "非常感谢"


def test_only_the_resident_may_rate_through_the_pages(client, people, place, advance, unchanged):
    order = advance(place(), "done")
    for who in (people.station_staff, people.admin, people.other_resident):
        client.force_login(who)
        with unchanged(order):
            assert client.post(url("rate", order), {"rating": "1"}).status_code in (403, 404)
    client.logout()
    other = place()
    with unchanged(order):  # another order's token does not open this one
        response = client.post(f"/orders/track/{other.tracking_token}/rate/", {"rating": "1"})
    assert response.status_code == 302  # refused on `other` (not done), this order unchanged
    client.force_login(people.resident)
    assert client.post(url("rate", order), {"rating": "3"}).status_code == 302


def test_the_resident_cancels_from_the_page(client, people, place):
    order = place()
    client.force_login(people.resident)
    assert client.post(url("cancel", order), {"reason": "不需要了"}).status_code == 302
    order.refresh_from_db()
    assert order.state == State.CANCELLED


# --- the staff inbox --------------------------------------------------------------------------


def _orders_everywhere(tree, place):
    return {
        "nanlang": place(node=tree.nanlang),
        "beilang": place(node=tree.beilang),
        "jianwai": place(node=tree.jianwai),
        "jiqing": place(node=tree.jiqing),
        "duofu": place(node=tree.duofu),
    }


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("station_staff", {"nanlang"}),
        ("sibling_staff", {"beilang"}),
        ("institute_staff", {"nanlang", "beilang", "jianwai"}),
        ("center_staff", {"nanlang", "beilang", "jianwai", "jiqing"}),
        ("far_staff", {"duofu"}),
    ],
)
def test_the_inbox_shows_only_the_staff_members_subtree(client, tree, people, place, who, sees):
    orders = _orders_everywhere(tree, place)
    client.force_login(getattr(people, who))
    html = client.get("/staff/orders/").content.decode()
    shown = {name for name, order in orders.items() if f'href="/orders/{order.pk}/"' in html}
    assert shown == sees


def test_the_inbox_takes_a_fixed_number_of_queries(
    client, tree, people, place, django_assert_num_queries
):
    for _ in range(30):
        place(node=tree.nanlang)
    client.force_login(people.center_staff)
    # session, user, staff node, count, one page of orders with node and organization joined
    with django_assert_num_queries(5):
        response = client.get("/staff/orders/")
    assert response.status_code == 200
    assert "第 1 / 2 页" in response.content.decode()


def test_the_inbox_filters_by_state_and_waiting_time(client, tree, people, place, advance):
    old = place()
    Order.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=30))
    fresh = place()
    dispatched = advance(place(), "dispatched")
    client.force_login(people.station_staff)
    html = client.get("/staff/orders/", {"waiting": "24"}).content.decode()
    assert f"/orders/{old.pk}/" in html and f"/orders/{fresh.pk}/" not in html
    html = client.get("/staff/orders/", {"state": "dispatched"}).content.decode()
    assert f"/orders/{dispatched.pk}/" in html and f"/orders/{old.pk}/" not in html
    html = client.get("/staff/orders/", {"state": "rated"}).content.decode()
    assert "没有符合条件的订单" in html


def test_the_inbox_is_for_staff_only(client, people):
    assert client.get("/staff/orders/").status_code == 302
    client.force_login(people.admin)
    assert client.get("/staff/orders/").status_code == 403


def test_a_federation_admin_sees_every_order(client, tree, place, federation_admin, people):
    orders = _orders_everywhere(tree, place)
    client.force_login(federation_admin)
    html = client.get("/staff/orders/").content.decode()
    assert all(f"/orders/{o.pk}/" in html for o in orders.values())


# --- 接单 page, node panel, navigation -------------------------------------------------------


def test_the_service_page_lists_what_an_organization_may_take(client, tree, people, place, advance):
    dispatched = advance(place(), "dispatched")
    published = services.publish_order(
        actor=people.center_staff, order=place(), reach=tree.chaoyang
    )
    elsewhere = services.publish_order(
        actor=people.far_staff, order=place(node=tree.duofu), reach=tree.dongcheng
    )
    client.force_login(people.admin)
    html = client.get("/orders/service/").content.decode()
    assert f"/orders/{dispatched.pk}/" in html and f"/orders/{published.pk}/" in html
    assert f"/orders/{elsewhere.pk}/" not in html
    client.force_login(people.rival_admin)
    html = client.get("/orders/service/").content.decode()
    assert f"/orders/{published.pk}/" in html and f"/orders/{dispatched.pk}/" not in html
    client.force_login(people.other_resident)
    assert "接单需要您是志愿服务组织的管理员" in client.get("/orders/service/").content.decode()


def test_the_station_page_lists_recent_orders_without_personal_data(
    client, tree, people, place, advance, django_assert_max_num_queries
):
    advance(place(), "rated")
    place(description="需要帮忙买药", address="南郎家园 9 号楼")
    from civilization_stations.selectors import _node_panels

    # The page's own three queries, and at most three per registered panel (this one takes two).
    with django_assert_max_num_queries(3 + 3 * len(_node_panels)):
        html = client.get("/stations/110105001024/").content.decode()
    assert "服务点单" in html and "非常满意" in html and "助老服务" in html
    assert "满意率 100%" in html
    for private in ("13812345678", "138****5678", "李阿姨", "南郎家园 9 号楼", "需要帮忙买药"):
        assert private not in html
    assert 'href="/stations/110105001024/orders/new/"' in html


def test_navigation_shows_the_inbox_to_staff_and_my_orders_to_signed_in_users(client, people):
    assert "/me/orders/" not in client.get("/").content.decode()
    client.force_login(UserFactory())
    html = client.get("/").content.decode()
    assert 'href="/me/orders/"' in html and 'href="/staff/orders/"' not in html
    client.force_login(people.station_staff)
    assert 'href="/staff/orders/"' in client.get("/").content.decode()


def test_order_pages_are_not_kept_in_caches(client, people, place):
    order = place()
    response = client.get(f"/orders/track/{order.tracking_token}/")
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    client.force_login(people.resident)
    assert "no-store" in client.get(f"/orders/{order.pk}/")["Cache-Control"]
