"""The headline page's charts: sales over time, by kind of channel, by county,
and the top cooperatives and products — each a grouped report drawn by
``reports/static/reports/charts.js`` (Chart.js), with its rows as a table for
those who would rather read, or cannot see the chart."""

from dataclasses import dataclass, replace

from django.utils.translation import gettext_lazy as _

from reports.params import params_of
from reports.query import ReportQuery
from reports.selectors import Row, sales_report

from .links import report_url, row_open_url
from .periods import chart_interval

TOP = 10


@dataclass
class Chart:
    name: str  # the canvas is #chart-<name>
    title: str
    kind: str  # Chart.js type: line, bar, doughnut
    rows: list[Row]
    report_url: str  # the whole report behind the chart
    row_urls: list[str]
    horizontal: bool = False

    @property
    def data(self) -> dict:
        """What charts.js draws; money and weights as exact decimal strings."""
        return {
            "name": self.name,
            "kind": self.kind,
            "horizontal": self.horizontal,
            "labels": [row.label for row in self.rows],
            "yuan": [str(row.yuan) for row in self.rows],
            "tonnes": [str(row.tonnes) for row in self.rows],
            "urls": self.row_urls,
        }


# name, title, grouping, Chart.js type, horizontal, only the top rows
SPECS = (
    ("over-time", _("Sales over time"), "period", "line", False, False),
    ("channel-kind", _("By kind of channel"), "channel-kind", "doughnut", False, False),
    ("county", _("By county"), "county", "bar", False, False),
    ("cooperative", _("Top 10 cooperatives"), "cooperative", "bar", True, True),
    ("product", _("Top 10 products"), "product", "bar", True, True),
)


def headline_charts(query: ReportQuery) -> list[Chart]:
    """One grouped report per chart, over the headline's period and filters."""
    charts = []
    interval = chart_interval(query.start, query.end)
    for name, title, grouping, kind, horizontal, top in SPECS:
        grouped = replace(query, grouping=grouping, interval=interval)
        rows = sales_report(grouped, distinct=False).rows
        if top:
            rows = rows[:TOP]
        charts.append(
            Chart(
                name=name,
                title=title,
                kind=kind,
                rows=rows,
                report_url=report_url(grouping, params_of(query), interval=interval),
                row_urls=[row_open_url(grouped, row.key) for row in rows],
                horizontal=horizontal,
            )
        )
    return charts
