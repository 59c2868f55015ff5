"""Compare customer groups and survey waves: MICOM, PLS multi-group analysis, index changes.

The pipeline, in order:

1. :func:`split` checks the group column and prepares the data of every group
   (:class:`GroupedData`); :func:`fit_groups` (or :meth:`GroupedData.fit`) fits the model in
   every group (:class:`GroupFits`).
2. :func:`permute_groups` permutes group membership and :func:`bootstrap_groups` bootstraps each
   group; both are batched like the bootstrap (arrays across resamples, one seed stream per
   replicate, the same numbers for any number of workers, Dask through joblib).
3. :func:`micom` (measurement invariance of composites), :func:`mga` (paths, effects and index
   scores: permutation, Henseler's PLS-MGA, parametric and Welch tests) and
   :func:`compare_index` (the 0–100 index per group and its differences) read those runs.

:func:`compare_groups` does all of it in one call.  Every result has ``.table`` (the CSV's
DataFrame), ``.summary()`` (text, HTML, Markdown, LaTeX) and a one-line ``repr``.
:func:`fit_grouped` (what ``sem_csat.fit(spec, data, group="COLUMN")`` calls) wraps the fits in
a :class:`GroupResult` that fills the result contract; its ``bootstrap()`` runs the comparison.

>>> import sem_csat
>>> from sem_csat.groups import compare_groups
>>> cmp = compare_groups(sem_csat.load_spec("ecsi_bank"),
...                      sem_csat.datasets.load("bank_satisfaction"), "gender",
...                      n_perm=200, n_boot=200, seed=1, progress=False)
>>> cmp.micom.verdicts[["construct", "invariance"]].T.to_numpy().tolist()
[['IMAG', 'EXPE', 'QUAL', 'VAL', 'SAT', 'LOY'], ['full', 'full', 'full', 'none', 'partial', 'full']]
>>> cmp.mga.table[["from", "to", "difference", "p_permutation", "p_henseler"]].tail(2).round(3)
   from   to  difference  p_permutation  p_henseler
8  IMAG  LOY       0.388          0.015       0.003
9   SAT  LOY      -0.455          0.005       0.001
"""

from sem_csat.groups.bootstrap import GroupBootstraps, bootstrap_groups
from sem_csat.groups.compare import GroupComparison, compare_groups
from sem_csat.groups.fits import GroupFits, fit_groups
from sem_csat.groups.index_compare import INDEX_GROUP_COLUMNS, IndexComparison, compare_index
from sem_csat.groups.mga import MGA_COLUMNS, MGAResult, mga
from sem_csat.groups.micom import MICOM_COLUMNS, MICOMResult, micom
from sem_csat.groups.permutation import GroupPermutations, PairPermutations, permute_groups
from sem_csat.groups.result import GroupResampling, GroupResult, GroupSettings, fit_grouped
from sem_csat.groups.split import MAX_LEVELS, MIN_GROUP_SIZE, GroupedData, split

__all__ = [
    "INDEX_GROUP_COLUMNS",
    "MAX_LEVELS",
    "MGA_COLUMNS",
    "MICOM_COLUMNS",
    "MIN_GROUP_SIZE",
    "GroupBootstraps",
    "GroupComparison",
    "GroupFits",
    "GroupPermutations",
    "GroupResampling",
    "GroupResult",
    "GroupSettings",
    "GroupedData",
    "IndexComparison",
    "MGAResult",
    "MICOMResult",
    "PairPermutations",
    "bootstrap_groups",
    "compare_groups",
    "compare_index",
    "fit_grouped",
    "fit_groups",
    "mga",
    "micom",
    "permute_groups",
    "split",
]
