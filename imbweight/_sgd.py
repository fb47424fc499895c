"""WeightedSGDClassifier: the focal / weighted cross-entropy objective by SGD."""

import copy
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.metrics import check_scoring
from sklearn.utils import check_random_state

from imbweight._base import FocalLinearClassifierMixin
from imbweight._compat import Interval, StrOptions, fit_context
from imbweight._fit_problem import build_fit_problem, shallow_copy
from imbweight._solvers import LearningRate, ValidationMonitor, run_sgd, sgd_epoch
from imbweight._targets import MULTILABEL


class WeightedSGDClassifier(FocalLinearClassifierMixin, BaseEstimator):
    """Linear classifier trained on the focal / weighted cross-entropy by SGD.

    Minimises the objective of :class:`FocalLogisticRegression`, with the same
    loss code::

        J(W, b) = C Σ_i s_i c_{y_i} ℓ(y_i, x_i W + b) + ½ ‖W‖²_F

    by mini-batch stochastic gradient descent, for data too large for
    full-batch L-BFGS and for streams (:meth:`partial_fit`). On the same data
    both estimators converge to the same coefficients. Each batch gradient is
    an unbiased estimate of the gradient of ``J / S`` (``S = Σ_i s_i
    c_{y_i}``), so class weights do not make the steps depend on how many
    minority rows a batch happened to draw.

    Unlike :class:`~sklearn.linear_model.SGDClassifier`, ``alpha`` is the
    focal-loss balancing weight, not the penalty: regularisation is ``C``,
    as in :class:`~sklearn.linear_model.LogisticRegression`.

    Parameters
    ----------
    gamma : float, default=0.0
        Focusing parameter ``γ >= 0``; the default ``0`` is the weighted
        cross-entropy.
    alpha : None, float, array-like or dict, default=None
        Focal balancing weight, as in :class:`FocalLogisticRegression`.
    C : float, default=1.0
        Inverse of the L2 regularisation strength.
    class_weight : None, "balanced", dict or list of dict, default=None
        As in :class:`FocalLogisticRegression`. :meth:`partial_fit` accepts
        only None or a dict (weights from the full label distribution).
    fit_intercept : bool, default=True
        Whether to fit intercepts (unpenalised).
    batch_size : int or "auto", default="auto"
        Rows per step. ``"auto"`` takes ``n_samples // 50`` clipped to
        [16, 256]: at least ~50 steps per epoch on small data, where few
        large steps converge poorly, and batches of 256 on large data, where
        the per-batch NumPy/BLAS calls, not Python, then dominate.
    learning_rate : {"adaptive", "constant", "invscaling"}, default="adaptive"
        ``"constant"``: ``eta0`` throughout. ``"invscaling"``: ``eta0 /
        sqrt(epoch)``. ``"adaptive"``: ``eta0`` until ``n_iter_no_change``
        epochs fail to improve the monitored quantity by ``tol``, then
        divided by 5, until it falls below ``1e-6 · eta0``. The default
        reaches the L-BFGS solution to about 1 %: the large early steps make
        fast progress, the later small ones average out the gradient noise.
        :meth:`partial_fit` cannot compare progress across chunks, so there
        ``"adaptive"`` decays as ``"invscaling"`` does, ``eta0 /
        sqrt(call number)``.
    eta0 : float, default=0.5
        Initial learning rate. The objective is normalised by ``S``, so its
        curvature is bounded by ``max ‖x‖² / 4`` whatever the number of rows
        or the scale of the weights; 0.5 is stable for standardised
        features.
    max_iter : int, default=1000
        Maximum number of epochs of :meth:`fit`.
    tol : float or None, default=1e-6
        Improvement of the monitored quantity (the training objective, or
        the validation score with ``early_stopping``) that counts as
        progress. ``None`` runs ``max_iter`` epochs.
    n_iter_no_change : int, default=5
        Epochs without progress before the learning rate drops
        (``"adaptive"``) or training stops.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (stratified for single
        output targets, so the minority class is present), monitor its
        ``scoring`` each epoch, and restore the coefficients of the best
        epoch.
    validation_fraction : float, default=0.1
        Share of the training data held out with ``early_stopping``.
    scoring : None, str or callable, default=None
        Validation metric: a scikit-learn scorer name (e.g.
        ``"average_precision"``, ``"balanced_accuracy"``) or callable
        ``scorer(estimator, X, y)``. ``None`` uses minus the objective's
        loss term on the validation set.
    shuffle : bool, default=True
        Reshuffle the rows every epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds shuffling and the validation split; the same seed gives
        bit-identical coefficients.
    warm_start : bool, default=False
        Start :meth:`fit` from the previous solution.
    verbose : int, default=0
        Print the objective (and validation score) every epoch when positive.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels; ``arange(n_labels)`` for a multi-label target.
    coef_ : ndarray of shape (1, n_features), (n_classes, n_features) or \
            (n_labels, n_features)
        Coefficients, in the dtype of the training data.
    intercept_ : ndarray of shape (1,), (n_classes,) or (n_labels,)
        Intercepts.
    class_weight_ : dict or list of dict
        The resolved weight of each class.
    loss_curve_ : list of float
        The normalised objective ``J / S`` per epoch, averaged over the
        epoch's batches.
    validation_scores_ : list of float
        With ``early_stopping``, the validation score after each epoch.
    best_epoch_ : int
        With ``early_stopping``, the index into ``validation_scores_`` of the
        epoch whose coefficients were restored.
    n_iter_ : int
        Epochs run (by :meth:`fit`, or in total by :meth:`partial_fit`).
    t_ : int
        Gradient steps taken.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, when ``X`` has string column
        names.

    See Also
    --------
    FocalLogisticRegression : The same objective by full-batch L-BFGS.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from imbweight import WeightedSGDClassifier
    >>> X, y = make_classification(n_samples=2000, weights=[0.95], random_state=0)
    >>> clf = WeightedSGDClassifier(class_weight="balanced", random_state=0)
    >>> clf.fit(X, y).coef_.shape
    (1, 20)
    >>> float(clf.score(X, y)) > 0.8
    True
    """

    _accept_sparse = "csr"
    # Shuffled batches gather whole rows: a Fortran-ordered X (or a DataFrame)
    # would stride across every column for each row; one C-ordered copy is
    # made instead, as scikit-learn's SGDClassifier does.
    _input_order = "C"

    _parameter_constraints: dict = {
        **FocalLinearClassifierMixin._parameter_constraints,
        "batch_size": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "learning_rate": [StrOptions({"adaptive", "constant", "invscaling"})],
        "eta0": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [None, Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "scoring": [None, str, callable],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        gamma=0.0,
        alpha=None,
        C=1.0,
        class_weight=None,
        fit_intercept=True,
        batch_size="auto",
        learning_rate="adaptive",
        eta0=0.5,
        max_iter=1000,
        tol=1e-6,
        n_iter_no_change=5,
        early_stopping=False,
        validation_fraction=0.1,
        scoring=None,
        shuffle=True,
        random_state=None,
        warm_start=False,
        verbose=0,
    ):
        self.gamma = gamma
        self.alpha = alpha
        self.C = C
        self.class_weight = class_weight
        self.fit_intercept = fit_intercept
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.eta0 = eta0
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.scoring = scoring
        self.shuffle = shuffle
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model by mini-batch SGD over several epochs.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 stays float32; CSC is converted to CSR.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a multi-label indicator matrix.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples.

        Returns
        -------
        self : WeightedSGDClassifier
            The fitted estimator.
        """
        problem = build_fit_problem(self, X, y, sample_weight)
        rng = check_random_state(self.random_state)
        coef = self._initial_coef(problem)
        train, validation = self._split(problem, rng)
        n_train = train[0].shape[0]
        weight_sum = problem.objective.weight_sum(train[2], n_train)
        if weight_sum <= 0:
            raise ValueError(
                "With early_stopping, every sample with a positive weight fell in "
                "the validation split, so there is nothing to train on; give more "
                "samples a positive weight or turn early_stopping off."
            )
        result = run_sgd(
            problem.objective,
            coef,
            train,
            batch_size=self._batch_size(n_train),
            learning_rate=LearningRate(self.learning_rate, self.eta0),
            max_iter=self.max_iter,
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            l2_reg_strength=1.0 / (self.C * weight_sum),
            rng=rng if self.shuffle else None,
            validation=self._validation_monitor(problem, validation),
            verbose=self.verbose,
            name=type(self).__name__,
        )
        attributes = {
            **problem.fitted_attributes(result.coef),
            "loss_curve_": result.loss_curve,
            "n_iter_": result.n_iter,
            "t_": result.n_steps,
            "_rng_": rng,
            "_weight_seen_": weight_sum,
            "_n_seen_": n_train,
        }
        if validation is not None:
            attributes["validation_scores_"] = result.validation_scores
            if result.best_epoch is not None:
                attributes["best_epoch_"] = result.best_epoch
        self._set_fitted(attributes)
        return self

    @fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch of SGD over a chunk of data, continuing from the last.

        Successive calls minimise the objective over all the data seen so
        far: the penalty is scaled by the total weight seen. A chunk may lack
        some classes (even every minority row).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A chunk of training data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Its labels, or a multi-label indicator matrix.
        classes : array-like of shape (n_classes,), default=None
            Every class of the full data; required on the first call,
            checked against ``classes_`` on later ones. ``range(n_labels)``
            for multi-label targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the chunk's samples.

        Returns
        -------
        self : WeightedSGDClassifier
            The updated estimator.
        """
        if self.early_stopping:
            raise ValueError(
                "early_stopping should be False with partial_fit: each call is "
                "one epoch on the data it is given, with no validation split. "
                "Monitor a held-out set yourself, or use fit."
            )
        first_call = not hasattr(self, "coef_")
        if first_call and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if not first_call and classes is not None:
            if not np.array_equal(np.unique(classes), self.classes_):
                raise ValueError(
                    f"classes={np.unique(classes).tolist()} differs from the "
                    f"classes of the first call to partial_fit, "
                    f"{self.classes_.tolist()}."
                )
        self._check_partial_fit_class_weight()
        problem = build_fit_problem(
            self,
            X,
            y,
            sample_weight,
            classes=classes if first_call else self.classes_,
            reset=first_call,
            allow_zero_weight=True,
        )
        n_samples = problem.X.shape[0]
        if first_call:
            coef = problem.objective.init_zero_coef(problem.n_features_in)
            rng = check_random_state(self.random_state)
            epoch, steps, weight_seen, n_seen, curve = 1, 0, 0.0, 0, []
        else:
            coef = self._coef_vector(problem.objective)
            # A copy: a call that fails must not advance the shuffling.
            rng = copy.deepcopy(self._rng_)
            epoch, steps = self.n_iter_ + 1, self.t_
            weight_seen, n_seen = self._weight_seen_, self._n_seen_
            curve = list(self.loss_curve_)
        n_seen += n_samples
        if problem.weight_sum > 0:
            weight_seen += problem.weight_sum
            step_size = self.eta0
            if self.learning_rate != "constant":
                step_size /= np.sqrt(epoch)
            mean_objective, n_steps = sgd_epoch(
                problem.objective,
                coef,
                problem.X,
                problem.target,
                problem.sample_weight,
                batch_size=self._batch_size(n_samples),
                step_size=step_size,
                weight_mean=weight_seen / n_seen,
                l2_reg_strength=1.0 / (self.C * weight_seen),
                rng=rng if self.shuffle else None,
            )
            curve, steps = [*curve, mean_objective], steps + n_steps
        else:
            # A chunk that weighs nothing teaches nothing: its rows only count
            # towards the mean weight of the data seen.
            epoch -= 1
        self._set_fitted(
            {
                **problem.fitted_attributes(coef),
                "loss_curve_": curve,
                "n_iter_": epoch,
                "t_": steps,
                "_rng_": rng,
                "_weight_seen_": weight_seen,
                "_n_seen_": n_seen,
            }
        )
        return self

    def _check_partial_fit_class_weight(self):
        class_weight = self.class_weight
        if class_weight is None or isinstance(class_weight, dict | list):
            return
        raise ValueError(
            f"class_weight={class_weight!r} needs the full label distribution, "
            f"which partial_fit never sees. Compute the weights once from all "
            f"the labels (or a large sample of them), e.g. "
            f"imbweight.compute_class_weight(y_all), and pass the dict as "
            f"class_weight."
        )

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(256, max(16, n_samples // 50))
        return self.batch_size

    def _split(self, problem, rng):
        """Training rows and, with ``early_stopping``, validation rows.

        The split is stratified for single-output targets: every class gets
        ``validation_fraction`` of its rows in the validation set, rounded,
        but at least one, and keeps at least one for training, so the
        minority class is on both sides however rare.
        """
        data = (problem.X, problem.target, problem.sample_weight)
        if not self.early_stopping:
            return data, None
        n_samples = problem.X.shape[0]
        if problem.target_kind == MULTILABEL:
            n_validation = int(np.ceil(self.validation_fraction * n_samples))
            if n_validation >= n_samples:
                raise ValueError(
                    f"validation_fraction={self.validation_fraction} of "
                    f"{n_samples} samples leaves none to train on; lower it or "
                    f"turn early_stopping off."
                )
            validation_rows = rng.permutation(n_samples)[:n_validation]
        else:
            validation_rows = self._stratified_validation_rows(problem, rng)
        train = np.ones(n_samples, dtype=bool)
        train[validation_rows] = False
        validation_rows = np.sort(validation_rows)
        train_rows = np.flatnonzero(train)
        return (
            tuple(array[train_rows] for array in data),
            tuple(array[validation_rows] for array in data),
        )

    def _stratified_validation_rows(self, problem, rng):
        codes = problem.target.astype(np.intp)
        rows_per_class = np.bincount(codes, minlength=problem.classes.size)
        single = np.flatnonzero(rows_per_class < 2)
        if single.size:
            labels = problem.classes[single].tolist()
            raise ValueError(
                f"early_stopping needs at least 2 samples of every class, one to "
                f"train on and one to validate on; classes {labels} have "
                f"{rows_per_class[single].tolist()}. Turn early_stopping off or "
                f"gather more samples of them."
            )
        pieces = []
        for code, n_rows in enumerate(rows_per_class.tolist()):
            n_validation = min(
                n_rows - 1, max(1, round(self.validation_fraction * n_rows))
            )
            rows = np.flatnonzero(codes == code)
            pieces.append(rng.permutation(rows)[:n_validation])
        return np.concatenate(pieces)

    def _validation_monitor(self, problem, validation):
        """The early-stopping monitor scoring coefficients on ``validation``."""
        if validation is None:
            return None
        X_val, target_val, weights_val = validation
        if self.scoring is None:
            return ValidationMonitor(
                lambda coef: (
                    -problem.objective.loss_value(coef, X_val, target_val, weights_val)
                )
            )
        scorer = check_scoring(self, self.scoring)
        codes = np.asarray(target_val, dtype=np.intp)
        # A named scorer gets the class codes, and a snapshot whose classes_
        # are the codes: "average_precision", "f1", ... take 1 as the positive
        # label, which is then classes_[1], the estimator's own positive class,
        # whatever the labels are. A callable scorer sees the labels.
        encoded = isinstance(self.scoring, str) or problem.target_kind == MULTILABEL
        y_val = codes if encoded else problem.classes[codes]
        # The scorer predicts with a copy fitted with the epoch's coefficients:
        # this estimator is written only at the end of fit.
        snapshot = shallow_copy(self)

        def score(coef):
            attributes = problem.fitted_attributes(coef)
            if encoded:
                attributes["classes_"] = np.arange(problem.classes.size)
            snapshot._set_fitted(attributes)
            return scorer(snapshot, X_val, y_val)

        return ValidationMonitor(score)
