"""LightGBM: the focal objective and metrics as LightGBM callables.

LightGBM calls a custom objective with the raw scores (the dataset's
``init_score`` included, when it has one), as ``(n_samples,)`` for two
classes and ``(n_samples, n_classes)`` for more, and keeps gradients in
float32; since 4.0 it passes the row weights to the objective
(``Dataset.get_weight()`` for ``lightgbm.train``, a third argument for the
scikit-learn wrappers) and never multiplies the result by them. Its built-in
multiclass objective scales the Hessian diagonal by ``K / (K - 1)``. Nothing
here imports lightgbm: the callables only use the datasets LightGBM hands
them.
"""

import sys
from inspect import signature

from scipy.sparse import csc_matrix, csr_matrix, issparse, isspmatrix

from imbweight.boosting._objective import (
    FocalMetric,
    MetricCallable,
    SklearnObjective,
    make_objective,
)

__all__ = ["lightgbm_metric", "lightgbm_objective"]


def _hessian_scale(n_classes):
    """LightGBM's factor on the softmax Hessian diagonal (1 for a sigmoid)."""
    return n_classes / (n_classes - 1) if n_classes > 2 else 1.0


class LightGBMMetric(MetricCallable):
    """``feval(preds, eval_data) -> (name, value, is_higher_better)``."""

    def __call__(self, preds, eval_data):
        value = self.metric.evaluate(
            eval_data.get_label(), preds, eval_data.get_weight()
        )
        return self.metric.name, value, self.metric.higher_is_better


class LightGBMSklearnMetric(MetricCallable):
    """``eval_metric(y_true, y_pred, weight)`` for ``LGBMClassifier.fit``."""

    def __call__(self, y_true, y_pred, weight):
        value = self.metric.evaluate(y_true, y_pred, weight)
        return self.metric.name, value, self.metric.higher_is_better


def lightgbm_objective(
    gamma=2.0, *, alpha=None, class_weight=None, n_classes=2, sklearn=False
):
    """The weighted focal loss as a LightGBM custom objective.

    The objective multiplies the gradient and Hessian of each row by its
    weight in the dataset, its class weight and its focal α; LightGBM does
    not. For ``gamma > 0`` the Hessian is floored where the focal loss is
    not convex (see :mod:`imbweight.boosting`). Start the training from
    :func:`focal_init_score` (``init_score``), and give the same init score
    to every validation set.

    Parameters
    ----------
    gamma : float, default=2.0
        Focusing parameter, ``gamma >= 0``; 0 is the (weighted) log-loss.
    alpha : None, float or array-like of shape (n_classes,), default=None
        Focal α: for two classes the weight of class 1 (class 0 gets
        ``1 - alpha``), for more one weight per class code.
    class_weight : None, dict or array-like of shape (n_classes,), default=None
        Weight of each class code (e.g. the values of
        :func:`imbweight.compute_class_weight` in code order).
    n_classes : int, default=2
        Number of classes (``num_class`` for more than two).
    sklearn : bool, default=False
        False: ``objective(preds, train_data)``, for
        ``lightgbm.train(params={"objective": ...})``. True:
        ``objective(y_true, y_pred, sample_weight=None)`` (the weights come
        as its third argument), for ``LGBMClassifier(objective=...)``.

    Returns
    -------
    objective : callable
        Returns float32 gradients and Hessians of the shape of the scores.

    Examples
    --------
    >>> import numpy as np
    >>> import lightgbm as lgb
    >>> from imbweight.boosting import (
    ...     focal_init_score, lightgbm_metric, lightgbm_objective)
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 3))
    >>> y = (X[:, 0] + rng.normal(size=500) > 2).astype(int)
    >>> init = focal_init_score(y, gamma=2.0, alpha=0.25)
    >>> train = lgb.Dataset(X, y, init_score=np.full(len(y), init))
    >>> booster = lgb.train(
    ...     {"objective": lightgbm_objective(2.0, alpha=0.25), "verbose": -1},
    ...     train,
    ...     num_boost_round=10,
    ...     valid_sets=[train],
    ...     feval=lightgbm_metric("average_precision"),
    ... )
    >>> raw = booster.predict(X, raw_score=True) + init  # add the init score back
    >>> raw.shape
    (500,)
    """
    return make_objective(
        gamma, alpha, class_weight, n_classes, _hessian_scale(n_classes), sklearn
    )


def lightgbm_metric(
    metric="focal_loss",
    *,
    gamma=2.0,
    alpha=None,
    class_weight=None,
    n_classes=2,
    sklearn=False,
):
    """An evaluation metric on probabilities, as a LightGBM callable.

    With a custom objective LightGBM evaluates raw scores, and its built-in
    probability metrics (``binary_logloss``, ...) then read raw scores as
    probabilities. These metrics apply the link (sigmoid, softmax)
    themselves; set ``metric="None"`` in the parameters so that no built-in
    metric is computed.

    Parameters
    ----------
    metric : {"focal_loss", "average_precision"}, default="focal_loss"
        ``"focal_loss"``: the weighted focal loss of the objective per unit
        of weight (lower is better). ``"average_precision"``: of class 1,
        or the macro one-vs-rest average for more classes, weighted by the
        dataset's weights only (higher is better).
    gamma, alpha, class_weight, n_classes : float, float or array-like, dict \
            or array-like, int
        As for :func:`lightgbm_objective` (``"focal_loss"`` only).
    sklearn : bool, default=False
        False: ``feval(preds, eval_data)`` for ``lightgbm.train``. True:
        ``eval_metric(y_true, y_pred, weight)`` for ``LGBMClassifier.fit``.

    Returns
    -------
    metric : callable
        Returns ``(name, value, is_higher_better)``.

    Examples
    --------
    >>> import numpy as np
    >>> from imbweight.boosting import lightgbm_metric
    >>> metric = lightgbm_metric("average_precision", sklearn=True)
    >>> metric(np.array([0, 1, 1]), np.array([-2.0, 1.0, 3.0]), None)
    ('average_precision', 1.0, True)
    """
    focal_metric = FocalMetric(metric, gamma, alpha, class_weight, n_classes)
    return (LightGBMSklearnMetric if sklearn else LightGBMMetric)(focal_metric)


class LightGBMEngine:
    """What :class:`FocalBoostingClassifier` does with an ``LGBMClassifier``."""

    name = "LightGBM"

    #: Parameters of the booster (and their LightGBM aliases) that must keep
    #: one of these values: the classifier sets the objective and the
    #: metric, and owns the class weights (a custom objective ignores the
    #: built-in ones).
    unset = {
        **dict.fromkeys(
            ("objective", "objective_type", "app", "application", "loss"), (None,)
        ),
        **dict.fromkeys(
            ("metric", "metrics", "metric_types"), (None, "None", "none", "")
        ),
        "class_weight": (None,),
        **dict.fromkeys(
            ("is_unbalance", "unbalance", "unbalanced_sets"), (None, False)
        ),
        "scale_pos_weight": (None, 1.0),
    }

    #: fit parameters the classifier sets itself.
    reserved = (
        "sample_weight",
        "init_score",
        "eval_set",
        "eval_X",
        "eval_y",
        "eval_sample_weight",
        "eval_class_weight",
        "eval_init_score",
        "eval_metric",
    )

    hessian_scale = staticmethod(_hessian_scale)

    @staticmethod
    def accepts(estimator):
        lightgbm = sys.modules.get("lightgbm")
        return lightgbm is not None and isinstance(estimator, lightgbm.LGBMClassifier)

    @staticmethod
    def default():
        """``LGBMClassifier()``, the booster of ``estimator=None``."""
        try:
            from lightgbm import LGBMClassifier
        except ImportError as error:
            raise ImportError(
                "FocalBoostingClassifier(estimator=None) trains LightGBM's "
                "LGBMClassifier, and lightgbm is not installed: pip install "
                "'imbweight[lightgbm]', or pass an xgboost.XGBClassifier."
            ) from error
        return LGBMClassifier()

    @staticmethod
    def configure(estimator, objective, metric):
        """Give ``estimator`` (a clone) the focal objective; no built-in metric.

        ``metric`` is given to ``fit`` as ``eval_metric`` with the evaluation
        sets.
        """
        return estimator.set_params(
            objective=SklearnObjective(objective), metric="None"
        )

    @classmethod
    def fit(cls, estimator, X, y, weight, eval_sets, objective, metric, params):
        """Fit ``estimator`` (a clone) with the focal objective and metric.

        The objective and the metric add the init score: LightGBM keeps
        float64 copies of an ``init_score`` (12 MiB more peak memory per
        million rows, measured).
        """
        cls.configure(estimator, objective, metric)
        if eval_sets:
            eval_X, eval_y, eval_weight = zip(*eval_sets, strict=True)
            eval_X = tuple(_as_matrix(X_eval) for X_eval in eval_X)
            params = {
                **params,
                "eval_sample_weight": list(eval_weight),
                "eval_metric": LightGBMSklearnMetric(metric),
            }
            # LightGBM 4.6 deprecated eval_set for eval_X and eval_y.
            if "eval_X" in signature(estimator.fit).parameters:
                params |= {"eval_X": eval_X, "eval_y": eval_y}
            else:  # pragma: no cover - LightGBM < 4.6
                params["eval_set"] = list(zip(eval_X, eval_y, strict=True))
        try:
            return estimator.fit(_as_matrix(X), y, sample_weight=weight, **params)
        except sys.modules["lightgbm"].basic.LightGBMError as error:
            if "num_features()) > (0)" not in str(error):
                raise
            # With its own objectives LightGBM then keeps the constant model;
            # with a custom one it stops.
            raise ValueError(
                f"LightGBM found no feature it can split: with "
                f"min_child_samples={estimator.min_child_samples} every leaf needs "
                f"that many of the {len(y)} rows, or every feature is constant. "
                f"With a custom objective LightGBM cannot fall back to the "
                f"constant model: lower min_child_samples (and min_data_in_bin) "
                f"or give more rows."
            ) from error

    @staticmethod
    def raw_score(estimator, X):
        """Raw scores of the fitted booster (without the init score), float64."""
        return estimator.predict(_as_matrix(X), raw_score=True)


def _as_matrix(X):
    """A SciPy sparse array as the sparse matrix LightGBM reads without copying.

    LightGBM predicts from ``csr_matrix`` and ``csc_matrix`` only, and
    converts anything else (``csr_array`` included) with a warning.
    """
    if not issparse(X) or isspmatrix(X):
        return X
    return csr_matrix(X) if X.format == "csr" else csc_matrix(X)
