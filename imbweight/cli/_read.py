"""Reading the CSV files of ``imbweight compare`` and ``imbweight weights``.

A CSV file of any kind becomes a :class:`~imbweight._compare.Dataset`: float
features (``NaN`` where a value is missing; a categorical column holds
integer category codes) and labels of any type. pandas parses the file (its
C engine: on two cores it reads a 76 MB file faster and in less memory than
the pyarrow engine, and it reports the line of a malformed row); this module
decides what each column is. Mistakes in the file raise :class:`UserError`,
whose message is one line meant for the user, naming the file, the line and
the column when it can.
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
from pandas.api.types import is_bool_dtype, is_numeric_dtype
from pandas.errors import EmptyDataError, ParserError
from sklearn.utils.multiclass import type_of_target

from imbweight._compare import Dataset
from imbweight.cli._errors import UserError

__all__ = ["load_csv", "read_target"]

# Cell values read as missing (compared lower-cased, after stripping).
_MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "?"})
# The spellings pandas itself turns into NaN while parsing, so that numeric
# columns stay numeric; any other case or spacing is caught afterwards.
_NA_VALUES = sorted({form for m in _MISSING for form in (m, m.upper(), m.title())})

# A text column whose values are all distinct, with at least this many rows,
# is an identifier or free text: one-hot encoding it would only add noise.
_IDENTIFIER_MIN_ROWS = 20

# The start of the file, read first to check that it is text and to find
# the header and the delimiter.
_HEAD_BYTES = 1 << 16

_INTEGER = re.compile(r"[+-]?\d+")
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

    def columns(self):
        """Unique names for pandas: the header may repeat or omit names."""
        return [f"c{j}" for j in range(len(self.header))]


def _open(path, encoding="utf-8-sig"):
    """Check that ``path`` is a readable text file; its header and delimiter."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"no such file: {path}")
    if path.is_dir():
        raise UserError(f"{path} is a directory, not a CSV file")
    try:
        with path.open("rb") as stream:
            head = stream.read(_HEAD_BYTES)
            size = path.stat().st_size
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
    except UnicodeDecodeError:
        raise UserError(
            f"{path} is not a UTF-8 text file; expected a CSV file"
        ) from None
    if "\x00" in text:
        raise UserError(f"{path} is a binary file, not a CSV file")
    lines = (line for line in text.splitlines() if line.strip())
    first_line = next(lines, None)
    if first_line is None:
        raise UserError(f"{path} is empty")
    sep = next((d for d in ",;\t" if d in first_line), ",")
    header = [name.strip() for name in next(csv.reader([first_line], delimiter=sep))]
    return _Source(path, header, sep, encoding, size)


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
        usecols=usecols,
        dtype={names[j]: str for j in text},
        na_values=_NA_VALUES,
        keep_default_na=False,
        encoding=source.encoding,
        engine="c",
        low_memory=False,
    )
    try:
        with source.path.open("rb") as raw:
            stream = raw
            if progress is not None and source.size:
                stream = io.BufferedReader(_Counting(raw, progress, source.size))
            frame = pd.read_csv(stream, **options)
    except UnicodeDecodeError:
        raise UserError(
            f"{source.path} is not a UTF-8 text file; expected a CSV file"
        ) from None
    except EmptyDataError:
        raise UserError(f"{source.path} is empty") from None
    except ParserError as exc:
        raise UserError(_parser_error(source, exc)) from None
    except MemoryError:
        raise UserError(f"{source.path} is too large to read into memory") from None
    except OSError as exc:
        raise UserError(f"cannot read {source.path}: {exc.strerror or exc}") from None
    if frame.shape[0] == 0:
        raise UserError(f"{source.path} has a header but no data rows")
    return frame


def _parser_error(source, exc):
    """A one-line message for a row pandas could not parse."""
    found = _PANDAS_FIELDS.search(str(exc))
    if found:
        expected, line, saw = found.groups()
        return (
            f"{source.path}, line {line}: {saw} fields where the header has {expected}"
        )
    # Malformed quoting: Python's csv module says on which line.
    with source.path.open(encoding=source.encoding, newline="") as stream:
        reader = csv.reader(stream, delimiter=source.sep, strict=True)
        try:
            for _ in reader:
                pass
        except csv.Error as error:
            return f"{source.path}, line {reader.line_num}: not valid CSV ({error})"
    return f"{source.path}: not valid CSV ({str(exc).strip().splitlines()[-1]})"


def _line_numbers(source):
    """The line of the file on which each data row (as pandas counts them) starts."""
    starts = []
    with source.path.open(encoding=source.encoding, newline="") as stream:
        reader = csv.reader(stream, delimiter=source.sep)
        end = 0
        for row in reader:
            # pandas skips lines that are empty or hold only white space.
            if len(row) > 1 or (row and row[0].strip()):
                starts.append(end + 1)
            end = reader.line_num
    return np.asarray(starts[1:])  # the first is the header


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
def _as_text(column):
    """A column as stripped strings, ``""`` where pandas found a missing value."""
    text = column.astype(object).where(column.notna(), "").astype(str).str.strip()
    return pd.Series(text.to_numpy(dtype=object), index=column.index)


def _is_missing(text):
    return text.str.lower().isin(_MISSING).to_numpy()


def _integer_labels(cells):
    """Integer labels, exactly: int64, or uint64 when that large; else None.

    Never through floats, which merge distinct integers above 2**53.
    """
    if cells.str.len().max() <= 18:  # within int64, where pandas is exact
        return pd.to_numeric(cells).to_numpy(dtype=np.int64)
    for dtype in (np.int64, np.uint64):
        try:
            return np.asarray(cells, dtype=str).astype(dtype)
        except OverflowError:
            continue
    return None


def _parse_target(source, name, column, warn):
    """Labels of the target column, and the mask of rows that have one."""
    cells = _as_text(column)
    present = ~_is_missing(cells)
    if not present.any():
        raise UserError(f"{source.path}: every value of the target {name!r} is missing")
    if not present.all():
        n_dropped = int((~present).sum())
        warn(f"dropped {n_dropped} row(s) whose target {name!r} is missing")
    cells = cells[present]
    if cells.str.fullmatch(_INTEGER.pattern).all():
        labels = _integer_labels(cells)
        if labels is not None:
            return labels, present
    numbers = pd.to_numeric(cells, errors="coerce").to_numpy(dtype=np.float64)
    if np.isnan(numbers).any():
        return cells.to_numpy(dtype=str), present
    if not np.all(np.isfinite(numbers)):
        i = np.flatnonzero(~np.isfinite(numbers))[0]
        line = _line_numbers(source)[np.flatnonzero(present)[i]]
        raise UserError(
            f"{source.path}, line {line}: the target {name!r} is "
            f"{cells.iloc[i]!r}, not a class label"
        )
    if type_of_target(numbers) == "continuous":
        example = cells.iloc[np.flatnonzero(numbers != np.round(numbers))[0]]
        raise UserError(
            f"the target {name!r} holds non-integer numbers such as {example!r}: "
            "it looks continuous, and compare needs class labels"
        )
    return numbers.astype(np.int64), present


def _parse_feature(source, name, column, rows):
    """One feature column as floats (codes if categorical); its kind.

    The kind is ``"numeric"``, ``"categorical"``, ``"empty"`` (no value at
    all) or ``"identifier"`` (text whose values are all distinct). ``rows``
    are the positions of the kept rows among pandas's, for line numbers.
    """
    if is_numeric_dtype(column) and not is_bool_dtype(column):
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
        missing = np.isnan(values)
        cells = None
    else:
        cells = _as_text(column)
        missing = _is_missing(cells)
        values = pd.to_numeric(cells.where(~missing), errors="coerce").to_numpy(
            dtype=np.float64
        )
    if missing.all():
        return np.full(missing.size, np.nan), "empty"
    bad = np.isnan(values) & ~missing
    if not bad.any():
        infinite = np.isinf(values)
        if infinite.any():
            i = np.flatnonzero(infinite)[0]
            shown = str(values[i]) if cells is None else cells.iloc[i]
            line = _line_numbers(source)[rows[i]]
            raise UserError(
                f"{source.path}, line {line}: column {name!r} holds {shown!r}, "
                "which is not a finite number"
            )
        return values, "numeric"
    if bad.sum() <= 0.5 * (~missing).sum():
        i = np.flatnonzero(bad)[0]
        line = _line_numbers(source)[rows[i]]
        raise UserError(
            f"{source.path}, line {line}: column {name!r} holds numbers but also "
            f"{int(bad.sum())} non-numeric value(s) such as {cells.iloc[i]!r}; fix "
            "them, or leave the cells empty to have them imputed"
        )
    present = cells[~missing].to_numpy(dtype=str)
    categories, codes = np.unique(present, return_inverse=True)
    if categories.size == present.size >= _IDENTIFIER_MIN_ROWS:
        return values, "identifier"
    values = np.full(missing.size, np.nan)
    values[~missing] = codes
    return values, "categorical"


# ----------------------------------------------------------------- readers
def load_csv(path, target="target", *, warn=None, progress=None):
    """Read a CSV file with a header row into a :class:`Dataset`.

    Any column but the target is a feature. A column whose values are all
    numbers is numeric; a column of text is categorical (one-hot encoded in
    the pipelines). Empty cells and ``NA``, ``N/A``, ``NaN``, ``null``,
    ``None``, ``?`` are missing: rows missing the target are dropped,
    missing feature values are imputed inside each fold. The delimiter is
    the first of ``,``, ``;`` and tab found in the header line.

    Parameters
    ----------
    path : str or Path
        The CSV file (UTF-8).
    target : str, default="target"
        The name of the label column. Integer labels stay integers; other
        labels are kept as text.
    warn : callable, default=None
        Called with a one-line message for each change made to the data
        (dropped rows or columns, imputation); ``None`` issues a
        :class:`UserWarning`.
    progress : callable, default=None
        Called as ``progress(done, total)`` with the bytes read so far, while
        the file is parsed.

    Returns
    -------
    dataset : Dataset
        Named after the file's stem.

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
    """
    warn = _warn_default if warn is None else warn
    source = _open(path)
    j_target, frame = _target_column(source, target, progress=progress)
    y, labelled = _parse_target(source, target, frame.iloc[:, j_target], warn)
    rows = np.flatnonzero(labelled)
    if not labelled.all():
        frame = frame.iloc[rows]

    features, names, categorical, dropped = [], [], [], {}
    for j, name in enumerate(source.header):
        if j == j_target:
            continue
        name = name or f"column {j + 1}"
        values, kind = _parse_feature(source, name, frame.iloc[:, j], rows)
        if kind in ("empty", "identifier"):
            dropped.setdefault(kind, []).append(name)
            continue
        if kind == "categorical":
            categorical.append(len(features))
        features.append(values)
        names.append(name)
    del frame
    if "empty" in dropped:
        warn(f"dropped column(s) with no value at all: {', '.join(dropped['empty'])}")
    if "identifier" in dropped:
        warn(
            "dropped text column(s) whose values are all distinct (identifiers "
            f"or free text): {', '.join(dropped['identifier'])}"
        )
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
    return Dataset(source.path.stem, X, y, names, categorical)


def read_target(path, target="target", *, warn=None):
    """The labels of one column of a CSV file, for ``imbweight weights``.

    Parameters
    ----------
    path : str or Path
        The CSV file.
    target : str, default="target"
        The label column; rows where it is missing are dropped.
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
    source = _open(path)
    _, frame = _target_column(source, target, alone=True)
    return _parse_target(source, target, frame.iloc[:, 0], warn)[0]
