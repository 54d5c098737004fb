"""The import page (upload → dry-run preview with per-row errors → confirm), job progress (an htmx
partial polled while a job runs), error reports, templates and scoped exports."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.pagination import paginate
from core.ratelimit import allow

from . import services
from .forms import UploadForm
from .models import ImportJob
from .resources import RESOURCES, ServiceResource
from .scope import get_scope, scopes_for

FORMATS = {"csv", "xlsx"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def get_job_for_user(user: Any, pk: int) -> ImportJob:
    """A job is its uploader's only: 404 for anyone else (its errors quote the file)."""
    job = ImportJob.objects.filter(pk=pk, created_by_id=user.pk).first()
    if job is None:
        raise Http404
    return job


def _require_scopes(request: HttpRequest) -> list:
    scopes = scopes_for(request.user)
    if not scopes:
        raise PermissionDenied
    return scopes


@login_required
def index(request: HttpRequest) -> HttpResponse:
    scopes = _require_scopes(request)
    chosen = request.GET.get("scope", "")
    initial = {"scope": chosen} if chosen in {s.key for s in scopes} else None
    form = UploadForm(request.POST or None, request.FILES or None, scopes=scopes, initial=initial)
    if request.method == "POST" and form.is_valid():
        if not allow(request, "imports", per_key="30/h", key=str(request.user.pk)):
            form.add_error(None, _("上传太频繁，请稍后再试"))
        else:
            data = form.cleaned_data
            try:
                job = services.start_import(
                    user=request.user,
                    scope=data["scope_obj"],
                    kind=data["kind"],
                    upload=data["file"],
                    on_error=data["on_error"],
                    approve=data["approve"],
                    history=data["history"],
                )
            except ValidationError as exc:
                form.add_error("file", exc)
            else:
                return redirect("imports:job", pk=job.pk)
    jobs = paginate(request, ImportJob.objects.created_by(request.user), per_page=10)
    kinds = sorted(
        {k for s in scopes for k in s.kinds | s.export_kinds}, key=list(ImportJob.Kind.values).index
    )
    importable = {k for s in scopes for k in s.kinds}
    return render(
        request,
        "imports/index.html",
        {
            "form": form,
            "jobs": jobs,
            "scopes": scopes,
            "kinds": [
                (k, ImportJob.Kind(k).label, k in importable) for k in kinds if k in RESOURCES
            ],
            "can_import_history": any(services.may_import_history(s) for s in scopes),
        },
    )


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_job_for_user(request.user, pk)
    context = {"job": job, "progress": services.current_progress(job)}
    if request.htmx:
        return render(request, "imports/_job_status.html", context)
    return render(request, "imports/job.html", context)


@login_required
@require_POST
def job_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_job_for_user(request.user, pk)
    try:
        job = services.confirm_import(job=job, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if job.status == ImportJob.Status.DONE and not job.message:
            messages.success(request, _("导入完成"))
    return redirect("imports:job", pk=job.pk)


@login_required
@require_POST
def job_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_job_for_user(request.user, pk)
    try:
        services.cancel_import(job=job, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.info(request, _("已请求取消：已写入的数据会全部撤销"))
    return redirect("imports:job", pk=job.pk)


def _xlsx(headers: list[str], rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def cell(value: Any) -> Any:
        # An error report repeats the uploaded cells; control characters, which a CSV can carry
        # and an Excel sheet cannot, are dropped rather than failing the download.
        return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(headers)
    for row in rows:
        sheet.append([cell(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _template_xlsx(headers: list[str], rows: list[list[Any]]) -> bytes:
    """A template whose columns are formatted as text, so Excel keeps an 18-digit ID number
    (and leading zeros) instead of turning it into a rounded number."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    for index in range(1, len(headers) + 1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = 18
        for r in range(2, 1001):
            sheet[f"{letter}{r}"].number_format = "@"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv(headers: list[str], rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    # A BOM so that Excel opens the UTF-8 file with the right encoding.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _download(content: bytes, fmt: str, filename: str) -> HttpResponse:
    response = HttpResponse(
        content, content_type=XLSX_TYPE if fmt == "xlsx" else "text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def job_errors(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    job = get_job_for_user(request.user, pk)
    if fmt not in FORMATS or not job.error_report:
        raise Http404
    with job.error_report.open("rb") as f:
        content = f.read()
    if fmt == "xlsx":
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        content = _xlsx(rows[0], rows[1:]) if rows else _xlsx([], [])
    return _download(content, fmt, f"import-errors-{job.pk}")


@login_required
@require_GET
def template_download(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    scopes = _require_scopes(request)
    if fmt not in FORMATS or kind not in RESOURCES or not any(kind in s.kinds for s in scopes):
        raise Http404
    resource: type[ServiceResource] = RESOURCES[kind]
    headers = [f"{c.name}*" if c.required else c.name for c in resource.columns]
    example = [c.example for c in resource.columns]
    notes = [c.help for c in resource.columns]
    rows = [example]
    if fmt == "xlsx":
        rows.append(notes)
        return _download(_template_xlsx(headers, rows), fmt, f"template-{kind}")
    return _download(_csv(headers, rows), fmt, f"template-{kind}")


@login_required
@require_GET
def export(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """Everything of a kind the user may see in the chosen scope, documents and phones masked."""
    if fmt not in FORMATS or kind not in RESOURCES:
        raise Http404
    scopes = _require_scopes(request)
    scope = get_scope(request.user, request.GET.get("scope") or scopes[0].key)
    if kind not in scope.export_kinds:
        raise Http404
    resource_class = RESOURCES[kind]
    dataset = resource_class().export(queryset=resource_class.scoped_queryset(scope))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "xlsx":
        content = dataset.export("xlsx")
    else:
        content = ("\ufeff" + dataset.export("csv")).encode("utf-8")
    return _download(content, fmt, f"{kind}-{stamp}")
