"""The first step of a saved model: a table's columns, read as ``compare`` read them.

``imbweight compare`` turns the columns of a CSV file into float features
(:mod:`imbweight.cli._columns`): numbers written ``1,234.50`` or ``45,06``,
dates as days since 1970, categories as their positions among the sorted
categories; identifiers and empty columns dropped. A model saved with
``--save-model`` must take the same table, so its first step is a
:class:`ColumnEncoder` that applies those decisions to the columns of a
pandas DataFrame (as ``pandas.read_csv`` gives them).
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype
from sklearn.base import BaseEstimator, TransformerMixin

from imbweight.cli._columns import as_text, dates, is_missing, local_numbers

__all__ = ["Column", "ColumnEncoder", "pandas_names"]


def pandas_names(header):
    """The names ``pandas.read_csv`` gives the columns of a header row.

    An empty name becomes ``"Unnamed: j"`` (``j`` its position), a repeated
    one ``"name.1"``, ``"name.2"``, ...

    Examples
    --------
    >>> from imbweight.cli._encoder import pandas_names
    >>> pandas_names(["a", "", "a", "b"])
    ['a', 'Unnamed: 1', 'a.1', 'b']
    """
    names, seen = [], {}
    for j, name in enumerate(header):
        name = name or f"Unnamed: {j}"
        count = seen.get(name, 0)
        seen[name] = count + 1
        names.append(name if count == 0 else f"{name}.{count}")
    return names


@dataclass(frozen=True)
class Column:
    """How one feature was read.

    Attributes
    ----------
    name : str
        The column's name in a DataFrame of the file.
    kind : {"numeric", "date", "categorical"}
        What it became.
    converted : str or None
        ``"thousands"`` or ``"decimal_comma"`` for numbers written so.
    form : str or None
        The format of dates.
    categories : tuple of str
        The sorted categories of a categorical column.
    """

    name: str
    kind: str = "numeric"
    converted: str = None
    form: str = None
    categories: tuple = ()


class ColumnEncoder(TransformerMixin, BaseEstimator):
    """A table's columns as the float features ``compare`` compared on.

    Stateless: the decisions were taken when the file was read, so there is
    nothing to fit, and the encoder counts as fitted.

    Parameters
    ----------
    columns : tuple of Column
        The features, in the order of the model's input.

    Examples
    --------
    >>> import pandas as pd
    >>> from imbweight.cli._encoder import Column, ColumnEncoder
    >>> encoder = ColumnEncoder((
    ...     Column("size", converted="thousands"),
    ...     Column("colour", "categorical", categories=("blue", "red")),
    ...     Column("day", "date", form="ISO8601"),
    ... ))
    >>> frame = pd.DataFrame({"size": ["1,500", "2"], "colour": ["red", "green"],
    ...                       "day": ["1970-01-02", None]})
    >>> encoder.transform(frame).tolist()
    [[1500.0, 1.0, 1.0], [2.0, -1.0, nan]]

    A category not seen in the file becomes -1 (no category: the one-hot
    encoder of the model gives it zeros), a missing value ``NaN`` (imputed
    by the model).
    """

    def __init__(self, columns=()):
        self.columns = columns

    def __sklearn_is_fitted__(self):
        return True

    def fit(self, X, y=None):
        """Nothing to learn.

        Parameters
        ----------
        X : DataFrame
            Ignored.
        y : None
            Ignored.

        Returns
        -------
        self : ColumnEncoder
        """
        return self

    def _values(self, column, spec):
        if spec.kind == "numeric" and spec.converted is None:
            if is_numeric_dtype(column) and not is_bool_dtype(column):
                return column.to_numpy(dtype=np.float64, na_value=np.nan)
        text = as_text(column)
        missing = is_missing(text)
        present = text[~missing]
        values = np.full(text.size, np.nan)
        if spec.kind == "categorical":
            values[~missing] = pd.Index(spec.categories).get_indexer(present)
        elif spec.kind == "date":
            values[~missing] = dates(present, spec.form)
        elif spec.converted is not None:
            values[~missing] = local_numbers(present, spec.converted)
        else:
            values[~missing] = pd.to_numeric(present, errors="coerce")
        return values

    def transform(self, X):
        """The features of the rows of ``X``.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            A DataFrame with (at least) the columns named in ``columns``, as
            ``pandas.read_csv`` reads them; or the features themselves, as
            an array with one column per entry of ``columns``.

        Returns
        -------
        X_features : ndarray of shape (n_samples, n_features)
            Floats; ``NaN`` where a value is missing or is not a number
            (date) of the column's kind.

        Raises
        ------
        ValueError
            If the DataFrame lacks a column, or the array has another width.
        """
        if not isinstance(X, pd.DataFrame):
            X = np.asarray(X, dtype=np.float64)
            if X.ndim != 2 or X.shape[1] != len(self.columns):
                raise ValueError(
                    f"expected a DataFrame, or an array of {len(self.columns)} "
                    f"columns; got an array of shape {X.shape}"
                )
            return X
        missing = [spec.name for spec in self.columns if spec.name not in X.columns]
        if missing:
            raise ValueError(
                f"the DataFrame has no column {missing[0]!r}; the model reads "
                f"{', '.join(repr(spec.name) for spec in self.columns)}"
            )
        return np.column_stack(
            [self._values(X[spec.name], spec) for spec in self.columns]
        ).astype(np.float64)

    def get_feature_names_out(self, input_features=None):
        """The names of the features, as ``columns`` gives them.

        Parameters
        ----------
        input_features : None
            Ignored.

        Returns
        -------
        names : ndarray of str
        """
        return np.asarray([spec.name for spec in self.columns], dtype=object)
