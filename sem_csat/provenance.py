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
import os
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sem_csat._version import __version__
from sem_csat.errors import SemCsatError

if TYPE_CHECKING:
    from sem_csat.contract import SEMResult
    from sem_csat.spec.model import ModelSpec

__all__ = ["calling_script", "file_sha256", "run_record", "spec_sha256", "versions"]

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
    notebook, an IPython shell or ``python -c`` has no file of its own; a notebook that
    Jupyter names to its kernel is recorded as ``["jupyter", "analysis.ipynb"]``, other
    interactive code as ``["python", "<interactive>"]``, never the interpreter's arguments
    (which, in a Jupyter kernel, are ``ipykernel_launcher`` and the connection file).
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
            return _interactive()
        return ["python", str(path)]
    return _interactive()  # pragma: no cover - called from sem_csat itself


def _interactive() -> list[str]:
    """A notebook that Jupyter names to its kernel (``JPY_SESSION_NAME``, set by Jupyter
    Server 2 and nbclient) is recorded as ``["jupyter", <notebook>]``; other interactive code
    as ``["python", "<interactive>"]``."""
    notebook = os.environ.get("JPY_SESSION_NAME", "")
    if notebook.endswith(".ipynb"):
        return ["jupyter", notebook]
    return ["python", "<interactive>"]


def spec_sha256(spec: ModelSpec) -> tuple[str, str]:
    """SHA-256 of the spec and what was hashed: ``"file"`` (the bytes of the YAML or lavaan
    file the spec was read from) or, for a spec built in Python or changed after reading,
    ``"yaml"`` (its canonical YAML text, :meth:`~sem_csat.spec.ModelSpec.to_yaml`)."""
    path = Path(spec.source) if spec.source else None
    if path is not None and path.is_file():
        try:
            from sem_csat.spec.library import load_spec

            if load_spec(path) == spec:
                return file_sha256(path), "file"
        except (SemCsatError, OSError):
            pass
    try:
        text = spec.to_yaml()
    except SemCsatError:  # pragma: no cover - every valid spec has a YAML form
        text = repr(spec)
    return hashlib.sha256(text.encode("utf-8")).hexdigest(), "yaml"


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
        ``sha256`` and ``sha256_of``: :func:`spec_sha256`), ``data`` (``source``, ``sha256``,
        ``n_total``, ``n_used``; ``means`` of a covariance matrix), ``estimation``
        (``result.run_facts()``) and ``bootstrap`` (``result.boot.as_dict()`` with the interval
        type ``ci``, or ``None``).
    """
    spec = result.spec
    spec_hash, hashed = spec_sha256(spec)
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
        "spec": {
            "name": spec.name,
            "source": spec.source,
            "sha256": spec_hash,
            "sha256_of": hashed,
        },
        "data": data_facts,
        "estimation": result.run_facts(),
        "bootstrap": bootstrap,
    }
