"""Reading the CSV files of ``imbweight compare`` and ``imbweight weights``.

A CSV file of any kind becomes a :class:`~imbweight._compare.Dataset`: float
features (``NaN`` where a value is missing; a categorical column holds
integer category codes) and labels of any type. pandas parses the file (its
C engine: on two cores it reads a 76 MB file faster and in less memory than
the pyarrow engine, and it reports the line of a malformed row);
:mod:`imbweight.cli._columns` decides what each column is. Mistakes in the
file raise :class:`UserError`, whose message is one line meant for the user,
naming the file, the line and the column when it can.
"""

import codecs
import csv
import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.errors import EmptyDataError, ParserError, ParserWarning

from imbweight._compare import Dataset
from imbweight.cli._columns import (
    CONVERTED,
    DROPPED,
    KEPT,
    MISSING,
    BadCell,
    BadColumn,
    as_text,
    is_missing,
    parse_feature,
    parse_target,
)
from imbweight.cli._encoder import Column, ColumnEncoder, pandas_names
from imbweight.cli._errors import UserError

__all__ = ["load_csv", "pandas_options", "read_target"]

# pandas < 3 parses about a third of 17-digit decimals a few units in the last
# place away from the nearest double; the round-trip parser is exact (and
# pandas 3's default is, where the option is deprecated).
_EXACT_FLOATS = (
    {"float_precision": "round_trip"} if int(pd.__version__.split(".")[0]) < 3 else {}
)

# The spellings pandas itself turns into NaN while parsing, so that numeric
# columns stay numeric; any other case or spacing is caught afterwards.
_NA_VALUES = sorted({form for m in MISSING for form in (m, m.upper(), m.title())})

# The start of the file, read first to check that it is text and to find
# the header and the delimiter.
_HEAD_BYTES = 1 << 16
DEFAULT_ENCODING = "utf-8-sig"

_PANDAS_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _warn_default(message):
    warnings.warn(message, UserWarning, stacklevel=3)


# ---------------------------------------------------------------- the file
@dataclass
class _Source:
    """A CSV file checked to be text, with its header and delimiter."""

    path: Path
    header: list
    sep: str
    encoding: str
    size: int
    data: bytes = None
    pandas_header: list = None

    def columns(self):
        """Unique names for pandas: the header may repeat or omit names."""
        return [f"c{j}" for j in range(len(self.header))]

    def open(self):
        """The file's bytes, from the start, as a binary stream."""
        return self.path.open("rb") if self.data is None else io.BytesIO(self.data)

    def open_text(self):
        """The file's text, from the start, for Python's csv module."""
        return io.TextIOWrapper(self.open(), encoding=self.encoding, newline="")


def _not_text(path, encoding):
    if encoding == DEFAULT_ENCODING:
        return UserError(
            f"{path} is not a UTF-8 text file; expected a CSV file (for text in "
            "another encoding, pass it with --encoding, e.g. --encoding latin-1)"
        )
    return UserError(f"{path} is not text in the encoding {encoding}")


def _is_row(record):
    """Whether pandas makes a row of this record of Python's csv module.

    pandas skips the lines that are empty (``[]``) or hold only white space
    (one unquoted blank field); a quoted empty field (``[""]``) is a row.
    """
    return len(record) > 1 or (len(record) == 1 and not record[0].isspace())


_COMPRESSED = {
    b"\x1f\x8b": ("gzip", "gunzip"),
    b"BZh": ("bzip2", "bunzip2"),
    b"\xfd7zXZ\x00": ("xz", "unxz"),
    b"PK\x03\x04": ("zip", "unzip"),
}


def _head_text(path, head, encoding):
    """The start of the file as text, and its encoding; refuse a file that
    is not text."""
    for magic, (kind, tool) in _COMPRESSED.items():
        if head.startswith(magic):
            raise UserError(
                f"{path} is a {kind}-compressed file: decompress it first "
                f"({tool} {path.name})"
            )
    if encoding is None:
        # Spreadsheets save "Unicode text" as UTF-16, which starts with a BOM.
        utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        encoding = "utf-16" if utf16 else DEFAULT_ENCODING
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
    except UnicodeDecodeError:
        raise _not_text(path, encoding) from None
    if "\x00" in text:
        raise UserError(f"{path} is a binary file, not a CSV file")
    return text, encoding


def _open(path, sep=None, encoding=None):
    """Check that ``path`` is a readable text file; its header and delimiter."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"no such file: {path}")
    if path.is_dir():
        raise UserError(f"{path} is a directory, not a CSV file")
    try:
        with path.open("rb") as stream:
            head = stream.read(_HEAD_BYTES)
            text, encoding = _head_text(path, head, encoding)
            # A pipe (--csv <(zcat data.csv.gz)) can be read only once: keep
            # what it holds, now that it is known to be text.
            data = None if path.is_file() else head + stream.read()
            size = path.stat().st_size if data is None else len(data)
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}") from None
    except MemoryError:
        raise UserError(f"{path} is too large to read into memory") from None
    lines = (line for line in re.split(r"\r\n?|\n", text) if line.strip())
    first_line = next(lines, None)
    if first_line is None:
        raise UserError(f"{path} is empty")
    if sep is None:
        sep = next((d for d in ",;\t" if d in first_line), ",")
    # The first record, as pandas sees it: blank lines skipped, and a quoted
    # name may span lines.
    records = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        header = next(filter(_is_row, records), None)
    except csv.Error as error:
        raise UserError(f"{path}, line 1: not valid CSV ({error})") from None
    if header is None:
        raise UserError(f"{path} is empty")
    # Names appear in one-line messages: no line breaks in them.
    names = [re.sub(r"[\r\n\v\f]+", " ", name).strip() for name in header]
    return _Source(path, names, sep, encoding, size, data, pandas_names(header))


class _Counting(io.RawIOBase):
    """A binary file that reports how many bytes were read from it."""

    def __init__(self, stream, progress, total):
        self.stream, self.progress, self.total, self.done = stream, progress, total, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        n = self.stream.readinto(buffer)
        self.done += n
        self.progress(min(self.done, self.total), self.total)
        return n


def _frame(source, *, usecols=None, text=(), progress=None):
    """The rows of ``source`` as a DataFrame with columns ``c0, c1, ...``.

    Columns listed in ``text`` are read as strings; pandas infers the type
    of the others. ``progress(done, total)`` is called with the bytes read.
    """
    names = source.columns()
    options = dict(
        sep=source.sep,
        header=0,
        names=names,
        # Rows longer than the header must not silently become an index.
        index_col=False,
        usecols=usecols,
        dtype={names[j]: str for j in text},
        na_values=_NA_VALUES,
        keep_default_na=False,
        encoding=source.encoding,
        engine="c",
        low_memory=False,
        **_EXACT_FLOATS,
    )
    try:
        with source.open() as raw, warnings.catch_warnings():
            # pandas warns, then drops the values of rows longer than the header.
            warnings.simplefilter("error", ParserWarning)
            stream = raw
            if progress is not None and source.size:
                stream = io.BufferedReader(_Counting(raw, progress, source.size))
            frame = pd.read_csv(stream, **options)
    except UnicodeDecodeError:
        raise _not_text(source.path, source.encoding) from None
    except EmptyDataError:
        raise UserError(f"{source.path} is empty") from None
    except (ParserError, ParserWarning) as exc:
        raise UserError(_parser_error(source, exc)) from None
    except MemoryError:
        raise UserError(f"{source.path} is too large to read into memory") from None
    except OSError as exc:
        raise UserError(f"cannot read {source.path}: {exc.strerror or exc}") from None
    if frame.shape[0] == 0:
        raise UserError(f"{source.path} has a header but no data rows")
    return frame


def _records(source, *, strict=False):
    """``(line, record)`` for each row pandas reads, the header first.

    ``line`` is the line of the file on which the record starts; Python's
    csv module splits the records as pandas does.
    """
    with source.open_text() as stream:
        reader = csv.reader(stream, delimiter=source.sep, strict=strict)
        end = 0
        for record in reader:
            if _is_row(record):
                yield end + 1, record
            end = reader.line_num


def _parser_error(source, exc):
    """A one-line message for a row pandas could not parse."""
    hint = "(a separator inside a value? quote the value, or choose --sep)"
    found = _PANDAS_FIELDS.search(str(exc))
    if found:
        expected, line, saw = found.groups()
        return (
            f"{source.path}, line {line}: {saw} fields where the header has "
            f"{expected} {hint}"
        )
    width, line = len(source.header), 0
    try:
        for line, record in _records(source, strict=True):
            if len(record) > width and any(value.strip() for value in record[width:]):
                return (
                    f"{source.path}, line {line}: {len(record)} fields where the "
                    f"header has {width} {hint}"
                )
    except csv.Error as error:
        where = f"{source.path}, line {line + 1}"
        if "EOF inside string" in str(exc):
            return f"{where}: a quote opened on this line is never closed"
        return f"{where}: not valid CSV ({error})"
    return f"{source.path}: not valid CSV ({str(exc).strip().splitlines()[-1]})"


def _line_numbers(source):
    """The line of the file on which each data row (as pandas counts them) starts."""
    return np.asarray([line for line, _ in _records(source)][1:])


def _target_column(source, target, *, alone=False, progress=None):
    """The position of the column ``target`` and the rows of the file.

    ``alone`` reads that column only. The whole file is parsed before a
    missing target is reported: a file that is not valid CSV is told so
    first.
    """
    header = source.header
    found = [j for j, name in enumerate(header) if name == target]
    if len(found) > 1:
        raise UserError(
            f"{source.path}: the header names {target!r} {len(found)} times"
        )
    if not found:
        _frame(source)
        shown = ", ".join(repr(name) for name in header[:12])
        more = f" and {len(header) - 12} more" if len(header) > 12 else ""
        raise UserError(
            f"{source.path} has no column {target!r}; its columns are {shown}"
            f"{more} (choose one with --target)"
        )
    j = found[0]
    usecols = [source.columns()[j]] if alone else None
    return j, _frame(source, usecols=usecols, text=[j], progress=progress)


# ------------------------------------------------------------- the columns
def _located(source, error, rows):
    """The UserError for a BadCell or BadColumn of ``source``.

    ``rows`` are the positions, among pandas's rows, of the cells the
    column function saw.
    """
    if isinstance(error, BadCell):
        line = _line_numbers(source)[rows[error.row]]
        return UserError(f"{source.path}, line {line}: {error}")
    return UserError(str(error))


def _labels(source, name, column, warn):
    """The labels of the target column, and the mask of rows that have one."""
    cells = as_text(column)
    present = ~is_missing(cells)
    if not present.any():
        raise UserError(f"{source.path}: every value of the target {name!r} is missing")
    if not present.all():
        n_dropped = int((~present).sum())
        warn(f"dropped {n_dropped} row(s) whose target {name!r} is missing")
    try:
        return parse_target(name, cells[present], warn), present
    except (BadCell, BadColumn) as error:
        raise _located(source, error, np.flatnonzero(present)) from None


def _dropped_columns(source, drop, target):
    """Positions of the columns named by --drop."""
    positions = []
    for name in dict.fromkeys(drop):
        if name == target:
            raise UserError(f"--drop names the target {target!r}")
        found = [j for j, column in enumerate(source.header) if column == name]
        if not found:
            raise UserError(f"--drop: {source.path} has no column {name!r}")
        positions += found
    return set(positions)


def _read_summary(source, n_rows, target, kinds, dropped):
    """What was read, in one line."""
    counts = {kind: kinds.count(kind) for kind in KEPT if kind in kinds}
    features = ", ".join(f"{count} {kind}" for kind, count in counts.items())
    text = (
        f"read {source.path.name}: {n_rows} rows, {len(source.header)} columns; "
        f"target {target!r}; features: {features}"
    )
    if dropped:
        text += f"; dropped: {', '.join(dropped)}"
    return text


# ----------------------------------------------------------------- readers
def load_csv(
    path,
    target="target",
    *,
    sep=None,
    encoding=None,
    drop=(),
    warn=None,
    progress=None,
):
    """Read a CSV file with a header row into a :class:`Dataset`.

    Any column but the target is a feature. A column whose values are all
    numbers is numeric (also with thousands separators or decimal commas);
    a column of dates becomes days since 1970-01-01; a column of text is
    categorical (one-hot encoded in the pipelines). Columns that would only
    add noise (empty, identifiers, text with too many distinct values,
    dates in an ambiguous order) are dropped. Empty cells and ``NA``,
    ``N/A``, ``NaN``, ``null``, ``None``, ``?`` are missing: rows missing
    the target are dropped, missing feature values are imputed inside each
    fold. See :mod:`imbweight.cli._columns`.

    Parameters
    ----------
    path : str or Path
        The CSV file.
    target : str, default="target"
        The name of the label column. Integer labels stay integers (exactly,
        however large); other labels are kept as text.
    sep : str, default=None
        The field separator; ``None`` is the first of ``,``, ``;`` and tab
        found in the header line.
    encoding : str, default=None
        The file's text encoding; ``None`` is UTF-8 (with or without a BOM).
    drop : sequence of str, default=()
        Columns to leave out.
    warn : callable, default=None
        Called with a one-line message for each change made to the data
        (dropped rows or columns, conversions, imputation); ``None`` issues
        a :class:`UserWarning`.
    progress : callable, default=None
        Called as ``progress(done, total)`` with the bytes read so far, while
        the file is parsed.

    Returns
    -------
    dataset : Dataset
        Named after the file's stem; its ``origin`` says what was read.

    Raises
    ------
    UserError
        If the file is missing or not a CSV file, has no column ``target``,
        a target that looks continuous, a numeric column with non-numeric
        values, or no feature left.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from imbweight.cli._read import load_csv
    >>> path = Path(tempfile.mkdtemp()) / "toy.csv"
    >>> _ = path.write_text("size,colour,label\\n1.5,red,yes\\n2.0,blue,no\\n")
    >>> data = load_csv(path, "label")
    >>> data.y.tolist(), data.feature_names, data.categorical
    (['yes', 'no'], ['size', 'colour'], [1])
    >>> data.X
    array([[1.5, 1. ],
           [2. , 0. ]])
    >>> print(data.origin)
    read toy.csv: 2 rows, 3 columns; target 'label'; features: 1 numeric, 1 categorical
    """
    warn = _warn_default if warn is None else warn
    source = _open(path, sep, encoding)
    j_target, frame = _target_column(source, target, progress=progress)
    left_out = _dropped_columns(source, drop, target)
    n_rows = frame.shape[0]
    y, labelled = _labels(source, target, frame.iloc[:, j_target], warn)
    rows = np.flatnonzero(labelled)
    if not labelled.all():
        frame = frame.iloc[rows]

    features, names, kinds, categorical, columns = [], [], [], [], []
    dropped, converted = {}, {}
    for j, name in enumerate(source.header):
        if j == j_target or j in left_out:
            continue
        named, name = bool(name), name or f"column {j + 1}"
        try:
            feature = parse_feature(name, frame.iloc[:, j], sep=source.sep, named=named)
        except (BadCell, BadColumn) as error:
            raise _located(source, error, rows) from None
        if feature.kind not in KEPT:
            dropped.setdefault(feature.kind, []).append(name)
            continue
        if feature.converted is not None:
            converted.setdefault(feature.converted, []).append(name)
        if feature.kind == "categorical":
            categorical.append(len(features))
        columns.append(
            Column(
                source.pandas_header[j],
                feature.kind,
                None if feature.converted == "date" else feature.converted,
                feature.form,
                () if feature.categories is None else tuple(feature.categories),
            )
        )
        features.append(feature.values)
        names.append(name)
        kinds.append(feature.kind)
    del frame
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        warn(
            f"the header repeats the name(s) {', '.join(map(repr, repeated))}: "
            "each such column is a feature of its own (a saved model takes them "
            "as pandas names them, the second 'name.1')"
        )
    for kind, message in DROPPED.items():
        if kind in dropped:
            warn(message.format(names=", ".join(dropped[kind])))
    for kind, message in CONVERTED.items():
        if kind in converted:
            warn(f"{message}: {', '.join(converted[kind])}")
    if not features:
        raise UserError(
            f"{source.path} has no feature column besides the target {target!r}"
        )
    X = np.column_stack(features)
    n_missing = np.isnan(X).sum(axis=0)
    if n_missing.any():
        where = ", ".join(
            f"{names[j]} ({n_missing[j]})" for j in np.flatnonzero(n_missing)
        )
        warn(
            f"{int(n_missing.sum())} missing feature value(s) are imputed inside "
            "each fold (median of numeric, most frequent category of categorical "
            f"columns): {where}"
        )
    all_dropped = [source.header[j] for j in sorted(left_out)] + [
        name for kind in DROPPED for name in dropped.get(kind, [])
    ]
    origin = _read_summary(source, n_rows, target, kinds, all_dropped)
    return Dataset(
        source.path.stem, X, y, names, categorical, origin, ColumnEncoder(columns)
    )


def read_target(path, target="target", *, sep=None, encoding=None, warn=None):
    """The labels of one column of a CSV file, for ``imbweight weights``.

    Parameters
    ----------
    path : str or Path
        The CSV file.
    target : str, default="target"
        The label column; rows where it is missing are dropped.
    sep, encoding : str, default=None
        As in :func:`load_csv`.
    warn : callable, default=None
        As in :func:`load_csv`.

    Returns
    -------
    y : ndarray of shape (n_samples,)
        Integer labels if they are all integers, else text.

    Raises
    ------
    UserError
        As :func:`load_csv`, for the target column.
    """
    warn = _warn_default if warn is None else warn
    source = _open(path, sep, encoding)
    _, frame = _target_column(source, target, alone=True)
    return _labels(source, target, frame.iloc[:, 0], warn)[0]


def pandas_options(path, sep=None, encoding=None):
    """The options ``pandas.read_csv`` needs to read ``path`` as :func:`load_csv` did.

    Parameters
    ----------
    path : str or Path
        The CSV file.
    sep, encoding : str, default=None
        As in :func:`load_csv`.

    Returns
    -------
    options : dict
        ``sep`` and ``encoding``, each only when pandas's default would not do.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from imbweight.cli._read import pandas_options
    >>> path = Path(tempfile.mkdtemp()) / "export.csv"
    >>> _ = path.write_text("size;label\\n1,5;yes\\n", encoding="latin-1")
    >>> pandas_options(path)
    {'sep': ';'}
    """
    source = _open(path, sep, encoding)
    options = {}
    if source.sep != ",":
        options["sep"] = source.sep
    if source.encoding not in (DEFAULT_ENCODING, "utf-8"):
        options["encoding"] = source.encoding
    return options
