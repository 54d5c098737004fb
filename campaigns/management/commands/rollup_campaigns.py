"""Recompute campaign figures: incremental by default, `--full` rebuilds every campaign."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from campaigns.rollup import run_campaign_rollup


class Command(BaseCommand):
    help = "重新汇总主题活动统计（--full 全量重建）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--full", action="store_true", help="rebuild every campaign")

    def handle(self, *args: Any, full: bool = False, **options: Any) -> None:
        result = run_campaign_rollup(full=full)
        self.stdout.write(f"campaigns recomputed: {result.campaigns} (full={result.full})")
