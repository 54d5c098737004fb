"""Recompute statistics straight from the ledger and report every bucket that differs from
the summary tables; exits non-zero when one does."""

from django.core.management.base import BaseCommand, CommandError

from dashboard.verify import verify_all, verify_sample


class Command(BaseCommand):
    help = "用服务记录台账核对统计汇总（默认抽样；--all 全部核对），有不一致时以非零状态退出"

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="核对全部统计桶")
        parser.add_argument("--sample", type=int, default=200, help="抽样核对的统计桶数量")

    def handle(self, *args, **options):
        if options["sample"] < 1:
            raise CommandError("--sample 须为正整数")
        checked, differences = verify_all() if options["all"] else verify_sample(options["sample"])
        for d in differences[:100]:
            node, kind, period, category = d.key
            self.stdout.write(
                f"node={node} {kind} {period} category={category or '*'}: "
                f"stored={d.stored} ledger={d.expected}"
            )
        self.stdout.write(f"核对 {checked} 个统计桶，{len(differences)} 个统计桶不一致")
        if differences:
            raise CommandError(f"{len(differences)} 个统计桶与台账不一致")
