"""What makes a run reproducible: the content of ``run.json``, built from the result contract.

:func:`run_record` collects the settings (``result.settings.as_dict()``), the bootstrap seed,
the versions, the spec and data files with their SHA-256, the engine's run facts and the
command that produced the run.  :func:`sem_csat.write` writes it as ``run.json``, and the HTML
report shows it.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import inspect
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sem_csat._version import __version__

if TYPE_CHECKING:
    from sem_csat.contract import SEMResult

__all__ = ["calling_script", "file_sha256", "run_record", "versions"]

_PACKAGE = Path(__file__).resolve().parent


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes (hex)."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def versions() -> dict[str, str]:
    """Versions of sem_csat, Python, NumPy, pandas and SciPy, and the platform."""
    import numpy as np
    import pandas as pd
    import scipy

    return {
        "sem_csat": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scipy": scipy.__version__,
        "platform": platform.platform(),
    }


def calling_script() -> list[str]:
    """The command to record for a run started from Python: ``["python", <script>]``.

    The script is the first file on the call stack outside sem_csat.  Code typed in a
    notebook, an IPython shell or ``python -c`` has no file of its own; it is recorded as
    ``["python", "<interactive>"]`` rather than the interpreter's arguments (which, in a
    Jupyter kernel, name the kernel's connection file).
    """
    for frame in inspect.stack(context=0)[1:]:
        name = frame.filename
        path = Path(name)
        try:
            inside = path.resolve().is_relative_to(_PACKAGE)
        except OSError:  # pragma: no cover - an unreadable path
            inside = False
        if inside:
            continue
        if name.startswith("<") or "ipykernel_" in name or not path.is_file():
            return ["python", "<interactive>"]
        return ["python", str(path)]
    return ["python", "<interactive>"]  # pragma: no cover - called from sem_csat itself


def run_record(result: SEMResult, *, command: Sequence[str] | None = None) -> dict[str, Any]:
    """Everything needed to reproduce a run, as written to ``run.json``.

    Parameters
    ----------
    result
        Any fitted result (:class:`~sem_csat.contract.SEMResult`).
    command
        The command line (``["sem-csat", "fit", ...]``); by default the calling script
        (:func:`calling_script`).

    Returns
    -------
    dict
        ``tool``, ``created``, ``command``, ``settings`` (``result.settings.as_dict()``),
        ``seed`` (the bootstrap's, or ``None``), ``versions``, ``spec`` (``name``, ``source``,
        ``sha256``), ``data`` (``source``, ``sha256``, ``n_total``, ``n_used``; ``means`` of a
        covariance matrix), ``estimation`` (``result.run_facts()``) and ``bootstrap``
        (``result.boot.as_dict()`` with the interval type ``ci``, or ``None``).
    """
    spec = result.spec
    spec_file = Path(spec.source) if spec.source else None
    spec_hash = file_sha256(spec_file) if spec_file is not None and spec_file.is_file() else None
    data = result.data
    data_facts: dict[str, Any] = {
        "source": data.source,
        "sha256": data.sha256,
        "n_total": int(data.n_total),
        "n_used": int(data.n_used),
    }
    if data.moments is not None:
        means = data.moments.means
        data_facts["means"] = (
            None if means is None else {str(k): float(v) for k, v in means.items()}
        )
    boot = result.boot
    bootstrap = None if boot is None else {**boot.as_dict(), "ci": result.ci}
    return {
        "tool": "sem_csat",
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "command": list(command) if command is not None else calling_script(),
        "settings": result.settings.as_dict(),
        "seed": None if bootstrap is None else bootstrap["seed"],
        "versions": versions(),
        "spec": {"name": spec.name, "source": spec.source, "sha256": spec_hash},
        "data": data_facts,
        "estimation": result.run_facts(),
        "bootstrap": bootstrap,
    }
