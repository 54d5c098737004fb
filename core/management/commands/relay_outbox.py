"""Send the outbox rows left while the broker was down (what the beat task does every 30 s)."""

from django.core.management.base import BaseCommand

from core.models import OutboxMessage
from core.outbox import relay


class Command(BaseCommand):
    help = "发送代理不可用时滞留在发件箱中的任务"

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true", help="包括刚写入的（默认只发送 10 秒前的）"
        )

    def handle(self, *args, **options):
        sent = relay(older_than=0 if options["all"] else 10)
        left = OutboxMessage.objects.count()
        self.stdout.write(f"已发送 {sent} 个任务，发件箱剩余 {left} 个")
