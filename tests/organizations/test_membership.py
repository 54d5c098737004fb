"""Membership: volunteers ask to join, admins decide, set roles and remove members; an
organization never loses its last admin; admins see masked documents only."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from organizations.models import Membership
from organizations.services import (
    decide_membership,
    leave_organization,
    remove_member,
    request_membership,
    set_member_role,
)
from tests.factories import UserFactory, VolunteerFactory, make_org_admin

from .conftest import login


def join_url(org):
    return f"/organizations/{org.pk}/join/"


def member_url(org, membership, action):
    return f"/organizations/{org.pk}/manage/memberships/{membership.pk}/{action}/"


@pytest.fixture
def request_(org, volunteer):
    """A pending request from `volunteer` to join `org`."""
    return request_membership(organization=org, volunteer=volunteer)


@pytest.fixture
def member(org):
    return Membership.objects.create(
        organization=org, volunteer=VolunteerFactory(name="成员甲"), status="approved"
    )


# Asking to join ------------------------------------------------------------------------------


def test_a_volunteer_asks_to_join_from_the_public_page(client, org, volunteer):
    login(client, volunteer)
    assert "申请加入" in client.get(f"/organizations/{org.pk}/").content.decode()

    response = client.post(join_url(org), follow=True)

    membership = Membership.objects.get(organization=org, volunteer=volunteer)
    assert (membership.status, membership.role) == ("pending", "member")
    assert "已提交加入申请，请等待组织管理员审核。" in response.content.decode()
    assert "撤回申请" in response.content.decode()


def test_asking_twice_is_refused_politely(client, org, volunteer, request_):
    response = login(client, volunteer).post(join_url(org), follow=True)
    assert "您已提交加入申请，请等待组织管理员审核。" in response.content.decode()
    assert Membership.objects.filter(organization=org, volunteer=volunteer).count() == 1


def test_a_member_cannot_ask_again(org, member):
    with pytest.raises(ValidationError, match="已经是该组织的成员"):
        request_membership(organization=org, volunteer=member.volunteer)


def test_a_person_without_a_volunteer_record_is_sent_to_register(client, org, plain_user):
    client.force_login(plain_user)
    page = client.get(f"/organizations/{org.pk}/").content.decode()
    response = client.post(join_url(org))

    assert "完成志愿者实名注册后才能申请加入组织。" in page
    assert response.status_code == 302
    assert response["Location"] == "/me/"
    assert not Membership.objects.filter(organization=org).exists()


def test_anonymous_visitors_must_sign_in_to_join(client, org):
    response = client.post(join_url(org))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_nobody_can_join_an_organization_under_review(client, pending_org, volunteer):
    assert login(client, volunteer).post(join_url(pending_org)).status_code == 404
    with pytest.raises(ValidationError, match="尚未通过审核"):
        request_membership(organization=pending_org, volunteer=volunteer)


def test_a_volunteer_withdraws_a_request(client, org, volunteer, request_):
    response = login(client, volunteer).post(f"/organizations/{org.pk}/leave/", follow=True)
    assert "已撤回加入申请。" in response.content.decode()
    request_.refresh_from_db()
    assert request_.status == "removed"


# Deciding ------------------------------------------------------------------------------------


def test_an_admin_approves_a_request_and_the_volunteer_is_told(
    client, org, org_admin, request_, django_capture_on_commit_callbacks, mailoutbox
):
    login(client, org_admin)
    requests_page = client.get(f"/organizations/{org.pk}/manage/requests/").content.decode()
    assert request_.volunteer.name in requests_page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(member_url(org, request_, "decide"), {"decision": "approve"})

    assert response.status_code == 302
    request_.refresh_from_db()
    assert request_.status == "approved"
    assert request_.decided_by == org_admin.user
    assert request_.decided_at is not None
    assert mailoutbox[0].to == [request_.volunteer.user.email]
    assert "您已加入" in mailoutbox[0].subject


def test_an_admin_rejects_a_request(client, org, org_admin, request_):
    login(client, org_admin).post(member_url(org, request_, "decide"), {"decision": "reject"})
    request_.refresh_from_db()
    assert request_.status == "rejected"


def test_a_decision_needs_approve_or_reject(client, org, org_admin, request_):
    response = login(client, org_admin).post(
        member_url(org, request_, "decide"), {"decision": "maybe"}, follow=True
    )
    assert "请选择通过或拒绝。" in response.content.decode()
    request_.refresh_from_db()
    assert request_.status == "pending"


def test_a_request_is_decided_once(org, org_admin, request_):
    decide_membership(membership=request_, admin=org_admin.user, approve=False)
    with pytest.raises(ValidationError, match="该申请已处理"):
        decide_membership(membership=request_, admin=org_admin.user, approve=True)


def test_another_organization_s_admin_gets_404_and_the_service_refuses(
    client, org, request_, member, other_org_admin
):
    login(client, other_org_admin)
    for url, data in [
        (member_url(org, request_, "decide"), {"decision": "approve"}),
        (member_url(org, member, "role"), {"role": "admin"}),
        (member_url(org, member, "remove"), {}),
    ]:
        assert client.post(url, data).status_code == 404
    for page in ["manage/", "manage/members/", "manage/requests/", "manage/edit/"]:
        assert client.get(f"/organizations/{org.pk}/{page}").status_code == 404

    outsider = other_org_admin.user
    with pytest.raises(ValidationError, match="不是该组织的管理员"):
        decide_membership(membership=request_, admin=outsider, approve=True)
    with pytest.raises(ValidationError, match="不是该组织的管理员"):
        set_member_role(membership=member, admin=outsider, role="admin")
    with pytest.raises(ValidationError, match="不是该组织的管理员"):
        remove_member(membership=member, admin=outsider)
    request_.refresh_from_db()
    member.refresh_from_db()
    assert (request_.status, member.status, member.role) == ("pending", "approved", "member")


def test_a_membership_of_another_organization_cannot_be_reached_through_mine(
    client, org, org_admin, other_org
):
    foreign = Membership.objects.create(
        organization=other_org, volunteer=VolunteerFactory(), status="pending"
    )
    response = login(client, org_admin).post(
        member_url(org, foreign, "decide"), {"decision": "approve"}
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == "pending"


def test_a_plain_member_and_station_staff_cannot_manage(client, org, member, tree, staff_factory):
    login(client, member.volunteer)
    assert client.get(f"/organizations/{org.pk}/manage/members/").status_code == 404
    client.force_login(staff_factory(tree.jianwai))
    assert client.get(f"/organizations/{org.pk}/manage/members/").status_code == 404


def test_a_federation_admin_may_manage_members(client, org, org_admin, member, federation_admin):
    client.force_login(federation_admin)
    client.post(member_url(org, member, "role"), {"role": "admin"})
    member.refresh_from_db()
    assert member.role == "admin"


# Roles and removal ---------------------------------------------------------------------------


def test_an_admin_makes_a_member_an_admin_and_back(client, org, org_admin, member):
    login(client, org_admin)
    client.post(member_url(org, member, "role"), {"role": "admin"})
    member.refresh_from_db()
    assert member.role == "admin"

    response = client.post(member_url(org, member, "role"), {"role": "member"}, follow=True)
    member.refresh_from_db()
    assert member.role == "member"
    assert "成员甲 现在是成员。" in response.content.decode()


def test_an_unknown_role_is_refused(client, org, org_admin, member):
    response = login(client, org_admin).post(
        member_url(org, member, "role"), {"role": "owner"}, follow=True
    )
    assert "请选择成员角色。" in response.content.decode()
    with pytest.raises(ValidationError):
        set_member_role(membership=member, admin=org_admin.user, role="owner")


def test_the_last_admin_cannot_step_down_be_removed_or_leave(client, org, org_admin):
    own = Membership.objects.get(organization=org, volunteer=org_admin)
    login(client, org_admin)

    demoted = client.post(member_url(org, own, "role"), {"role": "member"}, follow=True)
    removed = client.post(member_url(org, own, "remove"), follow=True)
    left = client.post(f"/organizations/{org.pk}/leave/", follow=True)

    for response in (demoted, removed, left):
        assert "组织至少需要保留一名管理员" in response.content.decode()
    own.refresh_from_db()
    assert (own.role, own.status) == ("admin", "approved")


def test_with_a_second_admin_the_first_may_step_down(org, org_admin):
    make_org_admin(org)
    own = Membership.objects.get(organization=org, volunteer=org_admin)
    set_member_role(membership=own, admin=org_admin.user, role="member")
    own.refresh_from_db()
    assert own.role == "member"


def test_an_admin_removes_a_member_who_may_ask_again(client, org, org_admin, member):
    response = login(client, org_admin).post(member_url(org, member, "remove"), follow=True)
    assert "已将 成员甲 移出组织。" in response.content.decode()
    member.refresh_from_db()
    assert member.status == "removed"

    again = request_membership(organization=org, volunteer=member.volunteer)
    assert (again.pk, again.status, again.decided_at) == (member.pk, "pending", None)


def test_a_rejected_volunteer_may_ask_again(org, org_admin, request_):
    decide_membership(membership=request_, admin=org_admin.user, approve=False)
    assert request_membership(organization=org, volunteer=request_.volunteer).status == "pending"


def test_only_joined_members_get_a_role(org, org_admin, request_):
    with pytest.raises(ValidationError, match="只能为已加入的成员设置角色"):
        set_member_role(membership=request_, admin=org_admin.user, role="admin")
    with pytest.raises(ValidationError, match="不是组织的成员"):
        remove_member(membership=request_, admin=org_admin.user)


def test_a_member_leaves(client, org, member):
    response = login(client, member.volunteer).post(f"/organizations/{org.pk}/leave/", follow=True)
    assert "您已退出该组织。" in response.content.decode()
    member.refresh_from_db()
    assert member.status == "removed"
    with pytest.raises(ValidationError, match="不是该组织的成员"):
        leave_organization(organization=org, volunteer=member.volunteer)


@pytest.mark.django_db(transaction=True)
def test_two_admins_demoting_each_other_at_once_leave_one_admin(postgres, tree):
    from tests.factories import OrganizationFactory

    org = OrganizationFactory(node=tree.jianwai)
    first, second = make_org_admin(org), make_org_admin(org)
    memberships = {m.volunteer_id: m for m in Membership.objects.filter(organization=org)}
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def demote(actor, target):
        try:
            barrier.wait(timeout=10)
            set_member_role(membership=memberships[target.pk], admin=actor.user, role="member")
            outcomes.append("done")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=demote, args=(first, second)),
        threading.Thread(target=demote, args=(second, first)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == ["done", "refused"]
    assert Membership.objects.admins().filter(organization=org).count() == 1


# What admins see -----------------------------------------------------------------------------


def test_admins_see_volunteer_numbers_and_masked_documents_never_the_raw_number(
    client, org, org_admin, tree
):
    from volunteers.services import register_volunteer

    user = UserFactory()
    person = register_volunteer(
        user=user,
        name="张三",
        document_type="id_card",
        document_number="11010519491231002X",
        phone="13912345678",
        residence_node=tree.nanlang,
    )
    Membership.objects.create(organization=org, volunteer=person, status="approved")
    request_membership(organization=org, volunteer=VolunteerFactory(name="申请人乙"))
    login(client, org_admin)

    members_page = client.get(f"/organizations/{org.pk}/manage/members/").content.decode()
    requests_page = client.get(f"/organizations/{org.pk}/manage/requests/").content.decode()

    assert person.document_masked and person.document_masked in members_page
    assert person.number in members_page
    for html in (members_page, requests_page):
        assert "11010519491231002X" not in html
        assert "19491231" not in html
        assert person.document_token[:20] not in html
    assert "申请人乙" in requests_page


def test_the_members_page_searches_and_paginates(client, org, org_admin):
    for n in range(31):
        Membership.objects.create(
            organization=org,
            volunteer=VolunteerFactory(name=f"队员{n:02d}", user=None, phone="13900000000"),
            status="approved",
        )
    login(client, org_admin)

    first = client.get(f"/organizations/{org.pk}/manage/members/").content.decode()
    second = client.get(f"/organizations/{org.pk}/manage/members/", {"page": 2}).content.decode()
    found = client.get(f"/organizations/{org.pk}/manage/members/", {"q": "队员07"}).content.decode()
    none = client.get(f"/organizations/{org.pk}/manage/members/", {"q": "无此人"}).content.decode()

    assert "共 32 名成员" in first  # 31 members and the admin
    assert first.count('<th scope="row">') == 30
    assert second.count('<th scope="row">') == 2
    assert "队员07" in found and "队员08" not in found
    assert "没有找到匹配的成员。" in none


def test_an_empty_request_list_says_so(client, org, org_admin):
    html = (
        login(client, org_admin).get(f"/organizations/{org.pk}/manage/requests/").content.decode()
    )
    assert "没有待处理的加入申请。" in html
