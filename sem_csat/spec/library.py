"""The bundled model library: ready-made specs for the classic satisfaction models.

sem_csat ships YAML specs of the models that customer-satisfaction studies start from
(ACSI, ECSI and its bank variant, SCSB, a CCSI-style model, a relationship-quality model, its
version with relationship quality as a second-order construct, and SERVQUAL).
:func:`list_specs` shows what is there and :func:`load_spec` loads one by its key (``"ecsi"``,
case-insensitive) or loads any spec file by its path.

Where the files live
--------------------
The canonical files are in the top-level ``model_specs/`` folder of the source tree, so that
they can be read and edited without knowing the package layout.  A wheel carries them inside
the package: ``pyproject.toml`` maps ``model_specs`` to ``sem_csat/model_specs`` with hatch's
``force-include``.  :func:`bundled_specs_dir` therefore looks first for
``importlib.resources.files("sem_csat") / "model_specs"`` (an installed wheel) and falls back
to ``<repository>/model_specs`` (a source checkout or an editable install, where the package
folder has no ``model_specs`` of its own).

Examples
--------
>>> from sem_csat.spec.library import list_specs, load_spec
>>> [info.key for info in list_specs()]  # doctest: +NORMALIZE_WHITESPACE
['acsi', 'ccsi', 'ecsi', 'ecsi_bank', 'ecsi_bank_hoc', 'relationship_quality',
 'relationship_quality_hoc', 'scsb', 'servqual']
>>> spec = load_spec("ECSI")
>>> len(spec.constructs), len(spec.paths)
(7, 12)
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from sem_csat.errors import SpecError
from sem_csat.spec.model import ModelSpec, did_you_mean

__all__ = ["SpecInfo", "bundled_specs_dir", "list_specs", "load_spec"]

#: File suffixes read as YAML specs.
YAML_SUFFIXES: tuple[str, ...] = (".yaml", ".yml")
#: File suffixes read as lavaan-style model syntax.
LAVAAN_SUFFIXES: tuple[str, ...] = (".lav", ".lavaan", ".txt")

_SOURCE_TREE_DIR = Path(__file__).resolve().parents[2] / "model_specs"
_ABBREVIATIONS = frozenset({"al", "e.g", "i.e", "cf", "vs", "etc", "approx", "no", "vol"})
_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z])")


@dataclass(frozen=True)
class SpecInfo:
    """One entry of the bundled model library.

    Attributes
    ----------
    key
        File stem, the name :func:`load_spec` accepts (``"ecsi"``, ``"ecsi_bank"``).
    name
        The model's own name (``"ECSI"``).
    description
        First sentence of the model's description.
    n_constructs
        Number of constructs.
    n_paths
        Number of structural paths.
    path
        Location of the YAML file.
    """

    key: str
    name: str
    description: str
    n_constructs: int
    n_paths: int
    path: Path


def bundled_specs_dir() -> Path:
    """Return the folder that holds the bundled spec files.

    Returns
    -------
    pathlib.Path
        ``sem_csat/model_specs`` inside an installed wheel, else the top-level
        ``model_specs`` folder of the source tree.

    Raises
    ------
    SpecError
        If neither folder exists (a broken installation).
    """
    installed = resources.files("sem_csat") / "model_specs"
    if isinstance(installed, Path) and installed.is_dir():
        return installed
    if _SOURCE_TREE_DIR.is_dir():
        return _SOURCE_TREE_DIR
    raise SpecError(
        "The bundled model specs were not found: neither the package folder "
        f"'{installed}' nor the source folder '{_SOURCE_TREE_DIR}' exists. Reinstall "
        "sem_csat, or load a spec file by its path."
    )


def _bundled_files() -> dict[str, Path]:
    """Map each bundled key (lower-case file stem) to its file, sorted by key."""
    folder = bundled_specs_dir()
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in YAML_SUFFIXES]
    return {p.stem.lower(): p for p in sorted(files, key=lambda p: p.stem.lower())}


def _first_sentence(text: str) -> str:
    """Return the first sentence of ``text``, not cut at 'et al.' or at initials."""
    text = " ".join(text.split())
    for match in _SENTENCE_END.finditer(text):
        before = text[: match.start()].rsplit(" ", 1)[-1].lstrip("(")
        if before.lower() in _ABBREVIATIONS or (len(before) == 1 and before.isupper()):
            continue
        return text[: match.end()]
    return text


def list_specs() -> list[SpecInfo]:
    """List the bundled model specs.

    Every file is loaded and validated, so the counts are those of the spec that
    :func:`load_spec` returns.

    Returns
    -------
    list of SpecInfo
        One entry per bundled spec, sorted by key.

    Examples
    --------
    >>> info = {i.key: i for i in list_specs()}
    >>> info["ecsi_bank"].n_constructs, info["ecsi_bank"].n_paths
    (6, 10)
    """
    out: list[SpecInfo] = []
    for key, path in _bundled_files().items():
        spec = ModelSpec.from_yaml(path)
        out.append(
            SpecInfo(
                key=key,
                name=spec.name,
                description=_first_sentence(spec.description),
                n_constructs=len(spec.constructs),
                n_paths=len(spec.paths),
                path=path,
            )
        )
    return out


def _normalise(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def _looks_like_path(text: str) -> bool:
    suffix = Path(text).suffix.lower()
    return (
        "/" in text
        or os.sep in text
        or (os.altsep is not None and os.altsep in text)
        or suffix in YAML_SUFFIXES + LAVAAN_SUFFIXES
    )


def _load_file(path: Path, *, given: str) -> ModelSpec:
    suffix = path.suffix.lower()
    if suffix not in YAML_SUFFIXES + LAVAAN_SUFFIXES:
        raise SpecError(
            f"Cannot tell the format of the spec file '{given}' from its ending "
            f"'{path.suffix}': use .yaml or .yml for YAML specs and .lav, .lavaan or .txt for "
            "lavaan-style model syntax."
        )
    if not path.exists():
        hint = ""
        bundled = _bundled_files()
        if path.stem.lower() in bundled:
            hint = f" A bundled spec has that name; load it with load_spec('{path.stem.lower()}')."
        raise SpecError(f"The spec file '{given}' does not exist.{hint}")
    if not path.is_file():
        raise SpecError(f"'{given}' is a folder, not a spec file; pass the path of a file.")
    if suffix in YAML_SUFFIXES:
        return ModelSpec.from_yaml(path)
    return ModelSpec.from_lavaan(path)


def load_spec(name_or_path: str | os.PathLike[str]) -> ModelSpec:
    """Load a bundled model spec by its key, or any spec file by its path.

    Parameters
    ----------
    name_or_path
        Either the key of a bundled spec (see :func:`list_specs`; case, spaces and hyphens
        do not matter, and the model's own name works too: ``"ECSI"``, ``"ecsi-bank"``,
        ``"RelationshipQuality"``) or the path of a spec file.  Files ending in ``.yaml`` or
        ``.yml`` are read as YAML specs (:meth:`ModelSpec.from_yaml`); files ending in
        ``.lav``, ``.lavaan`` or ``.txt`` as lavaan-style syntax
        (:meth:`ModelSpec.from_lavaan`).  A :class:`os.PathLike` is always a path.

    Returns
    -------
    ModelSpec
        The validated specification.

    Raises
    ------
    SpecError
        If no bundled spec has that name (the message lists the bundled specs and the
        closest match), if the file does not exist or has an unknown ending, or if the spec
        itself is invalid.

    Examples
    --------
    >>> load_spec("ecsi_bank").construct_names
    ('IMAG', 'EXPE', 'QUAL', 'VAL', 'SAT', 'LOY')
    >>> load_spec("ecsj")
    Traceback (most recent call last):
    ...
    sem_csat.errors.SpecError: No bundled model spec is called 'ecsj' (did you mean 'ecsi'?). ...
    """
    if isinstance(name_or_path, os.PathLike):
        path = Path(name_or_path)
        return _load_file(path, given=str(path))
    if not isinstance(name_or_path, str):
        raise SpecError(
            "load_spec() needs the key of a bundled spec or the path of a spec file, got "
            f"{type(name_or_path).__name__} {name_or_path!r}."
        )
    text = name_or_path.strip()
    if _looks_like_path(text):
        return _load_file(Path(text).expanduser(), given=text)
    bundled = _bundled_files()
    wanted = _normalise(text)
    if wanted in bundled:
        return ModelSpec.from_yaml(bundled[wanted])
    for path in bundled.values():
        spec = ModelSpec.from_yaml(path)
        if _normalise(spec.name) == wanted:
            return spec
    if Path(text).is_file():
        raise SpecError(
            f"'{text}' is a file without a spec ending; rename it to end in .yaml (YAML "
            "spec) or .lav (lavaan-style syntax), or pass its full path with that ending."
        )
    keys = list(bundled)
    raise SpecError(
        f"No bundled model spec is called '{text}'{did_you_mean(wanted, keys)}. The bundled "
        f"specs are: {', '.join(keys)}. To load your own spec, pass the path of a file "
        "ending in .yaml, .yml, .lav, .lavaan or .txt."
    )
