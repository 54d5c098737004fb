"""Resources for the platform's structure: organizations (and their teams), projects,
activities and the practice hierarchy. Each has Chinese columns, a natural key so a re-import
updates instead of duplicating (the platform's own number, else a name within the scope), a
scoped export, and `apply_row`, which writes through the owning app's services
(organizations.services.import_organization, projects.services.project_create/update and
activity_create/update, civilization_stations.services.check_division_row/save_division)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields

from civilization_stations.models import PracticeNode
from civilization_stations.services import (
    CSV_LEVEL_OF,
    LEVELS,
    check_division_row,
    save_division,
)
from core.choices import ServiceCategory
from organizations.models import Organization
from organizations.services import import_organization
from projects.models import Activity, Project
from projects.services import activity_create, activity_update, project_create, project_update

from .resources import (
    NEW,
    SKIP,
    UPDATE,
    Column,
    Outcome,
    ServiceResource,
    node_by_code,
    parse_choice,
    parse_date,
    parse_datetime,
    remap_errors,
    row_error,
)
from .scope import ImportContext, Scope


class _Row:
    """Cells of one row and the errors found while parsing them, keyed by column."""

    def __init__(self, row: dict[str, str]) -> None:
        self.row = row
        self.errors: dict[str, list[str]] = {}

    def __call__(self, column: str) -> str:
        return self.row.get(column, "")

    def attempt(self, check: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return check(*args, **kwargs)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                self.errors.setdefault(key, []).extend(messages)
            return None

    def required(self, *columns: str) -> None:
        for column in columns:
            if not self(column):
                self.errors.setdefault(column, []).append(
                    _("请填写%(column)s") % {"column": column}
                )

    def number(self, column: str, *, minimum: int = 0) -> int | None:
        value = self(column)
        if not value:
            return None
        if not value.isdigit() or int(value) < minimum:
            self.errors.setdefault(column, []).append(
                _("“%(value)s”不是有效的整数") % {"value": value[:20]}
            )
            return None
        return int(value)

    def raise_if_errors(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def _local(value: datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


# --- organizations ---------------------------------------------------------------------------

ORGANIZATION_FIELDS = {
    "name": "名称",
    "type": "类型",
    "node": "所属阵地代码",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
    "contact_email": "联系邮箱",
    "description": "简介",
}


class OrganizationResource(ServiceResource):
    """Natural key: 组织编号 (the platform's id), else the name (with the same 上级组织). Written
    by `import_organization`: a station's existing organizations arrive approved, vouched for
    by the importing reviewer (staff of the node or above, or the federation)."""

    kind = "organizations"
    columns = [
        Column("组织编号", help="新组织留空；更新已有组织时填写"),
        Column("名称", True, "南郎家园邻里互助队"),
        Column("类型", True, "社区志愿服务队"),
        Column("所属阵地代码", True, "110105001024"),
        Column("上级组织编号", False, "", "分队填写所属组织的组织编号"),
        Column("联系人", True, "张三"),
        Column("联系电话", True, "13800138000"),
        Column("联系邮箱", False, ""),
        Column("简介", False, ""),
    ]
    export_only = ["状态", "所属阵地", "上级组织"]

    pk = fields.Field(attribute="pk", column_name="组织编号")
    name = fields.Field(attribute="name", column_name="名称")
    type = fields.Field(column_name="类型")
    node_code = fields.Field(attribute="node__code", column_name="所属阵地代码")
    parent_pk = fields.Field(column_name="上级组织编号")
    contact_name = fields.Field(attribute="contact_name", column_name="联系人")
    contact_phone = fields.Field(attribute="contact_phone", column_name="联系电话")
    contact_email = fields.Field(attribute="contact_email", column_name="联系邮箱")
    description = fields.Field(attribute="description", column_name="简介")
    status = fields.Field(column_name="状态")
    node_name = fields.Field(attribute="node__name", column_name="所属阵地")
    parent_name = fields.Field(column_name="上级组织")

    class Meta:
        model = Organization
        fields = (
            "pk",
            "name",
            "type",
            "node_code",
            "parent_pk",
            "contact_name",
            "contact_phone",
            "contact_email",
            "description",
            "status",
            "node_name",
            "parent_name",
        )
        export_order = fields
        import_id_fields = ("pk",)
        skip_diff = True

    @classmethod
    def scoped_queryset(cls, scope: Scope) -> QuerySet:
        qs = Organization.objects.select_related("node", "parent").exclude(
            status=Organization.Status.REJECTED
        )
        if scope.node is not None:
            qs = qs.under_path(scope.node.path)
        elif scope.organization is not None:
            org = scope.organization
            qs = qs.filter(pk=org.pk) | qs.filter(parent=org)
        # Organizations before their teams, so a re-import finds every 上级组织编号.
        return qs.order_by("parent_id", "pk") if scope.organization is None else qs.order_by("pk")

    def dehydrate_type(self, o: Organization) -> str:
        return str(o.get_type_display())

    def dehydrate_parent_pk(self, o: Organization) -> str:
        return str(o.parent_id or "")

    def dehydrate_status(self, o: Organization) -> str:
        return str(o.get_status_display())

    def dehydrate_parent_name(self, o: Organization) -> str:
        return o.parent.name if o.parent_id else ""

    def _in_scope(self, ctx: ImportContext) -> QuerySet:
        return self.scoped_queryset(ctx.scope)

    def apply_row(self, row: dict[str, str], ctx: ImportContext, line: int) -> Outcome:
        cells = _Row(row)
        cells.required("名称", "联系人", "联系电话")
        org_type = ""  # a team takes its organization's type
        if cells("类型") or not cells("上级组织编号"):
            org_type = cells.attempt(parse_choice, cells("类型"), Organization.Type, "类型")
        node = cells.attempt(node_by_code, cells("所属阵地代码"), "所属阵地代码", ctx)
        parent = None
        if cells("上级组织编号"):
            parent = (
                self._in_scope(ctx)
                .filter(pk=cells.number("上级组织编号") or 0, parent__isnull=True)
                .first()
            )
            if parent is None:
                cells.errors.setdefault("上级组织编号", []).append(
                    _("组织编号“%(v)s”不存在或不在您的管辖范围内")
                    % {"v": cells("上级组织编号")[:20]}
                )
        existing = None
        if cells("组织编号"):
            existing = self._in_scope(ctx).filter(pk=cells.number("组织编号") or 0).first()
            if existing is None:
                cells.errors.setdefault("组织编号", []).append(
                    _("组织编号“%(v)s”不存在或不在您的管辖范围内") % {"v": cells("组织编号")[:20]}
                )
        elif cells("名称"):
            existing = (
                self._in_scope(ctx)
                .filter(name__iexact=" ".join(cells("名称").split()), parent=parent)
                .order_by("pk")
                .first()
            )
        key = cells("组织编号") or f"{cells('上级组织编号')}/{' '.join(cells('名称').split())}"
        earlier = ctx.first_seen("organization", key, line)
        if earlier is not None:
            cells.errors.setdefault("名称", []).append(
                _("与文件第 %(line)s 行是同一个组织") % {"line": earlier}
            )
        cells.raise_if_errors()
        try:
            org, outcome = import_organization(
                actor=ctx.user,
                organization=existing,
                name=cells("名称"),
                type=org_type,
                node=node,
                parent=parent,
                contact_name=cells("联系人"),
                contact_phone=cells("联系电话"),
                contact_email=cells("联系邮箱"),
                description=cells("简介"),
            )
        except ValidationError as exc:
            raise remap_errors(exc, ORGANIZATION_FIELDS) from None
        return Outcome(outcome, org)


# --- projects ---------------------------------------------------------------------------------

PROJECT_COLUMNS = {
    "title": "项目名称",
    "category": "服务类别",
    "node": "服务阵地代码",
    "place": "服务地点",
    "starts_on": "开始日期",
    "ends_on": "结束日期",
    "description": "项目简介",
    "work_content": "服务内容",
    "volunteers_needed": "招募人数",
    "contact_name": "负责人",
    "contact_phone": "联系电话",
}


def managed_projects(scope: Scope) -> QuerySet:
    """Projects a scope publishes (and so imports): an organization's own (and its teams');
    for staff, station projects published at their node or below; for the federation, all."""
    qs = Project.objects.select_related("organization", "publisher_node", "node")
    if scope.organization is not None:
        org = scope.organization
        return qs.filter(organization=org) | qs.filter(organization__parent=org)
    if scope.node is not None:
        return qs.filter(
            organization__isnull=True, publisher_node__path__startswith=scope.node.path
        )
    return qs


class ProjectResource(ServiceResource):
    """Natural key: 项目编号, else the 项目名称 among the scope's projects. New projects are drafts
    (`project_create`, published by the importing organization or station) that go through the
    usual review; only drafts change on re-import (`project_update`)."""

    kind = "projects"
    columns = [
        Column("项目编号", help="新项目留空；更新已有项目时填写"),
        Column("项目名称", True, "社区助老服务"),
        Column("服务类别", True, "助老服务"),
        Column("服务阵地代码", True, "110105001024"),
        Column("服务地点", True, "南郎家园社区活动室"),
        Column("开始日期", True, "2026-01-01"),
        Column("结束日期", True, "2026-12-31"),
        Column("项目简介", True, "为社区老人提供陪伴服务"),
        Column("服务内容", True, "陪伴聊天、读报"),
        Column("招募人数", True, "10"),
        Column("负责人", False, ""),
        Column("联系电话", False, ""),
    ]
    export_only = ["状态", "发布方"]

    pk = fields.Field(attribute="pk", column_name="项目编号")
    title = fields.Field(attribute="title", column_name="项目名称")
    category = fields.Field(column_name="服务类别")
    node_code = fields.Field(attribute="node__code", column_name="服务阵地代码")
    place = fields.Field(attribute="place", column_name="服务地点")
    starts_on = fields.Field(column_name="开始日期")
    ends_on = fields.Field(column_name="结束日期")
    description = fields.Field(attribute="description", column_name="项目简介")
    work_content = fields.Field(attribute="work_content", column_name="服务内容")
    volunteers_needed = fields.Field(attribute="volunteers_needed", column_name="招募人数")
    contact_name = fields.Field(attribute="contact_name", column_name="负责人")
    contact_phone = fields.Field(attribute="contact_phone", column_name="联系电话")
    status = fields.Field(column_name="状态")
    publisher = fields.Field(column_name="发布方")

    class Meta:
        model = Project
        fields = (
            "pk",
            "title",
            "category",
            "node_code",
            "place",
            "starts_on",
            "ends_on",
            "description",
            "work_content",
            "volunteers_needed",
            "contact_name",
            "contact_phone",
            "status",
            "publisher",
        )
        export_order = fields
        import_id_fields = ("pk",)
        skip_diff = True

    @classmethod
    def scoped_queryset(cls, scope: Scope) -> QuerySet:
        return managed_projects(scope).order_by("pk")

    def dehydrate_category(self, p: Project) -> str:
        return str(p.get_category_display())

    def dehydrate_starts_on(self, p: Project) -> str:
        return p.starts_on.isoformat()

    def dehydrate_ends_on(self, p: Project) -> str:
        return p.ends_on.isoformat()

    def dehydrate_status(self, p: Project) -> str:
        return str(p.get_status_display())

    def dehydrate_publisher(self, p: Project) -> str:
        return p.publisher_name

    def apply_row(self, row: dict[str, str], ctx: ImportContext, line: int) -> Outcome:
        if ctx.scope.is_federation:
            raise row_error("项目编号", _("项目须由组织或实践阵地发布，请以组织或阵地身份导入"))
        cells = _Row(row)
        cells.required("项目名称", "服务地点", "项目简介", "服务内容", "招募人数")
        data = {
            "title": " ".join(cells("项目名称").split()),
            "category": cells.attempt(parse_choice, cells("服务类别"), ServiceCategory, "服务类别"),
            "node": cells.attempt(node_by_code, cells("服务阵地代码"), "服务阵地代码", ctx),
            "place": cells("服务地点"),
            "starts_on": cells.attempt(parse_date, cells("开始日期"), "开始日期"),
            "ends_on": cells.attempt(parse_date, cells("结束日期"), "结束日期"),
            "description": cells("项目简介"),
            "work_content": cells("服务内容"),
            "volunteers_needed": cells.number("招募人数", minimum=1),
            "contact_name": cells("负责人"),
            "contact_phone": cells("联系电话"),
        }
        if len(data["title"]) > 100:
            cells.errors.setdefault("项目名称", []).append(_("项目名称不能超过 100 个字"))
        existing = None
        scoped = managed_projects(ctx.scope)
        if cells("项目编号"):
            existing = scoped.filter(pk=cells.number("项目编号") or 0).first()
            if existing is None:
                cells.errors.setdefault("项目编号", []).append(
                    _("项目编号“%(v)s”不存在或不由您发布") % {"v": cells("项目编号")[:20]}
                )
        elif data["title"]:
            existing = scoped.filter(title=data["title"]).order_by("pk").first()
        earlier = ctx.first_seen("project", cells("项目编号") or f"/{data['title']}", line)
        if earlier is not None:
            cells.errors.setdefault("项目名称", []).append(
                _("与文件第 %(line)s 行是同一个项目") % {"line": earlier}
            )
        cells.raise_if_errors()
        try:
            if existing is None:
                project = project_create(
                    actor=ctx.user,
                    data=data,
                    organization=ctx.organization,
                    publisher_node=None if ctx.organization else ctx.node,
                )
                return Outcome(NEW, project)
            if all(getattr(existing, k) == v for k, v in data.items()):
                return Outcome(SKIP, existing)
            return Outcome(UPDATE, project_update(actor=ctx.user, project=existing, data=data))
        except ValidationError as exc:
            raise remap_errors(exc, PROJECT_COLUMNS, default="项目编号") from None


# --- activities -------------------------------------------------------------------------------

ACTIVITY_COLUMNS = {
    "title": "活动名称",
    "starts_at": "开始时间",
    "ends_at": "结束时间",
    "place": "活动地点",
    "quota": "名额",
    "description": "活动说明",
}


class ActivityResource(ServiceResource):
    """Natural key: 活动编号, else (项目编号, 活动名称, 开始时间). Written by `activity_create` /
    `activity_update` of a project the scope publishes."""

    kind = "activities"
    columns = [
        Column("活动编号", help="新活动留空；更新已有活动时填写"),
        Column("项目编号", True, "1"),
        Column("活动名称", True, "周末陪伴"),
        Column("开始时间", True, "2026-05-01 09:00"),
        Column("结束时间", True, "2026-05-01 12:00"),
        Column("活动地点", True, "南郎家园社区活动室"),
        Column("名额", True, "20"),
        Column("活动说明", False, ""),
    ]
    export_only = ["项目名称"]

    pk = fields.Field(attribute="pk", column_name="活动编号")
    project_pk = fields.Field(attribute="project_id", column_name="项目编号")
    title = fields.Field(attribute="title", column_name="活动名称")
    starts_at = fields.Field(column_name="开始时间")
    ends_at = fields.Field(column_name="结束时间")
    place = fields.Field(attribute="place", column_name="活动地点")
    quota = fields.Field(attribute="quota", column_name="名额")
    description = fields.Field(attribute="description", column_name="活动说明")
    project_title = fields.Field(attribute="project__title", column_name="项目名称")

    class Meta:
        model = Activity
        fields = (
            "pk",
            "project_pk",
            "title",
            "starts_at",
            "ends_at",
            "place",
            "quota",
            "description",
            "project_title",
        )
        export_order = fields
        import_id_fields = ("pk",)
        skip_diff = True

    @classmethod
    def scoped_queryset(cls, scope: Scope) -> QuerySet:
        return (
            Activity.objects.filter(project__in=managed_projects(scope))
            .select_related("project")
            .order_by("pk")
        )

    def dehydrate_starts_at(self, a: Activity) -> str:
        return _local(a.starts_at)

    def dehydrate_ends_at(self, a: Activity) -> str:
        return _local(a.ends_at)

    def apply_row(self, row: dict[str, str], ctx: ImportContext, line: int) -> Outcome:
        cells = _Row(row)
        cells.required("活动名称", "活动地点", "名额")
        project = None
        if cells("项目编号"):
            project = managed_projects(ctx.scope).filter(pk=cells.number("项目编号") or 0).first()
        if project is None:
            cells.errors.setdefault("项目编号", []).append(
                _("项目编号“%(v)s”不存在或不由您发布") % {"v": cells("项目编号")[:20]}
            )
        data = {
            "title": " ".join(cells("活动名称").split()),
            "starts_at": cells.attempt(parse_datetime, cells("开始时间"), "开始时间"),
            "ends_at": cells.attempt(parse_datetime, cells("结束时间"), "结束时间"),
            "place": cells("活动地点"),
            "quota": cells.number("名额", minimum=1),
            "description": cells("活动说明"),
        }
        existing = None
        if cells("活动编号"):
            existing = (
                self.scoped_queryset(ctx.scope).filter(pk=cells.number("活动编号") or 0).first()
            )
            if existing is None or (project is not None and existing.project_id != project.pk):
                existing = None
                cells.errors.setdefault("活动编号", []).append(
                    _("活动编号“%(v)s”不存在或不属于该项目") % {"v": cells("活动编号")[:20]}
                )
        elif project is not None and data["starts_at"] is not None:
            existing = (
                project.activities.filter(title=data["title"], starts_at=data["starts_at"])
                .order_by("pk")
                .first()
            )
        key = cells("活动编号") or f"{cells('项目编号')}/{data['title']}/{data['starts_at']}"
        earlier = ctx.first_seen("activity", key, line)
        if earlier is not None:
            cells.errors.setdefault("活动名称", []).append(
                _("与文件第 %(line)s 行是同一个活动") % {"line": earlier}
            )
        cells.raise_if_errors()
        try:
            if existing is None:
                return Outcome(NEW, activity_create(actor=ctx.user, project=project, data=data))
            if all(getattr(existing, k) == v for k, v in data.items()):
                return Outcome(SKIP, existing)
            return Outcome(UPDATE, activity_update(actor=ctx.user, activity=existing, data=data))
        except ValidationError as exc:
            raise remap_errors(exc, ACTIVITY_COLUMNS, default="活动编号") from None


# --- the practice hierarchy ---------------------------------------------------------------------

LEVEL_NAMES = {str(label): code for code, label in PracticeNode.Level.choices}


class HierarchyResource(ServiceResource):
    """The 中心/所/站 hierarchy by statistical division code (the natural key). Each row is
    checked by the divisions loader's own rules (`check_division_row`: level, code length,
    parent of the level above whose code prefixes it) against the rows above it in the file
    and the nodes already loaded, and saved by `save_division`. Federation admins import;
    station staff export their subtree."""

    kind = "hierarchy"
    columns = [
        Column("代码", True, "110105001024", "统计用区划代码：区 6 位，街道 9 位，社区 12 位"),
        Column("名称", True, "南郎家园社区居委会"),
        Column("层级", True, "实践站", "实践中心、实践所 或 实践站"),
        Column("上级代码", True, "110105001", "实践中心填 11"),
    ]

    code = fields.Field(attribute="code", column_name="代码")
    name = fields.Field(attribute="name", column_name="名称")
    level = fields.Field(column_name="层级")
    parent_code = fields.Field(column_name="上级代码")

    class Meta:
        model = PracticeNode
        fields = ("code", "name", "level", "parent_code")
        export_order = fields
        import_id_fields = ("code",)
        skip_diff = True

    @classmethod
    def scoped_queryset(cls, scope: Scope) -> QuerySet:
        qs = PracticeNode.objects.select_related("parent").order_by("depth", "path")
        if scope.node is not None:
            return qs.subtree_of(scope.node)
        return qs

    def dehydrate_level(self, n: PracticeNode) -> str:
        return str(n.get_level_display())

    def dehydrate_parent_code(self, n: PracticeNode) -> str:
        return n.parent.code if n.parent_id else "11"

    def apply_row(self, row: dict[str, str], ctx: ImportContext, line: int) -> Outcome:
        if not ctx.scope.is_federation:
            raise row_error("代码", _("只有联合会管理员可以导入实践阵地"))
        cells = _Row(row)
        level_text = cells("层级")
        node_level = LEVEL_NAMES.get(level_text, level_text)
        csv_level = CSV_LEVEL_OF.get(node_level, level_text if level_text in LEVELS else "")
        parent_code = cells("上级代码")
        seen = ctx.seen.setdefault("hierarchy-level", {})
        parent_level = seen.get(parent_code)
        if parent_level is None and parent_code:
            parent = PracticeNode.objects.filter(code=parent_code).first()
            parent_level = CSV_LEVEL_OF.get(parent.level) if parent else None
        code = cells("代码")
        try:
            level, parent_ok = check_division_row(
                code=code,
                name=cells("名称"),
                csv_level=csv_level or level_text,
                parent_code=parent_code,
                parent_level=parent_level,
                known=ctx.first_seen("hierarchy", code, line) is not None,
            )
        except ValidationError as exc:
            column = {"level": "层级", "name": "名称", "parent": "上级代码", "prefix": "上级代码"}
            raise row_error(column.get(exc.code, "代码"), exc.messages[0]) from None
        seen[code] = csv_level
        try:
            node, outcome = save_division(
                code=code, name=cells("名称"), level=level, parent_code=parent_ok
            )
        except ValidationError as exc:
            raise row_error("上级代码", exc.messages[0]) from None
        ctx.nodes.pop(code, None)
        return Outcome(outcome, node)
