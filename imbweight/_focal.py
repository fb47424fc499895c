"""FocalLogisticRegression: the focal / weighted cross-entropy objective by L-BFGS."""

from functools import partial
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator

from imbweight._base import FocalLinearClassifierMixin
from imbweight._compat import Interval, fit_context
from imbweight._fit_problem import build_fit_problem
from imbweight._solvers import minimize_lbfgs


class FocalLogisticRegression(FocalLinearClassifierMixin, BaseEstimator):
    """Logistic regression trained on the focal loss, with class weights.

    Minimises, over coefficients ``W`` and intercepts ``b``::

        J(W, b) = C Σ_i s_i c_{y_i} ℓ(y_i, x_i W + b) + ½ ‖W‖²_F

    where ``s_i`` is ``sample_weight``, ``c_k`` the weight of class ``k``
    from ``class_weight`` and ``ℓ`` the focal loss (Lin et al. 2017)::

        ℓ = -α_t (1 - p_t)^γ log p_t

    with ``p_t`` the predicted probability of the true class: a sigmoid for
    binary targets and for each label of a multi-label target, a softmax for
    multiclass targets. ``gamma=0`` and ``alpha=None`` give the weighted
    cross-entropy of :class:`~sklearn.linear_model.LogisticRegression`, whose
    coefficients this estimator then reproduces. The intercepts are not
    penalised. Numerically both terms are divided by ``S = Σ_i s_i c_{y_i}``,
    which leaves the minimiser unchanged; integer ``sample_weight`` is the
    same as repeating rows.

    ``alpha`` and ``class_weight`` both multiply the loss of a sample and
    compose: a positive sample weighs ``s_i · c_1 · α``, a negative one
    ``s_i · c_0 · (1 - α)``. ``alpha`` is the focal-loss convention (a
    fraction for the positive class), ``class_weight`` scikit-learn's.

    For ``gamma > 0`` the objective is not convex; L-BFGS finds a stationary
    point from the zero (or warm) start.

    Parameters
    ----------
    gamma : float, default=2.0
        Focusing parameter ``γ >= 0``: the loss of a sample predicted with
        probability ``p_t`` is scaled by ``(1 - p_t)^γ``, so well-classified
        samples count less. ``0`` gives the cross-entropy.
    alpha : None, float, array-like or dict, default=None
        Balancing weight ``α``. Binary: a float in [0, 1], the weight of the
        positive class ``classes_[1]`` (negatives get ``1 - α``). Multiclass:
        one value in [0, 1] per class, an array ordered like ``classes_`` or
        a dict ``{class: α}``; a float is an error there. Multi-label: a float
        or one value per label. ``None`` weighs every class 1.
    C : float, default=1.0
        Inverse of the L2 regularisation strength, as in
        :class:`~sklearn.linear_model.LogisticRegression`.
    fit_intercept : bool, default=True
        Whether to fit intercepts (unpenalised).
    class_weight : None, "balanced", dict or list of dict, default=None
        Weight of each class: ``"balanced"`` is ``n / (n_classes n_k)`` with
        sample-weighted counts ``n_k``; a dict maps labels to weights
        (omitted classes weigh 1). For multi-label targets, ``"balanced"``
        applies per label, or give a list of one dict ``{0: w0, 1: w1}`` per
        label.
    max_iter : int, default=100
        Maximum number of L-BFGS iterations.
    tol : float, default=1e-4
        L-BFGS stops when the largest projected gradient component of the
        normalised objective falls below ``tol``.
    warm_start : bool, default=False
        Start from the previous solution when refitting.
    verbose : int, default=0
        Print the objective at each L-BFGS iteration when positive.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels; ``arange(n_labels)`` for a multi-label target.
    coef_ : ndarray of shape (1, n_features), (n_classes, n_features) or \
            (n_labels, n_features)
        Coefficients, in the dtype of the training data.
    intercept_ : ndarray of shape (1,), (n_classes,) or (n_labels,)
        Intercepts (zeros when ``fit_intercept=False``).
    class_weight_ : dict or list of dict
        The resolved weight of each class, whatever form ``class_weight``
        took; one dict ``{0: w0, 1: w1}`` per label for multi-label targets.
    n_iter_ : ndarray of shape (1,)
        Number of L-BFGS iterations run.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, when ``X`` has string column
        names.

    See Also
    --------
    sklearn.linear_model.LogisticRegression : The ``gamma=0`` special case.

    References
    ----------
    T.-Y. Lin, P. Goyal, R. Girshick, K. He and P. Dollár, "Focal Loss for Dense
    Object Detection", ICCV 2017.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from imbweight import FocalLogisticRegression
    >>> X, y = make_classification(n_samples=500, weights=[0.95], random_state=0)
    >>> clf = FocalLogisticRegression(gamma=2.0, alpha=0.75).fit(X, y)
    >>> clf.coef_.shape, clf.classes_
    ((1, 20), array([0, 1]))
    >>> clf.predict_proba(X[:2]).round(3)
    array([[0.915, 0.085],
           [0.898, 0.102]])
    """

    _parameter_constraints: dict = {
        **FocalLinearClassifierMixin._parameter_constraints,
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        gamma=2.0,
        alpha=None,
        C=1.0,
        fit_intercept=True,
        class_weight=None,
        max_iter=100,
        tol=1e-4,
        warm_start=False,
        verbose=0,
    ):
        self.gamma = gamma
        self.alpha = alpha
        self.C = C
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.verbose = verbose

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model by L-BFGS.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 stays float32, CSR and CSC are not copied.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a multi-label indicator matrix.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples.

        Returns
        -------
        self : FocalLogisticRegression
            The fitted estimator.
        """
        problem = build_fit_problem(self, X, y, sample_weight)
        coef, n_iter = minimize_lbfgs(
            partial(
                problem.objective.loss_gradient,
                X=problem.X,
                y=problem.target,
                sample_weight=problem.sample_weight,
                l2_reg_strength=problem.l2_reg_strength(self.C),
            ),
            self._initial_coef(problem),
            max_iter=self.max_iter,
            tol=self.tol,
            verbose=self.verbose,
        )
        self._set_fitted(
            {
                **problem.fitted_attributes(coef),
                "n_iter_": np.array([n_iter], dtype=np.int32),
            }
        )
        return self
