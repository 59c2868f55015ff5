"""The one place where sem_csat's version is set."""

__version__ = "0.1.0"
