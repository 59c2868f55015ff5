"""Covariance-based SEM: semopy estimates, this package computes the fit indices (lavaan).

semopy is only the optimiser.  Every fit index (chi-square, CFI, TLI, RMSEA with its confidence
interval, SRMR, GFI/AGFI, log-likelihoods, AIC/BIC, ...) is computed by
:mod:`sem_csat.cbsem.fit_indices` from the sample and model-implied moments, so that the numbers
match lavaan's ``fitMeasures()`` rather than semopy's ``calc_stats()``.
"""
