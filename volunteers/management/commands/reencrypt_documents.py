"""python manage.py reencrypt_documents: after a key change, re-encrypt every stored document
number under the first FIELD_ENCRYPTION_KEYS key and recompute its hash under DOCUMENT_HASH_KEY.

Rotation: put the new Fernet key first (keep the old ones after it), deploy, run this, then drop
the old keys. Safe to run again and to interrupt: each batch commits on its own."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from volunteers.services import reencrypt_documents


class Command(BaseCommand):
    help = "Re-encrypt document numbers under the newest key and recompute their keyed hashes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--dry-run", action="store_true", help="count only, change nothing")

    def handle(self, *args, batch_size: int, dry_run: bool, **options) -> None:
        changed, total = reencrypt_documents(batch_size=batch_size, dry_run=dry_run)
        verb = "would re-encrypt" if dry_run else "re-encrypted"
        self.stdout.write(f"{verb} {changed} of {total} stored document numbers")
