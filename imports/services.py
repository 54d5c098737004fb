"""Running imports: start a job from an upload, check it (a dry run: every row written in one
transaction that is rolled back, so the preview shows exactly what the import will do), import
it, cancel it.

**All or nothing per run.** A run is one transaction, applied chunk by chunk (`apply_chunk`: a
savepoint per row, or, for volunteers, the chunk checked in Python first and written set-based),
so a bad row leaves nothing behind. Large service-record files go through COPY instead
(`copy_records`). With `on_error=skip` the rows that passed are committed and the rest go to
the error report; with `on_error=abort` any bad row rolls the whole file back. **Cancelling** sets
`cancel_requested`; the running import checks it between chunks of `CHUNK_ROWS` rows (a read of the
committed flag from inside its transaction) and rolls the whole transaction back, so a cancelled
import leaves nothing half-done. Progress goes to the cache (the job row's own updates are part of
the rolled-back-or-committed transaction, invisible until the end)."""

from __future__ import annotations

import csv
import io
import logging
import tempfile
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from core.outbox import enqueue

from .files import FileError, Table, check_headers, open_table
from .models import ImportJob
from .resources import NEW, RESOURCES, SKIP, UPDATE, ServiceResource
from .scope import ImportContext, Scope, scope_of_job

log = logging.getLogger(__name__)

Status = ImportJob.Status
CHUNK_ROWS = 500  # rows applied together; progress and the cancel flag are checked between chunks
SHOWN_ERRORS = 200  # errors kept on the job for the page; the report has all of them
MAX_UPLOAD_MB = 200  # a page upload; a district's 10 M-record history (~1 GB) raises the setting


def max_upload_mb() -> int:
    return int(getattr(settings, "IMPORTS_MAX_UPLOAD_MB", MAX_UPLOAD_MB))


def copy_threshold() -> int:
    """Service-record files with more data rows than this go through COPY (PostgreSQL only)."""
    return int(getattr(settings, "IMPORTS_COPY_ROWS", 20000))


def use_copy_path(*, kind: str, rows: int) -> bool:
    return (
        kind == ImportJob.Kind.RECORDS
        and connection.vendor == "postgresql"
        and rows > copy_threshold()
    )


def may_import_history(scope: Scope) -> bool:
    """历史补录 past the deadline: federation admins, and station staff for their subtree;
    never an organization (it records its own activities, within the deadline)."""
    return scope.organization is None


def async_threshold() -> int:
    """Files with more data rows than this run on the Celery worker."""
    return int(getattr(settings, "IMPORTS_ASYNC_ROWS", 2000))


class ImportCancelled(Exception):
    pass


def progress_key(job_pk: int) -> str:
    return f"imports:progress:{job_pk}"


def current_progress(job: ImportJob) -> int:
    if job.is_running:
        return int(cache.get(progress_key(job.pk)) or job.processed_rows)
    return job.processed_rows


# --- starting ---------------------------------------------------------------------------------


def read_table(job: ImportJob, *, count: bool = True) -> tuple[Table, type[ServiceResource]]:
    resource_class = RESOURCES[job.kind]
    stream = job.file.open("rb")
    table = open_table(stream, job.file_name, count=count)
    check_headers(
        table.headers,
        required=resource_class.required_columns(),
        known=resource_class.known_columns(),
    )
    return table, resource_class


def start_import(
    *,
    user: Any,
    scope: Scope,
    kind: str,
    upload: UploadedFile,
    on_error: str = ImportJob.OnError.SKIP,
    approve: bool = False,
    history: bool = False,
) -> ImportJob:
    """Store the upload as a job and check it: at once for a small file (the job comes back
    `checked`), on the worker for a large one (`pending_check`). Raises ValidationError for a
    file that cannot be read (format, encoding, header): no job is kept then."""
    if kind not in scope.kinds or kind not in RESOURCES:
        raise PermissionDenied
    if on_error not in ImportJob.OnError.values:
        raise ValidationError(_("请选择遇到错误行时的处理方式"))
    if upload.size is not None and upload.size > max_upload_mb() * 1024 * 1024:
        raise ValidationError(
            _("文件不能超过 %(mb)s MB，请拆分后分批导入") % {"mb": max_upload_mb()}
        )
    if approve and kind != ImportJob.Kind.RECORDS:
        approve = False
    if history and (kind != ImportJob.Kind.RECORDS or not may_import_history(scope)):
        raise ValidationError(
            _("只有联合会管理员和实践阵地工作人员可以导入历史补录的服务记录"), code="history"
        )
    name = (upload.name or "upload")[-200:]
    job = ImportJob(
        kind=kind,
        created_by=user,
        organization=scope.organization,
        node=scope.node,
        on_error=on_error,
        approve=approve,
        history=history,
        file_name=name,
    )
    job.file.save(name, upload, save=False)
    try:
        table, _resource = read_table(job)
    except FileError:
        job.file.delete(save=False)
        raise
    job.encoding = table.encoding
    job.total_rows = table.total
    job.use_copy = use_copy_path(kind=kind, rows=table.total)
    job.save()
    if job.total_rows > async_threshold():
        from . import tasks

        enqueue(tasks.check_import, job.pk)
    else:
        run_job(job.pk, commit=False)
        job.refresh_from_db()
    return job


def confirm_import(*, job: ImportJob, user: Any) -> ImportJob:
    """Import a checked file: at once when small, on the worker when large."""
    if job.created_by_id != user.pk:
        raise PermissionDenied
    if job.status != Status.CHECKED:
        raise ValidationError(_("该文件不在待确认状态"), code="state")
    if job.on_error == ImportJob.OnError.ABORT and job.error_rows:
        raise ValidationError(
            _("文件有 %(n)s 行出错，您选择了“有错误则整个文件不导入”：请修改后重新上传")
            % {"n": job.error_rows},
            code="has_errors",
        )
    updated = ImportJob.objects.filter(pk=job.pk, status=Status.CHECKED).update(
        status=Status.PENDING_IMPORT, processed_rows=0, finished_at=None
    )
    if not updated:
        raise ValidationError(_("该文件不在待确认状态"), code="state")
    job.refresh_from_db()
    if job.total_rows > async_threshold():
        from . import tasks

        enqueue(tasks.run_import, job.pk)
    else:
        run_job(job.pk, commit=True)
        job.refresh_from_db()
    return job


def cancel_import(*, job: ImportJob, user: Any) -> ImportJob:
    """Stop a job: one not yet claimed is cancelled at once; a running one stops at its next
    check and rolls back everything it wrote; a checked one is discarded."""
    if job.created_by_id != user.pk:
        raise PermissionDenied
    now = timezone.now()
    waiting = [Status.PENDING_CHECK, Status.PENDING_IMPORT, Status.CHECKED]
    if ImportJob.objects.filter(pk=job.pk, status__in=waiting).update(
        status=Status.CANCELLED, cancel_requested=True, finished_at=now
    ):
        job.refresh_from_db()
        return job
    if not ImportJob.objects.filter(
        pk=job.pk, status__in=[Status.CHECKING, Status.IMPORTING]
    ).update(cancel_requested=True):
        raise ValidationError(_("该任务已经结束，不能取消"), code="state")
    job.refresh_from_db()
    return job


# --- running ----------------------------------------------------------------------------------


def _claim(job_pk: int, *, commit: bool) -> bool:
    """The conditional UPDATE that makes a task idempotent: only one run claims a step."""
    before, during = (
        (Status.PENDING_IMPORT, Status.IMPORTING)
        if commit
        else (Status.PENDING_CHECK, Status.CHECKING)
    )
    return bool(
        ImportJob.objects.filter(pk=job_pk, status=before, cancel_requested=False).update(
            status=during, started_at=timezone.now()
        )
    )


class ErrorLog:
    """Errors of a run: the first few for the page, every one in the report (original cells
    plus 行号, 列, 错误说明), written to a temporary file as they come (a file with a million
    bad rows must not sit in memory)."""

    def __init__(self, headers: list[str]) -> None:
        self.headers = headers
        self.shown: list[list[Any]] = []
        self.rows = 0
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by report_file's reader
        self.text = io.TextIOWrapper(self.file, encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.text)
        self.writer.writerow([_("行号"), _("列"), _("错误说明"), *headers])

    def add(self, line: int, exc: ValidationError, cells: list[str]) -> None:
        self.rows += 1
        items = (
            exc.message_dict.items()
            if hasattr(exc, "error_dict")
            else [(NON_FIELD_ERRORS, exc.messages)]
        )
        for column, messages in items:
            label = "" if column == NON_FIELD_ERRORS else column
            for message in messages:
                if len(self.shown) < SHOWN_ERRORS:
                    self.shown.append([line, label, message])
                self.writer.writerow([line, label, message, *cells])

    def add_file_error(self, message: str) -> None:
        self.shown.append([0, "", message])

    def report_file(self) -> File:
        """The report (UTF-8 with a BOM, so Excel opens it right) as a file to store."""
        self.text.flush()
        self.text.detach()
        self.file.seek(0)
        return File(self.file)

    def close(self) -> None:
        self.file.close()


def _chunks(rows: Iterable[list[str]], size: int) -> Iterator[list[list[str]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _check_cancel(job_pk: int) -> None:
    if ImportJob.objects.filter(pk=job_pk, cancel_requested=True).exists():
        raise ImportCancelled


def process_rows(
    job: ImportJob,
    ctx: ImportContext,
    *,
    commit: bool,
    on_progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Apply every row of the job's file in one transaction, chunk by chunk. Returns the
    counts and the error log; rolls back unless `commit` (and, with on_error=abort, unless
    every row passed). Raises ImportCancelled (rolled back) or FileError."""
    table, resource_class = read_table(job, count=False)
    resource = resource_class(context=ctx)
    headers = table.headers
    errors = ErrorLog(headers)
    counts = {NEW: 0, UPDATE: 0, SKIP: 0}
    processed = 0
    with transaction.atomic():
        for chunk in _chunks(table.rows, CHUNK_ROWS):
            first = processed + 1
            processed += len(chunk)
            cells_of = {first + i + 1: cells for i, cells in enumerate(chunk)}  # header is line 1
            rows = [
                (line, dict(zip(headers, cells, strict=False))) for line, cells in cells_of.items()
            ]
            for line, outcome in resource.apply_chunk(rows, ctx):
                if isinstance(outcome, ValidationError):
                    errors.add(line, outcome, cells_of[line])
                else:
                    counts[outcome.import_type] += 1
            _check_cancel(job.pk)
            if on_progress:
                on_progress(processed)
        _check_cancel(job.pk)
        rolled_back = not commit or (job.on_error == ImportJob.OnError.ABORT and errors.rows > 0)
        if rolled_back:
            transaction.set_rollback(True)
    return {"counts": counts, "errors": errors, "processed": processed, "rolled_back": rolled_back}


def run_job(job_pk: int, *, commit: bool) -> ImportJob | None:
    """Check (commit=False) or import (commit=True) a job; what the tasks call. Returns None
    when another run already claimed this step (a redelivered task)."""
    if not _claim(job_pk, commit=commit):
        return None
    job = ImportJob.objects.select_related("created_by", "organization", "node").get(pk=job_pk)
    key = progress_key(job.pk)
    cache.set(key, 0, 24 * 3600)
    try:
        scope = scope_of_job(job)
        if job.history and not may_import_history(scope):
            raise Http404
        ctx = ImportContext(
            user=job.created_by, scope=scope, approve=job.approve, job=job, history=job.history
        )
        result = _run(job, ctx, commit=commit, on_progress=lambda n: cache.set(key, n, 24 * 3600))
    except ImportCancelled:
        ImportJob.objects.filter(pk=job.pk).update(
            status=Status.CANCELLED,
            finished_at=timezone.now(),
            message=_("已取消：本次导入的所有数据均已撤销，数据库中没有留下任何一行。"),
        )
        return ImportJob.objects.get(pk=job.pk)
    except FileError as exc:
        ImportJob.objects.filter(pk=job.pk).update(
            status=Status.FAILED, finished_at=timezone.now(), message=" ".join(exc.messages)
        )
        return ImportJob.objects.get(pk=job.pk)
    except Exception:
        log.exception("import job %s failed", job.pk)
        ImportJob.objects.filter(pk=job.pk).update(
            status=Status.FAILED,
            finished_at=timezone.now(),
            message=_("导入时发生系统错误，没有导入任何数据。请稍后重试或联系管理员。"),
        )
        return ImportJob.objects.get(pk=job.pk)
    finally:
        cache.delete(key)
    return _finish(job, result, commit=commit)


def _run(
    job: ImportJob, ctx: ImportContext, *, commit: bool, on_progress: Callable[[int], None]
) -> dict[str, Any]:
    if job.use_copy:
        from .copy_records import process_copy

        return process_copy(job, ctx, commit=commit, on_progress=on_progress)
    return process_rows(job, ctx, commit=commit, on_progress=on_progress)


def _finish(job: ImportJob, result: dict[str, Any], *, commit: bool) -> ImportJob:
    counts, errors = result["counts"], result["errors"]
    job.processed_rows = result["processed"]
    job.total_rows = result["processed"]  # exact (an XLSX's dimension is only an estimate)
    job.new_rows, job.updated_rows, job.skipped_rows = counts[NEW], counts[UPDATE], counts[SKIP]
    job.error_rows = errors.rows
    job.errors = errors.shown
    job.finished_at = timezone.now()
    if errors.rows:
        job.error_report.save(f"errors-{job.pk}.csv", errors.report_file(), save=False)
    elif job.error_report:
        job.error_report.delete(save=False)
    if not commit:
        job.status = Status.CHECKED
        job.message = ""
    elif result["rolled_back"]:
        job.status = Status.DONE
        job.new_rows = job.updated_rows = job.skipped_rows = 0
        job.message = _(
            "有 %(n)s 行出错，按您的选择整个文件没有导入。请下载错误报告，修改后重新上传。"
        ) % {"n": errors.rows}
    else:
        job.status = Status.DONE
        job.message = ""
    job.save()
    errors.close()
    return job
