"""Reading CSV files for the command line: :mod:`imbweight.cli._read` and
:mod:`imbweight.cli._columns`, on real files written to a temporary folder."""

import bz2
import csv
import gzip
import os
import threading

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from imbweight.cli._errors import UserError
from imbweight.cli._read import load_csv, read_target


def write_csv(path, header, rows, delimiter=",", encoding="utf-8"):
    with path.open("w", newline="", encoding=encoding) as stream:
        writer = csv.writer(stream, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read(path, target="label", **kwargs):
    """``load_csv``: the dataset and the warnings it gave."""
    warnings = []
    data = load_csv(path, target, warn=warnings.append, **kwargs)
    return data, warnings


def labels(n=40):
    """An imbalanced binary target."""
    return ["yes" if i % 4 == 0 else "no" for i in range(n)]


# ------------------------------------------------------------------ labels
def test_integer_labels_above_2_53_and_2_63_stay_distinct(tmp_path):
    # Read through floats, 2**53 + 1 becomes 2**53; 20-digit account
    # numbers do not fit int64 at all.
    codes = [2**53 + 1, 2**53, 2**64 - 1, 2**63]
    rows = [[str(i), str(codes[i % 4])] for i in range(40)]
    path = write_csv(tmp_path / "big.csv", ["x", "label"], rows)
    y = read_target(path, "label")
    assert y.dtype == np.uint64
    assert sorted(np.unique(y).tolist()) == sorted(codes)
    data, _ = read(path)
    np.testing.assert_array_equal(data.y, y)
    small = write_csv(tmp_path / "small.csv", ["label"], [[str(2**53 + 1)], ["-3"]])
    assert read_target(small, "label").tolist() == [2**53 + 1, -3]


def test_integer_labels_beyond_64_bits_are_kept_as_text(tmp_path):
    rows = [[str(i), str(10**25 + i % 2)] for i in range(10)]
    path = write_csv(tmp_path / "huge.csv", ["x", "label"], rows)
    assert sorted(set(read_target(path, "label").tolist())) == [
        str(10**25),
        str(10**25 + 1),
    ]


def test_true_false_labels_are_booleans_as_pandas_reads_them(tmp_path):
    spellings = ["True", "false", "TRUE", "False"]
    rows = [[str(i), spellings[i % 4]] for i in range(40)]
    data, _ = read(write_csv(tmp_path / "b.csv", ["x", "label"], rows))
    assert data.y.dtype == bool
    assert data.y.tolist() == [i % 4 in (0, 2) for i in range(40)]


def test_labels_differing_only_in_case_are_kept_with_a_warning(tmp_path):
    target = ["YES", "Yes", "no", "No", "no", "maybe"] * 5
    rows = [[str(i), label] for i, label in enumerate(target)]
    path = write_csv(tmp_path / "case.csv", ["x", "label"], rows)
    data, warnings = read(path)
    assert sorted(set(data.y.tolist())) == ["No", "YES", "Yes", "maybe", "no"]
    assert warnings == [
        "labels of the target 'label' differ only in case: 'No' and 'no'; 'YES' "
        "and 'Yes'; they are kept as different classes (fix the file to merge them)"
    ]


# ---------------------------------------------------------------- features
def test_repeated_header_names_are_read_with_a_warning(tmp_path):
    rows = [[str(i), str(2 * i), str(i % 3), label] for i, label in enumerate(labels())]
    path = write_csv(tmp_path / "twice.csv", ["a", "a", "b", "label"], rows)
    data, warnings = read(path)
    assert data.feature_names == ["a", "a", "b"]
    assert data.X[:, 1].tolist() == [2.0 * i for i in range(40)]
    assert [w for w in warnings if "repeats" in w] == [
        "the header repeats the name(s) 'a': each such column is a feature of its "
        "own (a saved model takes them as pandas names them, the second 'name.1')"
    ]


def test_dates_become_days_since_1970(tmp_path):
    iso = ["2021-03-04", "2021-03-05T12:00:00", "1970/01/02", ""]
    day_first = ["13/01/2020", "01/02/2020", "02.03.2020", "31-12-1999"]
    ambiguous = ["03/04/2021", "04/03/2021", "01/02/2021", "02/01/2021"]
    rows = [
        [iso[i % 4], day_first[i % 4], ambiguous[i % 4], label]
        for i, label in enumerate(labels())
    ]
    header = ["signup", "visit", "when", "label"]
    data, warnings = read(write_csv(tmp_path / "dates.csv", header, rows))
    assert data.feature_names == ["signup", "visit"]
    signup, visit = data.X[:4, 0], data.X[:4, 1]
    np.testing.assert_array_equal(signup[[0, 2]], [18690.0, 1.0])
    assert signup[1] == 18691.5 and np.isnan(signup[3])
    # 13/01 can only be day first, so 01/02/2020 is the first of February
    np.testing.assert_array_equal(visit, [18274.0, 18293.0, 18323.0, 10956.0])
    assert warnings[:2] == [
        "dropped column(s) of dates whose day and month order is ambiguous (as in "
        "03/04/2021); write them as 2021-04-03: when",
        "read as dates, in days since 1970-01-01: signup, visit",
    ]
    assert data.origin == (
        "read dates.csv: 40 rows, 4 columns; target 'label'; features: 2 date; "
        "dropped: when"
    )


def test_every_double_reads_back_as_itself(tmp_path):
    # pandas < 3's default parser is off by a few units in the last place on
    # about a third of these; 0.04686213668901473 is one hypothesis found
    values = np.random.default_rng(0).standard_normal(len(labels()))
    values[0] = 0.04686213668901473
    rows = [[repr(float(v)), label] for v, label in zip(values, labels(), strict=True)]
    data, _ = read(write_csv(tmp_path / "t.csv", ["x", "label"], rows))
    np.testing.assert_array_equal(data.X[:, 0], values)


def test_numbers_with_thousands_separators_or_decimal_commas(tmp_path):
    amounts = ["1,234.50", "12.5", "-1,000,000", "7"]
    rows = [[amounts[i % 4], str(i), label] for i, label in enumerate(labels())]
    data, warnings = read(
        write_csv(tmp_path / "us.csv", ["amount", "x", "label"], rows)
    )
    np.testing.assert_array_equal(data.X[:4, 0], [1234.5, 12.5, -1e6, 7.0])
    assert warnings == [
        "read as numbers, thousands separators removed ('1,234.5' as 1234.5): amount"
    ]

    prices = ["45,06", "1.234,5", "-3", "0,5"]
    rows = [[prices[i % 4], "1,234", label] for i, label in enumerate(labels())]
    path = write_csv(tmp_path / "eu.csv", ["price", "count", "label"], rows, ";")
    data, warnings = read(path)
    np.testing.assert_array_equal(data.X[:4, 0], [45.06, 1234.5, -3.0, 0.5])
    # "1,234" alone could be either; ";" between fields says decimal comma
    np.testing.assert_array_equal(data.X[:4, 1], 1.234)
    assert warnings == [
        "read as numbers with decimal commas ('45,06' as 45.06): price, count"
    ]


def test_identifier_columns_are_dropped_with_a_warning(tmp_path):
    rows = [
        [str(i), str(1000 + 7 * i), f"{i % 3}.5", str(i % 5), f"c{i % 150}", label]
        for i, label in enumerate(labels(600))
    ]
    header = ["", "customer_id", "paid", "weekday", "city", "label"]
    data, warnings = read(write_csv(tmp_path / "ids.csv", header, rows))
    assert data.feature_names == ["paid", "weekday"]
    assert warnings == [
        "dropped text column(s) with too many distinct values to one-hot encode "
        "(over 100, under 5 rows each on average): city",
        "dropped integer column(s) that look like identifiers (every value "
        "distinct, and named like an id, or not named): column 1, customer_id",
    ]
    assert data.origin == (
        "read ids.csv: 600 rows, 6 columns; target 'label'; features: 2 numeric; "
        "dropped: city, column 1, customer_id"
    )


def test_a_value_too_large_to_compute_with_is_refused(tmp_path):
    rows = [
        [str(i), "1.797e308" if i == 5 else str(i), "a" if i % 3 else "b"]
        for i in range(30)
    ]
    path = write_csv(tmp_path / "sentinel.csv", ["x", "y", "label"], rows)
    with pytest.raises(UserError) as error:
        read(path)
    assert str(error.value) == (
        f"{path}, line 7: column 'y' holds 1.797e+308, too large to compute with "
        "(a placeholder for a missing value? leave such cells empty to have them "
        "imputed)"
    )


# ------------------------------------------------------ separators and more
def test_sep_encoding_and_drop(tmp_path):
    rows = [
        [f"{i}.5", "é" if i % 2 else "è", str(i % 3), label]
        for i, label in enumerate(labels())
    ]
    header = ["x", "accent", "leak", "label"]
    path = write_csv(tmp_path / "latin.csv", header, rows, "|", "latin-1")
    with pytest.raises(
        UserError,
        match="not a UTF-8 text file; expected a CSV file "
        r"\(for text in another encoding, pass it with --encoding",
    ):
        read(path, sep="|")
    data, _ = read(path, sep="|", encoding="latin-1", drop=["leak"])
    assert data.feature_names == ["x", "accent"]
    assert data.origin.endswith("features: 1 numeric, 1 categorical; dropped: leak")
    for drop, message in (
        (["nope"], "--drop: .* has no column 'nope'"),
        (["label"], "--drop names the target 'label'"),
    ):
        with pytest.raises(UserError, match=message):
            read(path, sep="|", encoding="latin-1", drop=drop)
    with pytest.raises(UserError, match="is not text in the encoding ascii"):
        read(path, sep="|", encoding="ascii")


def test_utf16_with_a_bom_is_read_without_being_told(tmp_path):
    # What spreadsheets save as "Unicode text": UTF-16, tab-separated.
    rows = [
        [f"{i}.5", "é" if i % 2 else "è", label] for i, label in enumerate(labels())
    ]
    path = write_csv(
        tmp_path / "u16.csv", ["x", "accent", "label"], rows, "\t", "utf-16"
    )
    data, _ = read(path)
    assert data.feature_names == ["x", "accent"] and data.y[0] == "yes"


def test_rows_longer_than_the_header(tmp_path):
    # pandas would make the extra leading values an index and shift every
    # column by one: the labels would silently be the last values.
    path = tmp_path / "extra.csv"
    path.write_text("x,y,label\n\n1,2,a,9\n3,4,b,9\n")
    with pytest.raises(UserError) as error:
        read(path)
    assert str(error.value) == (
        f"{path}, line 3: 4 fields where the header has 3 (a separator inside a "
        "value? quote the value, or choose --sep)"
    )
    # A separator closing every line (as some exports write) is harmless.
    path.write_text("x,y,label\n1,2,a,\n3,4,b,\n")
    data, _ = read(path)
    assert data.X.tolist() == [[1, 2], [3, 4]] and data.y.tolist() == ["a", "b"]


def test_a_pipe_is_read_once_and_whole(tmp_path):
    # --csv <(zcat data.csv.gz): the reader looks at the start of the file
    # first; a pipe cannot be opened twice, so it must keep what it read.
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    text = "x,label\n" + "".join(f"{i}.5,{'ab'[i % 2]}\n" for i in range(30))
    writer = threading.Thread(target=fifo.write_text, args=(text,))
    writer.start()
    try:
        data, _ = read(fifo)
    finally:
        writer.join()
    assert data.X.shape == (30, 1) and data.y.tolist() == ["a", "b"] * 15


@pytest.mark.parametrize(
    ("module", "kind", "tool"), [(gzip, "gzip", "gunzip"), (bz2, "bzip2", "bunzip2")]
)
def test_a_compressed_file_says_to_decompress_it(tmp_path, module, kind, tool):
    path = tmp_path / "data.csv.z"
    path.write_bytes(module.compress(b"x,label\n1,a\n2,b\n"))
    with pytest.raises(UserError) as error:
        read(path)
    assert str(error.value) == (
        f"{path} is a {kind}-compressed file: decompress it first ({tool} data.csv.z)"
    )


# ------------------------------------------------- property-based: any file
# Real files through the real reader: every separator and encoding the
# reader supports, quoting styles, missing-value spellings, label types.
# A few dozen examples each keep the suite quick; deadline=None because a
# loaded CI machine must not fail a test for being slow.
SEPARATORS = [",", ";", "\t", "|"]
ENCODINGS = ["utf-8", "utf-8-sig", "latin-1", "utf-16"]
QUOTING = [csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]
MISSING_CELLS = ["", "NA", "?", "null", " nan ", "None", "N/A"]
LABEL_POOLS = [
    ["0", "1"],
    ["-1", "1", "7"],
    ["yes", "no"],
    ["chat", "chien", "oiseau ü"],
    ["a,b", 'say "hi"', "x;y", "tab\there"],
    ["12345678901234567890", "12345678901234567891"],
]
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def write_any(path, header, rows, sep, encoding, quoting):
    """Write ``rows`` as Python's csv module would, in any dialect."""
    with path.open("w", newline="", encoding=encoding) as stream:
        writer = csv.writer(stream, delimiter=sep, quoting=quoting)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@st.composite
def numeric_tables(draw):
    """Float columns with missing cells, and a label column."""
    n_rows = draw(st.integers(2, 25))
    n_cols = draw(st.integers(1, 4))
    number = st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False)
    columns = [
        draw(st.lists(st.one_of(number, st.none()), min_size=n_rows, max_size=n_rows))
        for _ in range(n_cols)
    ]
    pool = draw(st.sampled_from(LABEL_POOLS))
    label = st.one_of(st.sampled_from(pool), st.none())
    y = draw(st.lists(label, min_size=n_rows, max_size=n_rows))
    assume(any(value is not None for value in y))
    missing = draw(st.sampled_from(MISSING_CELLS))
    return columns, y, missing


@SETTINGS
@given(
    table=numeric_tables(),
    sep=st.sampled_from(SEPARATORS),
    encoding=st.sampled_from(ENCODINGS),
    quoting=st.sampled_from(QUOTING),
    give_sep=st.booleans(),
)
def test_any_dialect_reads_back_the_numbers_and_labels(
    tmp_path_factory, table, sep, encoding, quoting, give_sep
):
    columns, y, missing = table
    header = [f"f{j}" for j in range(len(columns))] + ["label"]
    rows = [
        [missing if col[i] is None else repr(col[i]) for col in columns]
        + [missing if y[i] is None else y[i]]
        for i in range(len(y))
    ]
    if quoting == csv.QUOTE_NONNUMERIC:  # quotes every string, so numbers too
        rows = [
            [float(c) if c[:1].isdigit() or c[:1] == "-" else c for c in r[:-1]]
            + [r[-1]]
            for r in rows
        ]
    path = write_any(
        tmp_path_factory.mktemp("any") / "t.csv", header, rows, sep, encoding, quoting
    )
    labelled = [i for i, label in enumerate(y) if label is not None]
    # a column without a value in a labelled row is dropped as empty
    kept = [
        j for j, col in enumerate(columns) if any(col[i] is not None for i in labelled)
    ]
    sniffable = sep in ",;\t"
    options = dict(encoding=encoding, sep=sep if give_sep or not sniffable else None)
    if not kept:
        with pytest.raises(UserError, match="has no feature column"):
            read(path, **options)
        return
    data, warnings = read(path, **options)
    assert all("\n" not in message for message in warnings)
    assert data.feature_names == [header[j] for j in kept]
    expected = np.array(
        [
            [np.nan if columns[j][i] is None else columns[j][i] for j in kept]
            for i in labelled
        ]
    )
    # repr() of a double reads back as the same double
    np.testing.assert_array_equal(data.X, expected)
    written = [y[i] for i in labelled]
    if all(label.lstrip("-").isdigit() for label in written):
        assert data.y.tolist() == [int(label) for label in written]
    else:
        assert data.y.tolist() == [label.strip() for label in written]
    y_only = read_target(path, "label", warn=warnings.append, **options)
    assert y_only.tolist() == data.y.tolist()


CELL_TEXT = st.text(
    st.characters(codec="utf-8", exclude_characters="\x00\r"), max_size=8
)


@SETTINGS
@given(
    header=st.lists(
        st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=6),
        min_size=1,
        max_size=4,
    ),
    cells=st.lists(st.lists(CELL_TEXT, min_size=0, max_size=5), max_size=12),
    sep=st.sampled_from(SEPARATORS),
    quoting=st.sampled_from([*QUOTING, None]),
    pick=st.integers(0, 5),
)
def test_any_file_gives_a_dataset_or_one_line(
    tmp_path_factory, header, cells, sep, quoting, pick
):
    # Ragged rows, stray quotes, newlines in cells, any text: the reader
    # returns a Dataset or raises UserError with one line; nothing else.
    path = tmp_path_factory.mktemp("junk") / "junk.csv"
    if quoting is None:  # written by hand: quotes and separators unescaped
        text = "\n".join(sep.join(row) for row in [header, *cells])
        path.write_text(text, encoding="utf-8")
    else:
        write_any(path, header, cells, sep, "utf-8", quoting)
    target = header[pick] if pick < len(header) else "target"
    warnings = []
    try:
        data = load_csv(path, target, warn=warnings.append)
    except UserError as error:
        assert "\n" not in str(error) and str(error)
    else:
        assert data.X.shape[0] == data.y.shape[0] > 0
        assert data.X.dtype == np.float64
    assert all("\n" not in message for message in warnings)
