"""Covariance-based SEM on one parameter table, in lavaan's steps (no semopy).

The model is a parameter table built from the spec (:mod:`~sem_csat.cbsem.partable`), fitted by
the pipeline of :mod:`~sem_csat.cbsem.pipeline` (sample statistics, starting values,
estimation, standard errors, test statistics, fit measures, standardized solution), with every
estimator (ML, MLR, GLS, ULS, FIML, DWLS/WLSMV) a variation inside those steps; every fit
measure matches lavaan's ``fitMeasures()``.  :class:`~sem_csat.cbsem.model.CBSEM` wraps it for
users and returns a :class:`~sem_csat.cbsem.results.CBSEMResult`.
"""
