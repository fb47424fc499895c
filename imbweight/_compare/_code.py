"""Python source that rebuilds an estimator: what the report prints.

:func:`python_code` writes an unfitted estimator as the expression a user
would type, with only the parameters that differ from their defaults (as
scikit-learn's ``repr``, but complete: no ``...`` for long lists or
parameters), and the imports it needs, each class imported from the
shortest public module that exports it.
"""

import importlib
import inspect

import numpy as np
from sklearn.base import BaseEstimator

__all__ = ["python_code", "python_expression"]


def _public_module(kind):
    """The shortest module path without a private part that exports ``kind``.

    Falls back to the module that defines it.
    """
    parts = kind.__module__.split(".")
    for end in range(1, len(parts) + 1):
        if any(part.startswith("_") for part in parts[1:end]):
            break
        name = ".".join(parts[:end])
        try:
            if getattr(importlib.import_module(name), kind.__name__, None) is kind:
                return name
        except ImportError:  # pragma: no cover - a module that cannot import
            continue
    return kind.__module__


def _same(value, default):
    """Whether a parameter value is its default (arrays and NaN included)."""
    if value is default:
        return True
    if isinstance(value, BaseEstimator) or isinstance(default, BaseEstimator):
        return False
    try:
        equal = value == default
        return bool(np.all(equal)) if np.ndim(equal) else bool(equal)
    except (TypeError, ValueError):
        return False


# Parameters a reader looks for even at their default value: the focal
# loss's gamma, a class-weight strategy's name.
_ALWAYS_SHOWN = frozenset({"gamma", "strategy"})


def _changed_params(estimator):
    """The constructor arguments of ``estimator`` that differ from the defaults.

    A parameter without a default (such as ``Pipeline``'s ``steps``) is
    always kept, and so are those of :data:`_ALWAYS_SHOWN`.
    """
    signature = inspect.signature(type(estimator).__init__)
    params = estimator.get_params(deep=False)
    changed = {}
    for name, parameter in signature.parameters.items():
        if name == "self" or parameter.kind in (
            parameter.VAR_POSITIONAL,
            parameter.VAR_KEYWORD,
        ):
            continue
        if name not in params:
            continue
        if (
            name in _ALWAYS_SHOWN
            or parameter.default is parameter.empty
            or not _same(params[name], parameter.default)
        ):
            changed[name] = params[name]
    # Parameters passed through **kwargs (LightGBM's) have no default to
    # compare with; they were set on purpose.
    for name, value in params.items():
        if name not in signature.parameters:
            changed[name] = value
    return changed


class _Writer:
    """Renders values as Python source, collecting the imports.

    Brackets whose contents do not fit in ``width`` columns put one item on
    each line, indented by four spaces; ``width=None`` keeps everything on
    one line.
    """

    def __init__(self, width=None):
        self.imports = {}
        self.width = width

    def _use(self, kind):
        module = _public_module(kind)
        self.imports.setdefault(module, set()).add(kind.__name__)
        return kind.__name__

    def _group(self, opening, items, closing, indent, single=False):
        """``opening item, item closing``, on one line or one item a line."""
        flat = opening + ", ".join(p + self.render(v, indent) for p, v in items)
        flat += ",)" if single else closing
        fits = self.width is None or indent + len(flat) <= self.width
        if not items or ("\n" not in flat and fits):
            return flat
        inner = indent + 4
        lines = [f"{' ' * inner}{p}{self.render(v, inner)}," for p, v in items]
        return "\n".join([opening, *lines, " " * indent + closing])

    def render(self, value, indent=0):
        if isinstance(value, BaseEstimator):
            items = [(f"{name}=", arg) for name, arg in _changed_params(value).items()]
            return self._group(f"{self._use(type(value))}(", items, ")", indent)
        if isinstance(value, np.ndarray):
            return self.render(value.tolist(), indent)
        if isinstance(value, np.generic):
            return repr(value.item())
        if isinstance(value, list):
            return self._group("[", [("", v) for v in value], "]", indent)
        if isinstance(value, tuple):
            items = [("", v) for v in value]
            return self._group("(", items, ")", indent, single=len(value) == 1)
        if isinstance(value, dict):
            items = [(f"{self.render(k)}: ", v) for k, v in value.items()]
            return self._group("{", items, "}", indent)
        text = repr(value)
        if callable(value) and text.startswith("make_scorer("):
            # A scorer of sklearn.metrics: make_scorer(f1_score, pos_label=...)
            function = text.removeprefix("make_scorer(").split(",")[0].rstrip(")")
            self.imports.setdefault("sklearn.metrics", set()).update(
                {"make_scorer", function}
            )
            return text
        if type(value).__module__.startswith("sklearn.model_selection"):
            self._use(type(value))  # a splitter: its repr is its constructor
        return text

    def import_lines(self):
        return [
            f"from {module} import {', '.join(sorted(names))}"
            for module, names in sorted(self.imports.items())
        ]


def python_expression(value):
    """``value`` (an estimator, or a parameter value) as a Python expression.

    Examples
    --------
    >>> from imbweight import FocalLogisticRegression
    >>> from imbweight._compare._code import python_expression
    >>> python_expression(FocalLogisticRegression(gamma=1.0))
    'FocalLogisticRegression(gamma=1.0)'
    """
    return _Writer().render(value)


def python_code(estimator, name="model"):
    """Source code that builds ``estimator`` (unfitted) and binds it to ``name``.

    Parameters
    ----------
    estimator : estimator
        A scikit-learn compatible estimator, possibly nested.
    name : str, default="model"
        The variable the last line assigns.

    Returns
    -------
    lines : list of str
        The imports, sorted, then the assignment, wrapped at 88 columns.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from imbweight import ClassWeights, FocalLogisticRegression
    >>> from imbweight._compare._code import python_code
    >>> pipe = make_pipeline(
    ...     StandardScaler(),
    ...     FocalLogisticRegression(gamma=0.0, class_weight=ClassWeights()),
    ... )
    >>> print("\\n".join(python_code(pipe)))
    from imbweight import ClassWeights, FocalLogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    model = Pipeline(
        steps=[
            ('standardscaler', StandardScaler()),
            (
                'focallogisticregression',
                FocalLogisticRegression(
                    gamma=0.0,
                    class_weight=ClassWeights(strategy='balanced'),
                ),
            ),
        ],
    )
    """
    writer = _Writer(width=88)
    expression = writer.render(estimator)
    return [*writer.import_lines(), *f"{name} = {expression}".splitlines()]
