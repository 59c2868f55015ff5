"""Customer-satisfaction survey data sets bundled with sem_csat, for examples and tests.

========================  ==========  =======================================================
name                      rows × cols what it is
========================  ==========  =======================================================
``ecsi_mobile``           250 × 24    ECSI survey of a mobile-phone provider (``mobi`` in R)
``bank_satisfaction``     250 × 28    Satisfaction with a Spanish bank (``satisfaction`` in R)
========================  ==========  =======================================================

The R names ``mobi`` and ``satisfaction`` are accepted as aliases.  Provenance and licences are
in ``README.md`` next to the files and in :func:`info`; cite the original study when a data set
appears in output.

Examples
--------
>>> from sem_csat import datasets
>>> datasets.list_datasets()
['bank_satisfaction', 'ecsi_mobile']
>>> datasets.load("ecsi_mobile").shape
(250, 24)
>>> datasets.info("mobi").scale
(1.0, 10.0)
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import importlib.resources
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pandas as pd

from sem_csat.errors import DataError
from sem_csat.spec.model import did_you_mean

__all__ = ["DatasetInfo", "info", "list_datasets", "load", "path"]


@dataclass(frozen=True)
class DatasetInfo:
    """Description and provenance of a bundled data set.

    Attributes
    ----------
    name
        Name to pass to :func:`load`.
    title
        One-line title.
    rows, columns
        Shape of the data.
    scale
        Answer scale ``(lowest, highest)`` of the survey items.
    citation
        The study to cite.
    description
        The constructs and their items, and the usual structural model.
    source
        Where the data comes from and how it reached sem_csat.
    license
        Licence under which it is distributed.
    file
        File name inside the package.
    aliases
        Other accepted names (the R data set names).
    """

    name: str
    title: str
    rows: int
    columns: int
    scale: tuple[float, float]
    citation: str
    description: str
    source: str
    license: str
    file: str
    aliases: tuple[str, ...] = ()


_DATASETS: Final[dict[str, DatasetInfo]] = {
    "ecsi_mobile": DatasetInfo(
        name="ecsi_mobile",
        title="ECSI survey of the customers of a mobile-phone provider",
        rows=250,
        columns=24,
        scale=(1.0, 10.0),
        citation=(
            "Tenenhaus, M., Esposito Vinzi, V., Chatelin, Y.-M., & Lauro, C. (2005). "
            "PLS path modeling. Computational Statistics & Data Analysis, 48(1), 159–205."
        ),
        description=(
            "European Customer Satisfaction Index (ECSI) items on a 1–10 scale, no missing "
            "values: Image IMAG1–5, Expectation CUEX1–3, Perceived quality PERQ1–7, Perceived "
            "value PERV1–2, Satisfaction CUSA1–3, Complaints CUSCO, Loyalty CUSL1–3. ECSI paths: "
            "Image → Expectation, Satisfaction, Loyalty; Expectation → Quality, Value, "
            "Satisfaction; Quality → Value, Satisfaction; Value → Satisfaction; Satisfaction → "
            "Complaints, Loyalty; Complaints → Loyalty."
        ),
        source="Data set 'mobi' of the R packages semPLS and seminr.",
        license="GPL (as distributed with semPLS and seminr)",
        file="ecsi_mobile.csv",
        aliases=("mobi",),
    ),
    "bank_satisfaction": DatasetInfo(
        name="bank_satisfaction",
        title="Customer satisfaction with a Spanish credit institution",
        rows=250,
        columns=28,
        scale=(0.0, 10.0),
        citation=(
            "Laboratory of Information Analysis and Modeling (LIAM), Universitat Politècnica "
            "de Catalunya, Barcelona; data set 'satisfaction' of the R package plspm."
        ),
        description=(
            "ECSI-style items on a 0–10 scale (the lowest answer, 0, occurs in most items), no "
            "missing values: Image imag1–5, Expectation expe1–5, Quality qual1–5, Value "
            "val1–4, Satisfaction sat1–4, Loyalty loy1–4, and gender (148 female, 102 male). "
            "Paths: IMAG → EXPE, SAT, LOY; EXPE → QUAL, VAL, SAT; QUAL → VAL, SAT; VAL → SAT; "
            "SAT → LOY."
        ),
        source="Data set 'satisfaction' of the R packages plspm and cSEM.",
        license="GPL (as distributed with plspm and cSEM)",
        file="bank_satisfaction.csv",
        aliases=("satisfaction",),
    ),
}

_ALIASES: Final[dict[str, str]] = {
    alias: d.name for d in _DATASETS.values() for alias in (d.name, *d.aliases)
}

_FILES = contextlib.ExitStack()
atexit.register(_FILES.close)


def list_datasets() -> list[str]:
    """Names of the bundled data sets, sorted."""
    return sorted(_DATASETS)


def info(name: str) -> DatasetInfo:
    """Description, scale, citation and licence of a bundled data set.

    Raises
    ------
    DataError
        For an unknown name; the message suggests the closest name and lists all of them.
    """
    key = _ALIASES.get(name) if isinstance(name, str) else None
    if key is None:
        names = list_datasets()
        raise DataError(
            f"There is no bundled data set {name!r}{did_you_mean(str(name), names)}; "
            f"the data sets are {', '.join(repr(n) for n in names)}."
        )
    return _DATASETS[key]


def path(name: str) -> Path:
    """Path of a bundled data set's CSV file (to read it with other tools)."""
    resource = importlib.resources.files(__name__).joinpath(info(name).file)
    if isinstance(resource, Path):
        return resource
    return _FILES.enter_context(importlib.resources.as_file(resource))  # pragma: no cover


@functools.cache
def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(path(name))


def load(name: str) -> pd.DataFrame:
    """Load a bundled data set as a new DataFrame (changing it never affects the next load).

    Parameters
    ----------
    name
        One of :func:`list_datasets`, or an R alias (``"mobi"``, ``"satisfaction"``).

    Raises
    ------
    DataError
        For an unknown name.

    Examples
    --------
    >>> load("bank_satisfaction")["gender"].value_counts().to_dict()
    {'female': 148, 'male': 102}
    """
    return _read(info(name).name).copy(deep=True)
