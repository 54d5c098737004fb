"""Sign-up rules: every refusal reason, the waitlist and its promotion email, overlaps across
activities and shifts, approvals, no-shows and leave for shifts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from projects import services
from projects.models import LeaveRequest, Project, SignUp
from tests.factories import VolunteerFactory
from tests.projects.factories import ActivityFactory, ShiftFactory, at, in_days

pytestmark = pytest.mark.django_db


def refusal(**kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        services.signup_create(**kwargs)
    return caught.value


def test_a_volunteer_signs_up_for_an_open_activity_and_is_confirmed(activity, volunteer):
    signup = services.signup_create(volunteer=volunteer, activity=activity)
    assert signup.status == SignUp.Status.CONFIRMED
    assert signup.project == activity.project
    assert signup.slot == activity
    assert signup.organization == activity.project.organization
    assert (signup.starts_at, signup.ends_at, signup.place) == (
        activity.starts_at,
        activity.ends_at,
        activity.place,
    )


def test_an_approval_activity_leaves_the_sign_up_pending_until_approved(
    activity, volunteer, org_admin
):
    activity.signup_mode = "approval"
    activity.save()
    signup = services.signup_create(volunteer=volunteer, activity=activity)
    assert signup.status == SignUp.Status.PENDING
    approved = services.signup_approve(actor=org_admin, signup=signup)
    assert approved.status == SignUp.Status.CONFIRMED
    assert approved.decided_by == org_admin


def test_a_full_activity_refuses_and_offers_the_waitlist(activity):
    for _ in range(activity.quota):
        services.signup_create(volunteer=VolunteerFactory(), activity=activity)
    error = refusal(volunteer=VolunteerFactory(), activity=activity)
    assert error.code == "full"
    assert "名额已满" in error.messages[0] and "候补" in error.messages[0]
    waiting = services.signup_create(
        volunteer=VolunteerFactory(), activity=activity, join_waitlist=True
    )
    assert waiting.status == SignUp.Status.WAITLISTED


def test_it_refuses_a_project_that_is_not_recruiting(activity, volunteer):
    for status in (Project.Status.DRAFT, Project.Status.PENDING_REVIEW, Project.Status.FINISHED):
        Project.objects.filter(pk=activity.project_id).update(status=status)
        error = refusal(volunteer=volunteer, activity=activity)
        assert error.code == "not_recruiting"
        assert "不在招募中" in error.messages[0]


def test_it_refuses_when_the_publishing_organization_lost_its_approval(activity, volunteer, org):
    org.status = "rejected"
    org.save()
    assert refusal(volunteer=volunteer, activity=activity).code == "not_recruiting"


def test_it_refuses_someone_under_the_minimum_age_on_the_activity_date(project):
    day = in_days(10)
    activity = ActivityFactory(project=project, min_age=18, starts_at=at(day, 9))
    turns_18_the_day_after = VolunteerFactory(
        birth_date=date(day.year - 18, day.month, day.day) + timedelta(days=1)
    )
    error = refusal(volunteer=turns_18_the_day_after, activity=activity)
    assert error.code == "age"
    assert "18 周岁" in error.messages[0]
    turns_18_that_day = VolunteerFactory(birth_date=date(day.year - 18, day.month, day.day))
    assert (
        services.signup_create(volunteer=turns_18_that_day, activity=activity).status == "confirmed"
    )


def test_the_project_minimum_age_applies_to_its_activities(project, activity):
    project.min_age = 60
    project.save()
    error = refusal(volunteer=VolunteerFactory(birth_date=date(1990, 1, 1)), activity=activity)
    assert error.code == "age"


def test_it_refuses_someone_without_a_birth_date_when_an_age_is_required(project):
    activity = ActivityFactory(project=project, min_age=14)
    error = refusal(volunteer=VolunteerFactory(birth_date=None), activity=activity)
    assert error.code == "age"
    assert "出生日期" in error.messages[0]


def test_it_refuses_someone_missing_a_required_skill(project):
    project.required_skills = ["first_aid"]
    project.save()
    activity = ActivityFactory(project=project, required_skills=["sign_language"])
    error = refusal(volunteer=VolunteerFactory(skills=["first_aid"]), activity=activity)
    assert error.code == "skills"
    assert "手语" in error.messages[0] and "急救" not in error.messages[0]
    ok = VolunteerFactory(skills=["first_aid", "sign_language", "law"])
    assert services.signup_create(volunteer=ok, activity=activity).status == "confirmed"


def test_it_refuses_when_insurance_does_not_cover_the_activity_date(project, activity):
    project.insurance_required = True
    project.save()
    day = activity.date
    for valid_until in (None, day - timedelta(days=1)):
        error = refusal(
            volunteer=VolunteerFactory(insurance_valid_until=valid_until), activity=activity
        )
        assert error.code == "insurance"
        assert "意外保险" in error.messages[0]
    covered = VolunteerFactory(insurance_valid_until=day)
    assert services.signup_create(volunteer=covered, activity=activity).status == "confirmed"


def test_it_refuses_an_activity_that_has_started(project, volunteer):
    activity = ActivityFactory(
        project=project, starts_at=at(in_days(0), 0), ends_at=at(in_days(1), 23)
    )
    assert refusal(volunteer=volunteer, activity=activity).code == "started"


def test_it_refuses_a_second_sign_up_for_the_same_activity(activity, volunteer):
    services.signup_create(volunteer=volunteer, activity=activity)
    assert refusal(volunteer=volunteer, activity=activity).code == "duplicate"


def test_a_cancelled_volunteer_may_sign_up_again(activity, volunteer):
    signup = services.signup_create(volunteer=volunteer, activity=activity)
    services.signup_cancel(signup=signup)
    again = services.signup_create(volunteer=volunteer, activity=activity)
    assert again.pk != signup.pk and again.status == "confirmed"


def test_a_closed_volunteer_cannot_sign_up(activity):
    from django.utils import timezone

    closed = VolunteerFactory(closed_at=timezone.now())
    assert refusal(volunteer=closed, activity=activity).code == "closed"


# --- overlaps --------------------------------------------------------------------------------


def test_overlapping_activities_are_refused_with_the_other_title(project, volunteer):
    day = in_days(5)
    first = ActivityFactory(
        project=project, title="上午读报", starts_at=at(day, 9), ends_at=at(day, 12)
    )
    second = ActivityFactory(project=project, starts_at=at(day, 11), ends_at=at(day, 13))
    services.signup_create(volunteer=volunteer, activity=first)
    error = refusal(volunteer=volunteer, activity=second)
    assert error.code == "overlap"
    assert "上午读报" in error.messages[0]


def test_back_to_back_activities_do_not_overlap(project, volunteer):
    day = in_days(5)
    first = ActivityFactory(project=project, starts_at=at(day, 9), ends_at=at(day, 12))
    second = ActivityFactory(project=project, starts_at=at(day, 12), ends_at=at(day, 14))
    services.signup_create(volunteer=volunteer, activity=first)
    assert services.signup_create(volunteer=volunteer, activity=second).status == "confirmed"


def test_an_activity_overlapping_a_shift_is_refused_and_vice_versa(project, volunteer):
    day = in_days(6)
    shift = ShiftFactory(starts_at=at(day, 8), ends_at=at(day, 12))
    activity = ActivityFactory(project=project, starts_at=at(day, 10), ends_at=at(day, 11))
    services.signup_create(volunteer=volunteer, shift=shift)
    assert refusal(volunteer=volunteer, activity=activity).code == "overlap"

    other = VolunteerFactory()
    services.signup_create(volunteer=other, activity=activity)
    assert refusal(volunteer=other, shift=shift).code == "overlap"


def test_overlapping_shifts_are_refused(volunteer):
    day = in_days(6)
    morning = ShiftFactory(starts_at=at(day, 8), ends_at=at(day, 12))
    noon = ShiftFactory(starts_at=at(day, 11, 30), ends_at=at(day, 15))
    services.signup_create(volunteer=volunteer, shift=morning)
    assert refusal(volunteer=volunteer, shift=noon).code == "overlap"


def test_a_pending_sign_up_blocks_overlaps_but_a_cancelled_or_waitlisted_one_does_not(
    project, volunteer
):
    day = in_days(7)
    a = ActivityFactory(
        project=project, starts_at=at(day, 9), ends_at=at(day, 12), signup_mode="approval"
    )
    b = ActivityFactory(project=project, starts_at=at(day, 10), ends_at=at(day, 11))
    pending = services.signup_create(volunteer=volunteer, activity=a)
    assert refusal(volunteer=volunteer, activity=b).code == "overlap"
    services.signup_cancel(signup=pending)
    assert services.signup_create(volunteer=volunteer, activity=b).status == "confirmed"


# --- waitlist ------------------------------------------------------------------------------


def test_cancelling_promotes_the_first_on_the_waitlist_and_emails_them(
    activity, django_capture_on_commit_callbacks
):
    holders = [
        services.signup_create(volunteer=VolunteerFactory(), activity=activity) for _ in range(2)
    ]
    first = services.signup_create(
        volunteer=VolunteerFactory(email="first@example.com"), activity=activity, join_waitlist=True
    )
    second = services.signup_create(
        volunteer=VolunteerFactory(email="second@example.com"),
        activity=activity,
        join_waitlist=True,
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.signup_cancel(signup=holders[0])
        assert mail.outbox == []  # nothing is sent before the commit
    assert len(callbacks) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == SignUp.Status.CONFIRMED
    assert second.status == SignUp.Status.WAITLISTED
    assert [m.to for m in mail.outbox] == [["first@example.com"]]
    assert "候补成功" in mail.outbox[0].subject
    assert activity.title in mail.outbox[0].body


def test_rejecting_a_pending_sign_up_promotes_the_waitlist_into_pending(
    activity, org_admin, django_capture_on_commit_callbacks
):
    activity.signup_mode = "approval"
    activity.quota = 1
    activity.save()
    pending = services.signup_create(volunteer=VolunteerFactory(), activity=activity)
    waiting = services.signup_create(
        volunteer=VolunteerFactory(), activity=activity, join_waitlist=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.signup_reject(actor=org_admin, signup=pending, reason="人数已够")
    waiting.refresh_from_db()
    pending.refresh_from_db()
    assert pending.status == "rejected" and pending.decision_note == "人数已够"
    assert waiting.status == SignUp.Status.PENDING
    assert any("未通过" in m.subject for m in mail.outbox)
    assert any("候补成功" in m.subject for m in mail.outbox)


def test_promotion_skips_a_waitlisted_volunteer_who_now_has_a_clash(project, activity):
    activity.quota = 1
    activity.save()
    holder = services.signup_create(volunteer=VolunteerFactory(), activity=activity)
    busy = VolunteerFactory()
    services.signup_create(volunteer=busy, activity=activity, join_waitlist=True)
    free = VolunteerFactory()
    free_signup = services.signup_create(volunteer=free, activity=activity, join_waitlist=True)
    clash = ActivityFactory(project=project, starts_at=activity.starts_at, ends_at=activity.ends_at)
    services.signup_create(volunteer=busy, activity=clash)
    services.signup_cancel(signup=holder)
    free_signup.refresh_from_db()
    assert free_signup.status == "confirmed"
    assert SignUp.objects.get(volunteer=busy, activity=activity).status == "waitlisted"


def test_cancelling_a_waitlisted_sign_up_promotes_nobody(activity):
    activity.quota = 1
    activity.save()
    services.signup_create(volunteer=VolunteerFactory(), activity=activity)
    w1 = services.signup_create(volunteer=VolunteerFactory(), activity=activity, join_waitlist=True)
    w2 = services.signup_create(volunteer=VolunteerFactory(), activity=activity, join_waitlist=True)
    services.signup_cancel(signup=w1)
    w2.refresh_from_db()
    assert w2.status == "waitlisted"


def test_cancelling_twice_or_after_the_start_is_refused(project, volunteer):
    activity = ActivityFactory(project=project)
    signup = services.signup_create(volunteer=volunteer, activity=activity)
    services.signup_cancel(signup=signup)
    with pytest.raises(ValidationError, match="不在有效状态"):
        services.signup_cancel(signup=signup)
    again = services.signup_create(volunteer=volunteer, activity=activity)
    activity.starts_at = at(in_days(-1), 9)
    activity.ends_at = at(in_days(-1), 12)
    activity.save()
    with pytest.raises(ValidationError, match="已经开始"):
        services.signup_cancel(signup=again)


# --- no-shows --------------------------------------------------------------------------------


def _past_confirmed(project, volunteer):
    activity = ActivityFactory(project=project)
    signup = services.signup_create(volunteer=volunteer, activity=activity)
    activity.starts_at = at(in_days(-2), 9)
    activity.ends_at = at(in_days(-2), 12)
    activity.save()
    return signup


def test_marking_a_no_show_counts_in_the_volunteer_record_and_unmarking_undoes_it(
    project, volunteer, org_admin
):
    signup = _past_confirmed(project, volunteer)
    services.signup_mark_no_show(actor=org_admin, signup=signup)
    volunteer.refresh_from_db()
    assert volunteer.no_show_count == 1
    with pytest.raises(ValidationError):
        services.signup_mark_no_show(actor=org_admin, signup=signup)  # not twice
    volunteer.refresh_from_db()
    assert volunteer.no_show_count == 1
    services.signup_unmark_no_show(actor=org_admin, signup=signup)
    volunteer.refresh_from_db()
    signup.refresh_from_db()
    assert volunteer.no_show_count == 0
    assert signup.status == "confirmed"
    with pytest.raises(ValidationError):
        services.signup_unmark_no_show(actor=org_admin, signup=signup)


def test_a_no_show_cannot_be_marked_before_the_activity_starts(activity, volunteer, org_admin):
    signup = services.signup_create(volunteer=volunteer, activity=activity)
    with pytest.raises(ValidationError, match="还没有开始"):
        services.signup_mark_no_show(actor=org_admin, signup=signup)


# --- leave for shifts ------------------------------------------------------------------------


def test_an_approved_leave_frees_the_shift_and_promotes_the_waitlist(
    volunteer, django_capture_on_commit_callbacks
):
    shift = ShiftFactory(quota=1)
    manager = VolunteerFactory()
    area = shift.post.area
    area.manager = manager
    area.save()
    signup = services.signup_create(volunteer=volunteer, shift=shift)
    waiting = services.signup_create(
        volunteer=VolunteerFactory(email="w@example.com"), shift=shift, join_waitlist=True
    )
    leave = services.leave_request_create(signup=signup, reason="家中有事")
    with pytest.raises(ValidationError, match="已提交请假"):
        services.leave_request_create(signup=signup, reason="再次")
    with django_capture_on_commit_callbacks(execute=True):
        services.leave_request_decide(actor=manager.user, leave=leave, approve=True)
    signup.refresh_from_db()
    waiting.refresh_from_db()
    assert signup.status == "cancelled"
    assert waiting.status == "confirmed"
    assert LeaveRequest.objects.get().status == "approved"
    assert any(m.to == ["w@example.com"] for m in mail.outbox)


def test_a_rejected_leave_keeps_the_place(volunteer):
    shift = ShiftFactory()
    signup = services.signup_create(volunteer=volunteer, shift=shift)
    leave = services.leave_request_create(signup=signup, reason="想休息")
    services.leave_request_decide(actor=None, leave=leave, approve=False, note="人手紧张")
    signup.refresh_from_db()
    assert signup.status == "confirmed"
    with pytest.raises(ValidationError, match="已处理"):
        services.leave_request_decide(actor=None, leave=leave, approve=True)


def test_leave_is_only_for_shifts_and_needs_a_reason(activity, volunteer):
    signup = services.signup_create(volunteer=volunteer, activity=activity)
    with pytest.raises(ValidationError, match="只有大型活动"):
        services.leave_request_create(signup=signup, reason="有事")
    shift_signup = services.signup_create(
        volunteer=volunteer,
        shift=ShiftFactory(starts_at=at(in_days(9), 8), ends_at=at(in_days(9), 9)),
    )
    with pytest.raises(ValidationError):
        services.leave_request_create(signup=shift_signup, reason="  ")


def test_a_sign_up_points_at_exactly_one_slot(activity, volunteer):
    from django.db import IntegrityError, transaction

    shift = ShiftFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        SignUp.objects.create(
            volunteer=volunteer,
            activity=activity,
            shift=shift,
            project=activity.project,
            status="confirmed",
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        SignUp.objects.create(volunteer=volunteer, project=activity.project, status="confirmed")
