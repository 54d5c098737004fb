"""The campaign rollup: campaign × center × day figures, distinct members and output sums,
recomputed set-based (DELETE + INSERT … SELECT … GROUP BY) from the ledger joined to the approved
enrolments, for the campaigns whose inputs changed since the watermark (or all, `full=True`).

Why whole campaigns: a campaign's figures depend on its period and its enrolled projects, which
both change; recomputing the few campaigns that moved is simple, idempotent and cheap next to
the ledger (one index range per enrolled project). A project in two campaigns is joined once per
enrolment, so it counts in each campaign once (enrolment is unique per campaign and project).

Watermark (`CampaignRollupState`): the highest ledger id seen, the lowest id still pending then,
the highest id of the run before that, and when the last run started. A campaign is dirty when, since then (minus `LAG`, which covers
transactions that committed after the previous run read the ledger), the campaign changed, an
enrolment was requested or decided, one of its projects got a ledger entry (new id, entered or
decided) or a result (people served / output) changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from hours.models import ServiceRecord

from .models import Campaign, CampaignRollupState, Enrolment, ServiceResult

LAG = timedelta(minutes=10)
CHUNK = 500

_PERIOD_JOIN = """
    FROM campaigns_enrolment e
    JOIN campaigns_campaign c ON c.id = e.campaign_id
"""


@dataclass(frozen=True)
class RollupResult:
    campaigns: int
    full: bool


def _in(ids: list[int]) -> str:
    return ", ".join(["%s"] * len(ids))


def recompute(campaign_ids: list[int]) -> None:
    """Replace the rollup rows of these campaigns with what the ledger says now."""
    with connection.cursor() as cursor:
        for start in range(0, len(campaign_ids), CHUNK):
            ids = campaign_ids[start : start + CHUNK]
            marks = _in(ids)
            for table in ("campaigndaystat", "campaignmember", "campaignoutputstat"):
                cursor.execute(
                    f"DELETE FROM campaigns_{table} WHERE campaign_id IN ({marks})",  # noqa: S608
                    ids,
                )
            cursor.execute(
                f"""
                INSERT INTO campaigns_campaigndaystat
                    (campaign_id, center_id, day, half_hours, person_times, people_served)
                SELECT campaign_id, center_id, day, SUM(hh), SUM(pt), SUM(ps) FROM (
                    SELECT e.campaign_id, r.center_id, r.service_date AS day,
                           r.half_hours AS hh, r.person_times AS pt, 0 AS ps
                    {_PERIOD_JOIN}
                    JOIN hours_servicerecord r ON r.project_id = e.project_id
                         AND r.service_date BETWEEN c.starts_on AND c.ends_on
                    WHERE e.status = 'approved' AND r.status = 'approved'
                      AND e.campaign_id IN ({marks})
                    UNION ALL
                    SELECT e.campaign_id, s.center_id, s.service_date, 0, 0, s.people_served
                    {_PERIOD_JOIN}
                    JOIN campaigns_serviceresult s ON s.project_id = e.project_id
                         AND s.service_date BETWEEN c.starts_on AND c.ends_on
                    WHERE e.status = 'approved' AND e.campaign_id IN ({marks})
                ) u
                GROUP BY campaign_id, center_id, day
                """,  # noqa: S608 - only placeholders are interpolated
                ids + ids,
            )
            member_selects = []
            for kind, column in (
                ("v", "volunteer_id"),
                ("p", "project_id"),
                ("a", "activity_id"),
                ("s", "shift_id"),
            ):
                member_selects.append(
                    f"""
                    SELECT e.campaign_id, r.center_id, '{kind}', r.{column}
                    {_PERIOD_JOIN}
                    JOIN hours_servicerecord r ON r.project_id = e.project_id
                         AND r.service_date BETWEEN c.starts_on AND c.ends_on
                    WHERE e.status = 'approved' AND r.status = 'approved'
                      AND r.{column} IS NOT NULL AND e.campaign_id IN ({marks})
                    GROUP BY e.campaign_id, r.center_id, r.{column}
                    HAVING SUM(r.person_times) > 0
                    """
                )
            cursor.execute(
                "INSERT INTO campaigns_campaignmember (campaign_id, center_id, kind, ref_id) "
                + " UNION ALL ".join(member_selects),
                ids * 4,
            )
            cursor.execute(
                f"""
                INSERT INTO campaigns_campaignoutputstat (campaign_id, name, unit, value)
                SELECT e.campaign_id, oc.name, oc.unit, SUM(ov.value)
                {_PERIOD_JOIN}
                JOIN campaigns_serviceresult s ON s.project_id = e.project_id
                     AND s.service_date BETWEEN c.starts_on AND c.ends_on
                JOIN campaigns_outputvalue ov ON ov.result_id = s.id
                JOIN campaigns_outputcounter oc ON oc.id = ov.counter_id
                WHERE e.status = 'approved' AND e.campaign_id IN ({marks})
                GROUP BY e.campaign_id, oc.name, oc.unit
                """,
                ids,
            )


def dirty_campaigns(state: CampaignRollupState) -> list[int]:
    """Campaigns whose inputs changed since the watermark."""
    if state.last_run_started_at is None:
        return list(Campaign.objects.values_list("pk", flat=True))
    since = state.last_run_started_at - LAG
    dirty = set(Campaign.objects.filter(updated_at__gte=since).values_list("pk", flat=True))
    dirty |= set(
        Enrolment.objects.filter(requested_at__gte=since).values_list("campaign_id", flat=True)
    )
    dirty |= set(
        Enrolment.objects.filter(decided_at__gte=since).values_list("campaign_id", flat=True)
    )
    # Ledger entries from the lowest id that was pending (or new) at the previous run: an index
    # range on the primary key, never a scan of the whole ledger.
    floor = min(state.last_pending_id or state.previous_record_id, state.previous_record_id)
    changed = (
        ServiceRecord.objects.filter(id__gte=floor, project__isnull=False)
        .filter(
            Q(id__gt=state.last_record_id) | Q(recorded_at__gte=since) | Q(decided_at__gte=since)
        )
        .values("project_id")
    )
    dirty |= set(
        Enrolment.objects.filter(project_id__in=changed).values_list("campaign_id", flat=True)
    )
    results = ServiceResult.objects.filter(updated_at__gte=since, project__isnull=False).values(
        "project_id"
    )
    dirty |= set(
        Enrolment.objects.filter(project_id__in=results).values_list("campaign_id", flat=True)
    )
    return sorted(dirty)


def run_campaign_rollup(*, full: bool = False, now: datetime | None = None) -> RollupResult:
    """One transaction: lock the state row (two runs never overlap), read the watermark,
    recompute the dirty campaigns (all with `full`), move the watermark."""
    now = now or timezone.now()
    with transaction.atomic():
        CampaignRollupState.objects.get_or_create(pk=1)
        state = CampaignRollupState.objects.select_for_update().get(pk=1)
        marks = ServiceRecord.objects.aggregate(top=Max("id"))
        pending = ServiceRecord.objects.pending().aggregate(low=Min("id"))
        if full:
            ids = list(Campaign.objects.values_list("pk", flat=True))
            with connection.cursor() as cursor:
                for table in ("campaigndaystat", "campaignmember", "campaignoutputstat"):
                    cursor.execute(f"DELETE FROM campaigns_{table}")  # noqa: S608
        else:
            ids = dirty_campaigns(state)
        if ids:
            recompute(ids)
        state.previous_record_id = state.last_record_id
        state.last_record_id = marks["top"] or 0
        state.last_pending_id = pending["low"] or 0
        state.last_run_started_at = now
        state.last_run_finished_at = timezone.now()
        state.campaigns_recomputed = len(ids)
        state.save()
    return RollupResult(campaigns=len(ids), full=full)
