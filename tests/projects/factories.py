"""Factories for projects: a recruiting project with activities, and a large event."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import factory
from django.utils import timezone

from projects.models import Activity, BusinessArea, Post, Project, Shift
from tests.factories import OrganizationFactory


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """An aware datetime in the site time zone."""
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


def in_days(n: int) -> date:
    return timezone.localdate() + timedelta(days=n)


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    title = factory.Sequence(lambda n: f"社区助老项目{n}")
    category = "elderly"
    organization = factory.SubFactory(OrganizationFactory)
    node = factory.SelfAttribute("organization.node")
    node_path = factory.LazyAttribute(lambda o: o.node.path)
    place = "社区活动中心"
    starts_on = factory.LazyFunction(lambda: in_days(-30))
    ends_on = factory.LazyFunction(lambda: in_days(200))
    description = "为社区老人提供陪伴服务"
    work_content = "陪伴聊天、读报"
    volunteers_needed = 10
    status = Project.Status.RECRUITING
    published_at = factory.LazyFunction(timezone.now)


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    project = factory.SubFactory(ProjectFactory)
    title = factory.Sequence(lambda n: f"周末陪伴{n}")
    starts_at = factory.LazyFunction(lambda: at(in_days(3), 9))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=3))
    place = "社区活动中心"
    quota = 5


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessArea

    project = factory.SubFactory(
        ProjectFactory, kind=Project.Kind.LARGE_EVENT, category="large_event"
    )
    name = factory.Sequence(lambda n: f"观众服务{n}")


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    area = factory.SubFactory(AreaFactory)
    name = factory.Sequence(lambda n: f"引导岗{n}")
    quota = 3


class ShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shift

    post = factory.SubFactory(PostFactory)
    project = factory.SelfAttribute("post.area.project")
    starts_at = factory.LazyFunction(lambda: at(in_days(3), 8))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=4))
    place = "园区东门"
    quota = 3
