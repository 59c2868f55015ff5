"""Consistent PLS (PLSc): Dijkstra–Henseler's correction for common-factor constructs.

Ordinary PLS estimates every construct by a weighted sum of its indicators.  When a construct is
meant as a common factor (a reflective construct), that sum contains the indicators' measurement
error, so correlations between composites understate the correlations between the factors and
the loadings overstate the factor loadings.  PLSc (Dijkstra & Henseler 2015) keeps the PLS
weights and corrects what follows from them: the reliability :math:`\\rho_A` of each composite,
consistent loadings, disattenuated construct correlations and the path coefficients, R² and total
effects re-estimated by OLS on those correlations.  Composites (Mode B blocks, single items, and
any construct the caller does not mark as a factor) are left as they are.

Like :mod:`sem_csat.pls.engine` everything works on the indicator correlation matrix and accepts
a leading batch axis (bootstrap resamples): :func:`consistent` corrects a finished
:class:`~sem_csat.pls.engine.PLSEstimate`, :func:`estimate_plsc` runs the engine and then the
correction.  A correction can produce values outside the admissible range (reliabilities above
1, correlations above 1 in absolute value, a construct correlation matrix that is not positive
definite); such batch elements are flagged in :class:`PLScEstimate`, never raised, so that a
bootstrap can count them.  Whether and how to warn is the caller's decision.

Examples
--------
A population common-factor model: loadings 0.8, 0.7, 0.6 and 0.7, 0.7, 0.7, factor correlation
0.5.  PLS attenuates the path; PLSc recovers the loadings and the path exactly, and the
cross-loadings are :math:`\\lambda_k \\phi` (0.8 · 0.5 = 0.4):

>>> import numpy as np
>>> from sem_csat.pls.engine import compile_structure
>>> lam = np.array([[0.8, 0.0], [0.7, 0.0], [0.6, 0.0], [0.0, 0.7], [0.0, 0.7], [0.0, 0.7]])
>>> R = lam @ np.array([[1.0, 0.5], [0.5, 1.0]]) @ lam.T
>>> np.fill_diagonal(R, 1.0)
>>> s = compile_structure([[0, 1, 2], [3, 4, 5]], ["A", "A"], [[False, True], [False, False]])
>>> fit = estimate_plsc(R, s)
>>> round(float(fit.pls.paths[0, 1]), 4), round(float(fit.paths[0, 1]), 10)
(0.375, 0.5)
>>> fit.loadings.round(10)
array([[0.8 , 0.4 ],
       [0.7 , 0.35],
       [0.6 , 0.3 ],
       [0.35, 0.7 ],
       [0.35, 0.7 ],
       [0.35, 0.7 ]])

:math:`\\rho_A` is the squared correlation of each composite with its factor, here
:math:`(\\lambda^\\top\\lambda)^2 / \\lambda^\\top R_{KK} \\lambda` for a block :math:`K`:

>>> fit.rho_a.round(4), bool(fit.admissible)
(array([0.7575, 0.7424]), True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import numpy as np
import numpy.typing as npt

from sem_csat.errors import DataError, SpecError
from sem_csat.pls.engine import (
    RCOND,
    OnError,
    PLSEstimate,
    PLSStructure,
    Scheme,
    estimate,
)

__all__ = ["PLScEstimate", "consistent", "default_factors", "estimate_plsc"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_A = TypeVar("_A", bound=npt.NDArray[Any])


@dataclass(frozen=True, eq=False)
class PLScEstimate:
    """Arrays of a consistent PLS fit; each has the batch shape of the PLS estimate in front.

    Attributes
    ----------
    rho_a
        ``(..., J)`` Dijkstra–Henseler reliability :math:`\\rho_A` of each construct's composite;
        exactly 1 for constructs that are not corrected (composites, single items); NaN where
        :attr:`failed`.  Not clipped: values above 1 (and at most 0) are reported as they are
        and flagged in :attr:`rho_a_above_one` (:attr:`rho_a_undefined`).
    loadings
        ``(..., p, J)``: inside the blocks the consistent loadings :math:`\\hat\\lambda` of the
        corrected constructs and the PLS loadings of the others; outside the blocks the
        correlations of the indicators with the construct scores divided by
        :math:`\\sqrt{\\rho_A}` of the construct (consistent cross-loadings).  This is ADANCO's
        "Cross loadings" sheet; its "Loadings" sheet is the part inside the blocks.
    construct_corr
        ``(..., J, J)`` disattenuated construct correlations
        :math:`r_{ij} / \\sqrt{\\rho_{A,i}\\,\\rho_{A,j}}`, unit diagonal.
    paths
        ``(..., J, J)`` path coefficients re-estimated on :attr:`construct_corr`, ``[i, j]`` for
        ``i -> j``; NaN for the whole element where the predictors of some construct have a
        singular correlation matrix.
    r2
        ``(..., J)`` R² of each endogenous construct; NaN for exogenous constructs.
    total_effects
        ``(..., J, J)`` total effects :math:`(I - B)^{-1} - I`.
    weights
        ``(..., p, J)`` the PLS outer weights, unchanged (PLSc reuses them; ADANCO reports them
        too), scaled to unit-variance scores.
    factors
        ``(J,)`` True for the constructs that were corrected (common factors).
    rho_a_above_one
        ``(...)`` some :math:`\\rho_A > 1`.
    rho_a_undefined
        ``(...)`` some corrected construct has :math:`\\rho_A \\le 0` or a non-finite one (its
        items' weighted inter-item correlations are not positive); its loadings, correlations
        and everything downstream are NaN.
    corr_above_one
        ``(...)`` some disattenuated correlation exceeds 1 in absolute value.
    not_positive_definite
        ``(...)`` the disattenuated construct correlation matrix is not positive definite
        (smallest eigenvalue at most :data:`~sem_csat.pls.engine.RCOND` times the largest).
        Every R² above 1 and every singular set of predictors falls under this flag.
    failed
        ``(...)`` the PLS estimate itself failed (``on_error="nan"``); all arrays are NaN and
        no other flag is set.
    admissible
        ``(...)`` not failed and none of the four flags set.
    pls
        The ordinary PLS estimate that was corrected (iterations, convergence, PLS paths).
    """

    rho_a: FloatArray
    loadings: FloatArray
    construct_corr: FloatArray
    paths: FloatArray
    r2: FloatArray
    total_effects: FloatArray
    weights: FloatArray
    factors: BoolArray
    rho_a_above_one: BoolArray
    rho_a_undefined: BoolArray
    corr_above_one: BoolArray
    not_positive_definite: BoolArray
    failed: BoolArray
    admissible: BoolArray
    pls: PLSEstimate = field(repr=False)

    @property
    def structure(self) -> PLSStructure:
        """The :class:`~sem_csat.pls.engine.PLSStructure` that was estimated."""
        return self.pls.structure

    def __repr__(self) -> str:
        return (
            f"PLScEstimate(batch={self.admissible.shape}, {self.structure.n_constructs} "
            f"constructs ({int(self.factors.sum())} corrected), "
            f"admissible {int(self.admissible.sum())}/{self.admissible.size}, "
            f"failed {int(self.failed.sum())})"
        )

    def adjusted_r2(self, n_obs: int) -> FloatArray:
        """Return the adjusted R² of each construct for a sample of ``n_obs`` respondents.

        Notes
        -----
        :math:`R^2_{adj} = 1 - (1 - R^2)(n - 1)/(n - k - 1)` with :math:`k` predictors, as for
        PLS (:meth:`PLSEstimate.adjusted_r2`) and ADANCO; NaN for exogenous constructs and where
        :math:`n - k - 1 \\le 0`.
        """
        k = self.structure.n_predictors
        dof = n_obs - k - 1
        with np.errstate(divide="ignore", invalid="ignore"):
            adj = 1.0 - (1.0 - self.r2) * (n_obs - 1) / dof
        return np.where(dof > 0, adj, np.nan)


def _readonly(a: _A) -> _A:
    a.setflags(write=False)
    return a


def default_factors(structure: PLSStructure) -> BoolArray:
    """Return the constructs PLSc corrects by default: the multi-item Mode A blocks.

    A reflective construct in :mod:`sem_csat.spec` is estimated in Mode A, a formative one in
    Mode B, so this is "every reflective construct with more than one indicator".  A single item
    is taken to be measured without error (:math:`\\rho_A = 1`) either way.
    """
    mask: BoolArray = np.array(
        [m == "A" and b.size > 1 for m, b in zip(structure.modes, structure.blocks, strict=True)],
        dtype=bool,
    )
    return mask


def _factor_mask(structure: PLSStructure, factors: npt.ArrayLike | None) -> BoolArray:
    if factors is None:
        return default_factors(structure)
    mask = np.asarray(factors)
    nc = structure.n_constructs
    if mask.shape != (nc,) or mask.dtype != np.bool_:
        raise SpecError(
            f"factors must be a boolean array with one entry per construct ({nc}), got "
            f"{mask.dtype} of shape {mask.shape}."
        )
    for j in np.flatnonzero(mask):
        if structure.modes[j] != "A":
            raise SpecError(
                f"Construct '{structure.names[j]}' is estimated in Mode B, but the PLSc "
                "correction assumes Mode A weights (proportional to the loadings); estimate it "
                "in Mode A or leave it out of factors."
            )
    multi = np.array([b.size > 1 for b in structure.blocks], dtype=bool)
    return cast(BoolArray, mask & multi)


def _structural(c: FloatArray, s: PLSStructure) -> tuple[FloatArray, FloatArray, FloatArray]:
    """OLS paths, R² and total effects from construct correlations ``c`` ``(B, J, J)``.

    An element whose predictors of some construct have a non-finite or singular correlation
    matrix gets NaN paths, R² and total effects throughout.
    """
    nb, nc = c.shape[0], s.n_constructs
    paths = np.zeros((nb, nc, nc))
    r2 = np.full((nb, nc), np.nan)
    bad = np.zeros(nb, dtype=bool)
    for j in np.flatnonzero(s.n_predictors > 0):
        pred = np.flatnonzero(s.adjacency[:, j])
        a = c[:, pred[:, None], pred[None, :]]
        b = c[:, pred, j]
        ok = cast(BoolArray, np.isfinite(a).all(axis=(1, 2)) & np.isfinite(b).all(axis=1))
        lam = np.abs(np.linalg.eigvalsh(np.where(ok[:, None, None], a, np.eye(pred.size))))
        ok &= lam.min(axis=1) > RCOND * lam.max(axis=1)
        beta = np.full((nb, pred.size), np.nan)
        beta[ok] = np.linalg.solve(a[ok], b[ok][..., None])[..., 0]
        paths[:, pred, j] = beta
        r2[:, j] = (beta * b).sum(axis=1)
        bad |= ~ok
    paths[bad] = np.nan
    r2[bad] = np.nan
    # the path matrix is nilpotent (recursive model): (I - B)^-1 - I = B + B^2 + ... + B^(J-1)
    total = paths.copy()
    power = paths
    for _ in range(nc - 2):
        power = np.matmul(power, paths)
        total += power
    return paths, r2, total


def consistent(
    estimate: PLSEstimate, R: npt.ArrayLike, *, factors: npt.ArrayLike | None = None
) -> PLScEstimate:
    """Apply Dijkstra–Henseler's PLSc correction to a PLS estimate (or a batch of them).

    Parameters
    ----------
    estimate
        An ordinary PLS estimate from :func:`sem_csat.pls.engine.estimate`, single or batched.
    R
        The indicator correlation matrix it was estimated from: ``(p, p)``, or the same batch of
        matrices ``(..., p, p)``.  :math:`\\rho_A` is computed from ``R`` and the weights; the
        composite correlations and the loadings outside the corrected blocks are taken from
        ``estimate``, so that composites keep their PLS values bit for bit.
    factors
        ``(J,)`` booleans, True for the constructs to correct (common factors).  Default
        :func:`default_factors`: every multi-item Mode A construct.  Single items are never
        corrected (:math:`\\rho_A = 1`).

    Returns
    -------
    PLScEstimate
        With the batch shape of ``estimate``.  Inadmissible elements are flagged, not raised.

    Raises
    ------
    DataError
        ``R`` does not have the shape of the estimate's batch of ``(p, p)`` matrices.
    SpecError
        ``factors`` has the wrong shape or type, or marks a Mode B construct.

    Notes
    -----
    Let construct :math:`j` have indicators :math:`K`, indicator correlation matrix
    :math:`S = R_{KK}` and PLS (Mode A) weights :math:`\\hat w` normalized to a unit-variance
    composite, :math:`\\hat w^\\top S \\hat w = 1` (:attr:`PLSEstimate.weights`).  Under the
    common-factor model :math:`S = \\lambda\\lambda^\\top + \\Theta` with :math:`\\Theta`
    diagonal, and Mode A weights converge to a multiple of :math:`\\lambda`,
    :math:`\\hat w \\approx \\lambda / c`.  Matching the off-diagonal parts gives the correction
    constant and the consistent loadings (Dijkstra & Henseler 2015a):

    .. math::

       \\hat c^2 = \\frac{\\hat w^\\top (S - \\operatorname{diag} S)\\, \\hat w}
                        {\\hat w^\\top (\\hat w \\hat w^\\top
                         - \\operatorname{diag}(\\hat w \\hat w^\\top))\\, \\hat w}
                 = \\frac{\\hat w^\\top S \\hat w - \\sum_k \\hat w_k^2 s_{kk}}
                        {(\\hat w^\\top \\hat w)^2 - \\sum_k \\hat w_k^4},
       \\qquad \\hat\\lambda = \\hat c\\, \\hat w \\quad (\\hat c > 0),

    and the reliability of the composite, the squared correlation between composite and factor,

    .. math::

       \\rho_A = \\frac{(\\hat w^\\top \\hat\\lambda)^2}{\\hat w^\\top S \\hat w}
               = \\hat c^2 (\\hat w^\\top \\hat w)^2
               = (\\hat w^\\top \\hat w)^2\\,
                 \\frac{\\hat w^\\top (S - \\operatorname{diag} S)\\, \\hat w}
                      {\\hat w^\\top (\\hat w \\hat w^\\top
                       - \\operatorname{diag}(\\hat w \\hat w^\\top))\\, \\hat w}.

    Normalization matters: :math:`\\hat\\lambda` is the same for any rescaling of
    :math:`\\hat w` (:math:`\\hat c` scales inversely), but D&H's closed form
    :math:`\\hat c^2 (\\hat w^\\top \\hat w)^2` is :math:`\\rho_A` only for unit-variance
    weights.  It is computed here in the scale-free first form, which equals it for the
    engine's weights and stays right for weights in any other scale.

    With the composite correlations :math:`r_{ij} = \\hat w_i^\\top R_{K_i K_j} \\hat w_j`
    (:attr:`PLSEstimate.construct_corr`), the factor correlations are estimated by
    :math:`\\hat\\phi_{ij} = r_{ij} / \\sqrt{\\rho_{A,i}\\,\\rho_{A,j}}` (:math:`i \\ne j`,
    unit diagonal), with :math:`\\rho_A = 1` for constructs not corrected, so composites keep
    their correlations.  Paths, R² and total effects are the OLS quantities of
    :func:`~sem_csat.pls.engine.estimate` computed on :math:`\\hat\\Phi` instead of the
    composite correlations (Dijkstra & Henseler 2015a, b).  An indicator's correlation with
    construct :math:`j` is estimated by its correlation with the composite divided by
    :math:`\\sqrt{\\rho_{A,j}}` (the loadings outside the blocks).

    This is ADANCO's "Mode A consistent" (common-factor model): the PLS weights of the chosen
    inner scheme, unchanged, then the correction above; no re-iteration.  On the bank data
    (centroid scheme) it reproduces ADANCO 2.2.1's weights, loadings, cross-loadings,
    :math:`\\rho_A`, construct correlations, paths, R² and total effects to within 1e-6
    (``tests/test_plsc.py``).

    Nothing keeps the estimates in range: :math:`\\rho_A` can exceed 1, a disattenuated
    correlation can exceed 1 in absolute value, :math:`\\hat\\Phi` can be indefinite (then
    some R² may exceed 1), and a non-positive :math:`\\hat c^2` leaves the loadings undefined
    (NaN).  Each case is flagged per batch element (:class:`PLScEstimate`).

    References
    ----------
    .. [1] Dijkstra, T. K., & Henseler, J. (2015a). Consistent partial least squares path
       modeling. *MIS Quarterly*, 39(2), 297–316.
    .. [2] Dijkstra, T. K., & Henseler, J. (2015b). Consistent and asymptotically normal PLS
       estimators for linear structural equations. *Computational Statistics & Data
       Analysis*, 81, 10–23.
    """
    s = estimate.structure
    p, nc = s.n_indicators, s.n_constructs
    mask = _factor_mask(s, factors)
    batch = estimate.failed.shape
    r = np.asarray(R, dtype=np.float64)
    if r.shape != (*batch, p, p):
        raise DataError(
            f"R must have shape {(*batch, p, p)} to match the PLS estimate (batch shape "
            f"{batch}, {p} indicators); got {r.shape}."
        )
    rb = r.reshape(-1, p, p)
    w = estimate.weights.reshape(-1, p, nc)
    c = estimate.construct_corr.reshape(-1, nc, nc)
    pls_loadings = estimate.loadings.reshape(-1, p, nc)
    failed = estimate.failed.reshape(-1)
    in_block = np.zeros((p, nc), dtype=bool)
    for j, block in enumerate(s.blocks):
        in_block[block, j] = True

    # correction constant, rho_A and consistent loadings
    rw = np.matmul(rb, w)
    w2 = w * w
    wsw = (w * rw).sum(axis=1)  # (B, J) composite variances, 1 for the engine's weights
    off = wsw - (w2 * np.diagonal(rb, axis1=1, axis2=2)[:, :, None]).sum(axis=1)
    wtw = w2.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        c2 = off / (wtw * wtw - (w2 * w2).sum(axis=1))
        rho = np.where(mask, c2 * wtw * wtw / wsw, 1.0)
        undefined = mask & ~(np.isfinite(rho) & (rho > 0.0))
        c_hat = np.sqrt(np.where(undefined, np.nan, c2))
        root = np.sqrt(np.where(undefined, np.nan, rho))  # (B, J)
        # composites have root 1, so they keep their PLS loadings bit for bit
        loadings = np.where(in_block & mask, w * c_hat[:, None, :], pls_loadings / root[:, None, :])
        phi = c / (root[:, :, None] * root[:, None, :])
    rho[failed] = np.nan
    idx = np.arange(nc)
    phi[:, idx, idx] = np.where(np.isfinite(phi[:, idx, idx]), 1.0, np.nan)
    phi = 0.5 * (phi + np.swapaxes(phi, 1, 2))

    paths, r2, total = _structural(phi, s)

    # admissibility, judged on the elements PLS could estimate
    ok = ~failed
    rho_a_undefined = undefined.any(axis=1) & ok
    rho_a_above_one = (rho > 1.0).any(axis=1) & ok
    offdiag = ~np.eye(nc, dtype=bool)
    with np.errstate(invalid="ignore"):
        corr_above_one = (np.abs(phi) > 1.0)[:, offdiag].any(axis=1) & ok
    finite = np.isfinite(phi).all(axis=(1, 2))
    lam = np.linalg.eigvalsh(np.where(finite[:, None, None], phi, np.eye(nc)))
    not_pd = (lam[:, 0] <= RCOND * lam[:, -1]) & finite & ok
    admissible = ok & ~(rho_a_undefined | rho_a_above_one | corr_above_one | not_pd)

    def out(a: _A, tail: tuple[int, ...] = ()) -> _A:
        return _readonly(cast(_A, a.reshape((*batch, *tail))))

    return PLScEstimate(
        rho_a=out(rho, (nc,)),
        loadings=out(loadings, (p, nc)),
        construct_corr=out(phi, (nc, nc)),
        paths=out(paths, (nc, nc)),
        r2=out(r2, (nc,)),
        total_effects=out(total, (nc, nc)),
        weights=estimate.weights,
        factors=_readonly(mask.copy()),
        rho_a_above_one=out(rho_a_above_one),
        rho_a_undefined=out(rho_a_undefined),
        corr_above_one=out(corr_above_one),
        not_positive_definite=out(not_pd),
        failed=estimate.failed,
        admissible=out(admissible),
        pls=estimate,
    )


def estimate_plsc(
    R: npt.ArrayLike,
    structure: PLSStructure,
    *,
    scheme: Scheme = "path",
    tol: float = 1e-7,
    max_iter: int = 300,
    on_error: OnError = "raise",
    factors: npt.ArrayLike | None = None,
) -> PLScEstimate:
    """Estimate a model by consistent PLS: :func:`~sem_csat.pls.engine.estimate`, then
    :func:`consistent`.

    Parameters
    ----------
    R
        ``(p, p)`` indicator correlation matrix, or ``(B, p, p)`` for a batch.
    structure
        The compiled model (:func:`~sem_csat.pls.engine.compile_structure`).
    scheme, tol, max_iter, on_error
        Passed to :func:`~sem_csat.pls.engine.estimate`; ``on_error`` concerns the PLS step
        only (inadmissible PLSc solutions are always flagged, never raised).
    factors
        Constructs to correct; see :func:`consistent`.

    Returns
    -------
    PLScEstimate
        The corrected estimate; the ordinary one is its :attr:`~PLScEstimate.pls`.

    Raises
    ------
    EstimationError, DataError, SpecError
        As :func:`~sem_csat.pls.engine.estimate` and :func:`consistent`.
    """
    est = estimate(R, structure, scheme=scheme, tol=tol, max_iter=max_iter, on_error=on_error)
    return consistent(est, R, factors=factors)
