"""``python -m sem_csat.cli``: the ``sem-csat`` command line."""

from sem_csat.cli import main

if __name__ == "__main__":  # run as a module, not imported (doctest collection imports it)
    raise SystemExit(main())
