"""The practitioner's survey metrics beside the SEM: NPS, CSAT, CES, Kano and SERVQUAL.

Every analysis returns an object with ``.table`` (the tidy DataFrame that the command line
writes as CSV), ``.summary()`` (a :class:`~sem_csat.summary.Summary`: text, HTML, Markdown,
LaTeX), a one-line ``repr`` and, where there is one, ``.figure()`` (a
:class:`~sem_csat.metrics.plot.Chart` that displays itself in Jupyter and has ``.save()``).

==============================  ============================================================
:func:`nps`                     net promoter score (0–10 item), SE, interval, differences
:func:`csat`                    top-box share on a declared scale, Wald SE, Wilson interval
:func:`ces`                     customer effort score, mean with t interval
:func:`survey_metrics`          the three in one table (``metrics.csv``)
:func:`kano`                    Kano categories, Fong's test, Berger's better/worse
:func:`servqual`                SERVQUAL gaps by dimension and item, paired t intervals
:func:`spec_servqual`           the same for the dimensions of a spec's ``servqual:`` block
:func:`dashboard`               everything a spec's ``metrics:``/``servqual:`` blocks declare
==============================  ============================================================
"""

from sem_csat.metrics.dashboard import Dashboard, dashboard, spec_servqual
from sem_csat.metrics.kano import KanoResult, classify, fong_critical_difference, kano
from sem_csat.metrics.plot import Chart
from sem_csat.metrics.scores import (
    DIFFERENCE_COLUMNS,
    TABLE_COLUMNS,
    SurveyMetrics,
    ces,
    csat,
    nps,
    survey_metrics,
)
from sem_csat.metrics.servqual import ServqualDimension, ServqualResult, servqual

__all__ = [
    "DIFFERENCE_COLUMNS",
    "TABLE_COLUMNS",
    "Chart",
    "Dashboard",
    "KanoResult",
    "ServqualDimension",
    "ServqualResult",
    "SurveyMetrics",
    "ces",
    "classify",
    "csat",
    "dashboard",
    "fong_critical_difference",
    "kano",
    "nps",
    "servqual",
    "spec_servqual",
    "survey_metrics",
]
