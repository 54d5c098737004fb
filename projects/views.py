"""Pages for projects: public search and detail, sign-up, the volunteer's own sign-ups, the
publisher's console (projects, activities, large-event structure, sign-up lists), leave
approval and the review queue. Views are thin: access helper → form → service → redirect."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civilization_stations.models import PracticeNode
from core.access import is_federation_admin
from core.pagination import paginate
from organizations.models import Organization

from . import services
from .access import (
    can_manage_project,
    can_review_project,
    get_activity_for_manager,
    get_area_for_manager,
    get_leave_for_decider,
    get_own_signup,
    get_post_for_manager,
    get_project_for_manager,
    get_project_for_reviewer,
    get_project_for_viewer,
    get_shift_for_manager,
    get_signup_for_manager,
    leave_requests_for,
    managed_projects,
    reviewable_projects,
)
from .forms import (
    ActivityForm,
    AreaForm,
    HonoursForm,
    LeaveDecisionForm,
    LeaveForm,
    PostForm,
    ProjectForm,
    ProjectSearchForm,
    PublisherForm,
    ReasonForm,
    ReviewForm,
    ShiftForm,
    SignUpForm,
)
from .models import Activity, LeaveRequest, Project, Shift, SignUp
from .selectors import project_page, search_projects, slot_signups, volunteer_signups


def _volunteer_of(user: Any) -> Any:
    if not user.is_authenticated:
        return None
    try:
        return user.volunteer
    except Exception:  # RelatedObjectDoesNotExist: an account without a volunteer record
        return None


def _posted(request: HttpRequest) -> Any:
    """The POST data to bind a form to, or None on GET (an empty POST still binds)."""
    return request.POST if request.method == "POST" else None


def _apply_errors(form: Any, error: ValidationError) -> None:
    """Put a service's ValidationError on the form (field errors where the field exists)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _first_message(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- public ----------------------------------------------------------------------------------


def project_list(request: HttpRequest) -> HttpResponse:
    districts = list(PracticeNode.objects.centers().order_by("code").only("code", "name", "path"))
    district_code = request.GET.get("district", "")
    district = next((d for d in districts if d.code == district_code), None)
    streets = (
        list(
            PracticeNode.objects.institutes()
            .filter(parent=district)
            .order_by("code")
            .only("code", "name", "path")
        )
        if district
        else []
    )
    form = ProjectSearchForm(request.GET or None, districts=districts, streets=streets)
    path, category, date_from, date_to, text = "", "", None, None, ""
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        street = next((s for s in streets if s.code == data["street"]), None)
        path = street.path if street else (district.path if district else "")
        category = data["category"]
        date_from, date_to, text = data["date_from"], data["date_to"], data["q"].strip()
    node_code = request.GET.get("node", "")
    node = None
    if node_code and not path:
        node = PracticeNode.objects.filter(code=node_code).only("code", "name", "path").first()
        path = node.path if node else path
    page = paginate(
        request,
        search_projects(
            path=path, category=category, date_from=date_from, date_to=date_to, text=text
        ),
        20,
    )
    return render(
        request,
        "projects/list.html",
        {
            "form": form,
            "page": page,
            "node": node,
            "filtered": bool(request.GET.dict().keys() - {"page"}),
        },
    )


def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_project_for_viewer(request.user, pk)
    volunteer = _volunteer_of(request.user)
    context = {
        "project": project,
        "page_data": project_page(project, volunteer=volunteer),
        "volunteer": volunteer,
        "can_manage": can_manage_project(request.user, project),
        "open_for_signup": project.status == Project.Status.RECRUITING,
        "can_review": project.status == Project.Status.PENDING_REVIEW
        and can_review_project(request.user, project),
        "honours_form": HonoursForm(
            initial={
                "is_gold": project.is_gold,
                "is_city_demonstration": project.is_city_demonstration,
            }
        )
        if is_federation_admin(request.user) and project.is_public
        else None,
    }
    return render(request, "projects/detail.html", context)


def _public_slot(kind: str, pk: int) -> Activity | Shift:
    model = Activity if kind == "activity" else Shift
    slot = (
        model.objects.select_related("project__organization", "project__node")
        .filter(pk=pk, project__status__in=Project.PUBLIC_STATUSES)
        .first()
    )
    if slot is None:
        raise Http404
    return slot


def _registration_url() -> str:
    for name in ("volunteers:register", "volunteers:registration"):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return reverse("home")


@login_required
def signup(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    slot = _public_slot(kind, pk)
    detail_url = reverse("projects:detail", args=[slot.project_id])
    volunteer = _volunteer_of(request.user)
    if volunteer is None:
        messages.error(request, _("报名前请先完成志愿者实名注册。"))
        return redirect(_registration_url())
    form = SignUpForm(request.POST if request.method == "POST" else None)
    if request.method != "POST" or not form.is_valid():
        return render(request, "projects/signup.html", {"slot": slot, "form": form, "full": False})
    try:
        result = services.signup_create(
            volunteer=volunteer,
            activity=slot if kind == "activity" else None,  # type: ignore[arg-type]
            shift=slot if kind == "shift" else None,  # type: ignore[arg-type]
            note=form.cleaned_data["note"],
            join_waitlist=form.cleaned_data["waitlist"],
        )
    except ValidationError as error:
        if error.code == "full":
            return render(
                request,
                "projects/signup.html",
                {
                    "slot": slot,
                    "form": SignUpForm(
                        initial={"note": form.cleaned_data["note"], "waitlist": True}
                    ),
                    "full": True,
                    "error": _first_message(error),
                },
            )
        messages.error(request, _first_message(error))
        return redirect(detail_url)
    if result.status == SignUp.Status.WAITLISTED:
        messages.success(request, _("已加入候补名单。有人取消时我们会按顺序递补并邮件通知你。"))
    elif result.status == SignUp.Status.PENDING:
        messages.success(request, _("报名已提交，等待组织方审核。"))
    else:
        messages.success(request, _("报名成功，请按时参加。"))
    return redirect(detail_url)


@login_required
def my_signups(request: HttpRequest) -> HttpResponse:
    volunteer = _volunteer_of(request.user)
    page = paginate(request, volunteer_signups(volunteer), 20) if volunteer else None
    return render(
        request,
        "projects/my_signups.html",
        {
            "volunteer": volunteer,
            "page": page,
            "manages": managed_projects(request.user).exists(),
            "registration_url": _registration_url(),
        },
    )


@login_required
@require_POST
def signup_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    signup_obj = get_own_signup(request.user, pk)
    try:
        services.signup_cancel(signup=signup_obj)
    except ValidationError as error:
        messages.error(request, _first_message(error))
    else:
        messages.success(request, _("已取消报名。"))
    return redirect("projects:my_signups")


@login_required
def leave_request(request: HttpRequest, pk: int) -> HttpResponse:
    signup_obj = get_own_signup(request.user, pk)
    if signup_obj.shift_id is None:
        raise Http404
    form = LeaveForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.leave_request_create(signup=signup_obj, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("请假申请已提交，等待业务口负责人审批。"))
            return redirect("projects:my_signups")
    return render(request, "projects/leave_form.html", {"signup": signup_obj, "form": form})


# --- publisher's console ---------------------------------------------------------------------


def _publisher_choices(user: Any) -> list[tuple[str, str]]:
    choices = [
        (
            f"org:{org.pk}",
            org.name
            if org.status == Organization.Status.APPROVED
            else _("%(name)s（组织未通过审核，仅可保存草稿）") % {"name": org.name},
        )
        for org in Organization.objects.administered_by(user).order_by("name")
    ]
    if user.staff_node_id:
        choices.append(
            (
                f"node:{user.staff_node_id}",
                _("%(name)s（实践阵地项目）") % {"name": user.staff_node.name},
            )
        )
    return choices


def _nodes_for(project_or_publisher: Any) -> Any:
    """Where a project may serve: an organization's whole district; a station's own subtree."""
    if isinstance(project_or_publisher, Organization):
        center = project_or_publisher.node.path.split("/")[0] + "/"
        return PracticeNode.objects.filter(path__startswith=center)
    return PracticeNode.objects.subtree_of(project_or_publisher)


def _project_nodes(project: Project) -> Any:
    return _nodes_for(project.organization or project.publisher_node)


@login_required
def manage_list(request: HttpRequest) -> HttpResponse:
    projects = (
        managed_projects(request.user)
        .select_related("organization", "publisher_node", "node")
        .order_by("-updated_at", "-pk")
    )
    return render(
        request,
        "projects/manage/list.html",
        {
            "page": paginate(request, projects, 20),
            "can_create": bool(_publisher_choices(request.user)),
        },
    )


@login_required
def project_create(request: HttpRequest) -> HttpResponse:
    choices = _publisher_choices(request.user)
    if not choices:
        raise PermissionDenied
    publisher_form = PublisherForm(_posted(request), choices=choices)
    publisher: Any = None
    if publisher_form.is_bound and publisher_form.is_valid():
        kind, _sep, ident = publisher_form.cleaned_data["publisher"].partition(":")
        if kind == "org":
            publisher = Organization.objects.select_related("node").get(pk=ident)
        else:
            publisher = request.user.staff_node
    nodes = _nodes_for(publisher) if publisher is not None else PracticeNode.objects.none()
    if publisher is None:
        # Before a publisher is chosen, offer the nodes of the first choice.
        kind, _sep, ident = choices[0][0].partition(":")
        first = (
            Organization.objects.select_related("node").get(pk=ident)
            if kind == "org"
            else request.user.staff_node
        )
        nodes = _nodes_for(first)
    form = ProjectForm(_posted(request), nodes=nodes)
    if request.method == "POST" and publisher_form.is_valid() and form.is_valid():
        try:
            project = services.project_create(
                actor=request.user,
                data=form.cleaned_data,
                organization=publisher if isinstance(publisher, Organization) else None,
                publisher_node=None if isinstance(publisher, Organization) else publisher,
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("项目草稿已保存。添加活动或排班后即可提交审核。"))
            return redirect("projects:console", project.pk)
    return render(
        request,
        "projects/manage/project_form.html",
        {"form": form, "publisher_form": publisher_form, "project": None},
    )


@login_required
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_project_for_manager(request.user, pk)
    form = ProjectForm(_posted(request), instance=project, nodes=_project_nodes(project))
    if not project.is_editable:
        messages.error(request, _("只有草稿状态的项目可以修改；审核中或已发布的项目不能修改。"))
        return redirect("projects:console", project.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.project_update(actor=request.user, project=project, data=form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("项目已保存。"))
            return redirect("projects:console", project.pk)
    return render(request, "projects/manage/project_form.html", {"form": form, "project": project})


@login_required
def project_console(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_project_for_manager(request.user, pk)
    return render(
        request,
        "projects/manage/console.html",
        {"project": project, "page_data": project_page(project)},
    )


@login_required
@require_POST
def project_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    project = get_project_for_manager(request.user, pk)
    try:
        if action == "submit":
            services.project_submit(actor=request.user, project=project)
            messages.success(request, _("已提交审核，审核通过后项目将公开招募。"))
        elif action == "start":
            services.project_set_status(
                actor=request.user, project=project, status=Project.Status.IN_PROGRESS
            )
            messages.success(request, _("项目已进入进行中状态。"))
        elif action == "finish":
            services.project_set_status(
                actor=request.user, project=project, status=Project.Status.FINISHED
            )
            messages.success(request, _("项目已结项。"))
        else:
            raise Http404
    except ValidationError as error:
        messages.error(request, _first_message(error))
    return redirect("projects:console", project.pk)


@login_required
def activity_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_project_for_manager(request.user, pk)
    if project.is_large_event:
        raise Http404
    form = ActivityForm(_posted(request), initial={"place": project.place})
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data.get("repeat"):
                created = services.activities_create_recurring(
                    actor=request.user,
                    project=project,
                    data=form.service_data(),
                    frequency=form.cleaned_data["repeat"],
                    until=form.cleaned_data["repeat_until"],
                )
                messages.success(request, _("已创建 %(n)d 场重复活动。") % {"n": len(created)})
            else:
                services.activity_create(
                    actor=request.user, project=project, data=form.service_data()
                )
                messages.success(request, _("活动已创建。"))
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return redirect("projects:console", project.pk)
    return render(
        request,
        "projects/manage/activity_form.html",
        {"form": form, "project": project, "activity": None},
    )


@login_required
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_activity_for_manager(request.user, pk)
    form = ActivityForm(_posted(request), instance=activity, allow_repeat=False)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_update(
                actor=request.user, activity=activity, data=form.service_data()
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("活动已保存。"))
            return redirect("projects:console", activity.project_id)
    return render(
        request,
        "projects/manage/activity_form.html",
        {"form": form, "project": activity.project, "activity": activity},
    )


@login_required
@require_POST
def activity_delete(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_activity_for_manager(request.user, pk)
    try:
        services.activity_delete(actor=request.user, activity=activity)
    except ValidationError as error:
        messages.error(request, _first_message(error))
    else:
        messages.success(request, _("活动已删除。"))
    return redirect("projects:console", activity.project_id)


def _slot_signups_page(request: HttpRequest, slot: Activity | Shift) -> HttpResponse:
    signups = slot_signups(
        activity=slot if isinstance(slot, Activity) else None,
        shift=slot if isinstance(slot, Shift) else None,
    )
    return render(
        request,
        "projects/manage/signups.html",
        {
            "slot": slot,
            "project": slot.project,
            "page": paginate(request, signups, 50),
            "reason_form": ReasonForm(),
        },
    )


@login_required
def activity_signups(request: HttpRequest, pk: int) -> HttpResponse:
    return _slot_signups_page(request, get_activity_for_manager(request.user, pk))


@login_required
def shift_signups(request: HttpRequest, pk: int) -> HttpResponse:
    return _slot_signups_page(request, get_shift_for_manager(request.user, pk))


@login_required
@require_POST
def signup_decide(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    signup_obj = get_signup_for_manager(request.user, pk)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    actions = {
        "approve": (
            lambda: services.signup_approve(actor=request.user, signup=signup_obj),
            _("已通过报名。"),
        ),
        "reject": (
            lambda: services.signup_reject(actor=request.user, signup=signup_obj, reason=reason),
            _("已拒绝报名。"),
        ),
        "no-show": (
            lambda: services.signup_mark_no_show(actor=request.user, signup=signup_obj),
            _("已标记爽约。"),
        ),
        "undo-no-show": (
            lambda: services.signup_unmark_no_show(actor=request.user, signup=signup_obj),
            _("已撤销爽约标记。"),
        ),
    }
    if action not in actions:
        raise Http404
    call, done = actions[action]
    try:
        call()
    except ValidationError as error:
        messages.error(request, _first_message(error))
    else:
        messages.success(request, done)
    if signup_obj.activity_id:
        return redirect("projects:activity_signups", signup_obj.activity_id)
    return redirect("projects:shift_signups", signup_obj.shift_id)


@login_required
def area_form(
    request: HttpRequest, pk: int | None = None, project_pk: int | None = None
) -> HttpResponse:
    if pk is not None:
        area = get_area_for_manager(request.user, pk)
        project = area.project
    else:
        area = None
        project = get_project_for_manager(request.user, project_pk)  # type: ignore[arg-type]
        if not project.is_large_event:
            raise Http404
    form = AreaForm(_posted(request), instance=area)
    if request.method == "POST" and form.is_valid():
        try:
            services.area_save(
                actor=request.user,
                project=project,
                area=area,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                manager=form.cleaned_data["manager_number"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("业务口已保存。"))
            return redirect("projects:console", project.pk)
    title = _("编辑业务口") if area else _("新增业务口")
    return render(
        request,
        "projects/manage/simple_form.html",
        {"form": form, "project": project, "title": title},
    )


@login_required
def post_create(request: HttpRequest, pk: int) -> HttpResponse:
    area = get_area_for_manager(request.user, pk)
    form = PostForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.post_create(actor=request.user, area=area, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("岗位已添加。"))
            return redirect("projects:console", area.project_id)
    title = _("在「%(area)s」新增岗位") % {"area": area.name}
    return render(
        request,
        "projects/manage/simple_form.html",
        {"form": form, "project": area.project, "title": title},
    )


@login_required
def shift_create(request: HttpRequest, pk: int) -> HttpResponse:
    post = get_post_for_manager(request.user, pk)
    form = ShiftForm(_posted(request), initial={"quota": post.quota})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.shift_create(
                actor=request.user,
                post=post,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                place=data["place"],
                quota=data["quota"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("排班已添加。"))
            return redirect("projects:console", post.area.project_id)
    title = _("为岗位「%(post)s」新增排班") % {"post": post.name}
    return render(
        request,
        "projects/manage/simple_form.html",
        {"form": form, "project": post.area.project, "title": title},
    )


@login_required
@require_POST
def shift_delete(request: HttpRequest, pk: int) -> HttpResponse:
    shift = get_shift_for_manager(request.user, pk)
    try:
        services.shift_delete(actor=request.user, shift=shift)
    except ValidationError as error:
        messages.error(request, _first_message(error))
    else:
        messages.success(request, _("排班已删除。"))
    return redirect("projects:console", shift.project_id)


@login_required
def leave_list(request: HttpRequest) -> HttpResponse:
    leaves = (
        leave_requests_for(request.user)
        .select_related("signup__volunteer", "signup__shift__post__area", "signup__project")
        .order_by("status", "-created_at", "-pk")
    )
    pending_first = leaves.filter(status=LeaveRequest.Status.PENDING)
    return render(
        request,
        "projects/manage/leaves.html",
        {
            "pending": pending_first,
            "page": paginate(request, leaves.exclude(status=LeaveRequest.Status.PENDING), 20),
            "form": LeaveDecisionForm(),
        },
    )


@login_required
@require_POST
def leave_decide(request: HttpRequest, pk: int) -> HttpResponse:
    leave = get_leave_for_decider(request.user, pk)
    form = LeaveDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择审批结果。"))
        return redirect("projects:leaves")
    try:
        services.leave_request_decide(
            actor=request.user,
            leave=leave,
            approve=form.cleaned_data["decision"] == "approve",
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        messages.error(request, _first_message(error))
    else:
        messages.success(request, _("请假申请已处理。"))
    return redirect("projects:leaves")


# --- review ----------------------------------------------------------------------------------


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    if not (is_federation_admin(request.user) or request.user.staff_node_id):
        raise PermissionDenied
    projects = (
        reviewable_projects(request.user)
        .pending_review()
        .select_related("organization", "publisher_node", "node")
        .order_by("submitted_at", "pk")
    )
    return render(request, "projects/review/queue.html", {"page": paginate(request, projects, 20)})


@login_required
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_project_for_reviewer(request.user, pk)
    form = ReviewForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "approve":
                services.project_approve(
                    reviewer=request.user, project=project, note=form.cleaned_data["note"]
                )
                messages.success(request, _("项目已通过审核并公开招募。"))
            else:
                services.project_reject(
                    reviewer=request.user, project=project, reason=form.cleaned_data["note"]
                )
                messages.success(request, _("项目已驳回，发布方可修改后重新提交。"))
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return redirect("projects:review_queue")
    return render(
        request,
        "projects/review/detail.html",
        {"project": project, "form": form, "page_data": project_page(project)},
    )


@login_required
@require_POST
def project_honours(request: HttpRequest, pk: int) -> HttpResponse:
    if not is_federation_admin(request.user):
        raise Http404
    project = get_project_for_viewer(request.user, pk)
    form = HonoursForm(request.POST)
    form.is_valid()
    try:
        services.project_set_honours(
            actor=request.user,
            project=project,
            is_gold=form.cleaned_data.get("is_gold", False),
            is_city_demonstration=form.cleaned_data.get("is_city_demonstration", False),
        )
    except ValidationError as error:
        messages.error(request, _first_message(error))
    else:
        messages.success(request, _("项目荣誉已更新。"))
    return redirect("projects:detail", project.pk)
