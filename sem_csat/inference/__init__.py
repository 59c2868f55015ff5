"""Statistical inference shared by the engines: the nonparametric bootstrap.

:mod:`sem_csat.inference.bootstrap` resamples respondents and summarizes the replicates of any
estimator that works on the moments of the data (means, standard deviations, correlations);
the PLS engine plugs in through :mod:`sem_csat.pls.bootstrap`, the CB-SEM engine will too.
"""
