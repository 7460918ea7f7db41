"""Report exports: starting one, the scheduled monthly reports, and who sees which.

An export is checked and narrowed the way the report itself is (``reports.params``
then ``reports.access.scoped``), so a file never holds a figure its asker could
not see on the page; the narrowed query string is what the row keeps, and the
run (``reports.export_runs``) re-reads it from there. The task is sent after the
row is committed.
"""

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from reports import at_risk
from reports.access import Scope, report_scope, scoped
from reports.export_runs import run_after_commit
from reports.models import (
    AT_RISK,
    ENTRIES,
    ExportEvent,
    ExportEventKind,
    FileFormat,
    ReportExport,
)
from reports.params import params_of, query_from_params
from reports.query import GROUPINGS, ReportQuery

REPORTS = (*GROUPINGS, ENTRIES, AT_RISK)

# The monthly set, as the field report's headline reads them: XLSX for officials.
MONTHLY = (
    ("channel-kind", {}),
    ("channel", {}),
    ("county", {}),
    ("cooperative", {}),
    ("product", {}),
    ("period", {"interval": "day"}),
    (AT_RISK, {}),
)
MONTHLY_FORMAT = FileFormat.XLSX


def checked_query(
    *, report: str, params, file_format: str, scope: Scope
) -> ReportQuery:
    """The export's query, narrowed to the scope. ``ValidationError`` names each
    bad field (``report``, ``format``, each parameter); ``PermissionDenied``
    for another cooperative's or canteen's figures."""
    errors = {}
    if report not in REPORTS:
        errors["report"] = [_("Unknown report.")]
    if file_format not in FileFormat.values:
        errors["format"] = [_("Choose csv or xlsx.")]
    grouping = report if report in GROUPINGS else None
    try:
        query = query_from_params(params, grouping=grouping)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        query = None
    if query is not None and report == AT_RISK:
        at_risk.refuse_canteens(scope)
        try:
            at_risk.check_filters(query)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return scoped(query, scope)


def stored_params(query: ReportQuery) -> dict:
    """What the row keeps: the period, the (narrowed) filters and the interval
    of a report by period."""
    params = params_of(query)
    if query.grouping == "period":
        params["interval"] = query.interval
    return params


def start_export(*, user: User, report: str, params, file_format: str) -> ReportExport:
    """Queue a report's file for the background worker; it runs after commit.

    ``params`` is the report's query string (a dict or a QueryDict)."""
    query = checked_query(
        report=report,
        params=params,
        file_format=file_format,
        scope=report_scope(user),
    )
    with transaction.atomic():
        export = ReportExport.objects.create(
            user=user,
            report=report,
            params=stored_params(query),
            file_format=file_format,
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
        ExportEvent.objects.create(
            export=export,
            kind=ExportEventKind.ASKED,
            actor=user,
            detail=urlencode(export.params),
        )
        run_after_commit(export.pk)
    return export


def last_month(today: datetime.date) -> datetime.date:
    first = today.replace(day=1)
    return (first - datetime.timedelta(days=1)).replace(day=1)


def _month_end(first: datetime.date) -> datetime.date:
    after = (first + datetime.timedelta(days=31)).replace(day=1)
    return after - datetime.timedelta(days=1)


def schedule_monthly_reports(
    *, month: datetime.date | None = None
) -> list[ReportExport]:
    """Queue the month's reports (last month by default, in the shop's time
    zone), each once: a second run of the schedule finds them and adds nothing.
    Returns those it created."""
    first = (month or last_month(timezone.localdate())).replace(day=1)
    created = []
    for report, extra in MONTHLY:
        grouping = report if report in GROUPINGS else None
        query = query_from_params(
            {
                "from": first.isoformat(),
                "to": _month_end(first).isoformat(),
                **extra,
            },
            grouping=grouping,
        )
        export = _create_monthly(first, report, stored_params(query))
        if export is not None:
            created.append(export)
    return created


def _create_monthly(first, report, params) -> ReportExport | None:
    if ReportExport.objects.filter(
        month=first, report=report, file_format=MONTHLY_FORMAT
    ).exists():
        return None
    try:
        with transaction.atomic():
            export = ReportExport.objects.create(
                user=None,
                report=report,
                params=params,
                file_format=MONTHLY_FORMAT,
                month=first,
                language=settings.LANGUAGE_CODE,
            )
            ExportEvent.objects.create(
                export=export,
                kind=ExportEventKind.ASKED,
                detail=f"monthly {first:%Y-%m}",
            )
            run_after_commit(export.pk)
    except IntegrityError:
        return None  # a concurrent run of the schedule made it
    return export


def exports_visible(*, user: User | AnonymousUser) -> QuerySet:
    """The exports a user sees, newest first: their own, and for staff and
    officials the scheduled monthly ones too. A cooperative's managers or a
    canteen's members see their own only while they still may (the figures are
    their cooperative's or canteen's); nobody else sees any."""
    try:
        scope = report_scope(user)
    except PermissionDenied:
        return ReportExport.objects.none()
    visible = Q(user=user)
    if scope.everything:
        visible |= Q(user__isnull=True, month__isnull=False)
    else:
        own = [str(pk) for pk in scope.ids]
        visible &= Q(**{f"params__{scope.dimension}__in": own})
    return ReportExport.objects.filter(visible).select_related("user")


def export_for(*, user: User | AnonymousUser, export_id: int) -> ReportExport:
    """One export the user sees, or ``ReportExport.DoesNotExist`` (another
    user's export is not found, not forbidden)."""
    return exports_visible(user=user).get(pk=export_id)


def record_download(*, export: ReportExport, user: User) -> None:
    """Who downloaded which figures (the files name households)."""
    ExportEvent.objects.create(
        export=export, kind=ExportEventKind.DOWNLOADED, actor=user
    )
