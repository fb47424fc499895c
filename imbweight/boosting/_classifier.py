"""FocalBoostingClassifier: a LightGBM or XGBoost classifier on the focal loss."""

import os

import numpy as np
from scipy.special import expit, log_expit, log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from imbweight._base import FocalLinearClassifierMixin
from imbweight._compat import HasMethods, check_sample_weight, fit_context
from imbweight._fit_problem import (
    _checked_classes,
    _encode_single_output,
    resolve_alpha,
    shallow_copy,
)
from imbweight._posterior import fitted_posterior
from imbweight._targets import BINARY, check_target, target_kind_of_classes
from imbweight.boosting._init_score import focal_init_score
from imbweight.boosting._lightgbm import LightGBMEngine
from imbweight.boosting._objective import FocalMetric, FocalObjective
from imbweight.boosting._xgboost import XGBoostEngine
from imbweight.class_weight import class_weight_array

__all__ = ["FocalBoostingClassifier"]

ENGINES = (LightGBMEngine, XGBoostEngine)


class FocalBoostingClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Gradient-boosted trees (LightGBM or XGBoost) on the weighted focal loss.

    Trains a clone of ``estimator``, an unfitted ``lightgbm.LGBMClassifier``
    or ``xgboost.XGBClassifier`` with the booster settings of your choice,
    on the objective of :class:`~imbweight.FocalLogisticRegression`::

        Σ_i s_i c_{y_i} α_{y_i} (1 - p_{i,y_i})^γ (-log p_{i,y_i})

    with ``p`` the sigmoid (two classes) or softmax (more) of the trees' raw
    scores, ``s`` the sample weights, ``c`` the class weights and ``α`` the
    focal α. ``gamma=0`` with no ``alpha`` nor class weights is the
    booster's own log-loss objective: the same trees.

    What the engines leave to a custom objective is done here:

    - the weights are multiplied into the gradients and Hessians (LightGBM
      and XGBoost do not multiply a custom objective's output);
    - the exact Hessian is used, with a positive floor where the focal loss
      is not convex (see :mod:`imbweight.boosting`);
    - training starts from the optimal constant, ``init_score_``: the
      objective and the evaluation metric add it to the booster's raw
      scores, and :meth:`decision_function` adds it back;
    - :meth:`predict_proba` is the link of the raw score, not the raw score;
      :meth:`predict_posterior` recovers P(y | x);
    - evaluation sets are scored on probabilities (the focal loss, or
      average precision), never by a built-in log-loss read off raw scores.

    Parameters
    ----------
    estimator : LGBMClassifier or XGBClassifier, default=None
        The booster, unfitted, with its objective, metric and class weights
        left unset (they are set here). ``None`` is ``LGBMClassifier()``.
        Its parameters are tunable as ``estimator__num_leaves`` etc.
    gamma : float, default=2.0
        Focusing parameter, ``gamma >= 0``.
    alpha : None, float, array-like or dict, default=None
        Focal α, as in :class:`~imbweight.FocalLogisticRegression`: for a
        binary target the weight of the positive class ``classes_[1]`` in
        [0, 1] (the other gets ``1 - alpha``); for a multiclass target one
        value per class (ordered like ``classes_``, or a dict); a float is
        then an error.
    class_weight : None, "balanced", dict, ClassWeights or callable, default=None
        Class weights, resolved in ``fit`` on the labels it receives (after
        a sampler in an imblearn ``Pipeline``), as for
        :class:`~imbweight.FocalLogisticRegression`; they multiply
        ``sample_weight`` and ``alpha``.

    Attributes
    ----------
    estimator_ : LGBMClassifier or XGBClassifier
        The fitted booster. It was trained on the class codes
        ``0 .. n_classes - 1`` from ``init_score_``: its own predictions
        leave the init score out.
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    class_weight_ : dict
        The resolved weight of each class.
    init_score_ : float or ndarray of shape (n_classes,)
        The optimal constant raw score the training started from (of
        ``classes_[1]`` for a binary target, one per class otherwise).
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, when ``X`` had string column
        names.

    See Also
    --------
    imbweight.boosting.lightgbm_objective : The objective for ``lightgbm.train``.
    imbweight.boosting.xgboost_objective : The objective for ``xgboost.train``.

    Notes
    -----
    With ``gamma > 0`` the gradients and Hessians of well classified rows
    shrink by ``(1 - p_t)^γ`` (and all by ``α_t``): the trees need more
    rounds or a larger ``learning_rate`` than for the log-loss, and limits
    on the Hessian sum of a leaf (XGBoost's ``min_child_weight``, default 1;
    LightGBM's ``min_sum_hessian_in_leaf``) bind sooner, as they do for
    small sample weights; lower them if trees stop splitting. Rows that
    start far on the wrong side (a rare group the init score misplaces) take
    the Newton steps of the weighted log-loss, which a large learning rate
    can overshoot, as it does with the engines' own objectives; lower the
    learning rate or bound the steps (``max_delta_step``).

    Examples
    --------
    >>> from lightgbm import LGBMClassifier
    >>> from sklearn.datasets import make_classification
    >>> from imbweight import FocalBoostingClassifier
    >>> X, y = make_classification(n_samples=1000, weights=[0.95], random_state=0)
    >>> clf = FocalBoostingClassifier(
    ...     LGBMClassifier(n_estimators=50, verbose=-1), gamma=2.0, alpha=0.25
    ... ).fit(X, y)
    >>> clf.predict_proba(X[:3]).shape
    (3, 2)
    >>> clf.predict(X[:3]).tolist() == clf.classes_[
    ...     clf.predict_proba(X[:3]).argmax(axis=1)].tolist()
    True
    >>> clf.predict_posterior(X[:3]).shape  # P(y | x), undoing alpha and gamma
    (3, 2)
    """

    _parameter_constraints: dict = {
        "estimator": [None, HasMethods(["fit", "predict"])],
        # The same parameters as FocalLogisticRegression's, the same forms.
        **{
            name: FocalLinearClassifierMixin._parameter_constraints[name]
            for name in ("gamma", "alpha", "class_weight")
        },
    }

    def __init__(self, estimator=None, *, gamma=2.0, alpha=None, class_weight=None):
        self.estimator = estimator
        self.gamma = gamma
        self.alpha = alpha
        self.class_weight = class_weight

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # The boosters learn where to send missing values, and take CSR/CSC.
        tags.input_tags.allow_nan = True
        tags.input_tags.sparse = True
        return tags

    # ----------------------------------------------------------------- fitting
    # The booster's own parameters are validated by its fit.
    @fit_context(prefer_skip_nested_validation=False)
    def fit(
        self,
        X,
        y,
        sample_weight=None,
        *,
        eval_set=None,
        eval_sample_weight=None,
        eval_metric="focal_loss",
        **fit_params,
    ):
        """Train the booster on the weighted focal loss.

        Everything is checked before the first boosting round; the fitted
        attributes are set at the end, so a fit that fails leaves the
        previous model as it was.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Training data; a DataFrame reaches the booster as it is (its
            column names and categorical columns with it). Missing values
            are allowed.
        y : array-like of shape (n_samples,)
            Class labels of any type: a binary or multiclass target.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights; they multiply the class weights and
            weigh the class counts of ``"balanced"`` and the strategies.
        eval_set : list of (X, y) pairs, default=None
            Evaluation sets, scored with ``eval_metric`` after each round;
            the booster's early stopping (LightGBM's
            ``callbacks=[lightgbm.early_stopping(n)]`` in ``fit_params``,
            XGBoost's ``early_stopping_rounds``) watches them. Their labels
            must be classes of ``y``.
        eval_sample_weight : list of (None or array-like), default=None
            Row weights of each evaluation set.
        eval_metric : {"focal_loss", "average_precision"}, default="focal_loss"
            The weighted focal loss of the objective (``sample_weight``
            × class weight × α, per unit of weight; lower is better), or
            average precision (of ``classes_[1]``, the macro one-vs-rest
            average for more classes; with the rows' weights only). Both
            read probabilities, with the init score. XGBoost's early
            stopping minimises, so there it is ``1 - average_precision``.
        **fit_params : dict
            Further parameters of the booster's ``fit`` (``callbacks``,
            ``categorical_feature``, ``verbose``, ...).

        Returns
        -------
        self : FocalBoostingClassifier
            The fitted classifier.
        """
        name = type(self).__name__
        booster, engine = self._booster_engine(fit_params)
        # validate_data records the features on the object it is given: a
        # copy, read back at the end, so that self changes only on success.
        record = shallow_copy(self)
        X = _check_X(record, X, reset=True)
        y = _check_y(y, name)
        check_consistent_length(X, y)
        classes = _checked_classes(name, y, BINARY, None)
        if sample_weight is not None:
            sample_weight = check_sample_weight(
                sample_weight, X, ensure_non_negative=True
            )
        codes, weight, class_weight = _encode_single_output(
            self.class_weight, y, classes, np.float64, sample_weight
        )
        # The boosters keep float32 weights: the init score uses the same.
        weight = None if np.all(weight == 1) else weight.astype(np.float32)
        init_score = focal_init_score(
            codes,
            gamma=self.gamma,
            alpha=self._resolved_alpha(classes),
            sample_weight=weight,
            n_classes=classes.size,
        )
        objective, metric = self._objective_metric(
            engine,
            classes,
            class_weight,
            eval_metric,
            init_score,
            _training_threads(booster),
        )
        eval_sets = _check_eval_sets(
            record, eval_set, eval_sample_weight, classes, name
        )
        booster = engine.fit(
            booster, X, codes, weight, eval_sets, objective, metric, fit_params
        )
        self._store_fit(record, booster, classes, class_weight, init_score, objective)
        return self

    def _booster_engine(self, fit_params):
        """An unfitted clone of the booster and its engine, both checked."""
        booster = (
            LightGBMEngine.default()
            if self.estimator is None
            else clone(self.estimator)
        )
        engine = _engine(booster)
        _check_booster(engine, booster, fit_params)
        return booster, engine

    def _resolved_alpha(self, classes):
        """``alpha`` per class code (None, a float for two classes)."""
        return resolve_alpha(self.alpha, target_kind_of_classes(classes.size), classes)

    def _objective_metric(
        self, engine, classes, class_weight, eval_metric, init_score, n_threads=1
    ):
        """The focal objective for ``engine`` and the evaluation metric.

        Both add ``init_score`` to the booster's raw scores: the booster
        starts from 0 and holds no copy of the init score per row.
        """
        alpha = self._resolved_alpha(classes)
        objective = FocalObjective(
            self.gamma,
            alpha,
            n_classes=classes.size,
            hessian_scale=engine.hessian_scale(classes.size),
            n_threads=n_threads,
            init_score=init_score,
        )
        metric = FocalMetric(
            eval_metric,
            self.gamma,
            alpha,
            class_weight_array(class_weight, classes),
            classes.size,
            init_score,
        )
        return objective, metric

    def _store_fit(self, record, booster, classes, class_weight, init_score, objective):
        """Set every fitted attribute at once, dropping those of an earlier fit.

        ``record`` carries the features seen (``n_features_in_`` and maybe
        ``feature_names_in_``).
        """
        fitted = {
            "estimator_": booster,
            "classes_": classes,
            "class_weight_": class_weight,
            "init_score_": init_score,
            "n_features_in_": record.n_features_in_,
            "_target_kind_": target_kind_of_classes(classes.size),
            "_loss_": objective.loss,
            "_engine_": _engine(booster),
        }
        if hasattr(record, "feature_names_in_"):
            fitted["feature_names_in_"] = record.feature_names_in_
        for stale in [key for key in vars(self) if key.endswith("_")]:
            if not stale.startswith("__") and stale not in fitted:
                delattr(self, stale)
        vars(self).update(fitted)

    # -------------------------------------------------------------- prediction
    def decision_function(self, X):
        """Raw scores of the trees, the init score included.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,) for a binary target (of
            ``classes_[1]``), else (n_samples, n_classes)
        """
        check_is_fitted(self)
        X = _check_X(self, X, reset=False)
        return self._engine_.raw_score(self.estimator_, X) + self.init_score_

    def predict_proba(self, X):
        """The model's probabilities: sigmoid or softmax of the raw scores.

        With class weights, ``alpha`` or ``gamma > 0`` these are the trained
        model's outputs, not estimates of P(y | x); see
        :meth:`predict_posterior`.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to 1; columns ordered like ``classes_``.
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return np.column_stack([expit(-scores), expit(scores)])
        return softmax(scores, axis=1)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, computed in log space.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities, columns ordered like ``classes_``.
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return np.column_stack([log_expit(-scores), log_expit(scores)])
        return log_softmax(scores, axis=1)

    def predict(self, X):
        """Class labels: the most probable class under :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels of ``classes_``.
        """
        scores = self.decision_function(X)
        indices = (scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(1)
        return self.classes_[indices]

    def predict_posterior(self, X):
        """Recovered class probabilities P(y | x), undoing weights, α and γ.

        The closed-form recovery of the linear models (see
        :meth:`imbweight.FocalLogisticRegression.predict_posterior`),
        applied to the trees' raw scores: ``P(y = k | x) ∝ 1 / (a_k
        u(q_k))`` with ``a_k = α_k c_k`` and ``q_k`` the model's
        probability; for ``gamma=0`` the prior correction ``q_k / a_k``.
        It is exact where the trees reach the minimiser of the expected
        weighted loss. Sample weights do not enter.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)

        Returns
        -------
        posterior : ndarray of shape (n_samples, n_classes)
            P(y | x), columns ordered like ``classes_``.
        """
        return fitted_posterior(self, X)


def _engine(booster):
    """The engine of ``booster``, or a TypeError before any work."""
    for engine in ENGINES:
        if engine.accepts(booster):
            return engine
    raise TypeError(
        f"FocalBoostingClassifier needs an unfitted lightgbm.LGBMClassifier or "
        f"xgboost.XGBClassifier as estimator; got {type(booster).__name__}. For "
        f"other classifiers use ClassWeightedClassifier."
    )


def _training_threads(booster):
    """The threads ``booster`` trains with: its ``n_jobs``; every core when
    unset, as both engines do; ``-1`` every core, ``-2`` all but one."""
    n_jobs = booster.get_params(deep=False).get("n_jobs")
    cores = os.cpu_count() or 1
    if n_jobs is None or n_jobs == 0:
        return cores
    return n_jobs if n_jobs > 0 else max(cores + 1 + n_jobs, 1)


def _check_booster(engine, booster, fit_params):
    """Raise if the booster or ``fit_params`` set what the classifier sets."""
    params = booster.get_params(deep=False)
    conflicts = {
        name: params[name]
        for name, unset in engine.unset.items()
        if name in params and params[name] not in unset
    }
    if conflicts:
        raise ValueError(
            f"The {engine.name} estimator sets {conflicts}; leave "
            f"{sorted(conflicts)} at the default: FocalBoostingClassifier sets the "
            f"objective and the evaluation metric (eval_metric= of fit) itself, "
            f"owns the class weights (class_weight=) and starts the trees from "
            f"its own constant (init_score_)."
        )
    reserved = sorted(set(fit_params) & set(engine.reserved))
    if reserved:
        raise ValueError(
            f"FocalBoostingClassifier.fit does not pass {reserved} to the "
            f"booster's fit: it starts the trees from init_score_ itself, and "
            f"takes sample_weight=, eval_set= and eval_sample_weight= as its "
            f"own parameters."
        )


def _check_X(estimator, X, *, reset):
    """Check ``X`` against the fitted features; a DataFrame stays as it is."""
    if hasattr(X, "columns") and hasattr(X, "dtypes"):
        # The booster reads its column names and categorical dtypes.
        validate_data(estimator, X, reset=reset, skip_check_array=True)
        return X
    return validate_data(
        estimator,
        X,
        reset=reset,
        accept_sparse=("csr", "csc"),
        dtype=[np.float64, np.float32],
        ensure_all_finite="allow-nan",
    )


def _check_y(y, name):
    """Labels as a 1-D array, with scikit-learn's messages for the wrong ones."""
    if y is not None:
        y = check_array(y, ensure_2d=False, dtype=None, input_name="y")
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
    return check_target(y, name, multilabel=False)[0]


def _check_eval_sets(record, eval_set, eval_sample_weight, classes, name):
    """``[(X, codes, weight), ...]`` of the evaluation sets, checked."""
    if eval_set is None:
        if eval_sample_weight is not None:
            raise ValueError("eval_sample_weight is given without eval_set.")
        return []
    if isinstance(eval_set, tuple):
        eval_set = [eval_set]
    weights = eval_sample_weight
    if weights is None:
        weights = [None] * len(eval_set)
    if len(weights) != len(eval_set):
        raise ValueError(
            f"eval_sample_weight has {len(weights)} entries for {len(eval_set)} "
            f"evaluation sets."
        )
    checked = []
    for pair, weight in zip(eval_set, weights, strict=True):
        if not (isinstance(pair, tuple | list) and len(pair) == 2):
            raise ValueError(
                f"eval_set must be a list of (X, y) pairs; got an entry of type "
                f"{type(pair).__name__}."
            )
        X, y = pair
        X = _check_X(record, X, reset=False)
        y = _check_y(y, f"{name} eval_set")
        check_consistent_length(X, y)
        unknown = np.setdiff1d(np.unique(y), classes)
        if unknown.size:
            raise ValueError(
                f"eval_set has labels {unknown.tolist()} that are not classes of "
                f"y, {classes.tolist()}."
            )
        if weight is not None:
            weight = check_sample_weight(weight, X, ensure_non_negative=True)
        checked.append((X, np.searchsorted(classes, y), weight))
    return checked
