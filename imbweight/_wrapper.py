"""ClassWeightedClassifier: imbweight's class-weight strategies for any classifier.

The wrapper resolves its ``class_weight`` in ``fit``, on the ``y`` it
receives (after a sampler in an imblearn ``Pipeline``), and hands the result
to a clone of the wrapped classifier in one of two ways:

- the classifier's ``fit`` takes ``sample_weight``: the weight of each
  sample's class, times ``sample_weight``, is passed as ``sample_weight``.
  That works for every label type (a classifier that encodes its labels
  before it applies its own ``class_weight``, as
  ``HistGradientBoostingClassifier`` does, would not find labels other than
  0..K-1 in a dict of them), and for scikit-learn's classifiers it is what
  their own ``class_weight`` does: multiply the sample weights;
- otherwise its ``class_weight`` parameter, if it has one, is set to the
  resolved dict.

Everything else (validating ``X``, predicting) is the wrapped classifier's,
but for ``predict_posterior``, which undoes the class weights.
"""

from copy import deepcopy

import numpy as np
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.utils import get_tags
from sklearn.utils.metadata_routing import (
    MetadataRequest,
    MetadataRouter,
    MethodMapping,
    get_routing_for_object,
    process_routing,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_array,
    check_is_fitted,
    column_or_1d,
    has_fit_parameter,
)

from imbweight._compat import HasMethods, StrOptions, check_sample_weight, fit_context
from imbweight._posterior import check_recoverable
from imbweight._targets import ClassCounts, check_target
from imbweight.class_weight import class_weight_array, resolve_class_weight

__all__ = ["ClassWeightedClassifier"]


def _estimator_has(*attrs):
    """Whether the fitted estimator, else the unfitted one, has one of ``attrs``."""

    def check(self):
        estimator = getattr(self, "estimator_", self.estimator)
        return any(hasattr(estimator, attr) for attr in attrs)

    return check


class ClassWeightedClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Give any scikit-learn classifier imbweight's class-weight strategies.

    In ``fit``, ``class_weight`` is resolved on the labels the wrapper
    receives — after a sampler in an imblearn ``Pipeline``, on the resampled
    labels — into one weight per class, ``class_weight_``. A clone of
    ``estimator`` is then fitted with those weights:

    - if its ``fit`` takes ``sample_weight`` (almost every classifier:
      ``LogisticRegression``, ``SVC``, trees, forests and boosting, naive
      Bayes, the imbweight estimators, ...), the weight of each sample's
      class, multiplied by ``sample_weight`` when given, is passed as
      ``sample_weight``. For scikit-learn's classifiers that is exactly what
      their own ``class_weight`` does, and it works whatever the labels are;
    - otherwise, if it has a ``class_weight`` parameter, that parameter is
      set to the resolved dict. A classifier with neither cannot be
      weighted, and ``fit`` says so.

    Either way a sample of class ``k`` counts ``sample_weight × c_k`` times,
    as in the objective of :class:`~imbweight.FocalLogisticRegression`.
    The counts behind ``"balanced"`` and the strategies of
    :class:`~imbweight.ClassWeights` are weighted by ``sample_weight``.

    ``class_weight=None`` fits the classifier as it is. The wrapped
    classifier's own ``class_weight`` must be left at ``None``: the wrapper
    owns the class weights, and setting both would count the imbalance
    twice.

    Prediction methods (``predict``, ``predict_proba``,
    ``predict_log_proba``, ``decision_function``, ``score``) are those of
    the fitted classifier, and exist only when it has them.
    :meth:`predict_posterior` undoes the class weights.

    Parameters
    ----------
    estimator : classifier object
        The classifier to weight; it is cloned in ``fit``. Only binary and
        multiclass targets are supported.
    class_weight : None, "balanced", dict, ClassWeights or callable, \
            default="balanced"
        Weight of each class. ``"balanced"`` is ``n / (n_classes n_k)``; a
        dict maps labels to weights (classes it omits weigh 1); a
        :class:`~imbweight.ClassWeights` is cloned and fitted on the labels
        ``fit`` receives (its parameters are tunable as
        ``class_weight__beta`` etc.); a callable is called as
        ``class_weight(y)`` and returns a dict that weighs every class.
        ``None`` weighs every class 1 and fits ``estimator`` unchanged.

    Attributes
    ----------
    estimator_ : classifier object
        The fitted clone of ``estimator``.
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    class_weight_ : dict
        The resolved weight of each class, whatever form ``class_weight``
        took.
    n_features_in_ : int
        Number of features seen during ``fit`` (those of ``estimator_``).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, when ``estimator_`` records
        them (``X`` with string column names).

    See Also
    --------
    imbweight.ClassWeights : The class-weight strategies.
    imbweight.FocalLogisticRegression : Takes the same ``class_weight`` itself.

    Notes
    -----
    **Metadata routing.** The wrapper consumes ``sample_weight`` in ``fit``
    and ``score`` (request it with ``set_fit_request(sample_weight=True)``
    when routing is enabled) and always passes the weighted product to the
    wrapped classifier directly, whatever that classifier's own request:
    the classifier is not asked for ``sample_weight`` separately. Other
    ``fit`` parameters are routed to the wrapped classifier as it requests
    them; without routing they are passed to its ``fit`` as they are.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.naive_bayes import GaussianNB
    >>> from sklearn.svm import LinearSVC
    >>> from imbweight import ClassWeightedClassifier, ClassWeights
    >>> X, y = make_classification(n_samples=500, weights=[0.9], random_state=0)

    >>> clf = ClassWeightedClassifier(
    ...     GaussianNB(), class_weight=ClassWeights("effective_number", beta=0.99)
    ... ).fit(X, y)
    >>> {label: round(weight, 3) for label, weight in clf.class_weight_.items()}
    {0: 0.869, 1: 2.177}
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)

    Any classifier is weighted the same way, and keeps its own methods:

    >>> clf = ClassWeightedClassifier(LinearSVC(), class_weight="balanced").fit(X, y)
    >>> hasattr(clf, "predict_proba"), hasattr(clf, "decision_function")
    (False, True)

    Strategy parameters are tuned through nested names:

    >>> clf.set_params(class_weight=ClassWeights("power"), class_weight__power=0.5)
    ClassWeightedClassifier(class_weight=ClassWeights(power=0.5, strategy='power'),
                            estimator=LinearSVC())
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"])],
        "class_weight": [
            None,
            StrOptions({"balanced"}),
            dict,
            HasMethods(["fit"]),
            callable,
        ],
    }

    def __init__(self, estimator, class_weight="balanced"):
        self.estimator = estimator
        self.class_weight = class_weight

    # ----------------------------------------------------------------- fitting
    @fit_context(
        # The wrapped classifier is the user's: let it validate its parameters.
        prefer_skip_nested_validation=False
    )
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Resolve the class weights on ``y``, then fit a clone of ``estimator``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data, passed to ``estimator`` as it is (``estimator``
            validates it).
        y : array-like of shape (n_samples,)
            Class labels: a binary or multiclass target.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples. They weigh the class counts
            of the strategies and multiply the class weights.
        **fit_params : dict
            Further parameters of ``estimator.fit``. With metadata routing
            enabled, only those ``estimator`` requests are passed.

        Returns
        -------
        self : ClassWeightedClassifier
            The fitted wrapper.
        """
        estimator = clone(self.estimator)
        self._check_weighting(estimator, sample_weight)
        if sklearn.get_config()["enable_metadata_routing"]:
            fit_params = process_routing(self, "fit", **fit_params)["estimator"]["fit"]
        y = self._check_target(y)
        if sample_weight is not None:
            sample_weight = check_sample_weight(
                sample_weight, y, ensure_non_negative=True
            )
        counts = ClassCounts.of(y, sample_weight)
        classes = counts.classes
        class_weight = resolve_class_weight(
            self.class_weight, counts, y=y, sample_weight=sample_weight
        )
        if self.class_weight is not None:
            if has_fit_parameter(estimator, "sample_weight"):
                per_class = class_weight_array(class_weight, classes)
                weights = per_class[np.searchsorted(classes, y)]
                if sample_weight is not None:
                    weights = weights * sample_weight
                sample_weight = weights
            else:
                estimator.set_params(class_weight=class_weight)
        if sample_weight is not None:
            fit_params = {**fit_params, "sample_weight": sample_weight}
        self.estimator_ = estimator.fit(X, y, **fit_params)
        self.classes_ = getattr(self.estimator_, "classes_", classes)
        self.class_weight_ = class_weight
        return self

    def _check_weighting(self, estimator, sample_weight):
        """Raise, before any work, if ``estimator`` cannot be weighted as asked."""
        name = type(estimator).__name__
        params = estimator.get_params(deep=False)
        if params.get("class_weight") is not None:
            raise ValueError(
                f"{name} has class_weight={params['class_weight']!r}; leave it at "
                f"None and give the class weights to "
                f"ClassWeightedClassifier(class_weight=...): with both, the "
                f"imbalance would be counted twice."
            )
        by_sample = self.class_weight is not None and "class_weight" not in params
        if (by_sample or sample_weight is not None) and not has_fit_parameter(
            estimator, "sample_weight"
        ):
            subject = (
                f"{name} has no class_weight parameter and its fit"
                if by_sample
                else f"{name}'s fit"
            )
            raise ValueError(
                f"{subject} takes no sample_weight, so ClassWeightedClassifier "
                f"cannot weight its samples. Use a classifier that accepts "
                f"class_weight or sample_weight (for a Pipeline, wrap its final "
                f"step instead), or resample the data (imblearn)."
            )

    def _check_target(self, y):
        """``y`` as a 1-D array of binary or multiclass labels."""
        name = type(self).__name__
        if y is None:
            raise ValueError(
                f"{name} requires y to be passed, but the target y is None."
            )
        y = check_array(y, ensure_2d=False, dtype=None, input_name="y")
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        try:
            return check_target(y, name, multilabel=False)[0]
        except ValueError as error:
            if "multilabel-indicator" not in str(error):
                raise
            raise ValueError(
                f"{error} For multi-label targets pass class_weight to an imbweight "
                f"estimator directly: it weighs each label."
            ) from None

    def __sklearn_is_fitted__(self):
        return hasattr(self, "estimator_")

    @property
    def n_features_in_(self):
        """Number of features seen during ``fit``."""
        return self.estimator_.n_features_in_

    @property
    def feature_names_in_(self):
        """Names of features seen during ``fit``."""
        return self.estimator_.feature_names_in_

    # -------------------------------------------------------------- prediction
    @available_if(_estimator_has("predict"))
    def predict(self, X):
        """Predict class labels with the fitted classifier.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted class labels.
        """
        check_is_fitted(self)
        return self.estimator_.predict(X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """The fitted classifier's probability estimates.

        Trained with class weights, these are the weighted model's outputs,
        not estimates of P(y | x).

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

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Logarithm of the fitted classifier's probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Columns ordered like ``classes_``.
        """
        check_is_fitted(self)
        return self.estimator_.predict_log_proba(X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """The fitted classifier's decision function.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            As the wrapped classifier returns them.
        """
        check_is_fitted(self)
        return self.estimator_.decision_function(X)

    @available_if(_estimator_has("predict_posterior", "predict_proba"))
    def predict_posterior(self, X):
        """P(y | x): the classifier's probabilities with the class weights undone.

        A classifier trained with class weights ``c_k`` estimates, where it
        minimises a proper scoring rule such as the log-loss, the posterior of
        a population in which class ``k`` is ``c_k`` times as frequent:
        ``q_k ∝ c_k P(y = k | x)``. So ``P(y = k | x) ∝ q_k / c_k``,
        renormalised over the classes: exact for such models (logistic
        regression, boosting on the log-loss, the imbweight estimators, whose
        own ``predict_posterior`` first undoes focal ``alpha`` and ``gamma``),
        approximate for models whose probabilities are not fitted by a
        proper scoring rule (trees and forests, naive Bayes, calibrated
        SVMs). ``q`` is the classifier's ``predict_posterior`` when it has
        one, else its ``predict_proba``. Without class weights this is
        ``q`` itself.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        posterior : ndarray of shape (n_samples, n_classes)
            Columns ordered like ``classes_``.

        Raises
        ------
        ValueError
            If a class weighs zero: nothing was learned about it.
        """
        check_is_fitted(self)
        if hasattr(self.estimator_, "predict_posterior"):
            proba = np.asarray(self.estimator_.predict_posterior(X), dtype=np.float64)
            if getattr(self.estimator_, "class_weight", None) is not None:
                return proba  # the classifier had the weights and undid them
        else:
            proba = np.asarray(self.estimator_.predict_proba(X), dtype=np.float64)
        weights = class_weight_array(self.class_weight_, self.classes_)
        check_recoverable(weights, [f"class {c!r}" for c in self.classes_.tolist()])
        posterior = proba / weights
        posterior /= posterior.sum(axis=1, keepdims=True)
        return posterior

    @available_if(_estimator_has("score"))
    def score(self, X, y, sample_weight=None):
        """The fitted classifier's score (mean accuracy for most classifiers).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples,)
            True labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples; not multiplied by the class weights.

        Returns
        -------
        score : float
            ``estimator_.score(X, y, sample_weight=sample_weight)``.
        """
        check_is_fitted(self)
        if sample_weight is None:
            return self.estimator_.score(X, y)
        return self.estimator_.score(X, y, sample_weight=sample_weight)

    # ---------------------------------------------------------------- plumbing
    def get_metadata_routing(self):
        """Metadata routing of this object.

        The wrapper consumes ``sample_weight`` itself and routes the other
        ``fit`` parameters to ``estimator``; ``estimator``'s own request for
        ``sample_weight`` in ``fit`` is ignored (the wrapper passes it the
        weighted product directly).

        Returns
        -------
        routing : MetadataRouter
            The routing information.
        """
        return (
            MetadataRouter(owner=self)
            .add_self_request(self)
            .add(
                estimator=_without_sample_weight(self.estimator),
                method_mapping=MethodMapping().add(caller="fit", callee="fit"),
            )
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        try:
            inner = get_tags(self.estimator)
        except (AttributeError, TypeError, ValueError):
            # Not an estimator (yet): fit's parameter validation will say so.
            return tags
        # X goes to the wrapped classifier untouched: it accepts what that does.
        tags.input_tags = deepcopy(inner.input_tags)
        tags.non_deterministic = inner.non_deterministic
        if inner.classifier_tags is not None:
            tags.classifier_tags.poor_score = inner.classifier_tags.poor_score
            tags.classifier_tags.multi_class = inner.classifier_tags.multi_class
        # Class weights are defined for one label column only.
        tags.classifier_tags.multi_label = False
        tags.target_tags.multi_output = False
        tags.target_tags.single_output = True
        return tags


def _without_sample_weight(estimator):
    """``estimator``'s routing with ``sample_weight`` in ``fit`` marked not requested.

    The wrapper passes ``sample_weight`` to the wrapped classifier itself;
    routing it there as well would either duplicate it or, were the request
    left unset, raise.
    """
    routing = get_routing_for_object(estimator)
    if isinstance(routing, MetadataRequest) and "sample_weight" in routing.fit.requests:
        routing.fit.add_request(param="sample_weight", alias=False)
    return routing
