"""Read survey data from a file (CSV/TSV, Excel, SPSS, Parquet) or a pandas DataFrame.

:func:`read_data` returns a :class:`RawData`: a private copy of the data with its provenance
(file name, SHA-256 of the bytes, format, how it was parsed) and the SPSS value labels.  The
user's file and DataFrame are never changed.  Nothing is checked against a model here; that is
:func:`sem_csat.data.prepare_data`'s job.

Text files (``.csv``, ``.tsv``, ``.txt``, ``.tab``)
    *Encoding*: UTF-8 (with or without byte-order mark); UTF-16 when the file starts with a
    UTF-16 byte-order mark (Excel's "Unicode text"); otherwise Windows-1252 and, failing that,
    Latin-1, which is reported as an ``info`` diagnostic (``encoding_fallback``).

    *Delimiter* (unless ``sep`` is given): the candidates ``,`` ``;`` tab and ``|`` are counted,
    outside double quotes, in the header and in the first 200 records.  A candidate must occur in
    the header; the one that occurs the same number of times in the largest share of records
    wins, and ties are broken in the order tab, ``;``, ``|``, ``,`` (a semicolon file with
    decimal commas has as many commas per line only by accident).  A file with none of them is
    read as a single column.

    *Decimal mark* (unless ``decimal`` is given): the fields of those records are inspected; if
    some look like ``3,5`` and none like ``3.5``, the decimal mark is a comma (European
    spreadsheets), reported as an ``info`` diagnostic (``csv_format``).

    Empty cells and the usual missing markers (``NA``, ``N/A``, ``n/a``, ``NaN``, ``null``,
    ``#N/A``, ...) are read as missing, as :func:`pandas.read_csv` does.

Excel (``.xlsx``, ``.xlsm``)
    Read with openpyxl; the first row of the sheet holds the column names.  ``sheet`` is a
    sheet name or a 0-based position; the first sheet by default.

SPSS (``.sav``, ``.zsav``)
    Read with pyreadstat.  Values stay numeric; value labels are kept in
    :attr:`RawData.value_labels` and variable labels in :attr:`RawData.column_labels`.
    Declared user-missing values and ranges are turned into NaN and counted per column in an
    ``info`` diagnostic (``spss_user_missing``).

Parquet (``.parquet``, ``.pq``)
    Read with pyarrow.

Column names are texts; spaces around them in a file's header are removed (``info``
diagnostic ``header_whitespace``); two columns with the same name are an error, because pandas
would silently rename the second one ``name.1``.

Rows are counted from 1 at the first data row below the header (blank lines that are skipped
are not counted); in a spreadsheet that shows the header on line 1, row 17 is on line 18.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import importlib
import io
import os
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import pandas as pd

from sem_csat.data._common import (
    NaValue,
    apply_na_values,
    check_na_values,
    na_diagnostic,
    subject,
    where,
)
from sem_csat.diagnostics import Diagnostic
from sem_csat.errors import DataError, DataWarning
from sem_csat.spec.model import did_you_mean

__all__ = ["DELIMITERS", "EXTENSIONS", "Format", "RawData", "read_data"]

Format = Literal["csv", "tsv", "excel", "spss", "parquet", "dataframe"]

EXTENSIONS: Final[Mapping[str, str]] = {
    ".csv": "text",
    ".tsv": "text",
    ".txt": "text",
    ".tab": "text",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".sav": "spss",
    ".zsav": "spss",
    ".parquet": "parquet",
    ".pq": "parquet",
}
"""File extensions :func:`read_data` understands, and the reader used for each."""

DELIMITERS: Final[tuple[str, ...]] = ("\t", ";", "|", ",")
"""Delimiters that are detected, in the order that breaks ties."""

_SEP_ALIASES: Final[Mapping[str, str]] = {"tab": "\t", "\\t": "\t", "semicolon": ";"}
_OTHER_FORMATS: Final[Mapping[str, str]] = {
    ".xls": "save it as .xlsx or CSV in Excel",
    ".ods": "save it as .xlsx or CSV",
    ".dta": "export it to CSV or read it with pandas.read_stata and pass the DataFrame",
    ".por": "save it as .sav in SPSS",
    ".rds": "write it to CSV in R with write.csv()",
    ".rdata": "write it to CSV in R with write.csv()",
    ".json": "read it with pandas and pass the DataFrame",
}
_SNIFF_RECORDS: Final = 200
_SNIFF_CHARS: Final = 256_000
_COMMA_DECIMAL_RE: Final = re.compile(r"\s*[+-]?\d*,\d+\s*")
_DOT_DECIMAL_RE: Final = re.compile(r"\s*[+-]?\d*\.\d+\s*")
_PARSER_LINE_RE: Final = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


@dataclass(frozen=True, eq=False, repr=False)
class RawData:
    """Survey data as read, before any check against a model.

    Attributes
    ----------
    frame
        The data, a private copy: changing it never changes the user's file or DataFrame.
    source
        File name (without its folder) or ``"<DataFrame>"``; used in messages.
    sha256
        SHA-256 of the file's bytes (``None`` for a DataFrame), to record which data a result
        came from.
    format
        ``"csv"``, ``"tsv"``, ``"excel"``, ``"spss"``, ``"parquet"`` or ``"dataframe"``.
    value_labels
        SPSS value labels, column → {value: label}; the values in ``frame`` stay numeric.
    diagnostics
        Findings of the reader (encoding fallback, detected delimiter, user-missing values, ...).
    path
        The file that was read (``None`` for a DataFrame).
    sep, decimal, encoding
        How a text file was parsed (``decimal`` may also be given for a DataFrame whose texts
        hold numbers with a decimal comma).
    sheet
        The Excel sheet that was read.
    column_labels
        SPSS variable labels (question wording), column → label.
    na_values
        Missing-value codes that were turned into NaN.
    """

    frame: pd.DataFrame
    source: str
    sha256: str | None
    format: Format
    value_labels: Mapping[str, Mapping[Any, str]] = field(default_factory=dict)
    diagnostics: tuple[Diagnostic, ...] = ()
    path: Path | None = None
    sep: str | None = None
    decimal: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    column_labels: Mapping[str, str] = field(default_factory=dict)
    na_values: tuple[NaValue, ...] = ()

    @property
    def n_rows(self) -> int:
        """Number of data rows."""
        return len(self.frame)

    def __repr__(self) -> str:
        rows, cols = self.frame.shape
        return (
            f"<RawData {self.source!r} ({self.format}): {rows} rows x {cols} columns, "
            f"{len(self.diagnostics)} diagnostics>"
        )


def read_data(
    source: str | os.PathLike[str] | pd.DataFrame,
    *,
    sep: str | None = None,
    decimal: str | None = None,
    sheet: str | int | None = None,
    na_values: Iterable[NaValue] = (),
) -> RawData:
    """Read survey data from a file or take a copy of a DataFrame.

    Parameters
    ----------
    source
        Path of a ``.csv``, ``.tsv``, ``.txt``, ``.tab``, ``.xlsx``, ``.xlsm``, ``.sav``,
        ``.zsav``, ``.parquet`` or ``.pq`` file, or a :class:`pandas.DataFrame`.
    sep
        Delimiter of a text file (``","``, ``";"``, ``"\\t"`` or ``"tab"``, ``"|"``, ...);
        detected when ``None``.
    decimal
        Decimal mark of a text file, ``"."`` or ``","``; detected when ``None``.
    sheet
        Excel sheet name or 0-based position; the first sheet when ``None``.
    na_values
        Extra missing-value codes such as ``[-99, 999]`` or ``["n/a"]``; matching cells of the
        copy become NaN (an ``info`` diagnostic counts them, or says that none was found).

    Returns
    -------
    RawData
        The data with its provenance; see the module documentation for how each format is read.

    Raises
    ------
    DataError
        When the file does not exist, is a folder, has an unsupported extension, is empty,
        corrupt or unreadable, when a sheet does not exist or two columns have the same name.

    Examples
    --------
    >>> import pandas as pd
    >>> raw = read_data(pd.DataFrame({"q1": [1, -99, 3]}), na_values=[-99])
    >>> raw.frame["q1"].tolist()
    [1.0, nan, 3.0]
    >>> raw.diagnostics[0].code
    'na_values_applied'
    """
    codes = check_na_values(na_values)
    if isinstance(source, pd.DataFrame):
        if sep is not None or sheet is not None:
            raise DataError("sep= and sheet= only apply when reading a file, not to a DataFrame.")
        raw = _from_frame(source, _check_decimal(decimal))
    elif isinstance(source, str | os.PathLike):
        raw = _read_file(Path(source), sep=sep, decimal=decimal, sheet=sheet)
    else:
        raise DataError(
            "read_data() needs the path of a data file or a pandas DataFrame, "
            f"got {type(source).__name__}."
        )
    if not codes:
        return raw
    frame = raw.frame.copy()
    counts = apply_na_values(frame, codes)
    return _replace(raw, frame, [na_diagnostic(raw.source, codes, counts)], na_values=codes)


def _replace(raw: RawData, frame: pd.DataFrame, extra: list[Diagnostic], **kw: Any) -> RawData:
    fields = {k: getattr(raw, k) for k in RawData.__dataclass_fields__}
    fields.update(frame=frame, diagnostics=raw.diagnostics + tuple(extra), **kw)
    return RawData(**fields)


# ---------------------------------------------------------------------------- paths and formats
def _read_file(
    path: Path, *, sep: str | None, decimal: str | None, sheet: str | int | None
) -> RawData:
    kind = _check_path(path)
    if sheet is not None and kind != "excel":
        raise DataError(f"sheet= only applies to Excel files, but '{path.name}' is not one.")
    if (sep is not None or decimal is not None) and kind != "text":
        raise DataError(
            f"sep= and decimal= only apply to text files (.csv, .tsv, .txt), not to '{path.name}'."
        )
    try:
        if kind == "text":
            data = path.read_bytes()
        else:
            with path.open("rb") as fh:
                digest = hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError as exc:
        raise DataError(f"The data file '{path}' cannot be read: {exc.strerror or exc}.") from exc
    if kind == "text":
        return _read_text(path, data, sep, _check_decimal(decimal))
    if kind == "excel":
        return _read_excel(path, sheet, digest)
    if kind == "spss":
        return _read_spss(path, digest)
    return _read_parquet(path, digest)


def _check_path(path: Path) -> str:
    if path.is_dir():
        files = sorted(p.name for p in path.iterdir() if p.suffix.lower() in EXTENSIONS)
        hint = f" such as '{files[0]}'" if files else ""
        raise DataError(
            f"'{path}' is a folder, not a data file; give the path of a file inside it{hint}."
        )
    if not path.exists():
        folder = path.parent
        if not folder.is_dir():
            raise DataError(
                f"The data file '{path}' does not exist: there is no folder '{folder}'."
            )
        names = [p.name for p in folder.iterdir() if p.is_file()]
        raise DataError(f"The data file '{path}' does not exist{did_you_mean(path.name, names)}.")
    suffix = path.suffix.lower()
    if suffix not in EXTENSIONS:
        advice = _OTHER_FORMATS.get(suffix)
        supported = ", ".join(EXTENSIONS)
        what = f"the extension '{path.suffix}'" if path.suffix else "no extension"
        raise DataError(
            f"'{path.name}' has {what}, which sem_csat cannot read"
            + (f" ({advice})" if advice else "")
            + f"; supported extensions are {supported}."
        )
    if path.stat().st_size == 0:
        raise DataError(f"The data file '{path}' is empty (0 bytes).")
    return EXTENSIONS[suffix]


def _check_decimal(decimal: str | None) -> str | None:
    if decimal not in (None, ".", ","):
        raise DataError(f"decimal must be '.' or ',', got {decimal!r}.")
    return decimal


def _check_sep(sep: str) -> str:
    sep = _SEP_ALIASES.get(sep.lower(), sep)
    if len(sep) != 1 or sep in "\"'\r\n" or sep.isalnum():
        raise DataError(
            f"sep must be one delimiter character such as ',', ';', '|' or 'tab', got {sep!r}."
        )
    return sep


def _names(
    header: Sequence[object], source: str, positions_as_letters: bool
) -> tuple[list[str], list[Diagnostic]]:
    """Turn a header row into unique column names (error on duplicates)."""
    names: list[str] = []
    stripped = False
    for i, value in enumerate(header):
        if value is None or (isinstance(value, float) and value != value):
            text = ""
        elif isinstance(value, float) and value.is_integer():
            text = str(int(value))
        else:
            text = str(value)
        if text != text.strip():
            stripped = True
            text = text.strip()
        names.append(text or f"Unnamed: {i}")
    _check_duplicates(names, source, positions_as_letters)
    diags = []
    if stripped:
        diags.append(
            Diagnostic(
                "info",
                "header_whitespace",
                f"Spaces around column names in {where(source)} were removed.",
                DataWarning,
            )
        )
    return names, diags


def _column_ref(i: int, letters: bool) -> str:
    if not letters:
        return str(i + 1)
    label = ""
    n = i + 1
    while n:
        n, rem = divmod(n - 1, 26)
        label = chr(65 + rem) + label
    return label


def _check_duplicates(names: Sequence[str], source: str, letters: bool = False) -> None:
    dupes = {n for n in names if names.count(n) > 1}
    if not dupes:
        return
    parts = []
    for name in sorted(dupes, key=names.index):
        cols = [_column_ref(i, letters) for i, n in enumerate(names) if n == name]
        parts.append(f"'{name}' (columns {', '.join(cols)})")
    raise DataError(
        f"{subject(source)} has several columns with the same name: {'; '.join(parts)}; "
        "rename them so that every column name is unique."
    )


# ---------------------------------------------------------------------------- DataFrame
def _copy_on_write() -> bool:
    """Whether pandas copies on write (always from pandas 3; an option in pandas 2)."""
    return int(pd.__version__.split(".")[0]) >= 3 or pd.options.mode.copy_on_write is True


def _from_frame(df: pd.DataFrame, decimal: str | None) -> RawData:
    if isinstance(df.columns, pd.MultiIndex):
        raise DataError(
            "The DataFrame has several header levels (a MultiIndex); flatten the column names "
            "first, e.g. df.columns = ['_'.join(map(str, c)) for c in df.columns]."
        )
    names = [str(c) for c in df.columns]
    _check_duplicates(names, "<DataFrame>")
    # under copy-on-write a shallow copy is private: changing either frame copies first
    frame = df.copy(deep=not _copy_on_write())
    frame.columns = pd.Index(names, dtype=object)
    return RawData(frame, "<DataFrame>", None, "dataframe", decimal=decimal)


# ---------------------------------------------------------------------------- text files
def _decode(data: bytes, name: str) -> tuple[str, str, list[Diagnostic]]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16", []
        except UnicodeDecodeError as exc:
            raise DataError(f"'{name}' starts like a UTF-16 text file but is damaged.") from exc
    if b"\x00" in data[:8192]:
        raise DataError(
            f"'{name}' does not look like a text file (it contains binary data); if it is an "
            "Excel, SPSS or Parquet file, give it the matching extension."
        )
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data.decode("utf-8-sig"), "utf-8-sig", []
        except UnicodeDecodeError:
            data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    try:
        text, encoding, label = data.decode("cp1252"), "cp1252", "Windows-1252"
    except UnicodeDecodeError:
        text, encoding, label = data.decode("latin-1"), "latin-1", "Latin-1"
    diag = Diagnostic(
        "info",
        "encoding_fallback",
        f"'{name}' is not valid UTF-8 and was read as {label}; check accented characters in "
        "its texts, or save it as UTF-8.",
        DataWarning,
    )
    return text, encoding, [diag]


def _records(text: str) -> list[str]:
    """Split the start of ``text`` into records, honouring double-quoted fields."""
    sample = text[:_SNIFF_CHARS]
    records: list[str] = []
    start = 0
    quoted = False
    for i, ch in enumerate(sample):
        if ch == '"':
            quoted = not quoted
        elif ch == "\n" and not quoted:
            records.append(sample[start:i].rstrip("\r"))
            start = i + 1
            if len(records) > _SNIFF_RECORDS:
                break
    else:
        if len(sample) == len(text):
            records.append(sample[start:].rstrip("\r"))
    return [r for r in records if r.strip()]


def _count_outside_quotes(record: str, ch: str) -> int:
    n = 0
    quoted = False
    for c in record:
        if c == '"':
            quoted = not quoted
        elif c == ch and not quoted:
            n += 1
    return n


def _sniff_delimiter(records: Sequence[str]) -> str:
    best, best_score = ",", (-1.0, 0)
    for rank, cand in enumerate(reversed(DELIMITERS)):
        counts = [_count_outside_quotes(r, cand) for r in records]
        if not counts or counts[0] == 0:
            continue
        share = sum(c == counts[0] for c in counts) / len(counts)
        score = (share, rank)
        if score > best_score:
            best, best_score = cand, score
    return best


def _sniff_decimal(records: Sequence[str], sep: str) -> str:
    n_comma = n_dot = 0
    try:
        for row in csv.reader(records[1:], delimiter=sep):
            for value in row:
                if _COMMA_DECIMAL_RE.fullmatch(value):
                    n_comma += 1
                elif _DOT_DECIMAL_RE.fullmatch(value):
                    n_dot += 1
    except csv.Error:
        return "."
    return "," if n_comma and not n_dot else "."


def _read_text(path: Path, data: bytes, sep: str | None, decimal: str | None) -> RawData:
    name = path.name
    text, encoding, diags = _decode(data, name)
    if not text.strip():
        raise DataError(f"The data file '{path}' is empty (it holds only blank lines).")
    records = _records(text)
    detected: list[str] = []
    if sep is None:
        sep = _sniff_delimiter(records)
        detected.append("delimiter")
    else:
        sep = _check_sep(sep)
    if decimal is None:
        decimal = _sniff_decimal(records, sep)
        detected.append("decimal mark")
    else:
        decimal = _check_decimal(decimal) or "."
    try:
        header = next(csv.reader(io.StringIO(text), delimiter=sep))
    except csv.Error as exc:
        raise DataError(f"The header line of '{name}' cannot be read: {exc}.") from exc
    names, more = _names(header, name, positions_as_letters=False)
    diags += more
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            decimal=decimal,
            header=0,
            names=list(range(len(names))),
            index_col=False,
        )
    except pd.errors.ParserError as exc:
        m = _PARSER_LINE_RE.search(str(exc))
        if m:
            raise DataError(
                f"Line {m[2]} of '{name}' has {m[3]} fields but the header has {m[1]}; check "
                f"the delimiter (read as {_sep_name(sep)}) and put texts that contain it in "
                "double quotes."
            ) from exc
        raise DataError(
            f"'{name}' cannot be read as a {_sep_name(sep)}-separated file: {exc}."
        ) from exc
    except (ValueError, UnicodeError, csv.Error) as exc:
        raise DataError(
            f"'{name}' cannot be read as a {_sep_name(sep)}-separated file: {exc}."
        ) from exc
    frame.columns = pd.Index(names, dtype=object)
    if frame.empty:
        raise DataError(f"'{name}' holds column names but no data rows.")
    if detected:
        mark = "decimal comma" if decimal == "," else "decimal point"
        diags.append(
            Diagnostic(
                "info",
                "csv_format",
                f"'{name}' was read as {_sep_name(sep)}-separated with a {mark} "
                f"({' and '.join(detected)} detected); pass sep= or decimal= if that is wrong.",
                DataWarning,
            )
        )
    return RawData(
        frame,
        name,
        hashlib.sha256(data).hexdigest(),
        "tsv" if sep == "\t" else "csv",
        diagnostics=tuple(diags),
        path=path,
        sep=sep,
        decimal=decimal,
        encoding=encoding,
    )


def _sep_name(sep: str) -> str:
    return {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(sep, repr(sep))


# ---------------------------------------------------------------------------- binary formats
def _corrupt(path: Path, what: str, exc: BaseException) -> DataError:
    reason = str(exc).strip().rstrip(".") or type(exc).__name__
    return DataError(f"'{path.name}' cannot be read as {what} ({reason}); the file may be damaged.")


#: Largest uncompressed size of an Excel workbook's parts that is read (a "zip bomb" is not).
MAX_WORKBOOK_BYTES: Final = 2_000_000_000
_PROLOG_BYTES: Final = 65_536
_DTD_MARKERS: Final = ("<!DOCTYPE", "<!ENTITY")


def _check_workbook(path: Path) -> None:
    """Refuse a workbook whose XML declares a DTD or entities, or that unpacks to gigabytes.

    No Excel file needs a document type declaration; one with entities can expand into
    gigabytes ("billion laughs") or read other files (external entities), so the start of every
    XML part is checked before openpyxl parses anything.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            total = sum(m.file_size for m in members)
            if total > MAX_WORKBOOK_BYTES:
                raise DataError(
                    f"'{path.name}' would unpack to {total / 1e9:.1f} GB, more than any survey "
                    "needs (a damaged or malicious workbook); save the data as CSV instead."
                )
            for member in members:
                if not member.filename.lower().endswith((".xml", ".rels", ".vml")):
                    continue
                with archive.open(member) as fh:
                    head = fh.read(_PROLOG_BYTES)
                text = _decode_prolog(head)
                if any(marker in text for marker in _DTD_MARKERS):
                    raise DataError(
                        f"'{path.name}' contains an XML document type declaration with entities "
                        f"(in its part '{member.filename}'), which no Excel workbook needs and "
                        "which can expand into gigabytes or read other files; sem_csat does not "
                        "read it. Open and re-save the workbook in Excel, or export the data as "
                        "CSV."
                    )
    except DataError:
        raise
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError) as exc:
        raise _corrupt(path, "an Excel workbook", exc) from exc


def _decode_prolog(head: bytes) -> str:
    """The start of an XML part as text (UTF-8, or UTF-16 with or without a byte-order mark)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head.decode("utf-16", errors="replace")
    if head[:2] in (b"<\x00", b"\x00<"):
        return head.decode("utf-16-le" if head[:1] == b"<" else "utf-16-be", errors="replace")
    return head.decode("utf-8", errors="replace")


def _read_excel(path: Path, sheet: str | int | None, digest: str) -> RawData:
    from xml.etree.ElementTree import ParseError

    invalid = importlib.import_module("openpyxl.utils.exceptions").InvalidFileException
    errors: tuple[type[BaseException], ...] = (
        ValueError,
        KeyError,
        TypeError,
        OSError,
        zipfile.BadZipFile,
        invalid,
        ParseError,
    )
    with contextlib.suppress(ImportError):  # lxml is optional for openpyxl
        errors += (importlib.import_module("lxml.etree").XMLSyntaxError,)
    name = path.name
    _check_workbook(path)
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except errors as exc:
        raise _corrupt(path, "an Excel workbook", exc) from exc
    with book:
        sheets = [str(s) for s in book.sheet_names]
        chosen = _choose_sheet(sheets, sheet, name)
        try:
            grid = pd.read_excel(book, sheet_name=chosen, header=None)
        except errors as exc:
            raise _corrupt(path, "an Excel workbook", exc) from exc
    if grid.empty:
        raise DataError(f"Sheet '{chosen}' of '{name}' is empty.")
    names, diags = _names(list(grid.iloc[0]), name, positions_as_letters=True)
    frame = grid.iloc[1:].reset_index(drop=True).infer_objects()
    frame.columns = pd.Index(names, dtype=object)
    if frame.empty:
        raise DataError(f"Sheet '{chosen}' of '{name}' holds column names but no data rows.")
    return RawData(frame, name, digest, "excel", diagnostics=tuple(diags), path=path, sheet=chosen)


def _choose_sheet(sheets: list[str], sheet: str | int | None, name: str) -> str:
    listing = ", ".join(f"'{s}'" for s in sheets)
    if sheet is None:
        return sheets[0]
    if isinstance(sheet, int) and not isinstance(sheet, bool):
        if 0 <= sheet < len(sheets):
            return sheets[sheet]
        raise DataError(
            f"'{name}' has {len(sheets)} sheet(s), so there is no sheet number {sheet} "
            f"(counted from 0); its sheets are {listing}."
        )
    if sheet not in sheets:
        raise DataError(
            f"'{name}' has no sheet '{sheet}'{did_you_mean(str(sheet), sheets)}; "
            f"its sheets are {listing}."
        )
    return str(sheet)


def _read_spss(path: Path, digest: str) -> RawData:
    import pyreadstat

    reader = pyreadstat.read_sav
    try:
        frame, meta = reader(str(path), user_missing=True)
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError, OSError, ValueError) as exc:
        raise _corrupt(path, "an SPSS file", exc) from exc
    frame = pd.DataFrame(frame)
    names = [str(c) for c in frame.columns]
    _check_duplicates(names, path.name)
    counts: dict[str, int] = {}
    declared: dict[str, list[Any]] = {}
    for table in (meta.missing_ranges, meta.missing_user_values):
        for col, entries in (table or {}).items():
            declared.setdefault(str(col), []).extend(entries)
    for col, entries in declared.items():
        if col not in frame.columns:
            continue
        mask = _user_missing_mask(frame[col], entries)
        n = int(mask.sum())
        if n:
            frame.loc[mask, col] = float("nan")
            counts[col] = n
    diags = []
    if counts:
        per_col = ", ".join(f"{c} {n}" for c, n in counts.items())
        diags.append(
            Diagnostic(
                "info",
                "spss_user_missing",
                f"{sum(counts.values())} values that '{path.name}' declares as user-missing "
                f"were read as missing: {per_col}.",
                DataWarning,
            )
        )
    labels = {str(c): dict(v) for c, v in (meta.variable_value_labels or {}).items()}
    col_labels = {str(c): str(lab) for c, lab in (meta.column_names_to_labels or {}).items() if lab}
    return RawData(
        frame,
        path.name,
        digest,
        "spss",
        value_labels=labels,
        diagnostics=tuple(diags),
        path=path,
        column_labels=col_labels,
    )


def _user_missing_mask(s: pd.Series, entries: Iterable[Any]) -> pd.Series:
    """Cells of ``s`` that match SPSS user-missing values (``{"lo", "hi"}`` ranges or values)."""
    mask = pd.Series(False, index=s.index)
    numeric = pd.api.types.is_numeric_dtype(s)
    for entry in entries:
        lo, hi = (entry.get("lo"), entry.get("hi")) if isinstance(entry, dict) else (entry, entry)
        if numeric and isinstance(lo, int | float) and isinstance(hi, int | float):
            mask |= (s >= lo) & (s <= hi)
        elif not numeric and isinstance(lo, str):
            mask |= s == lo
    return mask


def _read_parquet(path: Path, digest: str) -> RawData:
    pa = importlib.import_module("pyarrow")

    try:
        frame = pd.read_parquet(path, engine="pyarrow")
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise _corrupt(path, "a Parquet file", exc) from exc
    names = [str(c) for c in frame.columns]
    _check_duplicates(names, path.name)
    frame.columns = pd.Index(names, dtype=object)
    return RawData(frame, path.name, digest, "parquet", path=path)
