"""PLS path modeling: the NumPy engine, the estimator and its results."""
