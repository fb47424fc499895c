"""What every imbweight linear classifier shares: targets, weights, predictions.

An estimator built on :class:`FocalLinearClassifierMixin` validates its data
with :meth:`_prepare_fit`, which returns the solver's inputs and the fitted
attributes to store once the solver has succeeded, then calls
:meth:`_store_solution`. Prediction methods depend only on ``coef_``,
``intercept_`` and ``classes_``.
"""

import contextlib
from numbers import Real

import numpy as np
from scipy.special import expit, log_expit, log_softmax, softmax
from sklearn.linear_model._base import LinearClassifierMixin
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from imbweight._objective import LinearObjective
from imbweight._posterior import sigmoid_posterior_logit, softmax_posterior
from imbweight.class_weight import resolve_class_weight
from imbweight.losses import BinaryFocalLoss, MultinomialFocalLoss

BINARY, MULTICLASS, MULTILABEL = "binary", "multiclass", "multilabel-indicator"


class FocalLinearClassifierMixin(LinearClassifierMixin):
    """Shared machinery of the focal / weighted cross-entropy classifiers."""

    _accept_sparse = ("csr", "csc")

    _parameter_constraints: dict = {
        "gamma": [Interval(Real, 0, None, closed="left")],
        "alpha": [None, Interval(Real, 0, 1, closed="both"), "array-like", dict],
        "C": [Interval(Real, 0, None, closed="neither")],
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
    def _prepare_fit(self, X, y, sample_weight, *, classes=None, reset=True):
        """Validate data and resolve targets, class weights and alpha.

        ``classes`` is given by ``partial_fit``: the full set of classes, of
        which ``y`` may hold a subset. Returns ``X``, the encoded target, the
        full per-sample weights, the objective, and a dict of fitted
        attributes (``classes_``, ``class_weight_``) that the caller stores
        after a successful solve.
        """
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=self._accept_sparse,
            dtype=[np.float64, np.float32],
            multi_output=True,
            reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        target_kind, classes = self._target_kind_and_classes(y, classes)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=X.dtype, ensure_non_negative=True
            )
        # The n-sized arrays are made one at a time, in their final dtype,
        # after scikit-learn's target checks have freed theirs: the peak
        # memory of a fit stays a few vectors of length n_samples.
        if target_kind == MULTILABEL:
            target, weights, class_weight = self._encode_multilabel(
                y, X.dtype, sample_weight
            )
        else:
            target, weights, class_weight = self._encode_single_output(
                y, classes, X.dtype, sample_weight
            )
        objective = LinearObjective(
            self._loss(target_kind, classes),
            fit_intercept=self.fit_intercept,
            n_outputs=1 if target_kind == BINARY else classes.size,
        )
        fitted = {
            "classes_": classes,
            "class_weight_": class_weight,
            "_target_kind_": target_kind,
            "_loss_": objective.loss,
        }
        return X, target, weights, objective, fitted

    def _encode_single_output(self, y, classes, dtype, sample_weight):
        """Target, full per-sample weights and class weights of a 1-D ``y``.

        The binary target is ``uint8`` (1 for ``classes[1]``), the multiclass
        one the ``intp`` class codes; the weights are in ``dtype``. With
        every weight 1 (no ``sample_weight``, unit class weights) they are a
        read-only broadcast of one 1, which costs no memory.
        """
        binary = classes.size == 2
        if binary:
            target = np.asarray(y == classes[1], dtype=bool).view(np.uint8)
        else:
            target = np.searchsorted(classes, y)
        class_weight = self._resolve_class_weight(y, classes, target, sample_weight)
        per_class = np.array(
            [class_weight[label] for label in classes.tolist()], dtype=dtype
        )
        if sample_weight is None:
            if not np.any(per_class[self._class_counts(target, classes) > 0] > 0):
                self._raise_zero_weights()
            if np.all(per_class == 1):
                ones = np.broadcast_to(np.ones(1, dtype=dtype), target.shape)
                return target, ones, class_weight
        if binary:
            weights = np.where(target, per_class[1], per_class[0])
        else:
            weights = per_class.take(target)
        if sample_weight is not None:
            weights *= sample_weight
            if not np.any(weights > 0):
                self._raise_zero_weights()
        return target, weights, class_weight

    def _resolve_class_weight(self, y, classes, codes, sample_weight):
        """The class-weight dict of a 1-D target.

        None, a dict and "balanced" depend on ``y`` only through the
        (sample-weighted) class counts, so scikit-learn resolves them on one
        row per class weighted by its count: the same weights, bit for bit
        (the counts are the same sums in the same order), without the
        n-sized temporaries of its label encoding. Strategy objects and
        callables see ``y`` and ``sample_weight`` themselves.
        """
        class_weight = self.class_weight
        if class_weight is None or isinstance(class_weight, dict):
            return resolve_class_weight(class_weight, classes, classes)
        if isinstance(class_weight, str) and class_weight == "balanced":
            counts = self._class_counts(codes, classes, sample_weight)
            return resolve_class_weight(
                class_weight, classes, classes, counts.astype(np.float64)
            )
        return resolve_class_weight(class_weight, y, classes, sample_weight)

    @staticmethod
    def _class_counts(codes, classes, sample_weight=None):
        """Rows (or their summed ``sample_weight``) per class code."""
        if sample_weight is None and classes.size == 2:
            n_positive = np.count_nonzero(codes)
            return np.array([codes.size - n_positive, n_positive])
        return np.bincount(codes, weights=sample_weight, minlength=classes.size)

    def _encode_multilabel(self, y, dtype, sample_weight):
        """Target, per-element weights and per-label class weights."""
        indicator = np.asarray(y, dtype=np.intp)
        target = indicator.astype(dtype)
        class_weight = self._multilabel_class_weight(indicator, sample_weight)
        weights = np.column_stack(
            [
                np.where(indicator[:, label] == 1, weights[1], weights[0])
                for label, weights in enumerate(self._as_pairs(class_weight))
            ]
        ).astype(dtype, copy=False)
        if sample_weight is not None:
            weights = sample_weight[:, None] * weights
        if not np.any(weights > 0):
            self._raise_zero_weights()
        return target, weights, class_weight

    @staticmethod
    def _raise_zero_weights():
        raise ValueError(
            "sample_weight times class_weight is zero for every sample; "
            "at least one sample needs a positive weight."
        )

    def _target_kind_and_classes(self, y, classes):
        """The kind of target and its classes, inferred or checked."""
        target_kind = type_of_target(y)
        if target_kind not in (BINARY, MULTICLASS, MULTILABEL):
            raise ValueError(
                f"{type(self).__name__} supports binary, multiclass and "
                f"multi-label indicator targets; got a {target_kind!r} target."
            )
        if target_kind == MULTILABEL:
            n_labels = y.shape[1]
            if classes is not None and len(classes) != n_labels:
                raise ValueError(
                    f"classes has {len(classes)} entries, but the multi-label y "
                    f"has {n_labels} columns; pass classes=range({n_labels})."
                )
            return MULTILABEL, np.arange(n_labels)
        if classes is None:
            classes = np.unique(y)
            if classes.size < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes "
                    f"in the data, but the data contains only one class: "
                    f"{classes.tolist()[0]!r}."
                )
        else:
            classes = np.unique(classes)
            if classes.size < 2:
                raise ValueError(
                    f"classes must hold at least 2 classes; got {classes.tolist()}."
                )
            unseen = np.setdiff1d(np.unique(y), classes)
            if unseen.size:
                raise ValueError(
                    f"y contains labels {unseen.tolist()} that are not in classes "
                    f"{classes.tolist()}."
                )
        return (BINARY if classes.size == 2 else MULTICLASS), classes

    def _multilabel_class_weight(self, target, sample_weight):
        n_labels = target.shape[1]
        per_label = self.class_weight
        if isinstance(per_label, list):
            if len(per_label) != n_labels:
                raise ValueError(
                    f"class_weight is a list of {len(per_label)} dicts, but y has "
                    f"{n_labels} labels; give one dict {{0: w0, 1: w1}} per label."
                )
        elif isinstance(per_label, dict):
            raise ValueError(
                "For a multi-label target, class_weight must be None, 'balanced', "
                "a ClassWeights, a callable or a list of one dict {0: w0, 1: w1} "
                "per label; got a dict."
            )
        else:
            per_label = [per_label] * n_labels
        resolved = []
        for label_weight, column in zip(per_label, target.T, strict=True):
            # A dict may name both classes of a label that shows only one;
            # count-based forms weigh only the classes present.
            classes = np.array([0, 1]) if isinstance(label_weight, dict) else None
            resolved.append(
                resolve_class_weight(
                    label_weight,
                    column,
                    np.unique(column) if classes is None else classes,
                    sample_weight,
                )
            )
        return resolved

    @staticmethod
    def _as_pairs(multilabel_class_weight):
        """(weight of 0, weight of 1) per label; an absent class weighs 1."""
        return [
            (weights.get(0, 1.0), weights.get(1, 1.0))
            for weights in multilabel_class_weight
        ]

    def _loss(self, target_kind, classes):
        gamma = float(self.gamma)
        alpha = self._resolve_alpha(target_kind, classes)
        if target_kind == MULTICLASS:
            return MultinomialFocalLoss(gamma=gamma, alpha=alpha)
        return BinaryFocalLoss(gamma=gamma, alpha=alpha)

    def _resolve_alpha(self, target_kind, classes):
        """``alpha`` as the loss expects it: None, a float or one per output."""
        alpha = self.alpha
        if alpha is None:
            return None
        if target_kind == BINARY:
            if not isinstance(alpha, Real):
                raise ValueError(
                    f"For a binary target alpha must be None or a float in [0, 1] "
                    f"(the weight of the positive class {classes[1]!r}); got "
                    f"{alpha!r}."
                )
            return float(alpha)
        if isinstance(alpha, Real):
            if target_kind == MULTILABEL:
                return float(alpha)
            raise ValueError(
                f"alpha={alpha!r} is a float, but y has {classes.size} classes. A "
                f"float alpha is the positive-class weight of the binary (sigmoid) "
                f"focal loss and has no meaning for a softmax over "
                f"{classes.size} classes: pass one value per class, an array of "
                f"shape ({classes.size},) ordered like classes_ or a dict "
                f"{{class: alpha}}."
            )
        if isinstance(alpha, dict):
            if target_kind == MULTILABEL or set(alpha) != set(classes.tolist()):
                raise ValueError(
                    f"A dict alpha must have exactly the classes as keys, "
                    f"{classes.tolist()}; got keys {list(alpha)}."
                )
            alpha = [alpha[label] for label in classes.tolist()]
        alpha = np.asarray(alpha, dtype=np.float64)
        if alpha.shape != (classes.size,):
            raise ValueError(
                f"alpha must have one value per class or label, shape "
                f"({classes.size},); got shape {alpha.shape}."
            )
        if not np.all((alpha >= 0) & (alpha <= 1)):
            raise ValueError(f"Every alpha must lie in [0, 1]; got {alpha.tolist()}.")
        return alpha

    def _initial_coef(self, objective, n_features):
        """Zero, or the current solution when ``warm_start`` and fitted."""
        coef = objective.init_zero_coef(n_features)
        if not (self.warm_start and hasattr(self, "coef_")):
            return coef
        previous = self._coef_vector()
        if previous.size != coef.size:
            raise ValueError(
                f"warm_start needs the same number of features and outputs; the "
                f"fitted coef_ has shape {self.coef_.shape}, this fit needs "
                f"{(objective.n_outputs, n_features)}."
            )
        return previous

    def _coef_vector(self):
        """The fitted coefficients as the solvers' flat float64 vector."""
        rows = [self.coef_.T, self.intercept_[None, :]]
        matrix = np.vstack(rows if self.fit_intercept else rows[:1])
        return matrix.astype(np.float64).ravel()

    def _store_solution(self, coef, objective, n_features, dtype, fitted):
        """Store ``coef_``, ``intercept_`` and the prepared fitted attributes."""
        if not np.all(np.isfinite(coef)):
            raise FloatingPointError(
                "The solver produced non-finite coefficients; nothing was stored. "
                "Scale the features (e.g. StandardScaler) or lower C."
            )
        weights, intercept = objective.weight_intercept(coef, n_features)
        for name, value in fitted.items():
            setattr(self, name, value)
        self.coef_ = np.ascontiguousarray(weights.T, dtype=dtype)
        self.intercept_ = np.array(intercept, dtype=dtype)

    @contextlib.contextmanager
    def _unfitted_on_error(self):
        """Leave the estimator unfitted, not half-fitted, if ``fit`` fails."""
        try:
            yield
        except BaseException:
            fitted = [
                name
                for name in vars(self)
                if name.endswith("_") and not name.startswith("__")
            ]
            for name in fitted:
                delattr(self, name)
            raise

    # -------------------------------------------------------------- prediction
    def predict(self, X):
        """Predict class labels (an indicator matrix for multi-label).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_labels)
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
        scores = self.decision_function(X)
        loss, kind = self._loss_, self._target_kind_
        if kind == MULTICLASS:
            weights = np.array([self.class_weight_[c] for c in self.classes_.tolist()])
            if loss.alpha is not None:
                weights = weights * loss.alpha
            return softmax_posterior(scores, loss.gamma, weights)
        if kind == BINARY:
            pairs = [tuple(self.class_weight_[c] for c in self.classes_.tolist())]
        else:
            pairs = self._as_pairs(self.class_weight_)
        negative_weight, positive_weight = np.array(pairs, dtype=np.float64).T
        if loss.alpha is not None:
            negative_weight = negative_weight * (1 - loss.alpha)
            positive_weight = positive_weight * loss.alpha
        logit = sigmoid_posterior_logit(
            scores, loss.gamma, negative_weight.squeeze(), positive_weight.squeeze()
        )
        if kind == MULTILABEL:
            return expit(logit)
        return np.column_stack([expit(-logit), expit(logit)])

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, computed in log space.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of the shape of :meth:`predict_proba`
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
        X = validate_data(
            self,
            X,
            accept_sparse=self._accept_sparse,
            dtype=[np.float64, np.float32],
            reset=False,
        )
        scores = X @ self.coef_.T + self.intercept_
        return scores.ravel() if scores.shape[1] == 1 else scores
