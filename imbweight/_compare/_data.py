"""The data a comparison runs on: :class:`Dataset`, and the shipped datasets as one."""

from dataclasses import dataclass, field

import numpy as np

from imbweight.datasets import load_dataset

__all__ = ["Dataset", "load_builtin"]


@dataclass
class Dataset:
    """Features and labels ready for :func:`~imbweight._compare.compare`.

    Attributes
    ----------
    name : str
        Shown in the table and the plots.
    X : ndarray of shape (n_samples, n_features)
        Float features, ``NaN`` where missing; the columns listed in
        ``categorical`` hold integer category codes.
    y : ndarray of shape (n_samples,)
        Class labels, of any type.
    feature_names : list of str
        The name of each column of ``X``.
    categorical : list of int
        Indices of the categorical columns of ``X``.
    origin : str
        Where the data came from and what was made of it, in one line
        (shown under the heading of the table); empty if nothing to say.
    encoder : transformer or None
        What turns a table of the data's original columns (a pandas
        DataFrame) into ``X``; a saved model starts with it. ``None``: ``X``
        is the table.
    """

    name: str
    X: np.ndarray
    y: np.ndarray
    feature_names: list
    categorical: list = field(default_factory=list)
    origin: str = ""
    encoder: object = None

    @property
    def has_missing(self):
        """Whether some feature value is missing."""
        return bool(np.isnan(self.X).any())


def load_builtin(name):
    """A dataset shipped with imbweight, as a :class:`Dataset`.

    Parameters
    ----------
    name : str
        One of :func:`imbweight.datasets.list_datasets`.

    Returns
    -------
    dataset : Dataset
        Numeric features, integer labels.

    Examples
    --------
    >>> from imbweight._compare import load_builtin
    >>> data = load_builtin("glass5")
    >>> data.X.shape, data.feature_names[:3]
    ((214, 9), ['RI', 'Na', 'Mg'])
    """
    bunch = load_dataset(name)
    return Dataset(name, bunch.data, bunch.target, list(bunch.feature_names))
