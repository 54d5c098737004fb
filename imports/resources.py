"""django-import-export resources: the columns (Chinese headers) of each importable model, the
natural key a re-import matches on, the scoped and masked export, and `apply_row`, which writes
one row through the owning app's services. The import page, the Celery tasks and the Django admin
all import through `apply_row`, so every path applies the same rules."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, ClassVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from import_export import fields, resources
from import_export.results import RowResult

from civilization_stations.models import PracticeNode
from core.choices import ServiceCategory, Skill
from organizations.models import Membership
from organizations.services import add_entered_members
from volunteers import crypto
from volunteers.documents import normalize_document_number
from volunteers.models import Volunteer
from volunteers.selectors import masked_phone
from volunteers.services import (
    BulkEntry,
    Guardian,
    clean_volunteer_data,
    duplicate_document_message,
    register_volunteers,
    update_volunteer,
    volunteers_by_document_hash,
)

from .scope import ImportContext, Scope

NEW, UPDATE, SKIP = (
    RowResult.IMPORT_TYPE_NEW,
    RowResult.IMPORT_TYPE_UPDATE,
    RowResult.IMPORT_TYPE_SKIP,
)
LIST_SEPARATORS = re.compile(r"[、,，;；/\s]+")
DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
DATETIME_RE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})[ T](\d{1,2}):(\d{2})(?::\d{2})?$")


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = False
    example: str = ""
    help: str = ""


@dataclass
class Outcome:
    import_type: str
    instance: Any = None


@dataclass
class _Prepared:
    """A volunteer row after parsing: the service's arguments, the natural key (the keyed hash
    of the document, or the volunteer number for an exported row whose document is masked) and
    the errors found so far, keyed by column."""

    line: int
    values: dict[str, Any]
    doc_type: str | None
    raw_number: str
    consent_on: date | None
    key: str
    masked: bool
    errors: dict[str, list[str]]


def row_error(column: str, message: str) -> ValidationError:
    return ValidationError({column: [message]})


def remap_errors(
    exc: ValidationError, columns: dict[str, str], default: str = ""
) -> ValidationError:
    """A service's errors keyed by model field → keyed by the file's column names."""
    if not hasattr(exc, "error_dict"):
        return ValidationError({default or NON_FIELD_ERRORS: exc.messages})
    out: dict[str, list[str]] = {}
    for key, errors in exc.message_dict.items():
        column = columns.get(key, default or NON_FIELD_ERRORS)
        out.setdefault(column, []).extend(errors)
    return ValidationError(out)


# --- cell parsers (raise ValidationError keyed by the column) ---------------------------------


def parse_date(value: str, column: str, *, required: bool = True) -> date | None:
    if not value:
        if required:
            raise row_error(column, _("请填写日期"))
        return None
    match = DATE_RE.match(value)
    if match:
        try:
            return date(*(int(g) for g in match.groups()))
        except ValueError:
            pass
    raise row_error(
        column, _("日期“%(value)s”格式不对，应为 年-月-日，例如 2024-05-01") % {"value": value[:20]}
    )


def parse_datetime(value: str, column: str) -> datetime:
    match = DATETIME_RE.match(value or "")
    if match:
        try:
            naive = datetime(*(int(g) for g in match.groups()))
            return timezone.make_aware(naive)
        except ValueError:
            pass
    raise row_error(
        column,
        _("时间“%(value)s”格式不对，应为 年-月-日 时:分，例如 2024-05-01 09:00")
        % {"value": value[:20]},
    )


def choice_codes(choices: Any) -> dict[str, str]:
    """code → code and label (in the active language) → code, built once per vocabulary and
    language (building it per cell translated every label for every row)."""
    return _choice_codes(choices, get_language())


@lru_cache(maxsize=64)
def _choice_codes(choices: Any, language: str | None) -> dict[str, str]:
    by_text: dict[str, str] = {}
    for code, label in reversed(choices.choices):  # the first match wins, as a scan would
        by_text[str(label)] = code
        by_text[code] = code
    return by_text


def parse_choice(value: str, choices: Any, column: str, *, default: str = "") -> str:
    if not value:
        if default:
            return default
        raise row_error(column, _("请填写%(column)s") % {"column": column})
    code = choice_codes(choices).get(value)
    if code is not None:
        return code
    options = "、".join(str(label) for _code, label in choices.choices)
    raise row_error(
        column,
        _("“%(value)s”不是有效的选项，可选：%(options)s")
        % {"value": value[:30], "options": options},
    )


def parse_choice_list(value: str, choices: Any, column: str) -> list[str]:
    if not value:
        return []
    by_text = choice_codes(choices)
    out, unknown = [], []
    for part in LIST_SEPARATORS.split(value or ""):
        if not part:
            continue
        if part in by_text:
            out.append(by_text[part])
        else:
            unknown.append(part)
    if unknown:
        raise row_error(
            column,
            _("无法识别：%(values)s（多个值用顿号“、”分隔）") % {"values": "、".join(unknown)[:60]},
        )
    return out


def labels_of(codes: list[str], choices: Any) -> str:
    names = dict(choices.choices)
    return "、".join(str(names.get(c, c)) for c in codes)


def node_by_code(
    code: str, column: str, ctx: ImportContext, *, required: bool = True
) -> PracticeNode | None:
    if not code:
        if required:
            raise row_error(column, _("请填写阵地代码"))
        return None
    node = ctx.node_by_code(code)
    if node is None or not ctx.node_in_scope(node):
        # The same answer for "no such code" and "not yours": scope is not probed through files.
        raise row_error(
            column, _("阵地代码“%(code)s”不存在或不在您的管辖范围内") % {"code": code[:20]}
        )
    return node


def is_masked(value: str) -> bool:
    return "*" in (value or "")


# --- the base resource -------------------------------------------------------------------------


class ServiceResource(resources.ModelResource):
    """A ModelResource whose import goes through services: `apply_row(row, ctx)` writes one row
    (raising ValidationError keyed by column), `import_row` wraps it for django-import-export's
    own import (the Django admin)."""

    kind: ClassVar[str]
    columns: ClassVar[list[Column]]  # what the import reads, in template order
    export_only: ClassVar[list[str]] = []  # columns exports add (ignored on import)

    def __init__(self, context: ImportContext | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.context = context

    @classmethod
    def required_columns(cls) -> list[str]:
        return [c.name for c in cls.columns if c.required]

    @classmethod
    def known_columns(cls) -> list[str]:
        return [c.name for c in cls.columns] + list(cls.export_only)

    @classmethod
    def scoped_queryset(cls, scope: Scope) -> QuerySet:
        raise NotImplementedError

    def apply_row(self, row: dict[str, str], ctx: ImportContext, line: int) -> Outcome:
        raise NotImplementedError

    def apply_chunk(
        self, rows: list[tuple[int, dict[str, str]]], ctx: ImportContext
    ) -> list[tuple[int, Outcome | ValidationError]]:
        """Apply rows in file order, each in its own savepoint (a bad row leaves nothing).
        Resources with set-based writes override this."""
        results: list[tuple[int, Outcome | ValidationError]] = []
        for line, row in rows:
            try:
                with transaction.atomic():
                    results.append((line, self.apply_row(row, ctx, line)))
            except ValidationError as exc:
                results.append((line, exc))
        return results

    # django-import-export's entry point (admin imports): one savepoint per row, the row's
    # errors as a validation error, nothing half-written.
    def import_row(self, row: Any, instance_loader: Any, **kwargs: Any) -> RowResult:
        result = self.get_row_result_class()()
        ctx = self.context or admin_context(kwargs.get("user"))
        self.context = ctx
        cells = {str(k): ("" if v is None else str(v).strip()) for k, v in dict(row).items()}
        try:
            with transaction.atomic():
                outcome = self.apply_row(cells, ctx, kwargs.get("row_number", 0) + 1)
        except ValidationError as exc:
            result.import_type = RowResult.IMPORT_TYPE_INVALID
            result.validation_error = exc
            return result
        result.import_type = outcome.import_type
        if outcome.instance is not None:
            result.instance = outcome.instance  # the admin logs it (LogEntry)
            result.add_instance_info(outcome.instance)
        return result

    def _check_import_id_fields(self, headers: list[str]) -> None:
        # Natural keys are resolved in apply_row (a hash, a pair of columns), not by a column.
        return None


def admin_context(user: Any) -> ImportContext:
    from core.access import is_federation_admin

    if user is None or not is_federation_admin(user):
        raise ValidationError(_("只有联合会管理员可以在管理后台导入数据"))
    return ImportContext(user=user, scope=Scope(key="fed", label=_("联合会（全市）")))


# --- volunteers ---------------------------------------------------------------------------------

VOLUNTEER_FIELDS = {
    "name": "姓名",
    "document_type": "证件类型",
    "document_number": "证件号码",
    "birth_date": "出生日期",
    "sex": "性别",
    "phone": "手机号",
    "email": "电子邮箱",
    "residence_node": "居住地代码",
    "skills": "专业技能",
    "service_categories": "服务类别",
    "guardian_name": "监护人姓名",
    "guardian_relation": "与监护人关系",
    "guardian_phone": "监护人手机号",
}


class VolunteerResource(ServiceResource):
    """Natural key: the document (its keyed hash); an exported file (masked document) matches
    on 志愿者编号 instead. New volunteers are registered through `register_volunteer` as entered
    by the organization with the person's consent (本人同意日期); an organization's import also
    makes them approved members. Existing records are updated through `update_volunteer`, only
    those entered by an organization and in the importer's scope; a row equal to the stored
    record is skipped."""

    kind = "volunteers"
    columns = [
        Column("志愿者编号", help="新志愿者留空；更新已有志愿者时可填写"),
        Column("姓名", True, "张三"),
        Column("证件类型", False, "居民身份证", "默认居民身份证"),
        Column("证件号码", True, "11010519491231002X", "请将此列设为文本格式"),
        Column("出生日期", False, "", "证件号码含出生日期时不必填写；格式 2024-05-01"),
        Column("性别", False, "", "男/女；证件号码含性别时不必填写"),
        Column("手机号", True, "13800138000"),
        Column("电子邮箱", False, ""),
        Column("居住地代码", True, "110105001", "街道（乡镇）或社区（村）的统计代码"),
        Column("专业技能", False, "急救、外语", "多个用顿号分隔"),
        Column("服务类别", False, "社区服务", "多个用顿号分隔"),
        Column("监护人姓名", False, "", "未满 18 周岁必填"),
        Column("与监护人关系", False, "", "未满 18 周岁必填，如 父子、母女"),
        Column("监护人手机号", False, "", "未满 18 周岁必填"),
        Column(
            "本人同意日期", True, "2024-05-01", "本人（未成年人为监护人）同意由组织代为登记的日期"
        ),
    ]
    export_only = ["居住地", "录入方式", "注册时间"]

    number = fields.Field(attribute="number", column_name="志愿者编号")
    name = fields.Field(attribute="name", column_name="姓名")
    document_type = fields.Field(column_name="证件类型")
    document = fields.Field(attribute="document_masked", column_name="证件号码")
    birth_date = fields.Field(column_name="出生日期")
    sex = fields.Field(column_name="性别")
    phone = fields.Field(column_name="手机号")
    email = fields.Field(attribute="email", column_name="电子邮箱")
    residence_code = fields.Field(column_name="居住地代码")
    skills = fields.Field(column_name="专业技能")
    service_categories = fields.Field(column_name="服务类别")
    guardian_name = fields.Field(attribute="guardian_name", column_name="监护人姓名")
    guardian_relation = fields.Field(attribute="guardian_relation", column_name="与监护人关系")
    guardian_phone = fields.Field(column_name="监护人手机号")
    consent = fields.Field(column_name="本人同意日期")
    residence = fields.Field(column_name="居住地")
    entered_by = fields.Field(column_name="录入方式")
    created = fields.Field(column_name="注册时间")

    class Meta:
        model = Volunteer
        fields = (
            "number",
            "name",
            "document_type",
            "document",
            "birth_date",
            "sex",
            "phone",
            "email",
            "residence_code",
            "skills",
            "service_categories",
            "guardian_name",
            "guardian_relation",
            "guardian_phone",
            "consent",
            "residence",
            "entered_by",
            "created",
        )
        export_order = fields
        import_id_fields = ("document",)
        skip_diff = True

    # export ------------------------------------------------------------------------------------
    @classmethod
    def scoped_queryset(cls, scope: Scope) -> QuerySet:
        qs = Volunteer.objects.active().select_related("residence_node").order_by("pk")
        if scope.organization is not None:
            return qs.filter(
                memberships__organization=scope.organization,
                memberships__status=Membership.Status.APPROVED,
            ).distinct()
        if scope.node is not None:
            return qs.residing_under(scope.node.path)
        return qs

    def dehydrate_document_type(self, v: Volunteer) -> str:
        return str(v.get_document_type_display())

    def dehydrate_birth_date(self, v: Volunteer) -> str:
        return v.birth_date.isoformat() if v.birth_date else ""

    def dehydrate_sex(self, v: Volunteer) -> str:
        return str(v.get_sex_display()) if v.sex else ""

    def dehydrate_phone(self, v: Volunteer) -> str:
        return masked_phone(v.phone) if v.phone else ""

    def dehydrate_guardian_phone(self, v: Volunteer) -> str:
        return masked_phone(v.guardian_phone) if v.guardian_phone else ""

    def dehydrate_residence_code(self, v: Volunteer) -> str:
        return v.residence_node.code if v.residence_node_id else ""

    def dehydrate_residence(self, v: Volunteer) -> str:
        return v.residence_node.name if v.residence_node_id else ""

    def dehydrate_skills(self, v: Volunteer) -> str:
        return labels_of(v.skills, Skill)

    def dehydrate_service_categories(self, v: Volunteer) -> str:
        return labels_of(v.service_categories, ServiceCategory)

    def dehydrate_consent(self, v: Volunteer) -> str:
        return timezone.localtime(v.consent_at).date().isoformat() if v.consent_at else ""

    def dehydrate_entered_by(self, v: Volunteer) -> str:
        return str(v.get_entered_by_display())

    def dehydrate_created(self, v: Volunteer) -> str:
        return timezone.localtime(v.created_at).strftime("%Y-%m-%d %H:%M")

    # import ------------------------------------------------------------------------------------
    def _visible(self, volunteer: Volunteer, ctx: ImportContext) -> bool:
        if ctx.organization is not None:
            return Membership.objects.filter(
                organization=ctx.organization,
                volunteer=volunteer,
                status=Membership.Status.APPROVED,
            ).exists()
        if ctx.node is not None:
            return bool(volunteer.residence_node_id) and ctx.node.contains(volunteer.residence_node)
        return True

    def _prepare(self, row: dict[str, str], ctx: ImportContext, line: int) -> _Prepared:
        """Parse one row's cells (no query but the cached node lookup); errors keyed by column."""
        get = lambda c: row.get(c, "")  # noqa: E731
        errors: dict[str, list[str]] = {}

        def attempt(check: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return check(*args, **kwargs)
            except ValidationError as exc:
                for key, messages in exc.message_dict.items():
                    errors.setdefault(key, []).extend(messages)
                return None

        doc_type = attempt(
            parse_choice, get("证件类型"), Volunteer.DocumentType, "证件类型", default="id_card"
        )
        consent_on = attempt(parse_date, get("本人同意日期"), "本人同意日期")
        if consent_on is not None and consent_on > ctx.today:
            errors.setdefault("本人同意日期", []).append(_("本人同意日期不能晚于今天"))
        birth = attempt(parse_date, get("出生日期"), "出生日期", required=False)
        sex = (
            attempt(parse_choice, get("性别"), Volunteer.Sex, "性别", default="-")
            if get("性别")
            else ""
        )
        skills = attempt(parse_choice_list, get("专业技能"), Skill, "专业技能") or []
        categories = attempt(parse_choice_list, get("服务类别"), ServiceCategory, "服务类别") or []
        residence = attempt(node_by_code, get("居住地代码"), "居住地代码", ctx)
        raw_number = get("证件号码")
        masked = is_masked(raw_number)
        if masked:
            key = get("志愿者编号").upper()
        else:
            normalized = normalize_document_number(raw_number)
            key = crypto.document_hash(normalized) if normalized else ""
        guardian = None
        if any(get(c) for c in ("监护人姓名", "与监护人关系", "监护人手机号")):
            guardian = Guardian(get("监护人姓名"), get("与监护人关系"), get("监护人手机号"))
        values = {
            "name": get("姓名"),
            "phone": get("手机号"),
            "residence_node": residence,
            "birth_date": birth,
            "sex": sex,
            "email": get("电子邮箱"),
            "skills": skills,
            "service_categories": categories,
            "guardian": guardian,
        }
        return _Prepared(line, values, doc_type, raw_number, consent_on, key, masked, errors)

    def apply_row(self, row: dict[str, str], ctx: ImportContext, line: int) -> Outcome:
        [(_line, result)] = self.apply_chunk([(line, row)], ctx)
        if isinstance(result, ValidationError):
            raise result
        return result

    def apply_chunk(
        self, rows: list[tuple[int, dict[str, str]]], ctx: ImportContext
    ) -> list[tuple[int, Outcome | ValidationError]]:
        """A chunk of rows, set-based: one query for the registered documents (keyed hash), one
        for the volunteer numbers of masked (exported) rows, the registration rules in Python
        (`clean_volunteer_data` without its per-row duplicate query), then one block of numbers,
        one insert of volunteers and one of memberships (`register_volunteers`,
        `add_entered_members`). Rows that update an existing record go one by one."""
        prepared = [self._prepare(row, ctx, line) for line, row in rows]
        by_hash = volunteers_by_document_hash(p.key for p in prepared if not p.masked)
        numbers = {p.key for p in prepared if p.masked and p.key}
        by_number = (
            {v.number: v for v in Volunteer.objects.filter(number__in=numbers)} if numbers else {}
        )
        results: dict[int, Outcome | ValidationError] = {}
        new: list[tuple[_Prepared, BulkEntry]] = []
        for p in prepared:
            errors = p.errors
            existing: Volunteer | None = None
            if p.masked:
                existing = by_number.get(p.key) if p.key else None
                if existing is None or not self._visible(existing, ctx):
                    errors.setdefault("证件号码", []).append(
                        _(
                            "证件号码是打码后的，只能用于更新本范围内已有的志愿者（请同时填写志愿者编号），新志愿者请填写完整号码"
                        )
                    )
            elif p.key:
                existing = by_hash.get(p.key)
            if p.key:
                earlier = ctx.first_seen("volunteer", p.key, p.line)
                if earlier is not None:
                    errors.setdefault("证件号码", []).append(
                        _("与文件第 %(line)s 行的证件号码重复") % {"line": earlier}
                    )
            if errors:
                results[p.line] = ValidationError(errors)
                continue
            if existing is not None:
                try:
                    with transaction.atomic():
                        results[p.line] = self._update(
                            existing, dict(p.values), p.doc_type, p.raw_number, ctx
                        )
                except ValidationError as exc:
                    results[p.line] = exc
                continue
            try:
                data = clean_volunteer_data(
                    document_type=p.doc_type,
                    document_number=p.raw_number,
                    today=ctx.today,
                    check_duplicate=False,
                    **p.values,
                )
            except ValidationError as exc:
                results[p.line] = remap_errors(exc, VOLUNTEER_FIELDS)
                continue
            consent_at = timezone.make_aware(datetime.combine(p.consent_on, datetime.min.time()))
            new.append((p, BulkEntry(data, consent_at)))
        results.update(self._register(new, ctx))
        return [(line, results[line]) for line, _row in rows]

    def _register(
        self, new: list[tuple[_Prepared, BulkEntry]], ctx: ImportContext
    ) -> dict[int, Outcome | ValidationError]:
        """Register the chunk's new volunteers in one go; if a concurrent registration took a
        document meanwhile (the unique index refuses the insert), one by one to find which."""
        if not new:
            return {}
        try:
            with transaction.atomic():
                created = self._create([entry for _p, entry in new], ctx)
        except IntegrityError:
            results: dict[int, Outcome | ValidationError] = {}
            for p, entry in new:
                try:
                    with transaction.atomic():
                        [volunteer] = self._create([entry], ctx)
                except IntegrityError:
                    results[p.line] = row_error("证件号码", duplicate_document_message())
                except ValidationError as exc:
                    results[p.line] = remap_errors(exc, VOLUNTEER_FIELDS)
                else:
                    results[p.line] = Outcome(NEW, volunteer)
            return results
        return {p.line: Outcome(NEW, v) for (p, _entry), v in zip(new, created, strict=True)}

    def _create(self, entries: list[BulkEntry], ctx: ImportContext) -> list[Volunteer]:
        volunteers = register_volunteers(
            entries=entries, entered_by=Volunteer.EnteredBy.ORGANIZATION, today=ctx.today
        )
        if ctx.organization is not None:
            add_entered_members(
                organization=ctx.organization, volunteers=volunteers, admin=ctx.user
            )
        return volunteers

    def _update(
        self,
        volunteer: Volunteer,
        values: dict[str, Any],
        doc_type: str,
        raw_number: str,
        ctx: ImportContext,
    ) -> Outcome:
        if not self._visible(volunteer, ctx) or volunteer.is_closed:
            raise row_error("证件号码", duplicate_document_message())
        # Masked cells (exported phones) mean "as stored".
        if is_masked(values["phone"]):
            values["phone"] = volunteer.phone
        guardian = values["guardian"]
        if guardian is not None and is_masked(guardian.phone):
            values["guardian"] = Guardian(
                guardian.name, guardian.relation, volunteer.guardian_phone
            )
        if values["birth_date"] is None:
            values["birth_date"] = volunteer.birth_date
        if not values["sex"]:
            values["sex"] = volunteer.sex
        current_guardian = (
            Guardian(volunteer.guardian_name, volunteer.guardian_relation, volunteer.guardian_phone)
            if volunteer.guardian_name
            else None
        )
        same_document = is_masked(raw_number) or (
            doc_type == volunteer.document_type
            and crypto.document_hash(normalize_document_number(raw_number))
            == volunteer.document_hash
        )
        unchanged = (
            same_document
            and " ".join(values["name"].split()) == volunteer.name
            and values["phone"] == volunteer.phone
            and values["residence_node"] == volunteer.residence_node
            and values["email"].strip() == volunteer.email
            and sorted(values["skills"]) == sorted(volunteer.skills)
            and sorted(values["service_categories"]) == sorted(volunteer.service_categories)
            and values["guardian"] == current_guardian
        )
        if unchanged:
            return Outcome(SKIP, volunteer)
        if volunteer.entered_by != Volunteer.EnteredBy.ORGANIZATION:
            raise row_error("证件号码", _("该志愿者是本人注册的，资料由本人维护，不能通过导入修改"))
        try:
            updated = update_volunteer(
                volunteer=volunteer,
                document_type=doc_type if not is_masked(raw_number) else None,
                document_number="" if same_document else raw_number,
                today=ctx.today,
                **values,
            )
        except ValidationError as exc:
            raise remap_errors(exc, VOLUNTEER_FIELDS) from None
        return Outcome(UPDATE, updated)


RESOURCES: dict[str, type[ServiceResource]] = {
    "volunteers": VolunteerResource,
}


# --- service records (hours) --------------------------------------------------------------------

RECORD_FIELDS = {"hours": "时长（小时）", "category": "服务类别", "service_date": "服务日期"}


def unknown_volunteer(number: str) -> ValidationError:
    return row_error(
        "志愿者编号", _("志愿者编号“%(n)s”不存在或不是本组织的成员") % {"n": number[:20]}
    )


def closed_volunteer() -> ValidationError:
    return row_error("志愿者编号", _("该志愿者已注销，不能再记录时长"))


def member_organization_ids(ctx: ImportContext) -> list[int]:
    """The organizations whose approved members an organization records for: itself and, for a
    team, its parent organization."""
    org = ctx.organization
    if org is None:
        return []
    return [org.pk] + ([org.parent_id] if org.parent_id else [])


def volunteer_for_record(number: str, ctx: ImportContext) -> Volunteer:
    """The volunteer a record is for: by public number; an organization records only for its
    approved members (and its parent's: teams record for the parent's members)."""
    volunteer = Volunteer.objects.filter(number=number.upper()).first() if number else None
    is_member = (
        volunteer is None
        or ctx.organization is None
        or Membership.objects.filter(
            organization_id__in=member_organization_ids(ctx),
            volunteer=volunteer,
            status=Membership.Status.APPROVED,
        ).exists()
    )
    if not is_member:
        volunteer = None
    if volunteer is None:
        raise unknown_volunteer(number)
    if volunteer.is_closed:
        raise closed_volunteer()
    return volunteer


def activity_recorded_by(activity: Any, ctx: ImportContext) -> bool:
    """Whether the scope records this activity's hours (谁组织谁记录): an organization its own
    projects; staff station projects published at their node or below; the federation station
    projects anywhere."""
    project = activity.project
    if ctx.organization is not None:
        return project.organization_id == ctx.organization.pk
    if ctx.node is not None:
        return project.organization_id is None and ctx.node.contains(project.publisher_node)
    return project.organization_id is None


def unknown_activity(value: str) -> ValidationError:
    return row_error("活动编号", _("活动编号“%(v)s”不存在或不由您记录") % {"v": value[:20]})


def activities_for_records(values: Iterable[str], ctx: ImportContext) -> dict[str, Any]:
    """The activities named in a file's 活动编号 cells (value → Activity, or None when it names
    none the scope records), in one query per 5,000 ids."""
    from projects.models import Activity

    values = set(values)
    found: dict[str, Any] = dict.fromkeys(values)
    ids = {v: int(v) for v in values if v.isdigit()}
    wanted = sorted(set(ids.values()))
    by_id: dict[int, Any] = {}
    for start in range(0, len(wanted), 5000):
        for activity in Activity.objects.select_related(
            "project__publisher_node", "project__organization", "project__node"
        ).filter(pk__in=wanted[start : start + 5000]):
            by_id[activity.pk] = activity
    for value, pk in ids.items():
        activity = by_id.get(pk)
        if activity is not None and activity_recorded_by(activity, ctx):
            found[value] = activity
    return found


def activity_for_record(value: str, ctx: ImportContext) -> Any:
    """An activity whose hours the scope records (see `activity_recorded_by`)."""
    activity = activities_for_records([value], ctx)[value]
    if activity is None:
        raise unknown_activity(value)
    return activity


def ledger_error(exc: ValidationError, *, with_activity: bool) -> ValidationError:
    """A refusal by the ledger (record_hours) keyed by the file's column: caps and hours on
    时长, the rest on 活动编号 (with an activity) or 服务日期."""
    column = "活动编号" if with_activity else "服务日期"
    if getattr(exc, "code", None) in {"cap", "hours"}:
        column = "时长（小时）"
    return remap_errors(exc, RECORD_FIELDS, default=column)


def record_id_problem(external_id: str) -> str:
    """What is wrong with a 记录编号 by itself ('' when nothing); such an id is not looked up."""
    if not external_id:
        return _("请填写记录编号")
    if len(external_id) > 64:
        return _("记录编号不能超过 64 个字符")
    return ""


def repeated_record_id(earlier: int) -> str:
    return _("与文件第 %(line)s 行的记录编号重复") % {"line": earlier}


def missing_title() -> str:
    return _("请填写活动名称")


def record_id_differs() -> ValidationError:
    return row_error(
        "记录编号",
        _("该记录编号已导入过且内容不同：已导入的记录不能通过导入修改，请在服务记录管理中更正"),
    )


def history_flag() -> str:
    """The 复核原因 of a pending 历史补录 entry, shown on the hours desk."""
    return _("历史补录：超过记录时限导入，请核对后确认")


def parse_hours(value: str) -> int:
    from decimal import Decimal, InvalidOperation

    from hours.services import clean_hours

    try:
        amount = Decimal(value)
        if not amount.is_finite():
            raise InvalidOperation
        return clean_hours(amount)
    except (InvalidOperation, ValidationError):
        raise row_error(
            "时长（小时）",
            _("时长“%(v)s”无效：应为大于 0、不超过 24 的 0.5 的倍数") % {"v": value[:20]},
        ) from None


class ServiceRecordResource(ServiceResource):
    """Natural key: 记录编号 (the source system's id) within the importing scope, kept in
    `ImportedRecord`. Ledger entries are immutable, so a re-imported id with the same volunteer,
    date and hours is skipped, and one with different values is refused (corrections go through
    the hours desk). Written by `hours.services.record_hours(source="import")`: pending unless
    the importer chose to approve, with the same caps and deadline as back-filled hours."""

    kind = "records"
    columns = [
        Column(
            "记录编号",
            True,
            "2024-0001",
            "原系统中的记录编号，同一范围内唯一；重复导入不会重复记录",
        ),
        Column("志愿者编号", True, "BJ202400000014"),
        Column("时长（小时）", True, "2", "0.5 的倍数"),
        Column("活动编号", False, "", "平台上的活动编号；填写后日期、名称、类别、地点取自该活动"),
        Column("服务日期", False, "2024-05-01", "未填活动编号时必填"),
        Column("活动名称", False, "社区清洁", "未填活动编号时必填"),
        Column("服务类别", False, "社区服务", "未填活动编号时必填"),
        Column("服务阵地代码", False, "110105001024", "未填活动编号时必填"),
        Column("服务地点", False, ""),
        Column("服务内容", False, ""),
    ]
    export_only = ["姓名", "状态", "来源", "记录组织"]

    external_id = fields.Field(column_name="记录编号")
    volunteer_number = fields.Field(attribute="volunteer__number", column_name="志愿者编号")
    hours = fields.Field(column_name="时长（小时）")
    activity_id = fields.Field(column_name="活动编号")
    service_date = fields.Field(column_name="服务日期")
    title = fields.Field(attribute="title", column_name="活动名称")
    category = fields.Field(column_name="服务类别")
    node_code = fields.Field(column_name="服务阵地代码")
    place = fields.Field(attribute="place", column_name="服务地点")
    content = fields.Field(attribute="content", column_name="服务内容")
    volunteer_name = fields.Field(attribute="volunteer__name", column_name="姓名")
    status = fields.Field(column_name="状态")
    source = fields.Field(column_name="来源")
    recorder = fields.Field(column_name="记录组织")

    class Meta:
        from hours.models import ServiceRecord

        model = ServiceRecord
        fields = (
            "external_id",
            "volunteer_number",
            "hours",
            "activity_id",
            "service_date",
            "title",
            "category",
            "node_code",
            "place",
            "content",
            "volunteer_name",
            "status",
            "source",
            "recorder",
        )
        export_order = fields
        import_id_fields = ("external_id",)
        skip_diff = True

    @classmethod
    def scoped_queryset(cls, scope: Scope) -> QuerySet:
        from hours.models import ServiceRecord

        qs = ServiceRecord.objects.select_related(
            "volunteer", "organization", "center", "institute", "station", "import_key"
        ).order_by("pk")
        if scope.organization is not None:
            return qs.filter(organization=scope.organization)
        if scope.node is not None:
            return qs.in_node(scope.node)
        return qs

    def dehydrate_external_id(self, r: Any) -> str:
        from .models import ImportedRecord

        try:
            return r.import_key.external_id
        except ImportedRecord.DoesNotExist:
            return f"VH{r.pk}"  # entries made on the platform: their own id

    def dehydrate_hours(self, r: Any) -> str:
        return str(r.hours).rstrip("0").rstrip(".") if "." in str(r.hours) else str(r.hours)

    def dehydrate_activity_id(self, r: Any) -> str:
        return str(r.activity_id or "")

    def dehydrate_service_date(self, r: Any) -> str:
        return r.service_date.isoformat()

    def dehydrate_category(self, r: Any) -> str:
        return str(r.get_category_display())

    def dehydrate_node_code(self, r: Any) -> str:
        node = r.station or r.institute or r.center
        return node.code

    def dehydrate_status(self, r: Any) -> str:
        return str(r.get_status_display())

    def dehydrate_source(self, r: Any) -> str:
        return str(r.get_source_display())

    def dehydrate_recorder(self, r: Any) -> str:
        return r.organization.name if r.organization_id else ""

    def apply_row(self, row: dict[str, str], ctx: ImportContext, line: int) -> Outcome:
        from hours.services import record_hours

        from .models import ImportedRecord

        get = lambda c: row.get(c, "")  # noqa: E731
        errors: dict[str, list[str]] = {}

        def attempt(check: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return check(*args, **kwargs)
            except ValidationError as exc:
                for key, messages in exc.message_dict.items():
                    errors.setdefault(key, []).extend(messages)
                return None

        external_id = get("记录编号")
        problem = record_id_problem(external_id)
        if problem:
            errors["记录编号"] = [problem]
        else:
            earlier = ctx.first_seen("record", external_id, line)
            if earlier is not None:
                errors["记录编号"] = [repeated_record_id(earlier)]
        volunteer = attempt(volunteer_for_record, get("志愿者编号"), ctx)
        half = attempt(parse_hours, get("时长（小时）"))
        activity = node = category = service_date = None
        if get("活动编号"):
            activity = attempt(activity_for_record, get("活动编号"), ctx)
        else:
            service_date = attempt(parse_date, get("服务日期"), "服务日期")
            category = attempt(parse_choice, get("服务类别"), ServiceCategory, "服务类别")
            node = attempt(node_by_code, get("服务阵地代码"), "服务阵地代码", ctx)
            if not get("活动名称"):
                errors.setdefault("活动名称", []).append(missing_title())
        if errors:
            raise ValidationError(errors)

        existing = (
            ImportedRecord.objects.select_related("record")
            .filter(scope=ctx.scope.key, external_id=external_id)
            .first()
        )
        if existing is not None:
            r = existing.record
            same_date = activity is not None or r.service_date == service_date
            if (
                r.volunteer_id == volunteer.pk
                and r.half_hours == half
                and same_date
                and r.activity_id == (activity.pk if activity else None)
            ):
                return Outcome(SKIP, r)
            raise record_id_differs()
        from core.hours import from_half_hours

        try:
            record = record_hours(
                volunteer=volunteer,
                hours=from_half_hours(half),
                source="import",
                recorded_by=ctx.user,
                slot=activity,
                organization=ctx.organization if activity is None else None,
                node=node,
                category=category,
                service_date=service_date,
                title=get("活动名称"),
                place=get("服务地点"),
                content=get("服务内容"),
                approved=ctx.approve,
                today=ctx.today,
                deadline_exempt=ctx.history,
                flag_reason=history_flag() if ctx.history and not ctx.approve else "",
            )
        except ValidationError as exc:
            raise ledger_error(exc, with_activity=activity is not None) from None
        ImportedRecord.objects.create(
            scope=ctx.scope.key,
            external_id=external_id,
            record=record,
            job=ctx.job,
            history=ctx.history,
        )
        return Outcome(NEW, record)


RESOURCES["records"] = ServiceRecordResource


# The structure (organizations, projects, activities, the hierarchy) lives in its own module.
from .structure import (  # noqa: E402 - it builds on the classes above
    ActivityResource,
    HierarchyResource,
    OrganizationResource,
    ProjectResource,
)

RESOURCES.update(
    {
        "organizations": OrganizationResource,
        "projects": ProjectResource,
        "activities": ActivityResource,
        "hierarchy": HierarchyResource,
    }
)
