"""The engine of ``imbweight compare``: which strategy suits an imbalanced dataset.

One module per job, imports going down the list:

- :mod:`~imbweight._compare._data`: the :class:`Dataset` compared on;
- :mod:`~imbweight._compare._code`: estimators written as Python source;
- :mod:`~imbweight._compare._strategies`: the strategies, each an unfitted
  pipeline (:func:`make_strategies`), and their catalogue;
- :mod:`~imbweight._compare._scores`: the metrics of one held-out fold, and
  what they are;
- :mod:`~imbweight._compare._rules`: the decision rule each metric judges;
- :mod:`~imbweight._compare._recommend`: honest ties, and the strategy to
  recommend;
- :mod:`~imbweight._compare._runner`: the repeated stratified
  cross-validation of every strategy (:func:`compare`), which returns a
  :class:`Comparison`, and the refit of the recommended one;
- :mod:`~imbweight._compare._plots`, :mod:`~imbweight._compare._html` and
  :mod:`~imbweight._compare._report`: the figures, the HTML page, the table
  and the files of a :class:`Comparison`.

Nothing here parses arguments, prints or names a command-line flag;
:mod:`imbweight.cli` does, and turns :class:`ClassSizeError`,
:class:`NoStrategyFitted` and :class:`UnknownStrategy` into one-line
messages.
"""

from imbweight._compare._data import Dataset, load_builtin
from imbweight._compare._report import (
    OUTPUT_FILES,
    OUTPUTS,
    rebuild_code,
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
    default_repeats,
    refit,
)
from imbweight._compare._scores import METRICS, RANKABLE
from imbweight._compare._strategies import (
    CATALOGUE,
    Strategy,
    UnknownStrategy,
    boosting_available,
    check_names,
    make_strategies,
)

__all__ = [
    "CATALOGUE",
    "DEFAULT_CV",
    "METRICS",
    "OUTPUTS",
    "OUTPUT_FILES",
    "RANKABLE",
    "ClassSizeError",
    "Comparison",
    "Dataset",
    "NoStrategyFitted",
    "Strategy",
    "UnknownStrategy",
    "boosting_available",
    "check_classes",
    "check_names",
    "compare",
    "default_repeats",
    "load_builtin",
    "make_strategies",
    "rebuild_code",
    "refit",
    "table",
    "to_dict",
    "write_outputs",
]
