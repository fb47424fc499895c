"""What every imbweight linear classifier shares: parameters and predictions.

An estimator built on :class:`FocalLinearClassifierMixin` turns ``fit``'s
arguments into a :class:`~imbweight._fit_problem.FitProblem`, hands it to a
solver, and stores the result with :meth:`~FocalLinearClassifierMixin._set_fitted`
once, at the end. Prediction methods depend only on the fitted attributes.
"""

from numbers import Real

import numpy as np
from scipy.special import expit, log_expit, log_softmax, softmax
from sklearn.utils.validation import check_is_fitted, validate_data

from imbweight._compat import (
    HasMethods,
    Interval,
    LinearClassifierMixin,
    StrOptions,
)
from imbweight._posterior import fitted_posterior
from imbweight._targets import BINARY, MULTILABEL
from imbweight._validation import check_sparse_structure


class FocalLinearClassifierMixin(LinearClassifierMixin):
    """Shared machinery of the focal / weighted cross-entropy classifiers."""

    _accept_sparse = ("csr", "csc")

    _parameter_constraints: dict = {
        "gamma": [Interval(Real, 0, None, closed="left")],
        "alpha": [None, Interval(Real, 0, 1, closed="both"), "array-like", dict],
        # C=inf is "no penalty", as scikit-learn >= 1.8 asks users to write it.
        "C": [Interval(Real, 0, None, closed="right")],
        "fit_intercept": ["boolean"],
        "class_weight": [
            None,
            StrOptions({"balanced"}),
            dict,
            list,
            HasMethods(["fit"]),
            callable,
        ],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
    }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.input_tags.sparse = True
        return tags

    def __sklearn_is_fitted__(self):
        return hasattr(self, "coef_")

    # ----------------------------------------------------------------- fitting
    def _initial_coef(self, problem):
        """Zero, or the current solution when ``warm_start`` and fitted."""
        coef = problem.objective.init_zero_coef(problem.n_features_in)
        if not (self.warm_start and hasattr(self, "coef_")):
            return coef
        previous = self._coef_vector(problem.objective)
        if previous.size != coef.size:
            raise ValueError(
                f"warm_start needs the same number of features and outputs; the "
                f"fitted coef_ has shape {self.coef_.shape}, this fit needs "
                f"{(problem.objective.n_outputs, problem.n_features_in)}."
            )
        return previous

    def _coef_vector(self, objective):
        """The fitted coefficients as the solvers' flat float64 vector."""
        return objective.pack(self.coef_, self.intercept_)

    def _set_fitted(self, attributes):
        """Store a fit's attributes, all at once, replacing the previous fit's.

        The one place fitted state is written: called at the end of a
        successful fit, so that a fit that fails leaves the previous model
        untouched. Fitted attributes of the previous fit that this one does
        not set (``feature_names_in_``, ``validation_scores_``, ...) go.
        """
        stale = [
            name
            for name in vars(self)
            if name.endswith("_")
            and not name.startswith("__")
            and name not in attributes
        ]
        for name in stale:
            delattr(self, name)
        vars(self).update(attributes)

    # -------------------------------------------------------------- prediction
    def predict(self, X):
        """Predict class labels (an indicator matrix for multi-label).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_labels)
            The most probable class of each sample (labels of ``classes_``),
            or the 0/1 indicator of each label.
        """
        scores = self.decision_function(X)
        if self._target_kind_ == MULTILABEL:
            return (scores > 0).astype(int)
        indices = (scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(1)
        return self.classes_[indices]

    def predict_proba(self, X):
        """The model's probability estimates.

        A sigmoid of the decision function for binary and multi-label targets
        (one column per label), a softmax for multiclass. With class weights,
        ``alpha`` or ``gamma > 0`` these are the trained model's outputs, not
        estimates of P(y | x).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes) or (n_samples, n_labels)
            Columns ordered like ``classes_``; for multi-label targets, the
            probability of 1 in each label.
        """
        scores = self.decision_function(X)
        kind = self._target_kind_
        if kind == BINARY:
            return np.column_stack([expit(-scores), expit(scores)])
        if kind == MULTILABEL:
            return expit(scores)
        return softmax(scores, axis=1)

    def predict_posterior(self, X):
        """Recovered class probabilities P(y | x), undoing weights, α and γ.

        A model trained with class weights ``c_k``, focal ``alpha`` or
        ``gamma > 0`` does not estimate P(y | x): its :meth:`predict_proba`
        is pulled toward the up-weighted classes and, for ``gamma > 0``,
        toward 1/2. The minimiser of the expected weighted focal loss is
        known in closed form, so P(y | x) follows from the model's output:
        ``P(y = k | x) ∝ 1 / (a_k u(q_k))`` with ``a_k = α_k c_k``, ``q_k``
        the model's probability and ``u(q) = (1 - q)^γ / q - γ (1 - q)^(γ-1)
        log q``; for ``gamma=0`` this is the prior correction ``q_k / a_k``.
        Sample weights do not enter. :meth:`predict_proba` and
        :meth:`predict` are unchanged.

        The recovery is exact where the model can represent the weighted
        minimiser: always for ``gamma=0`` (weights only shift the
        intercepts) and, in practice, closely for a binary or multi-label
        focal model. For a softmax with ``gamma > 0`` the focal minimiser is
        not a linear softmax, so the recovered posterior is an approximation
        (still far closer to P(y | x) than :meth:`predict_proba`). Inside a
        pipeline with an over-sampler, the posterior is that of the
        resampled training distribution.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        posterior : ndarray of the shape of :meth:`predict_proba`
            Same column order as :meth:`predict_proba`; for multi-label
            targets, P(y_l = 1 | x) per label.
        """
        return fitted_posterior(self, X)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, computed in log space.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of the shape of :meth:`predict_proba`
            The natural logarithm of :meth:`predict_proba`'s values.
        """
        scores = self.decision_function(X)
        kind = self._target_kind_
        if kind == BINARY:
            return np.column_stack([log_expit(-scores), log_expit(scores)])
        if kind == MULTILABEL:
            return log_expit(scores)
        return log_softmax(scores, axis=1)

    def decision_function(self, X):
        """Raw predictions ``X @ coef_.T + intercept_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,) for binary, else
            (n_samples, n_classes) or (n_samples, n_labels)
        """
        check_is_fitted(self)
        # Before validate_data: a format conversion would read out of bounds too.
        check_sparse_structure(X)
        X = validate_data(
            self,
            X,
            accept_sparse=self._accept_sparse,
            dtype=[np.float64, np.float32],
            reset=False,
        )
        scores = X @ self.coef_.T + self.intercept_
        return scores.ravel() if scores.shape[1] == 1 else scores
