"""Summary statistics as input: a covariance or correlation matrix (full or lower triangle), N,
and optionally standard deviations — how published studies are reproduced.

The matrix file is a CSV table with the variable names as its header and in its first column
(as R's ``write.csv`` writes it).  Empty cells or ``NA`` above the diagonal are filled from the
lower triangle.  A matrix with a unit diagonal is a correlation matrix and needs the standard
deviations (a two-column CSV ``variable,sd``) to become a covariance matrix; without them the
model is fitted to the correlations (standardized variables), which changes the standard errors
of unstandardized estimates (Cudeck 1989) — a warning says so.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sem_csat.data.prepare import PreparedData
from sem_csat.errors import DataError
from sem_csat.spec.model import ModelSpec, did_you_mean

__all__ = ["SummaryStatistics", "prepared_moments", "read_summary_statistics"]


@dataclass(frozen=True, eq=False)
class SummaryStatistics:
    """A covariance (or correlation) matrix with its sample size.

    Attributes
    ----------
    matrix
        Symmetric matrix with variable names as index and columns.
    n_obs
        Number of respondents it was computed from.
    kind
        ``"covariance"`` or ``"correlation"`` (a unit diagonal and no SDs).
    source
        The file name.
    means
        Item means, when given.  A CB-SEM spec with a mean structure (intercepts or latent
        means) fits them; without one, as in lavaan without ``meanstructure=TRUE``, they are
        checked and recorded but do not change any estimate.
    sha256
        SHA-256 of the matrix file (``None`` for a DataFrame).
    """

    matrix: pd.DataFrame
    n_obs: int
    kind: str
    source: str
    means: pd.Series | None = None
    sha256: str | None = None


def prepared_moments(stats: SummaryStatistics) -> PreparedData:
    """The :class:`~sem_csat.data.PreparedData` of a fit to summary statistics.

    Its ``frame`` has the matrix's variables as columns and no rows (there are no answers),
    ``n_total`` and ``n_used`` are the matrix's N, and ``moments`` holds ``stats``; so a
    result keeps the same kind of ``data`` whatever its input.

    >>> import numpy as np, pandas as pd
    >>> s = SummaryStatistics(pd.DataFrame(np.eye(2), index=["a", "b"], columns=["a", "b"]),
    ...                       n_obs=120, kind="correlation", source="table2.csv")
    >>> prepared_moments(s)
    <PreparedData 'table2.csv': correlation matrix of 2 indicators, N=120>
    """
    frame = pd.DataFrame({name: pd.Series([], dtype=np.float64) for name in stats.matrix.columns})
    return PreparedData(
        frame=frame,
        source=stats.source,
        n_total=int(stats.n_obs),
        n_used=int(stats.n_obs),
        used_rows=np.zeros(0, dtype=np.intp),
        missing="listwise",
        n_imputed={},
        diagnostics=(),
        sha256=stats.sha256,
        moments=stats,
    )


def _read_table(path: Path, what: str) -> pd.DataFrame:
    if not path.is_file():
        raise DataError(f"The {what} file '{path}' does not exist; check the path.")
    try:
        return pd.read_csv(path, index_col=0, na_values=["NA", ""])
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise DataError(
            f"The {what} file '{path.name}' cannot be read as a CSV table ({exc}); write it with "
            "the variable names in the header and in the first column."
        ) from exc


def read_summary_statistics(
    path: str | Path | pd.DataFrame,
    n_obs: int,
    spec: ModelSpec,
    *,
    sds: str | Path | None = None,
    means: str | Path | None = None,
) -> SummaryStatistics:
    """Read a covariance or correlation matrix for ``spec`` and check it.

    Parameters
    ----------
    path
        CSV file with the matrix (full or lower triangle; names in header and first column),
        or a DataFrame with the names as index and columns.
    n_obs
        Sample size the matrix was computed from.
    spec
        The model: every indicator must be in the matrix (other variables are ignored).
    sds
        Optional CSV ``variable,sd`` turning a correlation matrix into a covariance matrix.
    means
        Optional CSV ``variable,mean`` (see :attr:`SummaryStatistics.means`).

    Raises
    ------
    DataError
        Missing variables, non-numeric cells, an asymmetric or non-positive-definite matrix,
        a bad N — each in one sentence naming the file.
    """
    digest: str | None = None
    if isinstance(path, pd.DataFrame):
        table, name = path.copy(), "<DataFrame>"
    else:
        table = _read_table(Path(path), "matrix")
        name = Path(path).name
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    if not isinstance(n_obs, int) or isinstance(n_obs, bool) or n_obs < 2:
        raise DataError(
            f"The sample size for '{name}' must be a whole number of at least 2; got {n_obs!r} "
            "(pass --n N on the command line, n_obs=N in Python)."
        )
    table.index = [str(i).strip() for i in table.index]
    table.columns = [str(c).strip() for c in table.columns]
    if list(table.index) != list(table.columns):
        raise DataError(
            f"The matrix in '{name}' must have the same variable names, in the same order, in "
            "its header and its first column."
        )
    try:
        values = table.to_numpy(dtype=np.float64, copy=True)
    except ValueError:
        raise DataError(
            f"The matrix in '{name}' contains text; only numbers (and NA above the diagonal) "
            "are allowed."
        ) from None
    upper = np.triu_indices_from(values, 1)
    missing_upper = np.isnan(values[upper])
    values[upper] = np.where(missing_upper, values.T[upper], values[upper])
    if np.isnan(values).any():
        raise DataError(
            f"The matrix in '{name}' has empty cells on or below the diagonal; give the full "
            "matrix or its lower triangle including the diagonal."
        )
    if not np.allclose(values, values.T, atol=1e-8, rtol=1e-6):
        raise DataError(
            f"The matrix in '{name}' is not symmetric; give a covariance or correlation matrix."
        )
    names = list(table.columns)
    absent = [i for i in spec.indicator_names if i not in names]
    if absent:
        listed = ", ".join(f"'{a}'{did_you_mean(a, names)}" for a in absent)
        raise DataError(f"The matrix in '{name}' has no row and column for {listed}.")
    matrix = pd.DataFrame(values, index=names, columns=names).loc[
        list(spec.indicator_names), list(spec.indicator_names)
    ]
    kind = "correlation" if np.allclose(np.diag(matrix), 1.0) else "covariance"
    if sds is not None:
        sd_table = _read_table(Path(sds), "standard deviation")
        sd = pd.to_numeric(sd_table.iloc[:, 0], errors="coerce")
        sd.index = [str(i).strip() for i in sd.index]
        lacking = [i for i in spec.indicator_names if i not in sd.index or not sd[i] > 0]
        if lacking:
            raise DataError(
                f"The standard deviation file '{Path(sds).name}' gives no positive SD for "
                f"{', '.join(repr(x) for x in lacking)}."
            )
        if kind != "correlation":
            raise DataError(
                f"'{name}' is a covariance matrix (its diagonal is not 1), so standard "
                "deviations must not be given as well."
            )
        s = sd.loc[list(spec.indicator_names)].to_numpy()
        matrix = matrix * np.outer(s, s)
        kind = "covariance"
    eig = np.linalg.eigvalsh(matrix.to_numpy())
    if eig.min() <= 0:
        raise DataError(
            f"The matrix in '{name}' is not positive definite (smallest eigenvalue "
            f"{eig.min():.3g}): it cannot be a covariance matrix of real data. Check for typing "
            "errors or rounding; a matrix assembled from different samples (pairwise) can "
            "also cause this."
        )
    mean_values = None
    if means is not None:
        mean_table = _read_table(Path(means), "means")
        m = pd.to_numeric(mean_table.iloc[:, 0], errors="coerce")
        m.index = [str(i).strip() for i in m.index]
        lacking = [i for i in spec.indicator_names if i not in m.index or not np.isfinite(m[i])]
        if lacking:
            raise DataError(
                f"The means file '{Path(means).name}' gives no numeric mean for "
                f"{', '.join(repr(x) for x in lacking)}."
            )
        mean_values = m.loc[list(spec.indicator_names)].astype(float)
    return SummaryStatistics(
        matrix=matrix, n_obs=n_obs, kind=kind, source=name, means=mean_values, sha256=digest
    )
