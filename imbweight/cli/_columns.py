"""What each column of a CSV file is: labels, numbers, dates, categories, or noise.

The reader (:mod:`imbweight.cli._read`) hands each column over as pandas
parsed it; these functions decide its kind and its values. A value that
cannot be used raises :class:`BadCell` (the reader adds the file and the
line); a column that cannot be used raises :class:`BadColumn`.

Kinds of feature column
-----------------------
Kept: ``"numeric"`` (also numbers written with thousands separators,
``"1,234.50"``, or decimal commas, ``"45,06"``), ``"date"`` (as days since
1970-01-01), ``"categorical"`` (integer codes of the sorted categories).
Dropped, with a warning: ``"empty"``, ``"identifier"`` (text, every value
distinct), ``"many_levels"`` (text with too many categories to one-hot
encode), ``"id_number"`` (distinct integers named like an identifier, or
not named), ``"ambiguous_date"`` (day and month order unknown).
"""

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype
from sklearn.utils.multiclass import type_of_target

__all__ = [
    "CONVERTED",
    "DROPPED",
    "KEPT",
    "MISSING",
    "BadCell",
    "BadColumn",
    "Feature",
    "as_text",
    "dates",
    "is_missing",
    "local_numbers",
    "parse_feature",
    "parse_target",
]

MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "?"})
"""Cell values read as missing (compared lower-cased, after stripping)."""

# A text column whose values are all distinct, with at least this many rows,
# is an identifier or free text: one-hot encoding it would only add noise.
_IDENTIFIER_MIN_ROWS = 20
# Nor is one-hot encoding worth it for more categories than this, each
# holding fewer than _MIN_ROWS_PER_LEVEL rows on average.
_MAX_LEVELS = 100
_MIN_ROWS_PER_LEVEL = 5

_INTEGER = r"[+-]?\d+"
_THOUSANDS = r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_DECIMAL_COMMA = r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?"
_ISO_DATE = (
    r"\d{4}([-/])\d{1,2}\1\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
    r"(?:Z|[+-]\d{2}:?\d{2})?"
)
_DAY_MONTH_YEAR = r"\d{1,2}([/.-])\d{1,2}\1\d{4}"
# Column names of identifiers: "id", "customer_id", "CustomerID", "row-index",
# "id_client"; not "paid" or "monkey".
_ID_NAME = re.compile(
    r"(?i:(?:^|[^a-z0-9])(?:id|key|uuid|index|idx))$|[a-z](?:Id|ID)$|(?i:^id[^a-z0-9])"
)
_UNNAMED = re.compile(r"Unnamed: \d+")
_EPOCH = pd.Timestamp("1970-01-01", tz="UTC")

KEPT = ("numeric", "date", "categorical")
"""The kinds of feature column that become features."""

DROPPED = {
    "empty": "dropped column(s) with no value at all: {names}",
    "identifier": (
        "dropped text column(s) whose values are all distinct (identifiers or "
        "free text): {names}"
    ),
    "many_levels": (
        f"dropped text column(s) with too many distinct values to one-hot encode "
        f"(over {_MAX_LEVELS}, under {_MIN_ROWS_PER_LEVEL} rows each on average): "
        "{names}"
    ),
    "id_number": (
        "dropped integer column(s) that look like identifiers (every value "
        "distinct, and named like an id, or not named): {names}"
    ),
    "ambiguous_date": (
        "dropped column(s) of dates whose day and month order is ambiguous (as in "
        "03/04/2021); write them as 2021-04-03: {names}"
    ),
}
"""The warning for each kind of dropped column, naming them."""

CONVERTED = {
    "thousands": "read as numbers, thousands separators removed ('1,234.5' as 1234.5)",
    "decimal_comma": "read as numbers with decimal commas ('45,06' as 45.06)",
    "date": "read as dates, in days since 1970-01-01",
}
"""The warning for each kind of converted column."""


class BadCell(ValueError):
    """A value that cannot be used; ``row`` is its position in the column."""

    def __init__(self, message, row):
        super().__init__(message)
        self.row = row


class BadColumn(ValueError):
    """A column that cannot be used; the message is one line for the user."""


@dataclass
class Feature:
    """A feature column, decided.

    Attributes
    ----------
    kind : str
        One of :data:`KEPT` or of :data:`DROPPED`.
    values : ndarray of shape (n_rows,) or None
        Floats, ``NaN`` where missing (category codes if categorical);
        ``None`` for a dropped column.
    converted : str or None
        How the text was read, a key of :data:`CONVERTED`, if not plainly.
    form : str or None
        The format of a date column (see :func:`dates`).
    categories : ndarray or None
        The sorted categories of a categorical column; ``values`` are their
        positions.
    """

    kind: str
    values: np.ndarray = None
    converted: str = None
    form: str = None
    categories: np.ndarray = None


def as_text(column):
    """A column as stripped strings, ``""`` where pandas found a missing value."""
    text = column.astype(object).where(column.notna(), "").astype(str).str.strip()
    return pd.Series(text.to_numpy(dtype=object), index=column.index)


def is_missing(text):
    """Which of the stripped strings ``text`` are missing values."""
    return text.str.lower().isin(MISSING).to_numpy()


# ------------------------------------------------------------------ labels
# pandas.read_csv's spellings of True, then of False.
_BOOLEANS = ["True", "TRUE", "true", "False", "FALSE", "false"]


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


def _case_variants(labels):
    """Groups of text labels that differ only in case, e.g. [['YES', 'Yes']]."""
    groups = pd.Series(labels).groupby(pd.Series(labels).str.casefold()).unique()
    return [sorted(group) for group in groups if len(group) > 1]


def parse_target(name, cells, warn):
    """The class labels of the present cells of the target column.

    Parameters
    ----------
    name : str
        The column's name, for the messages.
    cells : pandas.Series of str
        The stripped, present cells.
    warn : callable
        Called with one line when labels differ only in case.

    Returns
    -------
    y : ndarray
        Integers if every label is one (int64, or uint64 above 2**63 - 1),
        booleans if every label is one as pandas reads them (True, TRUE,
        true, False, ...), else the text as written.
    """
    if cells.isin(_BOOLEANS).all():
        # As pandas.read_csv gives them: a saved model then predicts labels
        # equal to those of the user's own DataFrame.
        return cells.isin(_BOOLEANS[:3]).to_numpy()
    if cells.str.fullmatch(_INTEGER).all():
        labels = _integer_labels(cells)
        # Beyond 64 bits: as written, since floats would merge them.
        return cells.to_numpy(dtype=str) if labels is None else labels
    numbers = pd.to_numeric(cells, errors="coerce").to_numpy(dtype=np.float64)
    if np.isnan(numbers).any():
        labels = cells.to_numpy(dtype=str)
        variants = _case_variants(np.unique(labels))
        if variants:
            shown = "; ".join(" and ".join(map(repr, group)) for group in variants[:3])
            more = f" and {len(variants) - 3} more" if len(variants) > 3 else ""
            warn(
                f"labels of the target {name!r} differ only in case: {shown}{more}; "
                "they are kept as different classes (fix the file to merge them)"
            )
        return labels
    if not np.all(np.isfinite(numbers)):
        i = int(np.flatnonzero(~np.isfinite(numbers))[0])
        raise BadCell(
            f"the target {name!r} is {cells.iloc[i]!r}, not a class label", row=i
        )
    if type_of_target(numbers) == "continuous":
        example = cells.iloc[np.flatnonzero(numbers != np.round(numbers))[0]]
        raise BadColumn(
            f"the target {name!r} holds non-integer numbers such as {example!r}: "
            "it looks continuous, and compare needs class labels"
        )
    return numbers.astype(np.int64)


# ---------------------------------------------------------------- features
def numbers_of(text):
    """The cells of ``text`` as float64, ``NaN`` where one is not a number.

    Each number is parsed exactly, as ``float()`` does: ``pd.to_numeric``
    below pandas 3 rounds about a third of 17-digit decimals a few units in
    the last place away.
    """
    # A copy: pandas 3 hands out a read-only view.
    numbers = np.array(pd.to_numeric(text, errors="coerce"), dtype=np.float64)
    found = ~np.isnan(numbers)
    if found.any():
        numbers[found] = [float(cell) for cell in np.asarray(text)[found]]
    return numbers


def local_numbers(present, converted):
    """Text written in a local number format as floats.

    Parameters
    ----------
    present : pandas.Series of str
        Stripped, present cells.
    converted : {"thousands", "decimal_comma"}
        The format, as :func:`parse_feature` found it.

    Returns
    -------
    numbers : pandas.Series of float
        ``NaN`` for a cell that is not a number in that format.
    """
    if converted == "thousands":
        plain = present.str.replace(",", "", regex=False)
    else:
        plain = present.str.replace(".", "", regex=False).str.replace(",", ".")
    return pd.Series(numbers_of(plain), index=plain.index)


def _numbers_in_local_format(present, sep):
    """``present`` read as numbers written with separators; the format, or None."""
    if not present.str.contains(",", regex=False).any():
        return None, None
    thousands = present.str.fullmatch(_THOUSANDS).all()
    decimal = present.str.fullmatch(_DECIMAL_COMMA).all()
    if thousands and decimal:
        # Only "1,234"-like commas: a decimal comma where ";" separates the
        # fields (as it does where the comma is the decimal mark).
        thousands = sep != ";"
    if thousands:
        return local_numbers(present, "thousands"), "thousands"
    if decimal:
        return local_numbers(present, "decimal_comma"), "decimal_comma"
    return None, None


def dates(present, form):
    """Text dates as days since 1970-01-01.

    Parameters
    ----------
    present : pandas.Series of str
        Stripped, present cells.
    form : str
        ``"ISO8601"`` (``2021-04-03``, ``2021/4/3``, with a time or not), or
        ``"%d/%m/%Y"`` or ``"%m/%d/%Y"`` (with ``/``, ``.`` or ``-``).

    Returns
    -------
    days : ndarray of float
        ``NaN`` for a cell that is not such a date (such as 2021-02-30).
    """
    if form == "ISO8601":
        text = present.str.replace(r"^(\d{4})/(\d+)/", r"\1-\2-", regex=True)
    else:
        text = present.str.replace(r"[.-]", "/", regex=True)
    stamps = pd.to_datetime(text, format=form, utc=True, errors="coerce")
    return ((stamps - _EPOCH) / pd.Timedelta(days=1)).to_numpy(np.float64)


def _dates(present):
    """``present`` as days since 1970-01-01 and the date format; ``(None, kind)``
    if not dates, ``kind`` ``"ambiguous_date"`` or ``None``."""
    if present.str.fullmatch(_ISO_DATE).all():
        forms = ["ISO8601"]
    elif present.str.fullmatch(_DAY_MONTH_YEAR).all():
        forms = ["%d/%m/%Y", "%m/%d/%Y"]
    else:
        return None, None
    readings = {form: dates(present, form) for form in forms}
    valid = [form for form, days in readings.items() if not np.isnan(days).any()]
    if len(valid) != 1:  # both orders read (ambiguous), or a date like 2021-02-30
        return None, "ambiguous_date" if len(valid) > 1 else None
    return readings[valid[0]], valid[0]


def _looks_like_id(name, values, named):
    """Distinct integers in a column named like an identifier, or not named.

    A column without a name is most often the index pandas wrote
    (``DataFrame.to_csv`` without ``index=False``), named ``Unnamed: 0``
    when pandas reads it back.
    """
    if named and not (_ID_NAME.search(name) or _UNNAMED.fullmatch(name)):
        return False
    present = values[~np.isnan(values)]
    if present.size < _IDENTIFIER_MIN_ROWS or np.any(present != np.round(present)):
        return False
    return np.unique(present).size == present.size


def _check_magnitude(name, values):
    """Refuse numbers so large that standardising them overflows."""
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.nansum(np.square(values))
    if not np.isfinite(total):
        i = int(np.nanargmax(np.abs(values)))
        raise BadCell(
            f"column {name!r} holds {values[i]:g}, too large to compute with (a "
            "placeholder for a missing value? leave such cells empty to have them "
            "imputed)",
            row=i,
        )


def parse_feature(name, column, *, sep=",", named=True):
    """Decide what one feature column is, and its values.

    Parameters
    ----------
    name : str
        The column's name, for the messages and to spot identifiers.
    column : pandas.Series
        The column as pandas parsed it (numbers, or text).
    sep : str, default=","
        The file's field separator: with ``";"``, a comma between digits is
        taken for a decimal comma when it could be either.
    named : bool, default=True
        False for a column the header leaves without a name.

    Returns
    -------
    feature : Feature

    Raises
    ------
    BadCell
        For a value that is not a finite number in a column of numbers
        (or dates), or one too large to compute with.
    """
    text = None
    if is_numeric_dtype(column) and not is_bool_dtype(column):
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
        missing = np.isnan(values)
    else:
        text = as_text(column)
        missing = is_missing(text)
        values = numbers_of(text.where(~missing))
    if missing.all():
        return Feature("empty")
    bad = np.isnan(values) & ~missing
    converted = form = None
    if bad.any():
        present = text[~missing]
        numbers, converted = _numbers_in_local_format(present, sep)
        if numbers is None:
            numbers, form = _dates(present)
            if form == "ambiguous_date":
                return Feature("ambiguous_date")
            converted = None if numbers is None else "date"
        if numbers is not None:
            values = np.full(missing.size, np.nan)
            values[~missing] = numbers
            bad[:] = False
    if not bad.any():
        infinite = np.isinf(values)
        if infinite.any():
            i = int(np.flatnonzero(infinite)[0])
            shown = str(values[i]) if text is None else text.iloc[i]
            raise BadCell(
                f"column {name!r} holds {shown!r}, which is not a finite number", row=i
            )
        _check_magnitude(name, values)
        if converted is None and _looks_like_id(name, values, named):
            return Feature("id_number")
        kind = "date" if converted == "date" else "numeric"
        return Feature(kind, values, converted, form)
    if bad.sum() <= 0.5 * (~missing).sum():
        i = int(np.flatnonzero(bad)[0])
        raise BadCell(
            f"column {name!r} holds numbers but also {int(bad.sum())} non-numeric "
            f"value(s) such as {text.iloc[i]!r}; fix them, or leave the cells empty "
            "to have them imputed",
            row=i,
        )
    present = text[~missing].to_numpy(dtype=str)
    categories, codes = np.unique(present, return_inverse=True)
    if categories.size == present.size >= _IDENTIFIER_MIN_ROWS:
        return Feature("identifier")
    if categories.size > _MAX_LEVELS and present.size < (
        _MIN_ROWS_PER_LEVEL * categories.size
    ):
        return Feature("many_levels")
    values = np.full(missing.size, np.nan)
    values[~missing] = codes
    return Feature("categorical", values, categories=categories)
