"""Imbalanced datasets: a few small real ones shipped with imbweight, and a generator.

The real datasets are CSV files inside the package, read with
:mod:`importlib.resources` (no network access, works from an installed
wheel). Four are binary, of increasing imbalance, with ``1`` the minority
class, and one is multiclass:

======== ========== ========= ========== =================
name     kind       n_samples n_features imbalance ratio
======== ========== ========= ========== =================
pima     binary     768       8          1.87
ecoli4   binary     336       7          15.80
glass5   binary     214       9          22.78
yeast4   binary     1484      8          28.10 (default)
glass    multiclass 214       9          8.44 (6 classes)
======== ========== ========= ========== =================

They come from the KEEL imbalanced data set repository and the UCI Machine
Learning Repository; ``DATA_SOURCES.md`` in this folder, and the ``DESCR`` of
each loaded dataset, give the works to cite.

Examples
--------
>>> from imbweight.datasets import DEFAULT_DATASET, load_dataset, make_imbalanced
>>> X, y = load_dataset(DEFAULT_DATASET, return_X_y=True)
>>> X.shape, int(y.sum())
((1484, 8), 51)
>>> X, y = make_imbalanced(500, 4, imbalance_ratio=4, random_state=0)
>>> X.shape, int(y.sum())
((500, 4), 100)
"""

from imbweight.datasets._base import DEFAULT_DATASET, list_datasets, load_dataset
from imbweight.datasets._generators import make_imbalanced

__all__ = ["DEFAULT_DATASET", "list_datasets", "load_dataset", "make_imbalanced"]
