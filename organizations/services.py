"""Writes for organizations: registration and review, child teams (分队), membership.

Every function is keyword-only, runs in a transaction, re-checks who may act (views 404 first,
services refuse anyway) and raises ValidationError with a Chinese message for a refused action.
Membership changes of one organization serialise on its row (SELECT … FOR UPDATE), so two admins
cannot demote each other at the same moment and leave it without an admin."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from civilization_stations.access import can_act_on_node
from civilization_stations.models import PracticeNode
from core.bulk import insert_objects
from volunteers.models import Volunteer

from .access import can_manage_organization, can_review_organization, is_org_admin
from .models import Membership, Organization, OrganizationReview
from .validators import normalize_contact_phone

logger = logging.getLogger(__name__)

# A volunteer may have this many registrations waiting for review at once (spam brake).
MAX_OPEN_REGISTRATIONS = 3
NAME_MAX_LENGTH = 100
DESCRIPTION_MAX_LENGTH = 2000

_REVIEW_OUTCOME = {
    OrganizationReview.Decision.APPROVE: Organization.Status.APPROVED,
    OrganizationReview.Decision.REJECT: Organization.Status.REJECTED,
    OrganizationReview.Decision.REQUEST_CHANGES: Organization.Status.CHANGES_REQUESTED,
}


def volunteer_of(user: Any) -> Volunteer | None:
    """The user's active real-name volunteer record, if any."""
    if not user.is_authenticated:
        return None
    return Volunteer.objects.active().filter(user=user).first()


# ---------------------------------------------------------------------------------------------
# Registration, editing, review


def _clean_details(
    *,
    name: str,
    type: str,
    node: PracticeNode | None,
    contact_name: str,
    contact_phone: str,
    contact_email: str,
    description: str,
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = [_("请填写组织名称。")]
    elif len(name) < 2 or len(name) > NAME_MAX_LENGTH:
        errors["name"] = [_("组织名称应为 2 到 100 个字。")]
    if type not in Organization.Type.values:
        errors["type"] = [_("请选择组织类型。")]
    if node is None:
        errors["node"] = [_("请选择所属实践阵地。")]
    contact_name = (contact_name or "").strip()
    if not contact_name:
        errors["contact_name"] = [_("请填写联系人。")]
    elif len(contact_name) > 50:
        errors["contact_name"] = [_("联系人姓名不能超过 50 个字。")]
    try:
        contact_phone = normalize_contact_phone(contact_phone)
    except ValidationError as exc:
        errors["contact_phone"] = exc.messages
    contact_email = (contact_email or "").strip()
    if contact_email:
        try:
            validate_email(contact_email)
        except ValidationError:
            errors["contact_email"] = [_("请输入有效的电子邮箱地址。")]
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX_LENGTH:
        errors["description"] = [_("简介不能超过 2000 个字。")]
    if errors:
        raise ValidationError(errors)
    return {
        "name": name,
        "type": type,
        "node": node,
        "contact_name": contact_name,
        "contact_phone": contact_phone,
        "contact_email": contact_email,
        "description": description,
    }


def _check_name_free(name: str, *, parent: Organization | None, exclude_pk: int | None) -> None:
    """Organizations (not rejected) have distinct names; teams, within their organization."""
    clash = Organization.objects.filter(name__iexact=name, parent=parent).exclude(
        status=Organization.Status.REJECTED
    )
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        message = _("该组织已有同名分队。") if parent else _("已有同名的志愿服务组织登记。")
        raise ValidationError({"name": [message]})


@transaction.atomic
def register_organization(
    *,
    user: Any,
    name: str,
    type: str,
    node: PracticeNode | None,
    contact_name: str,
    contact_phone: str,
    contact_email: str = "",
    description: str = "",
) -> Organization:
    """A real-name volunteer registers an organization; it waits for review and the registrant
    becomes its first admin (organizations are accountable to a real person)."""
    volunteer = volunteer_of(user)
    if volunteer is None:
        raise ValidationError(
            _("只有完成实名注册的志愿者才能登记志愿服务组织，请先完成志愿者实名注册。"),
            code="not_a_volunteer",
        )
    details = _clean_details(
        name=name,
        type=type,
        node=node,
        contact_name=contact_name,
        contact_phone=contact_phone,
        contact_email=contact_email,
        description=description,
    )
    _check_name_free(details["name"], parent=None, exclude_pk=None)
    open_count = Organization.objects.filter(
        created_by=user,
        parent__isnull=True,
        status__in=[Organization.Status.PENDING, Organization.Status.CHANGES_REQUESTED],
    ).count()
    if open_count >= MAX_OPEN_REGISTRATIONS:
        raise ValidationError(
            _("您已有 %(count)d 个组织正在审核中，请等待审核结果后再登记新的组织。")
            % {"count": open_count},
            code="too_many_open",
        )
    now = timezone.now()
    organization = Organization.objects.create(
        **details,
        status=Organization.Status.PENDING,
        created_by=user,
        submitted_at=now,
    )
    Membership.objects.create(
        organization=organization,
        volunteer=volunteer,
        role=Membership.Role.ADMIN,
        status=Membership.Status.APPROVED,
        decided_at=now,
        decided_by=user,
    )
    return organization


@transaction.atomic
def update_organization(
    *,
    organization: Organization,
    editor: Any,
    name: str,
    type: str,
    node: PracticeNode | None,
    contact_name: str,
    contact_phone: str,
    contact_email: str = "",
    description: str = "",
) -> Organization:
    """Its admins edit an organization's details. After a reviewer asked for changes, saving
    resubmits it for review. An approved organization keeps its name, type and node (changing
    them would need a new review: federation admins do it in the admin site)."""
    org = _lock(organization)
    if not can_manage_organization(editor, org):
        raise ValidationError(_("您不是该组织的管理员，不能修改组织信息。"), code="forbidden")
    if org.status == Organization.Status.REJECTED:
        raise ValidationError(_("已驳回的组织不能修改，如需登记请重新提交。"), code="rejected")
    details = _clean_details(
        name=name,
        type=type,
        node=node,
        contact_name=contact_name,
        contact_phone=contact_phone,
        contact_email=contact_email,
        description=description,
    )
    if org.is_team:
        details["type"] = org.type
        _check_team_node(org.parent, details["node"])
    elif org.status == Organization.Status.APPROVED and (
        details["name"] != org.name or details["type"] != org.type or details["node"] != org.node
    ):
        raise ValidationError(
            _("已通过审核的组织不能自行修改名称、类型和所属阵地，请联系志愿服务联合会。"),
            code="locked",
        )
    _check_name_free(details["name"], parent=org.parent, exclude_pk=org.pk)
    for field, value in details.items():
        setattr(org, field, value)
    if org.status == Organization.Status.CHANGES_REQUESTED:
        org.status = Organization.Status.PENDING
        org.submitted_at = timezone.now()
    org.save()
    return org


@transaction.atomic
def review_organization(
    *, organization: Organization, reviewer: Any, decision: str, note: str = ""
) -> Organization:
    """Approve, reject (with a reason) or send back for changes (with a note) a pending
    organization. Only federation admins and staff of its node or a node above it may review."""
    org = _lock(organization)
    if org.is_team:
        raise ValidationError(_("分队随上级组织审核，无需单独审核。"), code="team")
    if not can_review_organization(reviewer, org):
        raise ValidationError(_("该组织不在您的审核范围内。"), code="out_of_scope")
    if is_org_admin(reviewer, org):
        raise ValidationError(
            _("您是该组织的管理员，不能审核自己的组织，请由其他审核人处理。"),
            code="own_organization",
        )
    if decision not in _REVIEW_OUTCOME:
        raise ValidationError({"decision": [_("请选择审核结果。")]})
    if org.status != Organization.Status.PENDING:
        raise ValidationError(
            _("该组织当前状态为“%(status)s”，不能再审核。") % {"status": org.get_status_display()},
            code="not_pending",
        )
    note = (note or "").strip()
    if decision == OrganizationReview.Decision.REJECT and not note:
        raise ValidationError({"note": [_("驳回时请填写理由。")]})
    if decision == OrganizationReview.Decision.REQUEST_CHANGES and not note:
        raise ValidationError({"note": [_("退回修改时请写明需要修改的内容。")]})
    if len(note) > DESCRIPTION_MAX_LENGTH:
        raise ValidationError({"note": [_("审核意见不能超过 2000 个字。")]})
    now = timezone.now()
    org.status = _REVIEW_OUTCOME[decision]
    org.review_note = note
    org.reviewed_by = reviewer
    org.reviewed_at = now
    org.save(update_fields=["status", "review_note", "reviewed_by", "reviewed_at", "updated_at"])
    review = OrganizationReview.objects.create(
        organization=org, decision=decision, note=note, reviewer=reviewer
    )
    transaction.on_commit(lambda: send_review_decision_email(review_pk=review.pk))
    return org


@transaction.atomic
def import_organization(
    *,
    actor: Any,
    organization: Organization | None,
    name: str,
    type: str,
    node: PracticeNode | None,
    parent: Organization | None = None,
    contact_name: str,
    contact_phone: str,
    contact_email: str = "",
    description: str = "",
) -> tuple[Organization, str]:
    """A reviewer (federation admin, or staff of the node or a node above) brings organizations
    from a station's spreadsheet onto the platform. A new one is registered already approved:
    the reviewer vouches for it, recorded as a review (批量导入); it has no admin until the
    federation appoints one. An existing one (`organization`) gets the file's details. Returns
    (organization, "new" | "update" | "skip")."""
    details = _clean_details(
        name=name,
        type=parent.type if parent is not None else type,
        node=node,
        contact_name=contact_name,
        contact_phone=contact_phone,
        contact_email=contact_email,
        description=description,
    )
    if parent is not None:
        if parent.is_team:
            raise ValidationError(_("分队下不能再建立分队。"), code="nested_team")
        _check_team_node(parent, details["node"])
    if not can_act_on_node(actor, details["node"]):
        raise ValidationError({"node": [_("该阵地不在您的管辖范围内。")]}, code="out_of_scope")
    if organization is not None:
        org = _lock(organization)
        if not can_review_organization(actor, org):
            raise ValidationError(_("该组织不在您的审核范围内。"), code="out_of_scope")
        if org.parent_id != (parent.pk if parent else None):
            raise ValidationError(_("不能通过导入改变分队所属的组织。"), code="parent")
        if all(getattr(org, field) == value for field, value in details.items()):
            return org, "skip"
        _check_name_free(details["name"], parent=org.parent, exclude_pk=org.pk)
        for field, value in details.items():
            setattr(org, field, value)
        org.save()
        return org, "update"
    _check_name_free(details["name"], parent=parent, exclude_pk=None)
    now = timezone.now()
    org = Organization.objects.create(
        **details,
        parent=parent,
        status=Organization.Status.APPROVED,
        review_note=_("批量导入"),
        reviewed_by=actor,
        reviewed_at=now,
        created_by=actor,
        submitted_at=now,
    )
    if parent is None:
        OrganizationReview.objects.create(
            organization=org,
            decision=OrganizationReview.Decision.APPROVE,
            note=_("批量导入"),
            reviewer=actor,
        )
    return org, "new"


# ---------------------------------------------------------------------------------------------
# Teams


def _check_team_node(parent: Organization, node: PracticeNode | None) -> None:
    if node is not None and not parent.node.contains(node):
        raise ValidationError(
            {"node": [_("分队所属阵地须在“%(node)s”范围内。") % {"node": parent.node.name}]}
        )


@transaction.atomic
def create_team(
    *,
    organization: Organization,
    creator: Any,
    name: str,
    node: PracticeNode | None,
    contact_name: str,
    contact_phone: str,
    contact_email: str = "",
    description: str = "",
) -> Organization:
    """An admin of an approved organization creates a child team (分队). The team inherits the
    organization's approval and type; the organization's admins manage it."""
    parent = _lock(organization)
    if parent.is_team:
        raise ValidationError(_("分队下不能再建立分队。"), code="nested_team")
    if not can_manage_organization(creator, parent):
        raise ValidationError(_("只有组织管理员可以建立分队。"), code="forbidden")
    if parent.status != Organization.Status.APPROVED:
        raise ValidationError(_("组织通过审核后才能建立分队。"), code="not_approved")
    details = _clean_details(
        name=name,
        type=parent.type,
        node=node,
        contact_name=contact_name,
        contact_phone=contact_phone,
        contact_email=contact_email,
        description=description,
    )
    _check_team_node(parent, details["node"])
    _check_name_free(details["name"], parent=parent, exclude_pk=None)
    return Organization.objects.create(
        **details,
        parent=parent,
        status=Organization.Status.APPROVED,
        created_by=creator,
        submitted_at=timezone.now(),
    )


# ---------------------------------------------------------------------------------------------
# Membership


def _lock(organization: Organization) -> Organization:
    return (
        Organization.objects.select_for_update(of=("self",))
        .select_related("node", "parent__node")
        .get(pk=organization.pk)
    )


def _lock_membership(membership: Membership) -> tuple[Organization, Membership]:
    org = _lock(membership.organization)
    locked = (
        Membership.objects.select_for_update().select_related("volunteer").get(pk=membership.pk)
    )
    locked.organization = org
    return org, locked


def _require_admin(user: Any, organization: Organization) -> None:
    if not can_manage_organization(user, organization):
        raise ValidationError(_("您不是该组织的管理员，不能管理成员。"), code="forbidden")


def _ensure_another_admin(organization: Organization, membership: Membership) -> None:
    """An organization always keeps an admin. A team needs none of its own: the admins of its
    organization manage it."""
    if organization.is_team or membership.role != Membership.Role.ADMIN:
        return
    others = (
        Membership.objects.admins()
        .filter(organization=organization)
        .exclude(pk=membership.pk)
        .exists()
    )
    if not others:
        raise ValidationError(
            _("组织至少需要保留一名管理员，请先将其他成员设为管理员。"), code="last_admin"
        )


@transaction.atomic
def request_membership(*, organization: Organization, volunteer: Volunteer) -> Membership:
    """A volunteer asks to join an approved organization or team. Someone removed, rejected or
    who left may ask again."""
    if volunteer.is_closed:
        raise ValidationError(_("该志愿者账户已注销。"), code="closed")
    org = _lock(organization)
    if org.status != Organization.Status.APPROVED:
        raise ValidationError(_("该组织尚未通过审核，暂不能申请加入。"), code="not_approved")
    membership = (
        Membership.objects.select_for_update().filter(organization=org, volunteer=volunteer).first()
    )
    if membership is None:
        try:
            with transaction.atomic():
                return Membership.objects.create(organization=org, volunteer=volunteer)
        except IntegrityError as exc:  # a double click raced us to it
            raise ValidationError(
                _("您已提交加入申请，请等待组织管理员审核。"), code="pending"
            ) from exc
    if membership.status == Membership.Status.PENDING:
        raise ValidationError(_("您已提交加入申请，请等待组织管理员审核。"), code="pending")
    if membership.status == Membership.Status.APPROVED:
        raise ValidationError(_("您已经是该组织的成员。"), code="member")
    membership.status = Membership.Status.PENDING
    membership.role = Membership.Role.MEMBER
    membership.created_at = timezone.now()
    membership.decided_at = None
    membership.decided_by = None
    membership.save()
    return membership


@transaction.atomic
def decide_membership(*, membership: Membership, admin: Any, approve: bool) -> Membership:
    """An admin approves or rejects a pending request to join."""
    org, membership = _lock_membership(membership)
    _require_admin(admin, org)
    if membership.status != Membership.Status.PENDING:
        raise ValidationError(_("该申请已处理。"), code="decided")
    membership.status = Membership.Status.APPROVED if approve else Membership.Status.REJECTED
    membership.decided_at = timezone.now()
    membership.decided_by = admin
    membership.save(update_fields=["status", "decided_at", "decided_by"])
    transaction.on_commit(lambda: send_membership_decision_email(membership_pk=membership.pk))
    return membership


@transaction.atomic
def add_entered_members(
    *, organization: Organization, volunteers: list[Volunteer], admin: Any
) -> list[Membership]:
    """An admin's bulk import: the volunteers the organization has just entered (with their
    consent) become approved members at once, in one insert. What `request_membership` +
    `decide_membership` do for one person, without the decision email (the person did not
    ask to join; the organization registered them). The volunteers must be new to the
    organization."""
    org = _lock(organization)
    _require_admin(admin, org)
    if org.status != Organization.Status.APPROVED:
        raise ValidationError(_("该组织尚未通过审核，暂不能申请加入。"), code="not_approved")
    if any(v.is_closed for v in volunteers):
        raise ValidationError(_("该志愿者账户已注销。"), code="closed")
    now = timezone.now()
    memberships = [
        Membership(
            organization=org,
            volunteer=v,
            role=Membership.Role.MEMBER,
            status=Membership.Status.APPROVED,
            decided_at=now,
            decided_by=admin,
        )
        for v in volunteers
    ]
    insert_objects(memberships)  # COPY on PostgreSQL, bulk_create elsewhere
    return memberships


@transaction.atomic
def set_member_role(*, membership: Membership, admin: Any, role: str) -> Membership:
    """An admin makes a member an admin or an admin a member (never the last admin)."""
    org, membership = _lock_membership(membership)
    _require_admin(admin, org)
    if role not in Membership.Role.values:
        raise ValidationError({"role": [_("请选择成员角色。")]})
    if membership.status != Membership.Status.APPROVED:
        raise ValidationError(_("只能为已加入的成员设置角色。"), code="not_member")
    if membership.role == role:
        return membership
    if role == Membership.Role.MEMBER:
        _ensure_another_admin(org, membership)
    membership.role = role
    membership.decided_by = admin
    membership.save(update_fields=["role", "decided_by"])
    return membership


@transaction.atomic
def remove_member(*, membership: Membership, admin: Any) -> Membership:
    """An admin removes a member (never the last admin). The volunteer may ask to join again."""
    org, membership = _lock_membership(membership)
    _require_admin(admin, org)
    if membership.status != Membership.Status.APPROVED:
        raise ValidationError(_("该志愿者不是组织的成员。"), code="not_member")
    _ensure_another_admin(org, membership)
    membership.status = Membership.Status.REMOVED
    membership.role = Membership.Role.MEMBER
    membership.decided_at = timezone.now()
    membership.decided_by = admin
    membership.save(update_fields=["status", "role", "decided_at", "decided_by"])
    return membership


@transaction.atomic
def leave_organization(*, organization: Organization, volunteer: Volunteer) -> Membership:
    """A volunteer withdraws a pending request or leaves (not as the last admin)."""
    org = _lock(organization)
    membership = (
        Membership.objects.select_for_update()
        .filter(
            organization=org,
            volunteer=volunteer,
            status__in=[Membership.Status.PENDING, Membership.Status.APPROVED],
        )
        .first()
    )
    if membership is None:
        raise ValidationError(_("您不是该组织的成员。"), code="not_member")
    if membership.status == Membership.Status.APPROVED:
        _ensure_another_admin(org, membership)
    membership.status = Membership.Status.REMOVED
    membership.role = Membership.Role.MEMBER
    membership.decided_at = timezone.now()
    membership.decided_by = volunteer.user
    membership.save(update_fields=["status", "role", "decided_at", "decided_by"])
    return membership


# ---------------------------------------------------------------------------------------------
# Emails: sent after commit, one message per recipient (admins do not see each other's address).


def _email_of(volunteer: Volunteer) -> str:
    user = volunteer.user
    return (user.email if user is not None and user.email else "") or volunteer.email


def _send(subject: str, body: str, recipients: list[str]) -> int:
    messages = [
        EmailMessage(subject.strip(), body, settings.DEFAULT_FROM_EMAIL, [to])
        for to in dict.fromkeys(recipients)
        if to
    ]
    if not messages:
        return 0
    try:
        return get_connection().send_messages(messages) or 0
    except Exception:  # the decision is committed; a mail outage must not turn it into an error
        logger.exception("could not send %d organization email(s)", len(messages))
        return 0


def send_review_decision_email(*, review_pk: int) -> int:
    """Tell an organization's admins the outcome of a review."""
    review = OrganizationReview.objects.select_related("organization").filter(pk=review_pk).first()
    if review is None:
        return 0
    org = review.organization
    admins = Membership.objects.admins().filter(organization=org).select_related("volunteer__user")
    context = {
        "organization": org,
        "review": review,
        "url": settings.SITE_URL + reverse("organizations:manage", args=[org.pk]),
    }
    subject = render_to_string("organizations/email/review_decision_subject.txt", context)
    body = render_to_string("organizations/email/review_decision.txt", context)
    return _send(subject, body, [_email_of(m.volunteer) for m in admins])


def send_membership_decision_email(*, membership_pk: int) -> int:
    """Tell a volunteer whether an organization accepted their request."""
    membership = (
        Membership.objects.select_related("organization", "volunteer__user")
        .filter(pk=membership_pk)
        .first()
    )
    if membership is None or membership.status not in (
        Membership.Status.APPROVED,
        Membership.Status.REJECTED,
    ):
        return 0
    context = {
        "membership": membership,
        "organization": membership.organization,
        "url": settings.SITE_URL
        + reverse("organizations:detail", args=[membership.organization_id]),
    }
    subject = render_to_string("organizations/email/membership_decision_subject.txt", context)
    body = render_to_string("organizations/email/membership_decision.txt", context)
    return _send(subject, body, [_email_of(membership.volunteer)])
