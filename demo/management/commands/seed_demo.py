"""python manage.py seed_demo: idempotent demo data for `make run` (refused with DEBUG off)."""

from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.seeds import SEEDERS
from demo.seeds.accounts import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Create demo accounts and data (safe to run again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")

    def handle(self, *args, force: bool, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts with a known password: refused with DEBUG off."
            )
        for dotted in SEEDERS:
            for line in import_module(dotted).seed():
                self.stdout.write(f"  {line}")
        self.stdout.write(f"demo password for every demo account: {DEMO_PASSWORD}")
