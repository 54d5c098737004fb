"""Writes to the practice hierarchy: loading the statistical division codes."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import PracticeNode

EXPECTED_HEADER = ["code", "name", "level", "parent_code"]
CITY_CODE = "11"

# CSV level → (node level, code length, parent's CSV level)
LEVELS: dict[str, tuple[str, int, str | None]] = {
    "district": (PracticeNode.Level.CENTER, 6, None),
    "subdistrict": (PracticeNode.Level.INSTITUTE, 9, "district"),
    "community": (PracticeNode.Level.STATION, 12, "subdistrict"),
}

# 北京经济技术开发区 is Beijing's 17th practice center but has no district code: in the statistical
# codes it is the township-level row 110115403 under 大兴区. We give the center the unused district
# code 110199 and hang that institute (and its communities) under it instead of under 大兴.
ETDZ_CENTER_CODE = "110199"
ETDZ_CENTER_NAME = "北京经济技术开发区"
ETDZ_INSTITUTE_CODE = "110115403"


class DivisionFileError(Exception):
    """A malformed divisions file: nothing was loaded."""

    def __init__(self, line: int, reason: str) -> None:
        self.line = line
        self.reason = reason
        super().__init__(_("第 %(line)d 行：%(reason)s") % {"line": line, "reason": reason})


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PracticeNode.Level, 0))
    updated: int = 0
    unchanged: int = 0

    @property
    def total_created(self) -> int:
        return sum(self.created.values())


@dataclass(frozen=True)
class _Row:
    line: int
    code: str
    name: str
    level: str  # node level
    parent_code: str | None


CSV_LEVEL_OF = {node_level: csv_level for csv_level, (node_level, _n, _p) in LEVELS.items()}


def check_division_row(
    *,
    code: str,
    name: str,
    csv_level: str,
    parent_code: str,
    parent_level: str | None,
    known: bool = False,
) -> tuple[str, str | None]:
    """The rules of one division row (the loader's and the hierarchy import's): a known level,
    a code of that level's length, a name, a code not seen before, a parent of the level above
    whose code prefixes it (districts: parent 11). `parent_level` is the CSV level of the
    parent code where it is known (earlier in the file or already loaded), else None. Returns
    (node level, parent code or None); raises ValidationError with the reason."""
    if csv_level not in LEVELS:
        raise ValidationError(_("未知层级 %(level)s") % {"level": csv_level}, code="level")
    node_level, length, expected_parent = LEVELS[csv_level]
    if not code.isdigit() or len(code) != length:
        raise ValidationError(
            _("代码 %(code)s 应为 %(n)d 位数字") % {"code": code, "n": length}, code="code"
        )
    if not name:
        raise ValidationError(_("名称为空"), code="name")
    if known:
        raise ValidationError(_("代码 %(code)s 重复") % {"code": code}, code="repeated")
    if expected_parent is None:
        if parent_code != CITY_CODE or not code.startswith(CITY_CODE):
            raise ValidationError(_("区级代码的上级应为 11"), code="parent")
        return node_level, None
    if parent_level != expected_parent:
        raise ValidationError(
            _("上级 %(parent)s 不存在或层级不对") % {"parent": parent_code}, code="parent"
        )
    etdz = code == ETDZ_INSTITUTE_CODE and parent_code == ETDZ_CENTER_CODE
    if not code.startswith(parent_code) and not etdz:
        raise ValidationError(
            _("代码 %(code)s 不以上级代码 %(parent)s 开头") % {"code": code, "parent": parent_code},
            code="prefix",
        )
    return node_level, parent_code


@transaction.atomic
def save_division(*, code: str, name: str, level: str, parent_code: str | None) -> tuple[Any, str]:
    """Create or refresh one node from a checked division row (the hierarchy import): returns
    (node, "new" | "update" | "skip"). The parent must exist."""
    parent = PracticeNode.objects.get(code=parent_code) if parent_code else None
    depth = {PracticeNode.Level.CENTER: 0, PracticeNode.Level.INSTITUTE: 1}.get(level, 2)
    path = PracticeNode.make_path(parent, code)
    node = PracticeNode.objects.select_for_update().filter(code=code).first()
    if node is None:
        node = PracticeNode.objects.create(
            code=code, name=name, level=level, depth=depth, parent=parent, path=path
        )
        return node, "new"
    if (node.name, node.level, node.parent_id, node.path) == (
        name,
        level,
        parent.pk if parent else None,
        path,
    ):
        return node, "skip"
    if node.path != path and node.children.exists():
        raise ValidationError(
            _("代码 %(code)s 已有下级阵地，不能改变其上级") % {"code": code}, code="moved"
        )
    node.name, node.level, node.depth, node.parent, node.path = name, level, depth, parent, path
    node.save()
    return node, "update"


def _parse(data: bytes) -> list[_Row]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DivisionFileError(line, _("文件不是 UTF-8 编码")) from None
    reader = csv.reader(io.StringIO(text))
    rows: list[_Row] = []
    seen: dict[str, str] = {}  # code → csv level
    header = next(reader, None)
    if header is None or [h.strip() for h in header] != EXPECTED_HEADER:
        raise DivisionFileError(1, _("表头应为 code,name,level,parent_code"))
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != 4:
            raise DivisionFileError(line, _("应有 4 列，实际 %(n)d 列") % {"n": len(values)})
        code, name, csv_level, parent_code = (v.strip() for v in values)
        try:
            node_level, parent = check_division_row(
                code=code,
                name=name,
                csv_level=csv_level,
                parent_code=parent_code,
                parent_level=seen.get(parent_code),
                known=code in seen,
            )
        except ValidationError as exc:
            raise DivisionFileError(line, exc.messages[0]) from None
        seen[code] = csv_level
        rows.append(_Row(line, code, name, node_level, parent))
    if not rows:
        raise DivisionFileError(1, _("文件没有数据行"))
    return rows


def load_divisions(*, data: bytes) -> LoadReport:
    """Load (or refresh) the hierarchy from a divisions CSV. All or nothing; rerunnable."""
    rows = _parse(data)
    if any(r.code == ETDZ_INSTITUTE_CODE for r in rows):
        rows.append(_Row(0, ETDZ_CENTER_CODE, ETDZ_CENTER_NAME, PracticeNode.Level.CENTER, None))
        rows = [
            _Row(r.line, r.code, r.name, r.level, ETDZ_CENTER_CODE)
            if r.code == ETDZ_INSTITUTE_CODE
            else r
            for r in rows
        ]
    report = LoadReport()
    depth_of = {
        PracticeNode.Level.CENTER: 0,
        PracticeNode.Level.INSTITUTE: 1,
        PracticeNode.Level.STATION: 2,
    }
    with transaction.atomic():
        existing = {n.code: n for n in PracticeNode.objects.all()}
        by_code: dict[str, PracticeNode] = dict(existing)
        for level in (
            PracticeNode.Level.CENTER,
            PracticeNode.Level.INSTITUTE,
            PracticeNode.Level.STATION,
        ):
            to_create: list[PracticeNode] = []
            to_update: list[PracticeNode] = []
            for row in (r for r in rows if r.level == level):
                parent = by_code[row.parent_code] if row.parent_code else None
                path = PracticeNode.make_path(parent, row.code)
                node = existing.get(row.code)
                if node is None:
                    node = PracticeNode(
                        code=row.code,
                        name=row.name,
                        level=level,
                        depth=depth_of[level],
                        parent=parent,
                        path=path,
                    )
                    to_create.append(node)
                    report.created[level] += 1
                elif (node.name, node.level, node.parent_id, node.path) != (
                    row.name,
                    level,
                    parent.pk if parent else None,
                    path,
                ):
                    node.name, node.level, node.depth = row.name, level, depth_of[level]
                    node.parent, node.path = parent, path
                    to_update.append(node)
                    report.updated += 1
                else:
                    report.unchanged += 1
                by_code[row.code] = node
            PracticeNode.objects.bulk_create(to_create, batch_size=2000)
            PracticeNode.objects.bulk_update(
                to_update, ["name", "level", "depth", "parent", "path"], batch_size=2000
            )
    return report


def load_divisions_file(*, path: Path) -> LoadReport:
    return load_divisions(data=Path(path).read_bytes())


def appoint_staff(*, actor, user, node: PracticeNode) -> None:
    """Attach a user as staff of `node`. The actor must be able to act on the node (federation
    admin, or staff of the node or above), and may not move someone out of another scope."""
    from .access import can_act_on_node

    if not can_act_on_node(actor, node):
        raise ValidationError(_("您无权管理该实践阵地的工作人员"))
    if user.staff_node_id and not can_act_on_node(actor, user.staff_node):
        raise ValidationError(_("该用户已是其他实践阵地的工作人员"))
    if not user.is_active:
        raise ValidationError(_("该账户已停用"))
    user.staff_node = node
    user.save(update_fields=["staff_node"])


def remove_staff(*, actor, user) -> None:
    from .access import can_act_on_node

    if user.staff_node_id is None or not can_act_on_node(actor, user.staff_node):
        raise ValidationError(_("您无权移除该工作人员"))
    if user.pk == actor.pk:
        raise ValidationError(_("不能移除自己的工作人员身份"))
    user.staff_node = None
    user.save(update_fields=["staff_node"])
