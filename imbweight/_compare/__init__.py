"""The engine of ``imbweight compare``: which strategy suits an imbalanced dataset.

One module per job, imports going down the list:

- :mod:`~imbweight._compare._data`: the :class:`Dataset` compared on;
- :mod:`~imbweight._compare._strategies`: the strategies, each an unfitted
  pipeline (:func:`make_strategies`);
- :mod:`~imbweight._compare._scores`: the metrics of one held-out fold;
- :mod:`~imbweight._compare._runner`: the stratified cross-validation of
  every strategy (:func:`compare`), which returns a :class:`Comparison`;
- :mod:`~imbweight._compare._report` and :mod:`~imbweight._compare._plots`:
  the table, the CSV and JSON files and the figures of a :class:`Comparison`.

Nothing here parses arguments, prints or names a command-line flag;
:mod:`imbweight.cli` does, and turns :class:`ClassSizeError` and
:class:`NoStrategyFitted` into one-line messages.
"""

from imbweight._compare._data import Dataset, load_builtin
from imbweight._compare._report import (
    OUTPUT_FILES,
    OUTPUTS,
    table,
    to_dict,
    write_outputs,
)
from imbweight._compare._runner import (
    DEFAULT_CV,
    ClassSizeError,
    Comparison,
    NoStrategyFitted,
    check_classes,
    compare,
)
from imbweight._compare._scores import METRICS
from imbweight._compare._strategies import Strategy, make_strategies

__all__ = [
    "DEFAULT_CV",
    "METRICS",
    "OUTPUTS",
    "OUTPUT_FILES",
    "ClassSizeError",
    "Comparison",
    "Dataset",
    "NoStrategyFitted",
    "Strategy",
    "check_classes",
    "compare",
    "load_builtin",
    "make_strategies",
    "table",
    "to_dict",
    "write_outputs",
]
