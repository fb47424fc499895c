"""XGBoost: the focal objective and metrics as XGBoost callables.

XGBoost calls a custom objective with float32 raw scores (the base margin
included, when the data has one), ``(n_samples,)`` for two classes and
``(n_samples, n_classes)`` for more; the row weights come from
``DMatrix.get_weight()`` (an empty array when there are none) or, in the
scikit-learn wrapper, as the ``sample_weight`` keyword, and XGBoost never
multiplies the result by them. Its built-in ``multi:softprob`` scales the
Hessian diagonal by 2. A callable metric of the scikit-learn wrapper is
minimised by early stopping. Nothing here imports xgboost.
"""

import sys

import numpy as np

from imbweight.boosting._objective import (
    FocalMetric,
    MetricCallable,
    SklearnObjective,
    make_objective,
)

__all__ = ["xgboost_metric", "xgboost_objective"]


def _hessian_scale(n_classes):
    """XGBoost's factor on the softmax Hessian diagonal (1 for a sigmoid)."""
    return 2.0 if n_classes > 2 else 1.0


class XGBoostMetric(MetricCallable):
    """``custom_metric(predt, dtrain) -> (name, value)`` for ``xgboost.train``."""

    def __call__(self, predt, dtrain):
        value = self.metric.evaluate(dtrain.get_label(), predt, dtrain.get_weight())
        return self.metric.name, value


class XGBoostSklearnMetric(MetricCallable):
    """``eval_metric(y_true, y_pred, sample_weight=None)`` for ``XGBClassifier``.

    The wrapper's early stopping minimises a callable metric, so average
    precision is reported as ``1 - average_precision``.
    """

    def __init__(self, metric):
        super().__init__(metric)
        if metric.higher_is_better:
            self.__name__ = f"1-{metric.name}"
        else:
            self.__name__ = metric.name

    def __call__(self, y_true, y_pred, sample_weight=None):
        value = self.metric.evaluate(y_true, y_pred, sample_weight)
        return 1.0 - value if self.metric.higher_is_better else value


def xgboost_objective(
    gamma=2.0, *, alpha=None, class_weight=None, n_classes=2, sklearn=False
):
    """The weighted focal loss as an XGBoost custom objective.

    As :func:`lightgbm_objective`, for XGBoost: give the training and every
    evaluation set the base margin :func:`focal_init_score` (repeated on
    every row), and set ``num_class`` for more than two classes.

    Parameters
    ----------
    gamma, alpha, class_weight, n_classes : float, float or array-like, dict \
            or array-like, int
        As for :func:`lightgbm_objective`.
    sklearn : bool, default=False
        False: ``obj(predt, dtrain)``, for ``xgboost.train(obj=...)``. True:
        ``objective(y_true, y_pred, sample_weight=None)``, for
        ``XGBClassifier(objective=...)``.

    Returns
    -------
    objective : callable
        Returns float32 gradients and Hessians of the shape of the scores.

    Examples
    --------
    >>> import numpy as np
    >>> import xgboost as xgb
    >>> from imbweight.boosting import (
    ...     focal_init_score, xgboost_metric, xgboost_objective)
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 3))
    >>> y = (X[:, 0] + rng.normal(size=500) > 2).astype(int)
    >>> init = focal_init_score(y, gamma=2.0)
    >>> train = xgb.DMatrix(X, y, base_margin=np.full(len(y), init))
    >>> booster = xgb.train(
    ...     {"disable_default_eval_metric": True, "nthread": 1},
    ...     train,
    ...     num_boost_round=10,
    ...     obj=xgboost_objective(2.0),
    ...     custom_metric=xgboost_metric("average_precision"),
    ...     maximize=True,
    ...     evals=[(train, "train")],
    ...     verbose_eval=False,
    ... )
    >>> test = xgb.DMatrix(X, base_margin=np.full(len(y), init))
    >>> booster.predict(test, output_margin=True).shape  # init score included
    (500,)
    """
    return make_objective(
        gamma, alpha, class_weight, n_classes, _hessian_scale(n_classes), sklearn
    )


def xgboost_metric(
    metric="focal_loss",
    *,
    gamma=2.0,
    alpha=None,
    class_weight=None,
    n_classes=2,
    sklearn=False,
):
    """An evaluation metric on probabilities, as an XGBoost callable.

    With a custom objective XGBoost hands a custom metric raw margins; these
    metrics apply the link themselves. Set ``disable_default_eval_metric``
    so that early stopping watches this metric.

    Parameters
    ----------
    metric : {"focal_loss", "average_precision"}, default="focal_loss"
        As :func:`lightgbm_metric`. With ``xgboost.train`` pass
        ``maximize=True`` for ``"average_precision"``; the scikit-learn form
        reports ``1 - average_precision`` instead, since ``XGBClassifier``
        minimises callable metrics.
    gamma, alpha, class_weight, n_classes : float, float or array-like, dict \
            or array-like, int
        As for :func:`lightgbm_objective` (``"focal_loss"`` only).
    sklearn : bool, default=False
        False: ``custom_metric(predt, dtrain) -> (name, value)`` for
        ``xgboost.train``. True: ``eval_metric(y_true, y_pred,
        sample_weight=None) -> value`` for ``XGBClassifier``.

    Returns
    -------
    metric : callable
        The metric in the calling convention asked for.

    Examples
    --------
    >>> import numpy as np
    >>> from imbweight.boosting import xgboost_metric
    >>> metric = xgboost_metric("average_precision", sklearn=True)
    >>> metric.__name__, metric(np.array([0, 1, 1]), np.array([-2.0, 1.0, 3.0]))
    ('1-average_precision', 0.0)
    """
    focal_metric = FocalMetric(metric, gamma, alpha, class_weight, n_classes)
    return (XGBoostSklearnMetric if sklearn else XGBoostMetric)(focal_metric)


class XGBoostEngine:
    """What :class:`FocalBoostingClassifier` does with an ``XGBClassifier``."""

    name = "XGBoost"

    #: Parameters of the booster that must keep one of these values.
    unset = {
        "objective": ("binary:logistic",),
        "eval_metric": (None,),
        "scale_pos_weight": (None, 1.0),
        "base_score": (None,),
    }

    #: fit parameters the classifier sets itself.
    reserved = (
        "sample_weight",
        "base_margin",
        "eval_set",
        "sample_weight_eval_set",
        "base_margin_eval_set",
    )

    hessian_scale = staticmethod(_hessian_scale)

    @staticmethod
    def accepts(estimator):
        xgboost = sys.modules.get("xgboost")
        return xgboost is not None and isinstance(estimator, xgboost.XGBClassifier)

    @staticmethod
    def configure(estimator, objective, metric):
        """Give ``estimator`` (a clone) the focal objective and metric.

        The objective and the metric add the init score; the booster starts
        from the raw score 0 (``base_score`` 0.5 through the logistic link,
        0 for ``multi:softprob``, which has none), not from an intercept it
        would estimate for its own objective.
        """
        return estimator.set_params(
            objective=SklearnObjective(objective),
            eval_metric=XGBoostSklearnMetric(metric),
            disable_default_eval_metric=True,
            base_score=0.5 if objective.n_classes == 2 else 0.0,
        )

    @classmethod
    def fit(cls, estimator, X, y, weight, eval_sets, objective, metric, params):
        """Fit ``estimator`` (a clone) with the focal objective and metric."""
        cls.configure(estimator, objective, metric)
        params = {"verbose": False, **params}
        if eval_sets:
            eval_X, eval_y, eval_weight = zip(*eval_sets, strict=True)
            params["eval_set"] = list(zip(eval_X, eval_y, strict=True))
            if any(weights is not None for weights in eval_weight):
                params["sample_weight_eval_set"] = [
                    np.ones(len(labels)) if weights is None else weights
                    for labels, weights in zip(eval_y, eval_weight, strict=True)
                ]
        return estimator.fit(X, y, sample_weight=weight, **params)

    @staticmethod
    def raw_score(estimator, X):
        """Raw scores of the fitted booster (without the init score), float64."""
        return np.asarray(estimator.predict(X, output_margin=True), dtype=np.float64)
