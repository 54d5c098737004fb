"""Reads across several relations: the public search, a project's page, a volunteer's sign-ups."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from .models import Activity, BusinessArea, Post, Project, ProjectQuerySet, Shift, SignUp


def search_projects(
    *,
    path: str = "",
    category: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    text: str = "",
) -> ProjectQuerySet:
    """Recruiting projects for the public list, gold and demonstration projects first."""
    qs = Project.objects.recruiting().under_path(path)
    if category:
        qs = qs.in_category(category)
    qs = qs.overlapping_dates(date_from, date_to).search(text)
    return qs.select_related("organization", "publisher_node", "node").order_by(
        "-is_city_demonstration", "-is_gold", "-published_at", "-pk"
    )


def open_projects_at(path: str, limit: int = 5) -> list[Project]:
    return list(search_projects(path=path)[:limit])


@dataclass
class ProjectPage:
    upcoming: list[Activity] = field(default_factory=list)
    past: list[Activity] = field(default_factory=list)
    areas: list[BusinessArea] = field(default_factory=list)
    my_signups: dict[tuple[str, int], SignUp] = field(default_factory=dict)


def project_page(project: Project, *, volunteer: Any = None, past_limit: int = 10) -> ProjectPage:
    """A project's slots with free places, upcoming first, and the viewer's own sign-ups."""
    now = timezone.now()
    page = ProjectPage()
    if project.is_large_event:
        shifts = Shift.objects.with_taken().select_related("post").order_by("starts_at", "pk")
        posts = Post.objects.order_by("name", "pk").prefetch_related(
            Prefetch("shifts", queryset=shifts)
        )
        page.areas = list(
            project.areas.select_related("manager")
            .prefetch_related(Prefetch("posts", queryset=posts))
            .order_by("name", "pk")
        )
    else:
        activities = Activity.objects.filter(project=project).with_taken()
        page.upcoming = list(activities.filter(ends_at__gt=now).order_by("starts_at", "pk"))
        page.past = list(
            activities.filter(ends_at__lte=now).order_by("-starts_at", "-pk")[:past_limit]
        )
    if volunteer is not None:
        for signup in SignUp.objects.filter(project=project, volunteer=volunteer).active():
            key = (
                ("activity", signup.activity_id)
                if signup.activity_id
                else ("shift", signup.shift_id)
            )
            page.my_signups[key] = signup  # type: ignore[index]
    return page


def volunteer_signups(volunteer: Any) -> Any:
    """A volunteer's sign-ups, newest slot first, with everything the list shows."""
    return (
        SignUp.objects.filter(volunteer=volunteer)
        .with_slot()
        .prefetch_related("leave_requests")
        .order_by("-created_at", "-pk")
    )


def slot_signups(*, activity: Activity | None = None, shift: Shift | None = None) -> Any:
    qs = (
        SignUp.objects.filter(activity=activity) if activity else SignUp.objects.filter(shift=shift)
    )
    return qs.select_related("volunteer").order_by("status", "created_at", "pk")
