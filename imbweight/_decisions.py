"""CostSensitiveClassifier: decisions under a cost matrix, for any classifier.

Conventions
-----------
A cost matrix ``C`` has shape ``(n_classes, n_classes)``; ``C[k, j]`` is the
cost of deciding class ``j`` when the truth is class ``k`` (rows: truth,
columns: decision, as in :func:`sklearn.metrics.confusion_matrix` and
:mod:`imbweight.metrics`). Costs are finite and non-negative, and a correct
decision should be the cheapest of its row. The fitted ``cost_matrix_`` is
ordered like ``classes_``.

The decision for a sample with posterior ``p`` (``P(y = k | x)``, recovered
by :func:`imbweight.posterior_proba`) and per-class offsets ``θ`` is::

    argmin_j  Σ_k  p_k · exp(θ_k) · C[k, j]

``θ = 0`` is the Bayes-optimal decision (``response="posterior"``); tuned
offsets (``response="tuned"``) multiply each class's probability by a
factor chosen on cross-validated predictions, the K-class counterpart of
moving a binary threshold. ``θ`` is defined up to a common constant and
stored with ``θ[0] = 0``.
"""

import warnings

import numpy as np
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import check_cv
from sklearn.utils import indexable
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import (
    check_array,
    check_is_fitted,
    column_or_1d,
)

from imbweight import metrics
from imbweight._compat import (
    HasMethods,
    StrOptions,
    check_sample_weight,
    fit_context,
    num_samples,
)
from imbweight._posterior import posterior_proba, posterior_source
from imbweight._wrapper import WrappedClassifierMixin, _estimator_has

__all__ = ["CostSensitiveClassifier"]

# The offsets of one class are searched over at most this many quantiles of
# the values where some decision changes (TunedThresholdClassifierCV
# searches 100 thresholds), and the classes are swept at most _MAX_SWEEPS
# times; each sweep that changes an offset lowers the cost.
_N_CANDIDATES = 200
_MAX_SWEEPS = 20


class CostSensitiveClassifier(
    WrappedClassifierMixin, MetaEstimatorMixin, ClassifierMixin, BaseEstimator
):
    """Cost-optimal decisions from any classifier's posteriors and a cost matrix.

    ``predict`` returns, for each sample, the class with the least expected
    cost ``Σ_k P(y = k | x) C[k, j]`` under a K×K ``cost_matrix`` (rows the
    true class, columns the decision): the Bayes-optimal decision, for any
    number of classes. The posteriors are those
    :func:`imbweight.posterior_proba` recovers from the fitted
    ``estimator``: class weights, focal ``alpha`` and ``gamma`` undone
    (imbweight classifiers, :class:`~imbweight.ClassWeightedClassifier`),
    resampling undone (:class:`imbweight.pipeline.Pipeline`), and otherwise
    the estimator's ``predict_proba``.

    The rule is only as good as the posteriors. When they cannot be trusted
    (a forest or boosting model trained on resampled data, a model whose
    probabilities are off by a prior shift), ``response="tuned"`` multiplies
    each class's posterior by a factor ``exp(θ_k)`` chosen by
    cross-validation to minimise the expected cost of the decisions: the
    K-class counterpart of
    :class:`~sklearn.model_selection.TunedThresholdClassifierCV` (for two
    classes it is exactly a tuned threshold on ``P(y = 1 | x)``). The
    factors are tuned on out-of-fold predictions of the data ``fit``
    receives, then the estimator is refitted on all of it.

    Parameters
    ----------
    estimator : classifier object, default=None
        A classifier with ``predict_proba`` or ``predict_posterior`` (or a
        pipeline or search ending in one); cloned in ``fit``. ``None`` means
        :class:`~sklearn.linear_model.LogisticRegression()`.
    cost_matrix : array-like of shape (n_classes, n_classes), default=None
        ``cost_matrix[k, j]`` is the cost of deciding class ``j`` when the
        truth is class ``k``, with the classes ordered like ``labels`` (by
        default the sorted classes of ``y``, as in ``classes_``). Costs
        must be finite and non-negative (a gain is a lower cost: adding a
        constant to a row changes no decision); a correct decision that is
        not the cheapest of its row is warned about. A pandas DataFrame
        with the class labels as index (truth) and columns (decision) is
        ordered by them. ``None`` is the zero-one cost ``1 - eye(n_classes)``:
        the most probable class.
    labels : array-like of shape (n_classes,), default=None
        The classes in the order of the rows and columns of
        ``cost_matrix``; they must be exactly the classes of ``y``. ``None``
        means sorted (``classes_``). Give them with string labels, or to
        write the matrix in another order.
    response : {"posterior", "tuned"}, default="posterior"
        ``"posterior"``: the Bayes decision on the recovered posteriors.
        ``"tuned"``: the same rule after per-class factors tuned by
        cross-validation to minimise the expected cost.
    cv : int, cross-validation generator or iterable, default=5
        The folds of ``response="tuned"`` (ignored otherwise), as
        :func:`~sklearn.model_selection.check_cv` takes them (an integer is
        a :class:`~sklearn.model_selection.StratifiedKFold`). The folds must
        partition the data, and every class must be in every training fold.

    Attributes
    ----------
    estimator_ : classifier object
        The clone of ``estimator`` fitted on all the data.
    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted.
    cost_matrix_ : ndarray of shape (n_classes, n_classes)
        The cost matrix, rows and columns ordered like ``classes_``.
    offsets_ : ndarray of shape (n_classes,)
        The log-factors ``θ`` of the decision rule (see the Notes); zeros
        for ``response="posterior"``.
    cv_expected_cost_ : float
        ``response="tuned"`` only: the mean expected cost of the tuned
        decisions on the out-of-fold posteriors.
    n_features_in_ : int
        Number of features seen during ``fit`` (those of ``estimator_``).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, when ``estimator_`` records
        them.

    See Also
    --------
    imbweight.metrics.bayes_decision : The decision rule, as a function.
    imbweight.metrics.make_cost_scorer : The expected cost as a scorer.
    imbweight.posterior_proba : The posteriors the decisions use.
    sklearn.model_selection.TunedThresholdClassifierCV : A tuned binary
        threshold.

    Notes
    -----
    The decision for a sample is ``argmin_j Σ_k p_k exp(θ_k) C[k, j]``, with
    ``θ = offsets_``. For two classes and a matrix whose correct decisions
    cost 0, it predicts the second class when ``p_1 > t`` with ``t =
    C[0, 1] / (C[0, 1] + C[1, 0] exp(θ_1 - θ_0))``: a missed positive ten
    times as costly as a false alarm gives ``t = 1/11`` at ``θ = 0``.

    The offsets are found by coordinate descent on the out-of-fold expected
    cost, each class's ``θ_k`` searched over at most 200 candidates (the
    quantiles of the values where some decision changes), ties going to the
    smallest change; the cost never increases, and the search stops when a
    sweep over the classes changes nothing. ``response="tuned"`` costs
    ``cv`` extra fits.

    ``score`` is the negative expected cost per sample (higher is better),
    not the accuracy: a search over a ``CostSensitiveClassifier`` selects by
    cost without a ``scoring`` argument.

    A sampler placed before this classifier in a pipeline changes the class
    balance its estimator learns, and this classifier cannot see it: put the
    sampler inside ``estimator``, in an :class:`imbweight.pipeline.Pipeline`
    (which refuses this classifier as its final step after a sampler;
    imbalanced-learn's cannot tell).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from imbweight import CostSensitiveClassifier, FocalLogisticRegression
    >>> X, y = make_classification(n_samples=2000, weights=[0.9], random_state=0)
    >>> cost = [[0, 1],    # truth 0: a false alarm costs 1
    ...         [10, 0]]   # truth 1: a missed positive costs 10
    >>> clf = CostSensitiveClassifier(
    ...     FocalLogisticRegression(class_weight="balanced"), cost_matrix=cost
    ... ).fit(X, y)
    >>> clf.predict(X[:5])
    array([1, 0, 0, 0, 0])
    >>> round(clf.expected_cost(X, y), 3)
    0.056

    Tuned offsets, for probabilities that cannot be trusted:

    >>> tuned = CostSensitiveClassifier(
    ...     FocalLogisticRegression(class_weight="balanced"),
    ...     cost_matrix=cost,
    ...     response="tuned",
    ... ).fit(X, y)
    >>> tuned.offsets_.round(2)
    array([ 0.  , -1.07])
    >>> round(tuned.cv_expected_cost_, 3)
    0.064
    """

    # Read by imbweight.pipeline.Pipeline, which refuses this classifier
    # behind a sampler (the posteriors it decides on could not undo it).
    _decides_on_posteriors = True

    _parameter_constraints: dict = {
        "estimator": [None, HasMethods(["fit"])],
        "cost_matrix": [None, "array-like"],
        "labels": [None, "array-like"],
        "response": [StrOptions({"posterior", "tuned"})],
        "cv": ["cv_object"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        cost_matrix=None,
        labels=None,
        response="posterior",
        cv=5,
    ):
        self.estimator = estimator
        self.cost_matrix = cost_matrix
        self.labels = labels
        self.response = response
        self.cv = cv

    def _unfitted_estimator(self):
        """The classifier to clone in ``fit``: ``estimator``, by default LR."""
        return LogisticRegression() if self.estimator is None else self.estimator

    # ----------------------------------------------------------------- fitting
    @fit_context(
        # The estimator is the user's: let it validate its own parameters.
        prefer_skip_nested_validation=False
    )
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Fit the estimator, and tune the offsets for ``response="tuned"``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data, passed to ``estimator`` as it is.
        y : array-like of shape (n_samples,)
            Class labels: a binary or multiclass target.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples, passed to ``estimator.fit`` and weighing
            the expected cost the offsets are tuned on.
        **fit_params : dict
            Further parameters of ``estimator.fit``. With metadata routing
            enabled, ``sample_weight`` and these are passed as ``estimator``
            requests them.

        Returns
        -------
        self : CostSensitiveClassifier
            The fitted classifier.
        """
        estimator = clone(self._unfitted_estimator())
        if not (
            hasattr(estimator, "predict_posterior")
            or hasattr(estimator, "predict_proba")
        ):
            raise ValueError(
                f"estimator {type(estimator).__name__} has neither predict_proba "
                f"nor predict_posterior: CostSensitiveClassifier decides from class "
                f"probabilities. Wrap it in sklearn.calibration."
                f"CalibratedClassifierCV, or use a probabilistic classifier."
            )
        posterior_source(estimator)  # a sampler or class_weight it cannot undo
        y = self._check_target(y)
        classes = np.unique(y)
        cost_matrix = _check_cost_matrix(self.cost_matrix, self.labels, classes)
        if sample_weight is not None:
            sample_weight = check_sample_weight(
                sample_weight, y, ensure_non_negative=True
            )

        estimator_params = self._estimator_params(sample_weight, fit_params)
        if self.response == "tuned":
            offsets, cv_cost = self._tune(
                estimator, X, y, classes, cost_matrix, sample_weight, estimator_params
            )
        else:
            offsets, cv_cost = np.zeros(classes.size), None
        fitted = estimator.fit(X, y, **estimator_params)
        fitted_classes = getattr(fitted, "classes_", classes)
        if not np.array_equal(np.asarray(fitted_classes), classes):
            raise ValueError(
                f"{type(fitted).__name__}.classes_ = {list(fitted_classes)} are not "
                f"the sorted classes of y, {classes.tolist()}; its probability "
                f"columns could not be matched to the cost matrix."
            )
        self.estimator_ = fitted
        self.classes_ = classes
        self.cost_matrix_ = cost_matrix
        self.offsets_ = offsets
        if cv_cost is None:
            vars(self).pop("cv_expected_cost_", None)  # from an earlier tuned fit
        else:
            self.cv_expected_cost_ = cv_cost
        return self

    def _estimator_params(self, sample_weight, fit_params):
        """``estimator.fit``'s keyword arguments, routed when routing is on."""
        if sample_weight is not None:
            fit_params = {**fit_params, "sample_weight": sample_weight}
        if sklearn.get_config()["enable_metadata_routing"]:
            return process_routing(self, "fit", **fit_params).estimator.fit
        return fit_params

    def _tune(self, estimator, X, y, classes, cost_matrix, sample_weight, params):
        """Offsets minimising the expected cost of out-of-fold decisions."""
        splits = list(check_cv(self.cv, y, classifier=True).split(X, y))
        tested = np.zeros(y.size, dtype=np.intp)
        for train, test in splits:
            tested[test] += 1
            missing = np.setdiff1d(classes, y[train])
            if missing.size:
                raise ValueError(
                    f"response='tuned' needs every class in every training fold of "
                    f"cv; a fold has no {missing.tolist()}. Use fewer folds, or "
                    f"response='posterior'."
                )
        if np.any(tested != 1):
            raise ValueError(
                "response='tuned' needs folds that partition the data (each sample "
                "in exactly one test fold), as KFold and StratifiedKFold give."
            )
        # Sparse matrices as CSR, other non-indexable inputs as arrays.
        (X,) = indexable(X)
        posterior = np.empty((y.size, classes.size))
        for train, test in splits:
            fold_params = {
                name: _rows(value, train) if _per_sample(value, y.size) else value
                for name, value in params.items()
            }
            fold = clone(estimator).fit(_rows(X, train), y[train], **fold_params)
            posterior[test] = posterior_proba(fold, _rows(X, test))
        codes = np.searchsorted(classes, y)
        return _tune_offsets(posterior, codes, cost_matrix, sample_weight)

    # -------------------------------------------------------------- prediction
    def predict(self, X):
        """The decision with the least expected cost for each sample.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        check_is_fitted(self)
        weighted = self.predict_posterior(X) * np.exp(
            self.offsets_ - self.offsets_.max()
        )
        return metrics.bayes_decision(weighted, self.cost_matrix_, self.classes_)

    def predict_posterior(self, X):
        """P(y | x), as the decisions use it: :func:`imbweight.posterior_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        posterior : ndarray of shape (n_samples, n_classes)
            Columns ordered like ``classes_``; without the offsets.
        """
        check_is_fitted(self)
        return posterior_proba(self.estimator_, X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """The fitted estimator's ``predict_proba``.

        For a weighted or resampled model these are not P(y | x); see
        :meth:`predict_posterior`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns ordered like ``classes_``.
        """
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)

    def expected_cost(self, X, y, sample_weight=None):
        """Mean cost of the decisions on ``X`` against the true labels ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.
        y : array-like of shape (n_samples,)
            True labels, all among ``classes_``.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples.

        Returns
        -------
        cost : float
            ``imbweight.metrics.expected_cost(y, predict(X), cost_matrix_)``,
            per sample; lower is better.
        """
        return metrics.expected_cost(
            y,
            self.predict(X),
            self.cost_matrix_,
            labels=self.classes_,
            sample_weight=sample_weight,
        )

    def score(self, X, y, sample_weight=None):
        """Negative expected cost per sample: higher is better.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples,)
            True labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples.

        Returns
        -------
        score : float
            ``-expected_cost(X, y, sample_weight)``.
        """
        return -self.expected_cost(X, y, sample_weight=sample_weight)

    # ---------------------------------------------------------------- plumbing
    def get_metadata_routing(self):
        """Metadata routing of this object.

        The classifier consumes ``sample_weight`` in ``fit`` (it weighs the
        cost the offsets are tuned on) and ``score``; ``fit``'s
        ``sample_weight`` and other parameters also go to the estimator's
        ``fit`` as it requests them.

        Returns
        -------
        routing : MetadataRouter
            The routing information.
        """
        return (
            MetadataRouter(owner=self)
            .add_self_request(self)
            .add(
                estimator=self._unfitted_estimator(),
                method_mapping=MethodMapping().add(caller="fit", callee="fit"),
            )
        )


def _rows(data, index):
    """The rows ``index`` of an indexable array, CSR matrix, DataFrame or list."""
    if hasattr(data, "iloc"):
        return data.iloc[index]
    if hasattr(data, "shape"):
        return data[index]
    return [data[i] for i in index]


def _per_sample(value, n_samples):
    """Whether a fit parameter has one entry per sample (and is cut by fold)."""
    if isinstance(value, str):
        return False
    try:
        return num_samples(value) == n_samples
    except TypeError:
        return False


def _check_cost_matrix(cost_matrix, labels, classes):
    """``cost_matrix`` validated, as floats ordered like ``classes``."""
    n_classes = classes.size
    if cost_matrix is None:
        if labels is not None:
            raise ValueError(
                "labels orders the rows and columns of cost_matrix; it cannot be "
                "given without a cost_matrix."
            )
        return 1.0 - np.eye(n_classes)
    labels = _frame_labels(cost_matrix, labels)
    try:
        shape = np.shape(cost_matrix)
    except ValueError:  # ragged nested lists
        shape = "ragged"
    if len(shape) != 2:
        raise ValueError(
            f"cost_matrix must be 2-D, of shape (n_classes, n_classes) with "
            f"cost_matrix[true, predicted]; got shape {shape}."
        )
    cost_matrix = check_array(cost_matrix, dtype=np.float64, input_name="cost_matrix")
    order = classes if labels is None else _check_labels(labels, classes)
    if cost_matrix.shape != (n_classes, n_classes):
        raise ValueError(
            f"cost_matrix has shape {cost_matrix.shape} but y has {n_classes} "
            f"classes {order.tolist()}; it must be ({n_classes}, {n_classes}), its "
            f"rows (the truth) and columns (the decision) ordered like "
            f"{'labels' if labels is not None else 'the sorted classes'}."
        )
    if np.any(cost_matrix < 0):
        raise ValueError(
            f"cost_matrix must be non-negative; got {cost_matrix.tolist()}. A gain "
            f"is a lower cost: subtracting each row's minimum from the row gives "
            f"the same decisions."
        )
    if labels is not None:
        where = {label: i for i, label in enumerate(order.tolist())}
        index = [where[label] for label in classes.tolist()]
        cost_matrix = cost_matrix[np.ix_(index, index)]
    row_min = cost_matrix.min(axis=1)
    costly = np.flatnonzero(np.diag(cost_matrix) > row_min)
    if costly.size:
        k = costly[0]
        warnings.warn(
            f"cost_matrix: for the true class {classes.tolist()[k]!r} the correct "
            f"decision "
            f"costs {cost_matrix[k, k]:g}, more than the cheapest decision of its "
            f"row ({row_min[k]:g}); classes {classes[costly].tolist()} would rather "
            f"be misclassified. Rows are the true class, columns the decision: "
            f"check the matrix is not transposed.",
            UserWarning,
            stacklevel=4,
        )
    return cost_matrix


def _frame_labels(cost_matrix, labels):
    """The labels of a DataFrame cost matrix (its index and columns), else ``labels``.

    A frame with the default positions 0..K-1 as index and columns has no
    labels of its own.
    """
    if not (hasattr(cost_matrix, "index") and hasattr(cost_matrix, "columns")):
        return labels
    rows, columns = list(cost_matrix.index), list(cost_matrix.columns)
    if rows == columns == list(range(len(columns))):
        return labels
    if rows != columns:
        raise ValueError(
            f"A DataFrame cost_matrix must list the same classes, in the same "
            f"order, as its index (the truth) and its columns (the decision); got "
            f"index {rows} and columns {columns}."
        )
    if labels is not None and list(np.asarray(labels).tolist()) != columns:
        raise ValueError(
            f"labels={np.asarray(labels).tolist()} disagrees with the index and "
            f"columns of the DataFrame cost_matrix, {columns}; give one of them."
        )
    return np.asarray(columns)


def _check_labels(labels, classes):
    """``labels`` as an array holding exactly the classes, in any order."""
    labels = column_or_1d(np.asarray(labels, dtype=None))
    given = labels.tolist()
    if len(set(given)) != len(given):
        raise ValueError(f"labels must be distinct; got {given}.")
    known = set(classes.tolist())
    unknown = [label for label in given if label not in known]
    if unknown:
        raise ValueError(
            f"labels {unknown} are not classes of y; the classes are "
            f"{classes.tolist()} and labels must list exactly them."
        )
    absent = [label for label in classes.tolist() if label not in set(given)]
    if absent:
        raise ValueError(
            f"y has the classes {absent}, which labels={given} does not list; "
            f"cost_matrix needs a row and a column for every class."
        )
    return labels


def _tune_offsets(posterior, codes, cost_matrix, sample_weight):
    """Log-factors ``θ`` (``θ[0] = 0``) minimising the expected cost, and that cost.

    Coordinate descent: with the other factors fixed, the score of decision
    ``j`` is linear in ``t = exp(θ_k)``, ``A[:, j] + t B[:, j]``, so the
    decisions change only where two of those lines cross; ``θ_k`` is chosen
    among the midpoints of (quantiles of) those crossings.
    """
    n_classes = posterior.shape[1]
    weight = np.ones(codes.size) if sample_weight is None else sample_weight
    total = weight.sum()

    def cost_of(scores):
        decisions = np.argmin(scores, axis=1)
        return float(weight @ cost_matrix[codes, decisions]) / total

    log_factor = np.zeros(n_classes)
    best = cost_of(posterior @ cost_matrix)
    pairs = np.triu_indices(n_classes, 1)
    for _ in range(_MAX_SWEEPS):
        changed = False
        for k in range(1, n_classes):
            others = posterior * np.exp(log_factor)
            others[:, k] = 0.0
            A = others @ cost_matrix
            B = posterior[:, [k]] * cost_matrix[k]
            with np.errstate(divide="ignore", invalid="ignore"):
                cross = (A[:, pairs[1]] - A[:, pairs[0]]) / (
                    B[:, pairs[0]] - B[:, pairs[1]]
                )
            cross = np.log(cross[np.isfinite(cross) & (cross > 0)])
            candidates = _candidates(cross, log_factor[k])
            costs = np.array([cost_of(A + np.exp(c) * B) for c in candidates])
            ties = np.flatnonzero(costs <= costs.min() + 1e-12 * max(best, 1.0))
            choice = ties[np.argmin(np.abs(candidates[ties] - log_factor[k]))]
            if costs[choice] < best - 1e-12 * max(best, 1.0):
                best, log_factor[k] = float(costs[choice]), candidates[choice]
                changed = True
        if not changed:
            break
    return log_factor, best


def _candidates(breakpoints, current):
    """Values of one log-factor to try: between and beyond the breakpoints."""
    points = np.unique(breakpoints)
    if points.size > _N_CANDIDATES:
        points = np.unique(np.quantile(points, np.linspace(0, 1, _N_CANDIDATES)))
    if points.size == 0:
        return np.array([current])
    between = (points[:-1] + points[1:]) / 2
    return np.concatenate([[points[0] - 1.0], between, [points[-1] + 1.0, current]])
