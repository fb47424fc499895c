"""Reading the CSV files of ``imbweight compare`` and ``imbweight weights``.

A CSV file of any kind becomes a :class:`~imbweight._compare.Dataset`: float
features (``NaN`` where a value is missing; a categorical column holds
integer category codes) and labels of any type.
Mistakes in the file raise :class:`UserError`, whose message is one line
meant for the user, naming the file, the line and the column when it can.
"""

import csv
import io
import warnings
from pathlib import Path

import numpy as np
from sklearn.utils.multiclass import type_of_target

from imbweight._compare import Dataset
from imbweight.cli._errors import UserError

__all__ = ["load_csv", "read_target"]

# Cell values read as missing (compared lower-cased, after stripping).
_MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "?"})

# A text column whose values are all distinct, with at least this many rows,
# is an identifier or free text: one-hot encoding it would only add noise.
_IDENTIFIER_MIN_ROWS = 20


def _warn_default(message):
    warnings.warn(message, UserWarning, stacklevel=3)


def _read_rows(path):
    """Header and data rows of a CSV file, with the line number of each row."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"no such file: {path}")
    if path.is_dir():
        raise UserError(f"{path} is a directory, not a CSV file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(
            f"{path} is not a UTF-8 text file; expected a CSV file"
        ) from None
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}") from None
    if "\x00" in text:
        raise UserError(f"{path} is a binary file, not a CSV file")
    first_line = text.lstrip().partition("\n")[0]
    delimiter = next((d for d in ",;\t" if d in first_line), ",")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows, lines = [], []
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append(row)
                lines.append(reader.line_num)
    except csv.Error as exc:
        raise UserError(
            f"{path}, line {reader.line_num}: not valid CSV ({exc})"
        ) from None
    if not rows:
        raise UserError(f"{path} is empty")
    if len(rows) == 1:
        raise UserError(f"{path} has a header but no data rows")
    header = [name.strip() for name in rows[0]]
    for row, line in zip(rows[1:], lines[1:], strict=True):
        if len(row) != len(header):
            raise UserError(
                f"{path}, line {line}: {len(row)} fields where the header has "
                f"{len(header)}"
            )
    return header, rows[1:], np.asarray(lines[1:])


def _target_index(path, header, target):
    """Position of the column ``target``; a one-line error if there is none."""
    found = [j for j, name in enumerate(header) if name == target]
    if len(found) > 1:
        raise UserError(f"{path}: the header names {target!r} {len(found)} times")
    if not found:
        shown = ", ".join(repr(name) for name in header[:12])
        more = f" and {len(header) - 12} more" if len(header) > 12 else ""
        raise UserError(
            f"{path} has no column {target!r}; its columns are {shown}{more} "
            "(choose one with --target)"
        )
    return found[0]


def _as_numbers(cells):
    """``cells`` as floats, and a mask of those that are not numbers."""
    try:
        return np.asarray(cells, dtype=np.float64), np.zeros(len(cells), dtype=bool)
    except ValueError:
        pass
    values = np.full(len(cells), np.nan)
    bad = np.zeros(len(cells), dtype=bool)
    for i, cell in enumerate(cells):
        try:
            values[i] = float(cell)
        except ValueError:
            bad[i] = True
    return values, bad


def _parse_target(path, name, cells, lines, warn):
    """Labels of the target column, and the mask of rows that have one."""
    cells = np.asarray([cell.strip() for cell in cells], dtype=object)
    present = np.asarray([cell.lower() not in _MISSING for cell in cells])
    if not present.any():
        raise UserError(f"{path}: every value of the target {name!r} is missing")
    if not present.all():
        n_dropped = int((~present).sum())
        warn(f"dropped {n_dropped} row(s) whose target {name!r} is missing")
    cells = cells[present]
    numbers, bad = _as_numbers(cells.tolist())
    if bad.any():
        return cells.astype(str), present
    if not np.all(np.isfinite(numbers)):
        i = np.flatnonzero(~np.isfinite(numbers))[0]
        raise UserError(
            f"{path}, line {lines[present][i]}: the target {name!r} is "
            f"{cells[i]!r}, not a class label"
        )
    if type_of_target(numbers) == "continuous":
        example = cells[np.flatnonzero(numbers != np.round(numbers))[0]]
        raise UserError(
            f"the target {name!r} holds non-integer numbers such as {example!r}: "
            "it looks continuous, and compare needs class labels"
        )
    return numbers.astype(np.int64), present


def _parse_feature(path, name, cells, lines):
    """One feature column as floats (codes if categorical); its kind.

    The kind is ``"numeric"``, ``"categorical"``, ``"empty"`` (no value at
    all) or ``"identifier"`` (text whose values are all distinct).
    """
    cells = np.asarray([cell.strip() for cell in cells], dtype=object)
    missing = np.asarray([cell.lower() in _MISSING for cell in cells])
    values = np.full(cells.size, np.nan)
    present = cells[~missing].tolist()
    if not present:
        return values, "empty"
    numbers, bad = _as_numbers(present)
    if not bad.any():
        infinite = ~np.isfinite(numbers)
        if infinite.any():
            i = np.flatnonzero(~missing)[np.flatnonzero(infinite)[0]]
            raise UserError(
                f"{path}, line {lines[i]}: column {name!r} holds {cells[i]!r}, "
                "which is not a finite number"
            )
        values[~missing] = numbers
        return values, "numeric"
    if bad.mean() <= 0.5:
        i = np.flatnonzero(~missing)[np.flatnonzero(bad)[0]]
        raise UserError(
            f"{path}, line {lines[i]}: column {name!r} holds numbers but also "
            f"{int(bad.sum())} non-numeric value(s) such as {cells[i]!r}; fix "
            "them, or leave the cells empty to have them imputed"
        )
    categories, codes = np.unique(np.asarray(present, dtype=str), return_inverse=True)
    if categories.size == len(present) >= _IDENTIFIER_MIN_ROWS:
        return values, "identifier"
    values[~missing] = codes
    return values, "categorical"


def load_csv(path, target="target", *, warn=None):
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
    header, rows, lines = _read_rows(path)
    j_target = _target_index(path, header, target)
    columns = list(zip(*rows, strict=True))
    y, labelled = _parse_target(path, target, columns[j_target], lines, warn)
    if not labelled.all():
        rows = [row for row, keep in zip(rows, labelled, strict=True) if keep]
        lines = lines[labelled]
        columns = list(zip(*rows, strict=True))

    features, names, categorical, dropped = [], [], [], {}
    for j, name in enumerate(header):
        if j == j_target:
            continue
        name = name or f"column {j + 1}"
        values, kind = _parse_feature(path, name, columns[j], lines)
        if kind in ("empty", "identifier"):
            dropped.setdefault(kind, []).append(name)
            continue
        if kind == "categorical":
            categorical.append(len(features))
        features.append(values)
        names.append(name)
    if "empty" in dropped:
        warn(f"dropped column(s) with no value at all: {', '.join(dropped['empty'])}")
    if "identifier" in dropped:
        warn(
            "dropped text column(s) whose values are all distinct (identifiers "
            f"or free text): {', '.join(dropped['identifier'])}"
        )
    if not features:
        raise UserError(f"{path} has no feature column besides the target {target!r}")
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
    return Dataset(Path(path).stem, X, y, names, categorical)


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
    header, rows, lines = _read_rows(path)
    j_target = _target_index(path, header, target)
    column = [row[j_target] for row in rows]
    return _parse_target(path, target, column, lines, warn)[0]
