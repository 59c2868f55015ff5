"""Higher-order constructs and interaction terms as stages around the PLS engine.

A model with higher-order constructs (:mod:`sem_csat.pls.hoc`) or interaction terms
(:mod:`sem_csat.pls.moderation`) is estimated as a short sequence of ordinary PLS models, each
run by :func:`sem_csat.pls.engine.estimate` on a correlation matrix:

1. the *first stage* of a two-stage approach to higher-order constructs, on the items;
2. the columns that measure the interaction terms (products of standardized items, or of the
   scores of the model without interaction terms, itself estimated in stages);
3. the *final stage*, on the correlation matrix of the items, the dimension scores of the first
   stage and the interaction columns.

The dimension scores are linear in the items, so their correlations follow from the item
correlations and the first-stage weights (:math:`R W`, :math:`W^\\top R W`): a model with
higher-order constructs needs nothing but the item correlation matrix, and a bootstrap runs in
batches as for an ordinary model.  Interaction columns are products, so their correlations need
the answers themselves.

The stages are then read as one model, the *view*, with the spec's constructs and interaction
terms as its nodes and as variables the items, one column per dimension (its scores) and the
interaction columns.  Its arrays have the layout of :class:`~sem_csat.pls.engine.PLSEstimate`
(and :class:`~sem_csat.pls.plsc.PLScEstimate`), so every consumer of a PLS result reads them as
it reads an ordinary fit:

* ``weights`` (variables × nodes): on the item rows the *effective* item weights of every node
  (a construct's score is the items times them; for a higher-order construct of the two-stage
  approaches the stage-2 weights times the stage-1 weights); on the dimension rows the weights
  of each higher-order construct on its dimensions (:mod:`sem_csat.pls.hoc`); on the interaction
  rows the weights of each term on its columns;
* ``loadings``: the correlation of every variable with every node's scores (PLSc: consistent
  loadings inside each block, cross-loadings divided by :math:`\\sqrt{\\rho_A}` outside);
* ``construct_corr``: the correlations of the nodes' scores (PLSc: disattenuated by the
  :math:`\\rho_A` of the stage that estimated each node);
* ``paths``, ``r2``: the final stage's, with the path of an interaction term in seminr's
  metric (:mod:`sem_csat.pls.moderation`); ``total_effects`` from these paths.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from sem_csat.errors import DataError
from sem_csat.pls import engine
from sem_csat.pls.hoc import HocMethod, construct_items, dimension_links, first_stage_edges
from sem_csat.pls.moderation import (
    InteractionMethod,
    generated_names,
    orthogonalize,
    product_columns,
)
from sem_csat.pls.plsc import PLScEstimate, consistent
from sem_csat.spec.model import ModelSpec

__all__ = [
    "StagedEstimate",
    "StagedFit",
    "StagedPlan",
    "compile_plan",
    "estimate_staged",
    "unbatch",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]


def _compile(
    nodes: tuple[str, ...],
    blocks: list[list[int]],
    modes: list[str],
    edges: list[tuple[str, str]],
    n_vars: int,
) -> engine.PLSStructure:
    idx = {n: k for k, n in enumerate(nodes)}
    adjacency = np.zeros((len(nodes), len(nodes)), dtype=bool)
    for s, t in edges:
        adjacency[idx[s], idx[t]] = True
    return engine.compile_structure(blocks, modes, adjacency, n_indicators=n_vars, names=nodes)


@dataclass(frozen=True, eq=False)
class StagedPlan:
    """The stages of a model with higher-order constructs or interaction terms (compile once).

    Attributes
    ----------
    spec, hoc, interaction
        The model and the two approaches.
    items
        The survey items (the spec's indicators), ``p`` of them.
    nodes
        The spec's constructs, then its interaction terms.
    dims
        One variable per dimension of a higher-order construct (its scores), named after it.
    generated
        The interaction columns, term by term.
    first, first_nodes
        The first stage of a two-stage approach (on the items), or ``None``.
    final, final_nodes, final_vars
        The final stage and its variables (items, then dimensions in the two-stage approaches,
        then interaction columns).
    view
        The model as reported: ``nodes`` over ``variables`` (items, dimensions, interaction
        columns), with the spec's paths.
    main
        For two-stage interaction terms, the plan of the model without them (stage 1).
    """

    spec: ModelSpec
    hoc: HocMethod
    interaction: InteractionMethod
    items: tuple[str, ...]
    nodes: tuple[str, ...]
    dims: tuple[str, ...]
    generated: tuple[str, ...]
    terms: dict[str, tuple[int, ...]]
    first: engine.PLSStructure | None
    first_nodes: tuple[str, ...]
    final: engine.PLSStructure
    final_nodes: tuple[str, ...]
    final_vars: tuple[str, ...]
    view: engine.PLSStructure
    main: StagedPlan | None = None

    @property
    def variables(self) -> tuple[str, ...]:
        """Items, dimension columns and interaction columns (the view's variables)."""
        return (*self.items, *self.dims, *self.generated)

    @property
    def needs_data(self) -> bool:
        """Whether the stages need the answers (interaction terms) or only correlations."""
        return bool(self.spec.interactions)

    @cached_property
    def _final_pos(self) -> IntArray:
        pos = {v: k for k, v in enumerate(self.variables)}
        return np.array([pos[v] for v in self.final_vars], dtype=np.intp)

    @cached_property
    def _final_node_pos(self) -> IntArray:
        return np.array([self.nodes.index(n) for n in self.final_nodes], dtype=np.intp)

    def factors(self, structure: engine.PLSStructure, nodes: tuple[str, ...]) -> BoolArray:
        """Constructs PLSc corrects: reflective multi-item constructs of the spec."""
        mode = {c.name: c.mode for c in self.spec.constructs}
        pairs = zip(nodes, structure.blocks, strict=True)
        return np.array([mode.get(n) == "reflective" and b.size > 1 for n, b in pairs], dtype=bool)


def compile_plan(spec: ModelSpec, hoc: HocMethod, interaction: InteractionMethod) -> StagedPlan:
    """Compile the stages of ``spec`` for the chosen approaches (see the module notes)."""
    items = spec.indicator_names
    p = len(items)
    pos = {name: k for k, name in enumerate(items)}
    constructs = spec.construct_names
    hocs = set(spec.higher_order)
    dims = tuple(d for c in spec.constructs for d in c.dimension_names)
    names = generated_names(spec, interaction) if spec.interactions else {}
    generated = tuple(n for i in spec.interactions for n in names[i.name])
    terms: dict[str, tuple[int, ...]] = {}
    for i in spec.interactions:
        start = sum(len(v) for k, v in names.items() if k in terms)
        terms[i.name] = tuple(range(start, start + len(names[i.name])))
    inter = spec.interaction_names
    nodes = (*constructs, *inter)
    mode = {c.name: "B" if c.mode == "formative" else "A" for c in spec.constructs}
    mode.update({i: "A" for i in inter})
    spec_edges = [(x.source, x.target) for x in spec.paths]
    two_stage = bool(hocs) and hoc in ("two-stage", "embedded")

    def item_block(name: str) -> list[int]:
        return [pos[i] for i in construct_items(spec, name)]

    first = None
    first_nodes: tuple[str, ...] = ()
    if two_stage:
        first_nodes = tuple(c for c in constructs if hoc == "embedded" or c not in hocs)
        first = _compile(
            first_nodes,
            [item_block(n) for n in first_nodes],
            [mode[n] for n in first_nodes],
            first_stage_edges(spec, hoc),
            p,
        )
    gen_base = p + (len(dims) if two_stage else 0)
    final_vars = (*items, *(dims if two_stage else ()), *generated)

    def final_block(name: str) -> list[int]:
        if name in terms:
            return [gen_base + k for k in terms[name]]
        if two_stage and name in hocs:
            return [p + dims.index(d) for d in spec.dimensions_of(name)]
        return item_block(name)

    used = {e for s, t in spec_edges for e in (s, t)} | {
        c for i in spec.interactions for c in i.constructs
    }
    if two_stage:
        final_nodes = tuple(
            n for n in nodes if n not in dims or n in used
        )  # dimensions leave unless a path uses them
        final_edges = spec_edges
    else:
        final_nodes = nodes
        final_edges = spec_edges + dimension_links(spec)
    final = _compile(
        final_nodes,
        [final_block(n) for n in final_nodes],
        [mode[n] for n in final_nodes],
        final_edges,
        len(final_vars),
    )

    def view_block(name: str) -> list[int]:
        if name in terms:
            return [p + len(dims) + k for k in terms[name]]
        if name in hocs:
            return [p + dims.index(d) for d in spec.dimensions_of(name)]
        return item_block(name)

    view = _compile(
        nodes,
        [view_block(n) for n in nodes],
        [mode[n] for n in nodes],
        spec_edges,
        p + len(dims) + len(generated),
    )
    main = None
    if spec.interactions and interaction == "two-stage":
        base = dataclasses.replace(
            spec,
            interactions=(),
            paths=tuple(x for x in spec.paths if x.source not in set(inter)),
        )
        main = compile_plan(base, hoc, interaction)
    return StagedPlan(
        spec=spec,
        hoc=hoc,
        interaction=interaction,
        items=items,
        nodes=nodes,
        dims=dims,
        generated=generated,
        terms=terms,
        first=first,
        first_nodes=first_nodes,
        final=final,
        final_nodes=final_nodes,
        final_vars=final_vars,
        view=view,
        main=main,
    )


@dataclass(frozen=True, eq=False)
class StagedEstimate:
    """The arrays of a staged fit, with a leading batch axis (``B``).

    Attributes
    ----------
    view
        The model as reported (:class:`~sem_csat.pls.engine.PLSEstimate` or, for PLSc,
        :class:`~sem_csat.pls.plsc.PLScEstimate`), on :attr:`StagedPlan.view`.
    item_weights
        ``(B, p, J')`` effective item weights of every node (zero for interaction terms).
    score_weights
        ``(B, V, J')`` weights that give every node's scores from the standardized variables.
    std_paths
        ``(B, J', J')`` standardized path coefficients (``view.paths`` has the interaction
        terms' paths in seminr's metric).
    scale
        ``(B, K)`` the standard deviation that turns the standardized path of each interaction
        term into seminr's (:mod:`sem_csat.pls.moderation`).
    corr
        ``(B, V, V)`` correlations of the view's variables.
    final, first
        The engine's estimates of the final and the first stage.
    generated
        ``(B, n, g)`` the standardized interaction columns, or ``None``.
    """

    view: engine.PLSEstimate | PLScEstimate
    item_weights: FloatArray
    score_weights: FloatArray
    std_paths: FloatArray
    scale: FloatArray
    corr: FloatArray
    final: engine.PLSEstimate | PLScEstimate
    first: engine.PLSEstimate | None = field(default=None, repr=False)
    generated: FloatArray | None = field(default=None, repr=False)

    @property
    def pls(self) -> engine.PLSEstimate:
        """The ordinary PLS view (for PLSc: before the correction)."""
        v = self.view
        return v.pls if isinstance(v, PLScEstimate) else v


def _standardize(x: FloatArray) -> FloatArray:
    """Standardize columns (``ddof=1``); a constant column becomes NaN (the element fails)."""
    n = x.shape[-2]
    centred = x - x.mean(axis=-2, keepdims=True)
    sd = np.sqrt((centred**2).sum(axis=-2, keepdims=True) / (n - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        out: FloatArray = centred / np.where(sd > 0, sd, np.nan)
    return out


def _augmented(
    r: FloatArray, w_loc: FloatArray | None, c_gz: FloatArray | None, c_gg: FloatArray | None
) -> FloatArray:
    """Correlations of items, dimension scores (``Z W``) and interaction columns."""
    blocks: list[list[FloatArray]] = [[r]]
    if w_loc is not None:
        rw = r @ w_loc
        dd = np.swapaxes(w_loc, -1, -2) @ rw
        blocks[0].append(rw)
        blocks.append([np.swapaxes(rw, -1, -2), dd])
    if c_gz is not None and c_gg is not None:
        gz = np.swapaxes(c_gz, -1, -2)  # (B, p, g)
        blocks[0].append(gz)
        if w_loc is not None:
            gd = np.swapaxes(w_loc, -1, -2) @ gz
            blocks[1].append(gd)
            blocks.append([c_gz, np.swapaxes(gd, -1, -2), c_gg])
        else:
            blocks.append([c_gz, c_gg])
    full = np.concatenate([np.concatenate(row, axis=-1) for row in blocks], axis=-2)
    full = 0.5 * (full + np.swapaxes(full, -1, -2))
    idx = np.arange(full.shape[-1])
    full[..., idx, idx] = np.where(np.isfinite(full[..., idx, idx]), 1.0, np.nan)
    out: FloatArray = np.asarray(full, dtype=np.float64)
    return out


def estimate_staged(
    plan: StagedPlan,
    corr: npt.ArrayLike,
    data: npt.ArrayLike | None = None,
    *,
    scheme: engine.Scheme = "path",
    tol: float = 1e-7,
    max_iter: int = 300,
    method: str = "pls",
    on_error: engine.OnError = "raise",
) -> StagedEstimate:
    """Estimate a staged model on a batch of item correlation matrices (and answers).

    Parameters
    ----------
    plan
        The compiled stages (:func:`compile_plan`).
    corr
        ``(B, p, p)`` item correlations.
    data
        ``(B, n, p)`` the answers behind ``corr`` (needed for interaction terms only).
    scheme, tol, max_iter
        As :func:`~sem_csat.pls.engine.estimate`, for every stage.
    method
        ``"pls"`` or ``"plsc"``.
    on_error
        ``"raise"`` or ``"nan"`` (resampling), as the engine.

    Returns
    -------
    StagedEstimate
    """
    r = np.asarray(corr, dtype=np.float64)
    nb, p = r.shape[0], len(plan.items)
    kw: dict[str, Any] = {"scheme": scheme, "tol": tol, "max_iter": max_iter, "on_error": on_error}
    spec = plan.spec
    est1 = None
    w_loc: FloatArray | None = None
    if plan.first is not None:
        est1 = engine.estimate(r, plan.first, **kw)
        idx1 = [plan.first_nodes.index(d) for d in plan.dims]
        w_loc = np.asarray(est1.weights)[:, :, idx1]
    # interaction columns
    c_gz = c_gg = g_sd = gz = None
    main: StagedEstimate | None = None
    if spec.interactions:
        if data is None:
            raise DataError(
                "Interaction terms are built from the answers of the respondents; a "
                "correlation matrix alone is not enough."
            )
        x = np.asarray(data, dtype=np.float64)
        z = _standardize(x)
        cols: list[FloatArray] = []
        if plan.main is not None:
            main = estimate_staged(plan.main, r, None, method="pls", **kw)
        pos = {name: k for k, name in enumerate(plan.items)}
        for i in spec.interactions:
            if main is not None and plan.main is not None:
                w = main.item_weights
                s_l = z @ w[:, :, plan.main.nodes.index(i.left)][..., None]
                s_r = z @ w[:, :, plan.main.nodes.index(i.right)][..., None]
                cols.append(s_l * s_r)
                continue
            left = [pos[n] for n in spec.construct(i.left).indicator_names]
            right = [pos[n] for n in spec.construct(i.right).indicator_names]
            prod = product_columns(z[..., left], z[..., right])
            if plan.interaction == "orthogonal":
                prod = orthogonalize(prod, z[..., left + right])
            cols.append(prod)
        g = np.concatenate(cols, axis=-1)
        n = g.shape[-2]
        g_sd = np.sqrt(((g - g.mean(axis=-2, keepdims=True)) ** 2).sum(axis=-2) / (n - 1))
        gz = _standardize(g)
        gt = np.swapaxes(gz, -1, -2)
        c_gz = gt @ z / (n - 1)
        c_gg = gt @ gz / (n - 1)
    two_stage = plan.first is not None
    r_final = _augmented(r, w_loc if two_stage else None, c_gz, c_gg)
    est_f = engine.estimate(r_final, plan.final, **kw)
    wf = np.asarray(est_f.weights)
    if plan.dims and not two_stage:  # repeated indicators: the dimensions are in the final stage
        w_loc = wf[:, :p, [plan.final_nodes.index(d) for d in plan.dims]]
    r_view = _augmented(r, w_loc, c_gz, c_gg)

    nv, nn = len(plan.variables), len(plan.nodes)
    fn = plan._final_node_pos
    w_ext = np.zeros((nb, nv, nn))
    w_ext[:, plan._final_pos[:, None], fn[None, :]] = wf
    n_dims = len(plan.dims)
    for k, d in enumerate(plan.dims):
        if d not in plan.final_nodes:
            w_ext[:, p + k, plan.nodes.index(d)] = 1.0
    rw = r_view @ w_ext
    c_view = np.swapaxes(w_ext, -1, -2) @ rw
    c_view = 0.5 * (c_view + np.swapaxes(c_view, -1, -2))
    jj = np.arange(nn)
    c_view[:, jj, jj] = 1.0
    item_w = w_ext[:, :p].copy()
    if w_loc is not None:
        item_w += w_loc @ w_ext[:, p : p + n_dims]
    weights = np.zeros((nb, nv, nn))
    weights[:, :p] = item_w
    gen0 = p + n_dims
    weights[:, gen0:] = w_ext[:, gen0:]
    for h in spec.higher_order:
        j = plan.nodes.index(h)
        kd = [p + plan.dims.index(d) for d in spec.dimensions_of(h)]
        jd = [plan.nodes.index(d) for d in spec.dimensions_of(h)]
        a = c_view[:, jd][:, :, jd]
        b = c_view[:, jd, j]
        with np.errstate(invalid="ignore"):
            weights[:, kd, j] = _solve(a, b)
    # paths in the view, the interaction terms' in seminr's metric
    std_paths = np.zeros((nb, nn, nn))
    bf = np.asarray(est_f.paths)
    for s, t in ((x.source, x.target) for x in spec.paths):
        std_paths[:, plan.nodes.index(s), plan.nodes.index(t)] = bf[
            :, plan.final_nodes.index(s), plan.final_nodes.index(t)
        ]
    scale = _term_scale(plan, g_sd, np.asarray(est_f.loadings), nb)
    r2 = np.full((nb, nn), np.nan)
    rf2 = np.asarray(est_f.r2)
    for t in spec.endogenous:
        r2[:, plan.nodes.index(t)] = rf2[:, plan.final_nodes.index(t)]
    failed = np.asarray(est_f.failed).copy()
    converged = np.asarray(est_f.converged).copy()
    iterations = np.asarray(est_f.iterations).copy()
    for extra in (est1, main.pls if main is not None else None):
        if extra is not None:
            failed |= np.asarray(extra.failed)
            converged &= np.asarray(extra.converged)
            iterations = np.maximum(iterations, np.asarray(extra.iterations))
    converged &= ~failed
    paths = _metric(std_paths, scale, plan)
    view_pls = engine.PLSEstimate(
        weights=weights,
        construct_corr=c_view,
        loadings=rw,
        paths=paths,
        r2=r2,
        total_effects=_total(paths),
        iterations=iterations,
        converged=converged,
        failed=failed,
        structure=plan.view,
    )
    final: engine.PLSEstimate | PLScEstimate = est_f
    view: engine.PLSEstimate | PLScEstimate = view_pls
    if method == "plsc":
        cf = consistent(est_f, r_final, factors=plan.factors(plan.final, plan.final_nodes))
        c1 = None
        if est1 is not None and plan.first is not None:
            c1 = consistent(est1, r, factors=plan.factors(plan.first, plan.first_nodes))
        final = cf
        view = _consistent_view(plan, view_pls, cf, c1, scale)
    return StagedEstimate(
        view=view,
        item_weights=item_w,
        score_weights=w_ext,
        std_paths=std_paths,
        scale=scale,
        corr=r_view,
        final=final,
        first=est1,
        generated=gz,
    )


def _solve(a: FloatArray, b: FloatArray) -> FloatArray:
    try:
        x = np.linalg.solve(a, b[..., None])[..., 0]
    except np.linalg.LinAlgError:
        x = np.einsum("...ij,...j->...i", np.linalg.pinv(a), b)
    out: FloatArray = np.asarray(x, dtype=np.float64)
    return out


def _total(paths: FloatArray) -> FloatArray:
    nn = paths.shape[-1]
    with np.errstate(invalid="ignore"):
        out: FloatArray = np.asarray(
            np.linalg.solve(np.eye(nn) - np.nan_to_num(paths), paths), dtype=np.float64
        )
    out[~np.isfinite(paths).all(axis=(-2, -1))] = np.nan
    return out


def _term_scale(
    plan: StagedPlan, g_sd: FloatArray | None, final_loadings: FloatArray, nb: int
) -> FloatArray:
    """seminr's standard deviation of each interaction term's unstandardized score."""
    spec = plan.spec
    out = np.ones((nb, len(spec.interactions)))
    if g_sd is None:
        return out
    gen0 = plan.final_vars.index(plan.generated[0])
    for k, i in enumerate(spec.interactions):
        cols = list(plan.terms[i.name])
        sd = g_sd[:, cols]
        lam = np.abs(final_loadings[:, [gen0 + c for c in cols], plan.final_nodes.index(i.name)])
        out[:, k] = (sd * lam).sum(axis=-1) / lam.sum(axis=-1)
    return out


def _metric(std_paths: FloatArray, scale: FloatArray, plan: StagedPlan) -> FloatArray:
    """Paths with each interaction term's row divided by its scale (seminr's metric)."""
    out = std_paths.copy()
    for k, name in enumerate(plan.spec.interaction_names):
        out[:, plan.nodes.index(name), :] /= scale[:, k, None]
    return out


def _consistent_view(
    plan: StagedPlan,
    view: engine.PLSEstimate,
    cf: PLScEstimate,
    c1: PLScEstimate | None,
    scale: FloatArray,
) -> PLScEstimate:
    """The PLSc reading of the view: every node disattenuated by the ρ_A of its stage."""
    nb, nn = view.failed.shape[0], len(plan.nodes)
    p = len(plan.items)
    fn = plan._final_node_pos
    rho = np.ones((nb, nn))
    rho[:, fn] = np.asarray(cf.rho_a)
    factors = np.zeros(nn, dtype=bool)
    factors[fn] = np.asarray(cf.factors)
    if c1 is not None:
        for d in plan.dims:
            if d not in plan.final_nodes:
                j, j1 = plan.nodes.index(d), plan.first_nodes.index(d)
                rho[:, j] = np.asarray(c1.rho_a)[:, j1]
                factors[j] = bool(np.asarray(c1.factors)[j1])
    with np.errstate(invalid="ignore", divide="ignore"):
        root = np.sqrt(np.where(rho > 0, rho, np.nan))
        phi = np.asarray(view.construct_corr) / (root[:, :, None] * root[:, None, :])
        loadings = np.asarray(view.loadings) / root[:, None, :]
    jj = np.arange(nn)
    phi[:, jj, jj] = np.where(np.isfinite(phi[:, jj, jj]), 1.0, np.nan)
    lf = np.asarray(cf.loadings)
    for k, j in enumerate(fn):
        block = plan.final.blocks[k]
        loadings[:, plan._final_pos[block], j] = lf[:, block, k]
    if c1 is not None and plan.first is not None:
        l1 = np.asarray(c1.loadings)
        for d in plan.dims:
            if d not in plan.final_nodes:
                j, j1 = plan.nodes.index(d), plan.first_nodes.index(d)
                block = plan.first.blocks[j1]
                loadings[:, block, j] = l1[:, block, j1]
    if plan.first is None:  # repeated indicators: the disattenuated correlation is the loading
        for h in plan.spec.higher_order:
            j = plan.nodes.index(h)
            for d in plan.spec.dimensions_of(h):
                loadings[:, p + plan.dims.index(d), j] = phi[:, plan.nodes.index(d), j]
    std_paths = np.zeros((nb, nn, nn))
    bf = np.asarray(cf.paths)
    for s, t in ((x.source, x.target) for x in plan.spec.paths):
        std_paths[:, plan.nodes.index(s), plan.nodes.index(t)] = bf[
            :, plan.final_nodes.index(s), plan.final_nodes.index(t)
        ]
    paths = _metric(std_paths, scale, plan)
    r2 = np.full((nb, nn), np.nan)
    for t in plan.spec.endogenous:
        r2[:, plan.nodes.index(t)] = np.asarray(cf.r2)[:, plan.final_nodes.index(t)]
    failed = np.asarray(view.failed)
    ok = ~failed
    corrected = rho[:, factors]
    undefined = (~(np.isfinite(corrected) & (corrected > 0))).any(axis=1) & ok
    above = (corrected > 1).any(axis=1) & ok
    off = ~np.eye(nn, dtype=bool)
    with np.errstate(invalid="ignore"):
        corr_above = (np.abs(phi) > 1)[:, off].any(axis=1) & ok
    finite = np.isfinite(phi).all(axis=(1, 2))
    lam = np.linalg.eigvalsh(np.where(finite[:, None, None], phi, np.eye(nn)))
    not_pd = (lam[:, 0] <= engine.RCOND * lam[:, -1]) & finite & ok
    return PLScEstimate(
        rho_a=rho,
        loadings=loadings,
        construct_corr=phi,
        paths=paths,
        r2=r2,
        total_effects=_total(paths),
        weights=np.asarray(view.weights),
        factors=factors,
        rho_a_above_one=above,
        rho_a_undefined=undefined,
        corr_above_one=corr_above,
        not_positive_definite=not_pd,
        failed=failed,
        admissible=ok & ~(undefined | above | corr_above | not_pd),
        pls=view,
    )


def _first(a: Any) -> Any:
    if isinstance(a, np.ndarray) and a.ndim >= 1:
        out = np.array(a[0], copy=True)
        out.setflags(write=False)
        return out
    return a


def _unbatch_pls(est: engine.PLSEstimate) -> engine.PLSEstimate:
    values = {f.name: _first(getattr(est, f.name)) for f in dataclasses.fields(est)}
    values["structure"] = est.structure
    return engine.PLSEstimate(**values)


def unbatch(est: engine.PLSEstimate | PLScEstimate) -> engine.PLSEstimate | PLScEstimate:
    """The first element of a batched view estimate, without the batch axis."""
    if isinstance(est, PLScEstimate):
        values = {f.name: _first(getattr(est, f.name)) for f in dataclasses.fields(est)}
        values["factors"] = est.factors
        values["pls"] = _unbatch_pls(est.pls)
        return PLScEstimate(**values)
    return _unbatch_pls(est)


@dataclass(frozen=True, eq=False)
class StagedFit:
    """A staged fit as a result keeps it: the plan and the estimate (a batch of one)."""

    plan: StagedPlan
    estimate: StagedEstimate

    @property
    def std_paths(self) -> FloatArray:
        """``(J', J')`` standardized path coefficients."""
        out: FloatArray = self.estimate.std_paths[0]
        return out

    @property
    def scale(self) -> FloatArray:
        """``(K,)`` seminr's standard deviation of each interaction term's score."""
        out: FloatArray = self.estimate.scale[0]
        return out

    @property
    def item_weights(self) -> FloatArray:
        """``(p, J')`` effective item weights (zero for interaction terms)."""
        out: FloatArray = self.estimate.item_weights[0]
        return out

    def scores(self, z: FloatArray) -> FloatArray:
        """``(n, J')`` unit-variance scores of every node from the standardized items ``z``."""
        out = z @ self.item_weights
        gen = self.estimate.generated
        if gen is not None:
            p, n_dims = len(self.plan.items), len(self.plan.dims)
            w = self.estimate.score_weights[0, p + n_dims :]
            for name in self.plan.spec.interaction_names:
                j = self.plan.nodes.index(name)
                out[:, j] = gen[0] @ w[:, j]
        return out
