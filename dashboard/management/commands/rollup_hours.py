"""Bring the statistics up to date: incremental by default, `--full` rebuilds from the ledger."""

from django.core.management.base import BaseCommand, CommandError

from dashboard.rollup import run_rollup


class Command(BaseCommand):
    help = "汇总服务时长统计（默认增量；--full 从台账全量重建）"

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="从服务记录台账全量重建")

    def handle(self, *args, full: bool = False, **options):
        result = run_rollup(full=full)
        if result.skipped:
            raise CommandError("另一个统计汇总正在运行，本次未执行。")
        self.stdout.write(
            f"{result.kind}: {result.buckets} buckets, {result.batches} batches, "
            f"{result.duration_ms} ms"
        )
        steps = ", ".join(f"{name} {ms} ms" for name, ms in result.steps.items())
        self.stdout.write(f"steps: {steps}")
