"""The practice hierarchy: 中心 (district) → 所 (street/township) → 站 (community/village)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

PATH_SEPARATOR = "/"


class NodeQuerySet(models.QuerySet["PracticeNode"]):
    def centers(self) -> NodeQuerySet:
        return self.filter(level=PracticeNode.Level.CENTER)

    def institutes(self) -> NodeQuerySet:
        return self.filter(level=PracticeNode.Level.INSTITUTE)

    def stations(self) -> NodeQuerySet:
        return self.filter(level=PracticeNode.Level.STATION)

    def subtree_of(self, node: PracticeNode) -> NodeQuerySet:
        """The node and everything under it: one prefix scan of the path index."""
        return self.filter(path__startswith=node.path)

    def below(self, node: PracticeNode) -> NodeQuerySet:
        return self.subtree_of(node).exclude(pk=node.pk)

    def ancestors_of(self, node: PracticeNode) -> NodeQuerySet:
        return self.filter(code__in=node.ancestor_codes).order_by("depth")

    def search(self, text: str) -> NodeQuerySet:
        text = text.strip()
        if not text:
            return self.none()
        return self.filter(Q(name__contains=text) | Q(code__startswith=text))


class PracticeNode(models.Model):
    """A 新时代文明实践 中心, 所 or 站. Its `path` lists the codes from the center down, so a
    subtree is a prefix match on an indexed column."""

    class Level(models.TextChoices):
        CENTER = "center", _("实践中心")
        INSTITUTE = "institute", _("实践所")
        STATION = "station", _("实践站")

    code = models.CharField(_("代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    depth = models.PositiveSmallIntegerField(_("深度"), editable=False)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("路径"), max_length=64, unique=True, editable=False)

    objects = NodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("实践阵地")
        verbose_name_plural = _("实践阵地")
        ordering = ["path"]
        indexes = [
            models.Index(
                fields=["path"], name="node_path_prefix", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["level", "name"], name="node_level_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def ancestor_codes(self) -> list[str]:
        return self.path.strip(PATH_SEPARATOR).split(PATH_SEPARATOR)[:-1]

    @property
    def center_code(self) -> str:
        return self.path.split(PATH_SEPARATOR)[0]

    @property
    def institute_code(self) -> str | None:
        codes = self.path.strip(PATH_SEPARATOR).split(PATH_SEPARATOR)
        return codes[1] if len(codes) > 1 else None

    def contains(self, other: PracticeNode) -> bool:
        return other.path.startswith(self.path)

    @staticmethod
    def make_path(parent: PracticeNode | None, code: str) -> str:
        return (parent.path if parent else "") + code + PATH_SEPARATOR
