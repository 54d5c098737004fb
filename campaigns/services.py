"""Writes for campaigns, enrolments, service sites, people served/output and benefits.

Keyword-only, validating, atomic; a refused action raises ValidationError with a Chinese message
(and a `code`), a wrong role PermissionDenied."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from civilization_stations.models import PracticeNode
from core.access import is_federation_admin
from core.hours import from_half_hours
from hours.models import ServiceRecord, StarLevel
from projects.access import can_manage_project
from projects.models import Activity, Project, Shift, SignUp

from .access import can_create_campaign, can_own_campaign
from .models import (
    Benefit,
    Campaign,
    Enrolment,
    OutputCounter,
    OutputValue,
    ServiceResult,
    ServiceSite,
)

# Plausibility of results (see docs/architecture.md, "Campaigns"): people served and each output
# counter may be at most this many times the activity's person-times. Generous on purpose (a
# hotline volunteer answers dozens of messages a shift, a guide at a station helps hundreds of
# travellers); what they catch is an extra zero or two typed by mistake.
DEFAULT_PEOPLE_PER_PERSON_TIME = 200
DEFAULT_OUTPUT_PER_PERSON_TIME = 1000


def people_per_person_time() -> int:
    return int(
        getattr(settings, "CAMPAIGNS_PEOPLE_PER_PERSON_TIME", DEFAULT_PEOPLE_PER_PERSON_TIME)
    )


def output_per_person_time() -> int:
    return int(
        getattr(settings, "CAMPAIGNS_OUTPUT_PER_PERSON_TIME", DEFAULT_OUTPUT_PER_PERSON_TIME)
    )


# --- campaigns ---------------------------------------------------------------------------------


MAX_CAMPAIGN_DAYS = 366


def covers(campaign: Campaign, node: PracticeNode) -> bool:
    return any(covered.contains(node) for covered in campaign.covered_nodes.all())


def _campaign_errors(
    *,
    name: str,
    starts_on: date | None,
    ends_on: date | None,
    nodes: list[PracticeNode],
    owner: PracticeNode | None,
) -> dict[str, str]:
    """What creation and editing both check: a name, ordered dates, at least one covered node,
    all inside the owning center (a federation campaign may cover any node)."""
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("请填写活动名称。")
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = _("结束日期不能早于开始日期。")
    elif starts_on and ends_on and (ends_on - starts_on).days >= MAX_CAMPAIGN_DAYS:
        # A campaign is a season (学雷锋月, 春运): a year at most keeps its daily figures and
        # trend meaningful, and a typo such as 9999 from reaching the pages.
        errors["ends_on"] = _("主题活动期间最长一年（%(days)d 天），请核对结束日期。") % {
            "days": MAX_CAMPAIGN_DAYS
        }
    if not nodes:
        errors["covered_nodes"] = _("请至少选择一个覆盖的阵地。")
    if owner is not None and any(not owner.contains(n) for n in nodes):
        errors["covered_nodes"] = _("只能覆盖本阵地及其下属阵地。")
    return errors


@transaction.atomic
def campaign_create(
    *,
    actor: Any,
    name: str,
    starts_on: date,
    ends_on: date,
    covered_nodes: Iterable[PracticeNode],
    description: str = "",
) -> Campaign:
    if not can_create_campaign(actor):
        raise PermissionDenied
    name = name.strip()
    nodes = list(covered_nodes)
    owner = None if is_federation_admin(actor) else actor.staff_node
    errors = _campaign_errors(
        name=name, starts_on=starts_on, ends_on=ends_on, nodes=nodes, owner=owner
    )
    if errors:
        raise ValidationError(errors)
    campaign = Campaign.objects.create(
        name=name,
        description=description.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        owner_node=owner,
        created_by=actor,
    )
    campaign.covered_nodes.set(nodes)
    return campaign


@dataclass(frozen=True)
class LeavingFigures:
    """What of the approved enrolments' figures lies in the days a new period leaves out."""

    records: int
    half_hours: int
    person_times: int
    results: int
    people_served: int

    @property
    def hours(self) -> Any:
        return from_half_hours(self.half_hours)

    def __bool__(self) -> bool:
        return bool(self.records or self.results)


def figures_leaving_period(campaign: Campaign, starts_on: date, ends_on: date) -> LeavingFigures:
    """Approved ledger entries and results of the campaign's approved projects dated inside the
    current period but outside the new one (read from the ledger, not the rollup, which may be
    minutes old). Two queries."""
    projects = Enrolment.objects.filter(campaign=campaign, status=Enrolment.Status.APPROVED).values(
        "project_id"
    )
    leaving = Q(service_date__gte=campaign.starts_on, service_date__lte=campaign.ends_on) & (
        Q(service_date__lt=starts_on) | Q(service_date__gt=ends_on)
    )
    records = (
        ServiceRecord.objects.approved()
        .filter(leaving, project_id__in=projects)
        .aggregate(n=Count("pk"), hh=Sum("half_hours"), pt=Sum("person_times"))
    )
    results = ServiceResult.objects.filter(leaving, project_id__in=projects).aggregate(
        n=Count("pk"), ps=Sum("people_served")
    )
    return LeavingFigures(
        records=records["n"],
        half_hours=records["hh"] or 0,
        person_times=records["pt"] or 0,
        results=results["n"],
        people_served=results["ps"] or 0,
    )


@transaction.atomic
def campaign_update(
    *,
    actor: Any,
    campaign: Campaign,
    name: str,
    starts_on: date,
    ends_on: date,
    covered_nodes: Iterable[PracticeNode],
    description: str = "",
    confirm_period: bool = False,
) -> Campaign:
    """The owner edits name, period, description and coverage, checked as on creation (the
    coverage stays inside the owning center, whoever edits). Two more rules keep enrolled
    projects' figures from vanishing silently:

    - coverage cannot be narrowed away from a project that is enrolled (pending or approved);
    - a period that leaves out approved entries or results of approved projects is refused
      (code "period_drops_figures", saying what would leave) unless `confirm_period`.

    Saving moves `updated_at`, so the next incremental rollup recomputes the campaign."""
    campaign = (
        Campaign.objects.select_for_update(of=("self",))
        .select_related("owner_node")
        .get(pk=campaign.pk)
    )
    if not can_own_campaign(actor, campaign):
        raise PermissionDenied
    name = name.strip()
    nodes = list(covered_nodes)
    errors = _campaign_errors(
        name=name, starts_on=starts_on, ends_on=ends_on, nodes=nodes, owner=campaign.owner_node
    )
    if nodes and "covered_nodes" not in errors:
        enrolled = Enrolment.objects.filter(
            campaign=campaign, status__in=[Enrolment.Status.PENDING, Enrolment.Status.APPROVED]
        ).select_related("project__node")
        stranded = [
            e.project.title for e in enrolled if not any(n.contains(e.project.node) for n in nodes)
        ]
        if stranded:
            errors["covered_nodes"] = _(
                "以下已报名的项目将不在覆盖范围内：%(titles)s。请保留覆盖它们的阵地。"
            ) % {"titles": "、".join(sorted(stranded))}
    if errors:
        raise ValidationError(errors)
    if not confirm_period:
        leaving = figures_leaving_period(campaign, starts_on, ends_on)
        if leaving:
            raise ValidationError(
                _(
                    "新的期间之外有已计入本主题活动的数据：%(records)d 条服务记录"
                    "（%(hours)s 小时，%(times)d 人次）和 %(results)d 条服务成效"
                    "（服务对象 %(served)d 人次）。保存后这些数据将不再计入。"
                    "如确认缩短期间，请勾选“确认调整期间”后再保存。"
                )
                % {
                    "records": leaving.records,
                    "hours": leaving.hours,
                    "times": leaving.person_times,
                    "results": leaving.results,
                    "served": leaving.people_served,
                },
                code="period_drops_figures",
            )
    campaign.name = name
    campaign.description = description.strip()
    campaign.starts_on = starts_on
    campaign.ends_on = ends_on
    campaign.save()
    campaign.covered_nodes.set(nodes)
    return campaign


@transaction.atomic
def enrol_project(*, actor: Any, campaign: Campaign, project: Project) -> Enrolment:
    """An organization (or a station, for its own projects) asks to count a project in the
    campaign. Asking again after a rejection reopens the same row."""
    if not can_manage_project(actor, project):
        raise PermissionDenied
    if not project.is_public:
        raise ValidationError(_("只有已发布的项目可以参加主题活动。"), code="not_public")
    if not covers(campaign, project.node):
        raise ValidationError(
            _("该项目的服务阵地不在主题活动「%(name)s」的覆盖范围内。") % {"name": campaign.name},
            code="outside",
        )
    if project.ends_on < campaign.starts_on or project.starts_on > campaign.ends_on:
        raise ValidationError(_("项目日期与主题活动期间没有重叠。"), code="dates")
    enrolment = Enrolment.objects.select_for_update().filter(campaign=campaign, project=project)
    existing = enrolment.first()
    if existing is not None:
        if existing.status != Enrolment.Status.REJECTED:
            raise ValidationError(_("该项目已报名此主题活动。"), code="duplicate")
        existing.status = Enrolment.Status.PENDING
        existing.requested_by = actor
        existing.requested_at = timezone.now()
        existing.decided_by = None
        existing.decided_at = None
        existing.note = ""
        existing.save()
        return existing
    return Enrolment.objects.create(campaign=campaign, project=project, requested_by=actor)


@transaction.atomic
def decide_enrolment(
    *, actor: Any, enrolment: Enrolment, approve: bool, note: str = ""
) -> Enrolment:
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("campaign__owner_node")
        .get(pk=enrolment.pk)
    )
    if not can_own_campaign(actor, enrolment.campaign):
        raise PermissionDenied
    if enrolment.status != Enrolment.Status.PENDING:
        raise ValidationError(_("该报名已经处理过了。"), code="decided")
    note = note.strip()
    if not approve and not note:
        raise ValidationError({"note": _("不通过时请填写原因。")})
    enrolment.status = Enrolment.Status.APPROVED if approve else Enrolment.Status.REJECTED
    enrolment.note = note[:200]
    enrolment.decided_by = actor
    # decided_at is part of the rollup's watermark: an approval makes the campaign recompute.
    enrolment.decided_at = timezone.now()
    enrolment.save()
    return enrolment


# --- service sites -----------------------------------------------------------------------------


def _site_errors(
    *, name: str, kind: str, address: str, opening_hours: str, services: str
) -> dict[str, str]:
    errors: dict[str, str] = {}
    for field, value, message in (
        ("name", name, _("请填写站点名称。")),
        ("address", address, _("请填写地址。")),
        ("opening_hours", opening_hours, _("请填写开放时间。")),
        ("services", services, _("请填写服务内容。")),
    ):
        if not value.strip():
            errors[field] = message
    if kind not in ServiceSite.Kind.values:
        errors["kind"] = _("请选择站点类型。")
    return errors


def _site_node_error(project: Project, node: PracticeNode | None) -> str | None:
    if node is None or not project.node.contains(node):
        return _("站点须位于值守项目的服务阵地（%(node)s）或其下属阵地。") % {
            "node": project.node.name
        }
    return None


@transaction.atomic
def site_create(
    *,
    actor: Any,
    project: Project,
    name: str,
    kind: str,
    address: str,
    opening_hours: str,
    services: str,
    node: PracticeNode | None = None,
) -> ServiceSite:
    """A site takes a large-event project its creator manages: the project's posts are the
    site's posts, its shifts the duty shifts volunteers sign up for. It stands at the project's
    node unless `node` (one below it) says where."""
    if not can_manage_project(actor, project):
        raise PermissionDenied
    errors = _site_errors(
        name=name, kind=kind, address=address, opening_hours=opening_hours, services=services
    )
    if not project.is_large_event:
        errors["project"] = _(
            "站点须关联一个“大型活动（业务口/岗位/排班）”形式的项目，用于值守排班。"
        )
    elif ServiceSite.objects.filter(project=project).exists():
        errors["project"] = _("该项目已关联其他站点。")
    node = node or project.node
    node_error = _site_node_error(project, node)
    if node_error:
        errors["node"] = node_error
    if errors:
        raise ValidationError(errors)
    return ServiceSite.objects.create(
        name=name.strip(),
        kind=kind,
        project=project,
        node=node,
        node_path=node.path,
        address=address.strip(),
        opening_hours=opening_hours.strip(),
        services=services.strip(),
        created_by=actor,
    )


@transaction.atomic
def site_update(
    *,
    actor: Any,
    site: ServiceSite,
    name: str,
    kind: str,
    address: str,
    opening_hours: str,
    services: str,
    node: PracticeNode | None,
) -> ServiceSite:
    """The duty project's managers edit what the public sees of a site and where it stands
    (the project's node or below). Posts and shifts stay with the project; the rating stays
    with the federation."""
    site = (
        ServiceSite.objects.select_for_update(of=("self",))
        .select_related("project__organization", "project__publisher_node", "project__node")
        .get(pk=site.pk)
    )
    if not can_manage_project(actor, site.project):
        raise PermissionDenied
    errors = _site_errors(
        name=name, kind=kind, address=address, opening_hours=opening_hours, services=services
    )
    node_error = _site_node_error(site.project, node)
    if node_error:
        errors["node"] = node_error
    if errors or node is None:  # a missing node is always an error above
        raise ValidationError(errors)
    site.name = name.strip()
    site.kind = kind
    site.address = address.strip()
    site.opening_hours = opening_hours.strip()
    site.services = services.strip()
    site.node = node
    site.node_path = node.path
    site.save()
    return site


@transaction.atomic
def site_rate(*, actor: Any, site: ServiceSite, rating: str) -> ServiceSite:
    if not is_federation_admin(actor):
        raise PermissionDenied
    if rating not in ServiceSite.Rating.values:
        raise ValidationError({"rating": _("评定结果无效。")})
    site.rating = rating
    site.rated_by = actor
    site.rated_at = timezone.now()
    site.save(update_fields=["rating", "rated_by", "rated_at"])
    return site


# --- people served and service output ----------------------------------------------------------


@transaction.atomic
def counter_create(*, actor: Any, project: Project, name: str, unit: str) -> OutputCounter:
    if not can_manage_project(actor, project):
        raise PermissionDenied
    name, unit = name.strip(), unit.strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("请填写指标名称。")
    if not unit:
        errors["unit"] = _("请填写单位，例如：人次、条、件。")
    if name and OutputCounter.objects.filter(project=project, name=name).exists():
        errors["name"] = _("本项目已有同名指标。")
    if errors:
        raise ValidationError(errors)
    return OutputCounter.objects.create(project=project, name=name[:50], unit=unit[:10])


def slot_person_times(slot: Activity | Shift) -> int:
    """What results are checked against: the slot's person-times in the ledger (approved and
    pending), or, before hours are recorded, its confirmed sign-ups."""
    recorded = ServiceRecord.objects.counting().for_slot(slot).aggregate(n=Sum("person_times"))
    if recorded["n"]:
        return max(recorded["n"], 0)
    field = "shift" if isinstance(slot, Shift) else "activity"
    return SignUp.objects.filter(**{field: slot}).confirmed().count()


def _check_values(
    *, people_served: Any, outputs: Mapping[OutputCounter, Any], person_times: int
) -> tuple[int, dict[OutputCounter, int]]:
    errors: dict[str, list[str]] = {}

    def number(key: str, value: Any, label: str) -> int | None:
        try:
            n = int(str(value).strip())
        except (TypeError, ValueError):
            errors.setdefault(key, []).append(_("%(label)s须为整数。") % {"label": label})
            return None
        if n < 0:
            errors.setdefault(key, []).append(_("%(label)s不能为负数。") % {"label": label})
            return None
        return n

    served = number("people_served", people_served, _("服务对象人次"))
    if served is not None:
        cap = person_times * people_per_person_time()
        if served > 0 and person_times == 0:
            errors.setdefault("people_served", []).append(
                _("该活动还没有志愿者确认参加或记录时长，请先记录服务时长再填报服务对象人次。")
            )
        elif served > cap:
            errors.setdefault("people_served", []).append(
                _(
                    "服务对象 %(n)d 人次超过了合理上限：%(pt)d 志愿者人次 × %(k)d = %(cap)d。请核对。"
                )
                % {"n": served, "pt": person_times, "k": people_per_person_time(), "cap": cap}
            )
    values: dict[OutputCounter, int] = {}
    for counter, raw in outputs.items():
        key = f"counter_{counter.pk}"
        n = number(key, raw, counter.name)
        if n is None:
            continue
        cap = person_times * output_per_person_time()
        if n > cap:
            errors.setdefault(key, []).append(
                _("%(name)s %(n)d%(unit)s超过了合理上限（%(cap)d%(unit)s），请核对。")
                % {"name": counter.name, "n": n, "unit": counter.unit, "cap": cap}
            )
        values[counter] = n
    if errors:
        raise ValidationError(errors)
    return served or 0, values


def _center_id(node: PracticeNode) -> int:
    return PracticeNode.objects.only("pk").get(code=node.center_code).pk


def _save_result(
    *, lookup: dict[str, Any], defaults: dict[str, Any], values: dict[OutputCounter, int]
) -> ServiceResult:
    result, _created = ServiceResult.objects.update_or_create(**lookup, defaults=defaults)
    for counter, value in values.items():
        OutputValue.objects.update_or_create(
            result=result, counter=counter, defaults={"value": value}
        )
    return result


@transaction.atomic
def record_slot_result(
    *,
    actor: Any,
    slot: Activity | Shift,
    people_served: Any,
    outputs: Mapping[OutputCounter, Any] | None = None,
    now: Any = None,
) -> ServiceResult:
    """服务对象人次 and output of an activity or shift, entered by its organizer after it ended
    (entering again updates)."""
    project = slot.project
    if not can_manage_project(actor, project):
        raise PermissionDenied
    if slot.ends_at > (now or timezone.now()):
        raise ValidationError(_("活动结束后才能填报服务成效。"), code="not_ended")
    outputs = outputs or {}
    if any(c.project_id != project.pk for c in outputs):
        raise ValidationError(_("指标不属于该项目。"), code="counter")
    served, values = _check_values(
        people_served=people_served, outputs=outputs, person_times=slot_person_times(slot)
    )
    field = "shift" if isinstance(slot, Shift) else "activity"
    return _save_result(
        lookup={field: slot},
        defaults={
            "project": project,
            "center_id": _center_id(project.node),
            "service_date": timezone.localtime(slot.starts_at).date(),
            "people_served": served,
            "recorded_by": actor,
        },
        values=values,
    )


@transaction.atomic
def record_order_result(*, actor: Any, order: Any, people_served: Any) -> ServiceResult:
    """People served by a service order (done or rated), checked against its ledger entries.
    The orders app has no result hook, so this is keyed by the order id."""
    from .access import get_order_for_results

    try:
        order = get_order_for_results(actor, order.pk)
    except Exception as exc:  # Http404: not the actor's order, or not done
        raise PermissionDenied from exc
    person_times = (
        ServiceRecord.objects.counting()
        .filter(order_id=order.pk)
        .aggregate(n=Sum("person_times"))["n"]
        or 0
    )
    served, _values = _check_values(
        people_served=people_served, outputs={}, person_times=person_times
    )
    day = timezone.localtime(order.done_at).date() if order.done_at else timezone.localdate()
    return _save_result(
        lookup={"order_id": order.pk},
        defaults={
            "project": None,
            "center_id": _center_id(order.node),
            "service_date": day,
            "people_served": served,
            "recorded_by": actor,
        },
        values={},
    )


# --- benefits ----------------------------------------------------------------------------------


@transaction.atomic
def benefit_save(
    *,
    actor: Any,
    name: str,
    provider: str,
    min_level: StarLevel,
    description: str = "",
    days: str = "",
    is_active: bool = True,
    benefit: Benefit | None = None,
) -> Benefit:
    if not is_federation_admin(actor):
        raise PermissionDenied
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = _("请填写回馈名称。")
    if not provider.strip():
        errors["provider"] = _("请填写提供单位。")
    if min_level is None:
        errors["min_level"] = _("请选择所需星级。")
    if errors:
        raise ValidationError(errors)
    benefit = benefit or Benefit()
    benefit.name = name.strip()
    benefit.provider = provider.strip()
    benefit.description = description.strip()
    benefit.days = days.strip()
    benefit.min_level = min_level
    benefit.is_active = is_active
    benefit.save()
    return benefit
