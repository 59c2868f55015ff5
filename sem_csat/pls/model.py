"""PLS path modeling estimator: spec + survey data -> :class:`~sem_csat.pls.results.PLSResult`.

The estimator follows scikit-learn's discipline: ``__init__`` only stores settings, which are
checked at the start of :meth:`PLS.fit`; allowed values are declared as data.  The numerical work
is done by :mod:`sem_csat.pls.engine` on the indicator correlation matrix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from sem_csat.data import PreparedData, RawData, prepare_data
from sem_csat.diagnostics import Diagnostic, emit
from sem_csat.errors import (
    ConvergenceError,
    EstimationError,
    InadmissibleSolutionWarning,
    SemCsatError,
    SpecError,
)
from sem_csat.measurement.collinearity import identical_items
from sem_csat.pls import engine
from sem_csat.pls.hoc import HOC_METHODS, HocMethod, check_higher_order, hoc_diagnostics
from sem_csat.pls.moderation import INTERACTION_METHODS, InteractionMethod, check_interactions
from sem_csat.pls.plsc import PLScEstimate, consistent
from sem_csat.pls.results import PLSResult
from sem_csat.spec.features import refuse_unsupported
from sem_csat.spec.model import ModelSpec

if TYPE_CHECKING:
    from sem_csat.data.moments import SummaryStatistics

__all__ = ["PLS", "PLSSettings", "fit_pls", "item_correlation", "spec_structure"]

Scheme = Literal["path", "centroid", "factorial"]
Missing = Literal["listwise", "mean"]
Method = Literal["pls", "plsc"]

SCHEMES: tuple[str, ...] = ("path", "centroid", "factorial")
MISSING: tuple[str, ...] = ("listwise", "mean")
METHODS: tuple[str, ...] = ("pls", "plsc")
#: Optional spec features (sem_csat.spec.features) that PLS estimates; it refuses the others.
SPEC_FEATURES: frozenset[str] = frozenset({"higher_order", "interactions"})
_SPEC_HINTS = {
    "fixed_values": (
        "remove the fixed value, since PLS estimates every weight, loading and path from the "
        "data, or fit the model by CB-SEM (method='ml'), which honours it"
    ),
    "equality_labels": (
        "give each parameter its own label or none, since PLS estimates every parameter "
        "freely, or fit the model by CB-SEM (method='ml'), which honours equal labels"
    ),
}


def _choice(value: object, allowed: Sequence[str], option: str) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise EstimationError(
            f"{option} must be one of {', '.join(repr(a) for a in allowed)}; got {value!r}."
        )
    return value


@dataclass(frozen=True)
class PLSSettings:
    """Settings of a PLS fit; they travel with the result so that it can be reproduced.

    Attributes
    ----------
    method
        ``"pls"`` (ordinary PLS) or ``"plsc"`` (consistent PLS: reflective constructs corrected
        for attenuation with Dijkstra–Henseler's :math:`\\rho_A`; composites left as they are).
    scheme
        Inner weighting scheme: ``"path"`` (Lohmöller's path weighting, default),
        ``"centroid"`` or ``"factorial"``.
    tol
        Convergence criterion: largest absolute change of an outer weight (default 1e-7).
    max_iter
        Largest number of iterations (default 300); not converging is an error.
    missing
        ``"listwise"`` (default) or ``"mean"`` (item-mean replacement).
    na_values
        Numeric codes treated as missing before anything else.
    hoc
        How higher-order constructs are estimated: ``"two-stage"`` (disjoint two-stage,
        default), ``"embedded"`` (embedded two-stage) or ``"repeated"`` (repeated indicators);
        see :mod:`sem_csat.pls.hoc`.
    interaction
        How interaction terms are built: ``"two-stage"`` (default), ``"product-indicator"`` or
        ``"orthogonal"``; see :mod:`sem_csat.pls.moderation`.
    """

    method: Method = "pls"
    scheme: Scheme = "path"
    tol: float = 1e-7
    max_iter: int = 300
    missing: Missing = "listwise"
    na_values: tuple[float | str, ...] = ()
    hoc: HocMethod = "two-stage"
    interaction: InteractionMethod = "two-stage"

    def as_dict(self) -> dict[str, Any]:
        """``method``, ``scheme``, ``tol``, ``max_iter``, ``missing``, ``na_values``, ``hoc``
        and ``interaction`` (``run.json``)."""
        return {
            "method": self.method,
            "scheme": self.scheme,
            "tol": self.tol,
            "max_iter": self.max_iter,
            "missing": self.missing,
            "na_values": list(self.na_values),
            "hoc": self.hoc,
            "interaction": self.interaction,
        }

    def check(self) -> PLSSettings:
        """Validate the settings and return them (raises :class:`EstimationError`)."""
        _choice(self.method, METHODS, "method")
        _choice(self.scheme, SCHEMES, "scheme")
        _choice(self.missing, MISSING, "missing")
        _choice(self.hoc, HOC_METHODS, "hoc")
        _choice(self.interaction, INTERACTION_METHODS, "interaction")
        if not (isinstance(self.tol, int | float) and 0 < float(self.tol) < 1):
            raise EstimationError(f"tol must be a number between 0 and 1; got {self.tol!r}.")
        if not (isinstance(self.max_iter, int) and self.max_iter >= 1):
            raise EstimationError(f"max_iter must be a positive integer; got {self.max_iter!r}.")
        return self


class PLS:
    """PLS path modeling (Wold 1982; Lohmöller 1989) for customer-satisfaction models.

    Reflective constructs are estimated in Mode A, formative constructs in Mode B; the indicators
    are standardized (mean 0, standard deviation 1) and construct scores have unit variance.

    Parameters
    ----------
    scheme
        Inner weighting scheme: ``"path"`` (default), ``"centroid"`` or ``"factorial"``.
    method
        ``"pls"`` (default) or ``"plsc"`` for consistent PLS (Dijkstra & Henseler 2015):
        loadings, construct correlations, paths and R² of reflective constructs are corrected
        for measurement error; inadmissible corrections (:math:`\\rho_A > 1`, correlations
        above 1) are reported as warnings.
    tol, max_iter
        Stop when no outer weight changes by more than ``tol``; give up (an error) after
        ``max_iter`` iterations.
    hoc
        Approach to higher-order constructs: ``"two-stage"`` (default), ``"embedded"`` or
        ``"repeated"`` (:mod:`sem_csat.pls.hoc`).
    interaction
        Approach to interaction terms: ``"two-stage"`` (default), ``"product-indicator"`` or
        ``"orthogonal"`` (:mod:`sem_csat.pls.moderation`).

    Examples
    --------
    >>> import sem_csat
    >>> spec = sem_csat.load_spec("ecsi")
    >>> result = PLS().fit(spec, sem_csat.datasets.load("ecsi_mobile"))
    >>> b = result.path_matrix.loc["Satisfaction", "Loyalty"]
    >>> print(f"{b:.6f}")  # SmartPLS 2.0.M3 (path weighting): 0.48547762
    0.485478
    """

    def __init__(
        self,
        scheme: Scheme = "path",
        *,
        method: Method = "pls",
        tol: float = 1e-7,
        max_iter: int = 300,
        hoc: HocMethod = "two-stage",
        interaction: InteractionMethod = "two-stage",
    ) -> None:
        self.scheme = scheme
        self.method = method
        self.tol = tol
        self.max_iter = max_iter
        self.hoc = hoc
        self.interaction = interaction

    def _settings(self, missing: str, na_values: Sequence[float | str]) -> PLSSettings:
        return PLSSettings(
            method=self.method,
            scheme=self.scheme,
            tol=self.tol,
            max_iter=self.max_iter,
            missing=missing,  # type: ignore[arg-type]  # checked
            na_values=tuple(na_values),
            hoc=self.hoc,
            interaction=self.interaction,
        ).check()

    def _check_spec(self, spec: object, settings: PLSSettings) -> ModelSpec:
        if not isinstance(spec, ModelSpec):
            raise SemCsatError(f"spec must be a ModelSpec (see sem_csat.load_spec); got {spec!r}.")
        refuse_unsupported(spec, "PLS", SPEC_FEATURES, _SPEC_HINTS)
        check_higher_order(spec)
        check_interactions(spec, settings.interaction)
        return spec

    def fit(
        self,
        spec: ModelSpec,
        data: pd.DataFrame | RawData | PreparedData,
        *,
        missing: Missing = "listwise",
        na_values: Sequence[float | str] = (),
    ) -> PLSResult:
        """Estimate the model on survey data.

        Parameters
        ----------
        spec
            The model.
        data
            A DataFrame, a :class:`~sem_csat.data.RawData` from :func:`sem_csat.read_data`, or
            data already prepared for this spec.
        missing
            ``"listwise"`` (drop incomplete respondents) or ``"mean"`` (replace a missing answer
            by the item mean, as SmartPLS and seminr do).
        na_values
            Numeric codes that mean "no answer" (e.g. ``[-99]``).

        Returns
        -------
        PLSResult

        Raises
        ------
        DataError
            When the data do not fit the spec (missing columns, text, codes such as -99, ...).
        ConvergenceError
            When the algorithm does not converge within ``max_iter`` iterations.

        Warns
        -----
        SemCsatWarning
            Every warning-level diagnostic (dropped rows, missing data, constructs outside the
            paths, ...) is emitted once and also kept in ``result.diagnostics``.
        """
        settings = self._settings(missing, na_values)
        spec = self._check_spec(spec, settings)
        if isinstance(data, PreparedData):
            prepared = data
        else:
            prepared = prepare_data(
                spec, data, missing=settings.missing, na_values=settings.na_values
            )
        return _estimate(spec, prepared, settings)

    def fit_moments(self, spec: ModelSpec, stats: SummaryStatistics) -> PLSResult:
        """Estimate the model from a published correlation or covariance matrix and its N.

        PLS needs nothing but the indicator correlations: weights, loadings, paths, R²,
        effects, reliability and HTMT follow from them, and they equal the fit to the raw
        data whose correlation matrix this is.  What needs the answers themselves (construct
        scores, index scores, the IPMA, PLSpredict, blindfolding, the bootstrap) is refused,
        and so are interaction terms, which are built from the answers.

        Parameters
        ----------
        spec
            The model.
        stats
            The matrix and N (:func:`sem_csat.data.moments.read_summary_statistics`); a
            covariance matrix is turned into correlations.

        Returns
        -------
        PLSResult
            Its ``data`` has no rows and holds the matrix in ``data.moments``.
        """
        from sem_csat.data.moments import prepared_moments

        settings = self._settings("listwise", ())
        spec = self._check_spec(spec, settings)
        if spec.interactions:
            i = spec.interactions[0]
            raise SpecError(
                f"The interaction term '{i.name}' ({i.left} x {i.right}) is built from the "
                "answers of the respondents, which a correlation or covariance matrix does not "
                "have; fit the model to the survey data, or leave the interaction out."
            )
        return _estimate(spec, prepared_moments(stats), settings)


def spec_structure(spec: ModelSpec) -> engine.PLSStructure:
    """The compiled PLS model of a spec without higher-order constructs or interaction terms:
    its blocks in spec order, Mode B for formative constructs and Mode A otherwise, and the
    paths as an adjacency matrix (:func:`~sem_csat.pls.engine.compile_structure`)."""
    pos = {name: k for k, name in enumerate(spec.indicator_names)}
    blocks = [np.array([pos[i] for i in c.indicator_names]) for c in spec.constructs]
    modes = ["B" if c.mode == "formative" else "A" for c in spec.constructs]
    index = {name: k for k, name in enumerate(spec.construct_names)}
    adjacency = np.zeros((len(index), len(index)), dtype=bool)
    for p in spec.paths:
        adjacency[index[p.source], index[p.target]] = True
    return engine.compile_structure(
        blocks, modes, adjacency, n_indicators=len(pos), names=spec.construct_names
    )


def item_correlation(
    spec: ModelSpec, prepared: PreparedData
) -> tuple[np.ndarray, np.ndarray | None]:
    """The item correlation matrix of ``prepared`` (from the answers, or from the matrix a model
    is fitted to) and the answers themselves (``None`` after a matrix)."""
    items = list(spec.indicator_names)
    if prepared.moments is not None:
        m = prepared.moments.matrix.loc[items, items].to_numpy(dtype=np.float64)
        sd = np.sqrt(np.diag(m))
        r = m / np.outer(sd, sd)
        r = 0.5 * (r + r.T)
        np.fill_diagonal(r, 1.0)
        return r, None
    frame = prepared.frame  # a view of the prepared block when it is in spec order
    if list(frame.columns) != items:
        frame = frame.loc[:, items]
    values = frame.to_numpy(dtype=np.float64)
    return engine.correlation(values), values  # one pass, no copy of the data


def _not_converged(settings: PLSSettings) -> ConvergenceError:
    return ConvergenceError(
        f"The PLS algorithm did not converge within {settings.max_iter} iterations "
        f"(scheme '{settings.scheme}', tolerance {settings.tol:g}). This usually means a "
        "badly specified block (items that do not belong together, or a formative block "
        "with nearly collinear items); check the loadings of a fit with another scheme, or "
        "raise max_iter."
    )


def _estimate(spec: ModelSpec, prepared: PreparedData, settings: PLSSettings) -> PLSResult:
    r, values = item_correlation(spec, prepared)
    diagnostics: list[Diagnostic] = [*spec.diagnostics, *prepared.diagnostics]
    diagnostics += identical_items(spec, r, prepared.source)  # from r: no pass over the data
    staged = None
    final: engine.PLSEstimate | PLScEstimate
    if spec.higher_order or spec.interactions:
        from sem_csat.pls.staged import StagedFit, compile_plan, estimate_staged, unbatch

        plan = compile_plan(spec, settings.hoc, settings.interaction)
        data = values[None] if plan.needs_data and values is not None else None
        st = estimate_staged(
            plan,
            r[None],
            data,
            scheme=settings.scheme,
            tol=settings.tol,
            max_iter=settings.max_iter,
            method=settings.method,
        )
        if not bool(np.all(st.pls.converged)):
            raise _not_converged(settings)
        final = unbatch(st.view)
        staged = StagedFit(plan, st)
        names = plan.nodes
        diagnostics += hoc_diagnostics(spec, settings.hoc)
    else:
        est = engine.estimate(
            r,
            spec_structure(spec),
            scheme=settings.scheme,
            tol=settings.tol,
            max_iter=settings.max_iter,
        )
        if not bool(np.all(est.converged)):
            raise _not_converged(settings)
        final = consistent(est, r) if settings.method == "plsc" else est
        names = spec.construct_names
    if isinstance(final, PLScEstimate):
        diagnostics += _plsc_diagnostics(names, final)
    diagnostics += _structural_diagnostics(spec, names, final)
    emit(diagnostics, stacklevel=4)
    return PLSResult(
        spec=spec,
        settings=settings,
        data=prepared,
        estimate=final,
        diagnostics=tuple(diagnostics),
        staged=staged,
    )


def _structural_diagnostics(
    spec: ModelSpec, names: Sequence[str], est: engine.PLSEstimate | PLScEstimate
) -> list[Diagnostic]:
    """Warn about standardized paths beyond ±1 and construct correlations of .95 and above
    (between constructs that are not a higher-order construct and its own dimension)."""
    out: list[Diagnostic] = []
    names = list(names)
    b = np.asarray(est.paths)
    inter = set(spec.interaction_names)  # their paths are not standardized (moderation.py)
    big = [
        f"{p.source} -> {p.target} ({b[names.index(p.source), names.index(p.target)]:.3f})"
        for p in spec.paths
        if p.source not in inter and abs(b[names.index(p.source), names.index(p.target)]) > 1
    ]
    if big:
        out.append(
            Diagnostic(
                "warning",
                "standardized_path_above_one",
                f"Standardized path coefficient(s) beyond ±1: {', '.join(big)}. This happens "
                "when the predictors of a construct are almost collinear; the individual "
                "paths then swing wildly and cannot be interpreted (their sum may still be "
                "stable). Look at the construct correlations and the inner VIF, and consider "
                "merging the collinear predictors.",
                InadmissibleSolutionWarning,
            )
        )
    corr = np.asarray(est.construct_corr)
    own = {(c.name, d) for c in spec.constructs for d in c.dimension_names}
    high = [
        f"{names[i]}–{names[j]} ({corr[i, j]:.3f})"
        for i in range(len(names))
        for j in range(i + 1, len(names))
        if 0.95 <= abs(corr[i, j]) <= 1
        and (names[i], names[j]) not in own
        and (names[j], names[i]) not in own
        and not {names[i], names[j]} & inter
    ]
    if high:
        out.append(
            Diagnostic(
                "warning",
                "construct_correlation_near_one",
                f"Construct correlation(s) of .95 or more: {', '.join(high)}. Such constructs "
                "are hardly distinct for these respondents (a discriminant validity problem); "
                "paths from both into the same outcome are unstable. Check the HTMT ratios and "
                "whether the items of the two constructs ask different questions.",
                InadmissibleSolutionWarning,
            )
        )
    return out


def _plsc_diagnostics(names: Sequence[str], est: PLScEstimate) -> list[Diagnostic]:
    """Turn PLSc's admissibility flags into warnings that say what they mean."""
    out: list[Diagnostic] = []
    names = list(names)
    rho = np.asarray(est.rho_a)
    high = [f"{names[j]} ({rho[j]:.3f})" for j in range(len(names)) if rho[j] > 1]
    if bool(est.rho_a_above_one) or high:
        out.append(
            Diagnostic(
                "warning",
                "plsc_rho_a_above_one",
                f"Consistent PLS gives a reliability rho_A above 1 for {', '.join(high)}; a "
                "reliability cannot exceed 1, so the corrected loadings and paths of these "
                "constructs are not interpretable. Check the block for items with negative "
                "or very unequal loadings, or report ordinary PLS.",
                InadmissibleSolutionWarning,
            )
        )
    if bool(est.rho_a_undefined):
        out.append(
            Diagnostic(
                "warning",
                "plsc_rho_a_undefined",
                "Consistent PLS cannot compute rho_A for at least one construct (its items "
                "correlate negatively or not at all); its corrected values are missing. Check "
                "reverse-coded items and whether the items measure one common factor.",
                InadmissibleSolutionWarning,
            )
        )
    if bool(est.corr_above_one) or bool(est.not_positive_definite):
        corr = np.asarray(est.construct_corr)
        pairs = [
            f"{names[a]}–{names[b]} ({corr[a, b]:.3f})"
            for a in range(len(names))
            for b in range(a + 1, len(names))
            if abs(corr[a, b]) > 1
        ]
        detail = f" ({', '.join(pairs)})" if pairs else ""
        out.append(
            Diagnostic(
                "warning",
                "plsc_inadmissible_correlations",
                "After the correction for attenuation the construct correlations are "
                f"inadmissible{detail}: correlations above 1 or a matrix that is not positive "
                "definite. The constructs involved are not empirically distinct; the corrected "
                "paths cannot be interpreted. Check discriminant validity (HTMT) and consider "
                "merging the constructs.",
                InadmissibleSolutionWarning,
            )
        )
    return out


def fit_pls(
    spec: ModelSpec,
    data: pd.DataFrame | RawData | PreparedData,
    *,
    scheme: Scheme = "path",
    missing: Missing = "listwise",
    na_values: Sequence[float | str] = (),
    method: Method = "pls",
    tol: float = 1e-7,
    max_iter: int = 300,
    hoc: HocMethod = "two-stage",
    interaction: InteractionMethod = "two-stage",
) -> PLSResult:
    """Fit ``spec`` to ``data`` by PLS path modeling; shorthand for ``PLS(...).fit(...)``."""
    return PLS(
        scheme, method=method, tol=tol, max_iter=max_iter, hoc=hoc, interaction=interaction
    ).fit(spec, data, missing=missing, na_values=na_values)
