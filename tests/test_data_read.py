"""Reading survey data: every supported format, detection of delimiter/decimal/encoding, errors."""

from __future__ import annotations

import codecs
import hashlib
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sem_csat.data import EXTENSIONS, RawData, read_data
from sem_csat.errors import DataError


def codes(raw: RawData) -> list[str]:
    return [d.code for d in raw.diagnostics]


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# ---------------------------------------------------------------------------- text files
def test_comma_csv_reads_numbers_and_text(tmp_path: Path) -> None:
    p = write(tmp_path / "survey.csv", '"q1","q2","group"\n1,2,"a"\n3,4,"b"\n')
    raw = read_data(p)
    assert raw.format == "csv"
    assert raw.sep == ","
    assert raw.decimal == "."
    assert raw.source == "survey.csv"
    assert raw.path == p
    assert raw.frame["q1"].tolist() == [1, 3]
    assert raw.frame["group"].tolist() == ["a", "b"]
    assert raw.sha256 == hashlib.sha256(p.read_bytes()).hexdigest()
    assert raw.value_labels == {}
    assert "csv_format" in codes(raw)


def test_semicolon_csv_with_decimal_comma(tmp_path: Path) -> None:
    p = write(tmp_path / "eu.csv", "q1;q2;q3\n3,5;4;7\n1;2,25;6\n5;5;5\n")
    raw = read_data(p)
    assert (raw.sep, raw.decimal) == (";", ",")
    assert raw.frame["q1"].tolist() == [3.5, 1.0, 5.0]
    assert raw.frame["q2"].tolist() == [4.0, 2.25, 5.0]
    note = next(d for d in raw.diagnostics if d.code == "csv_format")
    assert "semicolon" in note.message
    assert "decimal comma" in note.message


def test_semicolon_csv_with_decimal_point(tmp_path: Path) -> None:
    raw = read_data(write(tmp_path / "s.csv", "q1;q2\n3.5;4\n1;2\n"))
    assert (raw.sep, raw.decimal) == (";", ".")
    assert raw.frame["q1"].tolist() == [3.5, 1.0]


@pytest.mark.parametrize("suffix", [".tsv", ".txt", ".tab"])
def test_tab_separated(tmp_path: Path, suffix: str) -> None:
    raw = read_data(write(tmp_path / f"t{suffix}", "q1\tq2\n1\t2\n3\t4\n"))
    assert raw.sep == "\t"
    assert raw.format == "tsv"
    assert raw.frame.columns.tolist() == ["q1", "q2"]


def test_pipe_separated(tmp_path: Path) -> None:
    raw = read_data(write(tmp_path / "p.txt", "q1|q2\n1|2\n3|4\n"))
    assert raw.sep == "|"
    assert raw.frame.shape == (2, 2)


def test_quoted_decimal_commas_in_comma_file(tmp_path: Path) -> None:
    raw = read_data(write(tmp_path / "q.csv", 'q1,q2\n"3,5","4,5"\n1,2\n'))
    assert raw.decimal == ","
    assert raw.frame["q1"].tolist() == [3.5, 1.0]


def test_commas_inside_quoted_text_do_not_fool_the_sniffer(tmp_path: Path) -> None:
    text = 'id;comment;q1\n1;"good, fast";5\n2;"slow, rude, late";2\n3;"ok";4\n'
    raw = read_data(write(tmp_path / "c.csv", text))
    assert raw.sep == ";"
    assert raw.frame["comment"].tolist() == ["good, fast", "slow, rude, late", "ok"]


def test_explicit_sep_and_decimal_are_used(tmp_path: Path) -> None:
    p = write(tmp_path / "x.csv", "a;b\n1,5;2\n")
    raw = read_data(p, sep=";", decimal=".")
    assert raw.frame["a"].tolist() == ["1,5"]
    assert "csv_format" not in codes(raw)
    assert read_data(p, sep="semicolon", decimal=",").frame["a"].tolist() == [1.5]
    assert read_data(write(tmp_path / "t.txt", "a\tb\n1\t2\n"), sep="tab").sep == "\t"


def test_single_column_file(tmp_path: Path) -> None:
    raw = read_data(write(tmp_path / "one.csv", "q1\n1\n2\n3\n"))
    assert raw.frame.columns.tolist() == ["q1"]
    assert raw.frame["q1"].tolist() == [1, 2, 3]


def test_utf8_bom_is_removed_from_first_column_name(tmp_path: Path) -> None:
    p = tmp_path / "bom.csv"
    p.write_bytes(codecs.BOM_UTF8 + "Zufriedenheit,Qualität\n1,2\n".encode())
    raw = read_data(p)
    assert raw.frame.columns.tolist() == ["Zufriedenheit", "Qualität"]
    assert raw.encoding == "utf-8-sig"
    assert "encoding_fallback" not in codes(raw)


def test_utf16_unicode_text_from_excel(tmp_path: Path) -> None:
    p = tmp_path / "unicode.txt"
    p.write_bytes("Qualität\tq2\n1\t2\n".encode("utf-16"))
    raw = read_data(p)
    assert raw.frame.columns.tolist() == ["Qualität", "q2"]
    assert raw.encoding == "utf-16"


def test_latin1_file_falls_back_with_info(tmp_path: Path) -> None:
    p = write(tmp_path / "latin.csv", "Qualität;Zufriedenheit\n1;2\n", encoding="latin-1")
    raw = read_data(p)
    assert raw.frame.columns.tolist() == ["Qualität", "Zufriedenheit"]
    diag = next(d for d in raw.diagnostics if d.code == "encoding_fallback")
    assert diag.severity == "info"
    assert "latin.csv" in diag.message
    assert "UTF-8" in diag.message


def test_header_spaces_are_removed_with_info(tmp_path: Path) -> None:
    raw = read_data(write(tmp_path / "h.csv", " q1 ,q2\n1,2\n"))
    assert raw.frame.columns.tolist() == ["q1", "q2"]
    assert "header_whitespace" in codes(raw)


def test_empty_header_cells_get_a_name(tmp_path: Path) -> None:
    raw = read_data(write(tmp_path / "e.csv", "q1,,q3\n1,2,3\n"))
    assert raw.frame.columns.tolist() == ["q1", "Unnamed: 1", "q3"]


def test_usual_missing_markers_are_missing(tmp_path: Path) -> None:
    raw = read_data(write(tmp_path / "m.csv", "q1,q2\n1,\nNA,3\n4,5\n"))
    assert raw.frame["q1"].isna().tolist() == [False, True, False]
    assert raw.frame["q2"].isna().tolist() == [True, False, False]


def test_duplicate_columns_in_csv(tmp_path: Path) -> None:
    p = write(tmp_path / "dup.csv", "CUSA1,CUSA2,CUSA1\n1,2,3\n")
    with pytest.raises(DataError, match=r"'dup\.csv'.*'CUSA1' \(columns 1, 3\)"):
        read_data(p)


def test_ragged_line_names_line_and_fields(tmp_path: Path) -> None:
    p = write(tmp_path / "ragged.csv", "q1,q2\n1,2\n3,4,5\n")
    with pytest.raises(
        DataError, match=r"Line 3 of 'ragged\.csv' has 3 fields but the header has 2"
    ):
        read_data(p)


@pytest.mark.parametrize(
    ("content", "pattern"),
    [
        (b"", r"'.*empty\.csv' is empty \(0 bytes\)"),
        (b"\n\n  \n", r"empty\.csv' is empty \(it holds only blank lines\)"),
        (b"q1,q2\n", r"'empty\.csv' holds column names but no data rows"),
        (b"q1,q2\x00\x01\x02\n", r"'empty\.csv' does not look like a text file"),
    ],
)
def test_empty_or_binary_text_files(tmp_path: Path, content: bytes, pattern: str) -> None:
    p = tmp_path / "empty.csv"
    p.write_bytes(content)
    with pytest.raises(DataError, match=pattern):
        read_data(p)


# ---------------------------------------------------------------------------- paths
def test_missing_file_suggests_close_name(tmp_path: Path) -> None:
    write(tmp_path / "survey_2024.csv", "q1\n1\n")
    with pytest.raises(DataError, match=r"survey_2023\.csv' does not exist \(did you mean "):
        read_data(tmp_path / "survey_2023.csv")


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"there is no folder"):
        read_data(tmp_path / "nowhere" / "x.csv")


def test_folder_instead_of_file(tmp_path: Path) -> None:
    write(tmp_path / "a.csv", "q1\n1\n")
    with pytest.raises(DataError, match=r"is a folder, not a data file.*'a\.csv'"):
        read_data(tmp_path)


def test_unknown_extension_lists_supported(tmp_path: Path) -> None:
    p = write(tmp_path / "data.xyz", "q1\n1\n")
    with pytest.raises(DataError, match=r"'data\.xyz' has the extension '\.xyz'") as info:
        read_data(p)
    for ext in EXTENSIONS:
        assert ext in str(info.value)


def test_old_excel_gets_advice(tmp_path: Path) -> None:
    p = tmp_path / "old.xls"
    p.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(DataError, match=r"save it as \.xlsx or CSV"):
        read_data(p)


def test_wrong_source_type() -> None:
    with pytest.raises(DataError, match="path of a data file or a pandas DataFrame"):
        read_data(42)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"sep": "ab"}, "sep must be one delimiter character"),
        ({"decimal": ";"}, "decimal must be '.' or ','"),
        ({"sheet": "Data"}, "sheet= only applies to Excel files"),
        ({"na_values": [True]}, "na_values must hold numbers or texts"),
    ],
)
def test_bad_options(tmp_path: Path, kwargs: dict[str, object], pattern: str) -> None:
    p = write(tmp_path / "x.csv", "q1\n1\n")
    with pytest.raises(DataError, match=pattern):
        read_data(p, **kwargs)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- Excel
@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    p = tmp_path / "survey.xlsx"
    with pd.ExcelWriter(p, engine="openpyxl") as xw:
        pd.DataFrame({"x": [0]}).to_excel(xw, sheet_name="Notes", index=False)
        pd.DataFrame({"q1": [1, 2, 3], "q2": [4, "n.a.", 6]}).to_excel(
            xw, sheet_name="Data", index=False
        )
    return p


def test_excel_first_sheet_by_default(workbook: Path) -> None:
    raw = read_data(workbook)
    assert raw.format == "excel"
    assert raw.sheet == "Notes"
    assert raw.frame.columns.tolist() == ["x"]
    assert raw.sha256 == hashlib.sha256(workbook.read_bytes()).hexdigest()


@pytest.mark.parametrize("sheet", ["Data", 1])
def test_excel_sheet_by_name_or_position(workbook: Path, sheet: str | int) -> None:
    raw = read_data(workbook, sheet=sheet)
    assert raw.sheet == "Data"
    assert raw.frame["q1"].tolist() == [1, 2, 3]
    assert pd.api.types.is_integer_dtype(raw.frame["q1"])
    assert raw.frame["q2"].tolist() == [4, "n.a.", 6]


def test_excel_bad_sheet_lists_sheets(workbook: Path) -> None:
    with pytest.raises(
        DataError, match=r"no sheet 'data' \(did you mean 'Data'\?\).*'Notes', 'Data'"
    ):
        read_data(workbook, sheet="data")
    with pytest.raises(DataError, match=r"no sheet number 5 .*'Notes', 'Data'"):
        read_data(workbook, sheet=5)


def test_excel_duplicate_columns_named_by_letter(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["q1", "q2", "q1"])
    ws.append([1, 2, 3])
    p = tmp_path / "dup.xlsx"
    wb.save(p)
    with pytest.raises(DataError, match=r"'dup\.xlsx'.*'q1' \(columns A, C\)"):
        read_data(p)


def test_excel_empty_sheet(tmp_path: Path) -> None:
    from openpyxl import Workbook

    p = tmp_path / "blank.xlsx"
    Workbook().save(p)
    with pytest.raises(DataError, match=r"Sheet 'Sheet' of 'blank\.xlsx' is empty"):
        read_data(p)


def test_excel_sep_is_rejected(workbook: Path) -> None:
    with pytest.raises(DataError, match="only apply to text files"):
        read_data(workbook, sep=";")


# ---------------------------------------------------------------------------- SPSS
@pytest.fixture
def sav(tmp_path: Path) -> Path:
    df = pd.DataFrame(
        {
            "q1": [1.0, 2.0, -99.0, 98.0, 5.0, 4.0],
            "q2": [1.0, 2.0, 3.0, 4.0, -9.0, 2.0],
            "name": ["a", "b", "c", "d", "e", "f"],
        }
    )
    p = tmp_path / "survey.sav"
    pyreadstat.write_sav(
        df,
        str(p),
        column_labels=["How satisfied are you?", "Would you recommend us?", "Name"],
        variable_value_labels={"q1": {1.0: "very bad", 5.0: "very good", -99.0: "no answer"}},
        missing_ranges={"q1": [-99.0, {"lo": 97.0, "hi": 99.0}], "q2": [-9.0]},
    )
    return p


def test_spss_value_labels_kept_and_values_numeric(sav: Path) -> None:
    raw = read_data(sav)
    assert raw.format == "spss"
    assert pd.api.types.is_float_dtype(raw.frame["q1"])
    assert raw.value_labels["q1"][1.0] == "very bad"
    assert raw.value_labels["q1"][5.0] == "very good"
    assert raw.column_labels["q1"] == "How satisfied are you?"


def test_spss_user_missing_values_and_ranges_become_nan(sav: Path) -> None:
    raw = read_data(sav)
    assert raw.frame["q1"].isna().tolist() == [False, False, True, True, False, False]
    assert raw.frame["q2"].isna().tolist() == [False, False, False, False, True, False]
    diag = next(d for d in raw.diagnostics if d.code == "spss_user_missing")
    assert diag.severity == "info"
    assert "q1 2" in diag.message
    assert "q2 1" in diag.message
    assert "survey.sav" in diag.message


def test_zsav_is_read(tmp_path: Path) -> None:
    p = tmp_path / "c.zsav"
    pyreadstat.write_sav(pd.DataFrame({"q1": [1.0, 2.0]}), str(p), compress=True)
    raw = read_data(p)
    assert raw.frame["q1"].tolist() == [1.0, 2.0]
    assert "spss_user_missing" not in codes(raw)


# ---------------------------------------------------------------------------- Parquet
@pytest.mark.parametrize("suffix", [".parquet", ".pq"])
def test_parquet(tmp_path: Path, suffix: str) -> None:
    p = tmp_path / f"s{suffix}"
    pd.DataFrame({"q1": [1, 2], "q2": [0.5, np.nan]}).to_parquet(p)
    raw = read_data(p)
    assert raw.format == "parquet"
    assert raw.frame["q1"].tolist() == [1, 2]
    assert raw.sha256 == hashlib.sha256(p.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------- corrupt files
def _zip_without_workbook(p: Path) -> None:
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("a.txt", "x")


@pytest.mark.parametrize(
    ("name", "what"),
    [
        ("broken.xlsx", "an Excel workbook"),
        ("zipped.xlsx", "an Excel workbook"),
        ("broken.sav", "an SPSS file"),
        ("broken.parquet", "a Parquet file"),
    ],
)
def test_corrupt_files_raise_data_error(tmp_path: Path, name: str, what: str) -> None:
    p = tmp_path / name
    if name == "zipped.xlsx":
        _zip_without_workbook(p)
    else:
        p.write_bytes(b"this is not what the extension says " * 20)
    with pytest.raises(DataError, match=rf"'{name}' cannot be read as {what}"):
        read_data(p)


# ---------------------------------------------------------------------------- DataFrame
def test_dataframe_is_copied_never_changed() -> None:
    df = pd.DataFrame({"q1": [1, -99, 3], "q2": ["4", "x", "6"]})
    before = df.copy()
    raw = read_data(df, na_values=[-99, "x"])
    raw.frame.loc[0, "q1"] = 100.0
    pd.testing.assert_frame_equal(df, before)
    assert raw.format == "dataframe"
    assert raw.source == "<DataFrame>"
    assert raw.sha256 is None


def test_dataframe_column_names_become_text() -> None:
    raw = read_data(pd.DataFrame({1: [1], 2: [2]}))
    assert raw.frame.columns.tolist() == ["1", "2"]


def test_dataframe_duplicate_and_multiindex_columns() -> None:
    dup = pd.DataFrame([[1, 2]], columns=["q1", "q1"])
    with pytest.raises(DataError, match=r"The DataFrame has several columns.*'q1'"):
        read_data(dup)
    multi = pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("a", "x"), ("a", "y")]))
    with pytest.raises(DataError, match="MultiIndex"):
        read_data(multi)
    with pytest.raises(DataError, match="only apply when reading a file"):
        read_data(pd.DataFrame({"q1": [1]}), sep=";")


# ---------------------------------------------------------------------------- na_values
def test_na_values_numbers_and_texts_in_a_file(tmp_path: Path) -> None:
    p = write(tmp_path / "codes.csv", "q1,q2,q3\n1,-99,x\n999,2,k.A.\n3,4,5\n")
    data = p.read_bytes()
    raw = read_data(p, na_values=[-99, 999, "k.A."])
    assert raw.frame["q1"].isna().tolist() == [False, True, False]
    assert raw.frame["q2"].isna().tolist() == [True, False, False]
    assert raw.frame["q3"].isna().tolist() == [False, True, False]
    diag = next(d for d in raw.diagnostics if d.code == "na_values_applied")
    assert "3 cells" in diag.message
    assert raw.na_values == (-99, 999, "k.A.")
    assert p.read_bytes() == data


def test_na_values_not_found_is_info_only() -> None:
    raw = read_data(pd.DataFrame({"q1": [1, 2]}), na_values=[-99])
    diag = next(d for d in raw.diagnostics if d.code == "na_values_not_found")
    assert diag.severity == "info"
    assert "-99" in diag.message


def test_na_values_in_spss_and_excel(sav: Path, workbook: Path) -> None:
    raw = read_data(sav, na_values=[5])
    assert np.isnan(raw.frame["q1"].iloc[4])
    raw = read_data(workbook, sheet="Data", na_values=["n.a."])
    assert raw.frame["q2"].isna().tolist() == [False, True, False]


def test_repr_is_one_line(tmp_path: Path) -> None:
    raw = read_data(write(tmp_path / "r.csv", "q1\n1\n"))
    assert repr(raw) == "<RawData 'r.csv' (csv): 1 rows x 1 columns, 1 diagnostics>"
    assert raw.n_rows == 1


# ---------------------------------------------------------------------------- property test
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.lists(st.lists(st.integers(0, 10), min_size=3, max_size=3), min_size=2, max_size=12),
    sep=st.sampled_from([",", ";", "\t", "|"]),
    halves=st.booleans(),
    comma=st.booleans(),
)
def test_delimiter_and_decimal_are_detected(
    tmp_path: Path, values: list[list[int]], sep: str, halves: bool, comma: bool
) -> None:
    decimal = "," if comma and sep != "," else "."
    table = np.array(values, dtype=float) + (0.5 if halves else 0.0)
    lines = [sep.join(["q1", "q2", "q3"])]
    for row in table:
        lines.append(sep.join(f"{v:g}".replace(".", decimal) for v in row))
    p = tmp_path / "prop.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    raw = read_data(p)
    assert raw.sep == sep
    np.testing.assert_array_equal(raw.frame.to_numpy(dtype=float), table)
