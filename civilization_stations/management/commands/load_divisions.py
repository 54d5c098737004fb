"""python manage.py load_divisions [PATH]: load Beijing's practice hierarchy (idempotent)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civilization_stations.services import DivisionFileError, load_divisions_file

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "data" / "beijing-divisions.csv"


class Command(BaseCommand):
    help = "Load the 中心/所/站 hierarchy from a divisions CSV (code,name,level,parent_code)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default=str(DEFAULT_PATH))

    def handle(self, *args, path: str, **options) -> None:
        try:
            report = load_divisions_file(path=Path(path))
        except FileNotFoundError:
            raise CommandError(f"No such file: {path}") from None
        except DivisionFileError as exc:
            raise CommandError(f"{path}: {exc} — nothing was loaded.") from None
        c = report.created
        self.stdout.write(
            f"created {report.total_created} (centers {c['center']}, institutes {c['institute']}, "
            f"stations {c['station']}), updated {report.updated}, unchanged {report.unchanged}"
        )
