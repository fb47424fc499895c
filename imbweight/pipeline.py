"""imbalanced-learn's Pipeline, recording the class counts around each sampler.

A sampler changes the class balance the final classifier learns: after
``SMOTE()`` to 1:1 a 3 % minority is half the training set, and the
classifier's probabilities say so. The correction is Bayes' rule,
``P(y = k | x) ∝ q_k n_k / n'_k``, with ``n_k`` and ``n'_k`` the counts of
class ``k`` before and after the sampler; but a fitted classifier does not
remember its class counts, and imbalanced-learn's :class:`~imblearn.pipeline.Pipeline`
does not either. :class:`Pipeline` is the same pipeline (a subclass, with the
same parameters and behaviour) that records them in ``fit``, and
:func:`imbweight.posterior_proba` uses them.

Conventions
-----------
Counts are numbers of rows (a sampler resamples rows, not weights). A step is
a sampler when it has ``fit_resample``; transformers leave ``y``, hence the
counts, alone. Several samplers in a row compose: their ratios multiply.
"""

import numpy as np
from imblearn.pipeline import Pipeline as _ImblearnPipeline
from imblearn.pipeline import make_pipeline as _imblearn_make_pipeline
from sklearn.base import BaseEstimator
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted

from imbweight._posterior import adjust_prior, posterior_proba, transform_to_final_step
from imbweight._targets import BINARY, MULTICLASS, ClassCounts

__all__ = ["Pipeline", "make_pipeline"]


def _final_has_probabilities(pipeline):
    final = pipeline.steps[-1][1]
    return hasattr(final, "predict_posterior") or hasattr(final, "predict_proba")


class Pipeline(_ImblearnPipeline):
    """The Pipeline of imbalanced-learn, recording the class counts around samplers.

    A drop-in replacement for :class:`imblearn.pipeline.Pipeline`: the same
    parameters, steps, fitting, prediction, slicing, caching and metadata
    routing. In ``fit`` (and ``fit_transform``, ``fit_predict``,
    ``fit_resample``) it also records, for each sampler (a step with
    ``fit_resample``, but the final step), how many rows of each class
    reached it and how many left it, in :attr:`class_counts_`. From those,
    :meth:`predict_posterior` (and :func:`imbweight.posterior_proba`, which
    calls it) undoes the resampling: the final classifier's posterior ``q``
    (its ``predict_posterior`` when it has one, which undoes class weights
    and focal ``alpha`` / ``gamma``; else its ``predict_proba``) becomes
    ``P(y = k | x) ∝ q_k n_k / n'_k``.

    The correction is Bayes' rule for a change of class frequencies with
    ``P(x | y)`` unchanged: exact for random over- and under-sampling (for a
    classifier whose ``q`` estimates its training posterior), approximate
    for samplers that also change ``P(x | y)``: SMOTE and its variants
    (synthetic rows interpolated between neighbours) and cleaning methods
    (Tomek links, edited nearest neighbours), which remove rows near the
    class boundary.

    Parameters
    ----------
    steps : list of tuples
        ``(name, estimator)`` pairs, chained in order; the last one is the
        final estimator. Intermediate steps are transformers or samplers.
    transform_input : list of str, default=None
        Names of the metadata parameters to transform by the steps before
        the one that receives them; needs metadata routing enabled. As in
        :class:`imblearn.pipeline.Pipeline`.
    memory : None, str or object with the joblib.Memory interface, default=None
        Caches the fitted transformers and samplers. As in
        :class:`imblearn.pipeline.Pipeline`; the counts are cached with the
        samplers.
    verbose : bool, default=False
        Whether to print the time each step takes to fit.

    Attributes
    ----------
    class_counts_ : dict
        Set by ``fit``: for each sampler before the final step (by its
        name, in the order of the steps), ``{"before": {label: rows},
        "after": {label: rows}}``, the rows of each class that reached the
        sampler and that left it.
        Empty without samplers. A sampler fitted on a target that is neither
        binary nor multiclass has no entry.
    named_steps : :class:`~sklearn.utils.Bunch`
        The steps by name.
    classes_ : ndarray of shape (n_classes,)
        The final classifier's classes.
    n_features_in_ : int
        Number of features seen by the first step in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen by the first step in ``fit``, when it
        records them.

    See Also
    --------
    make_pipeline : Build a Pipeline from its steps, naming them.
    imbweight.posterior_proba : P(y | x) through pipelines and searches.
    imbweight.adjust_prior : The prior shift the correction applies.

    Examples
    --------
    >>> from imblearn.over_sampling import SMOTE
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from imbweight import posterior_proba
    >>> from imbweight.pipeline import Pipeline
    >>> X, y = make_classification(n_samples=1000, weights=[0.95], random_state=0)
    >>> pipe = Pipeline(
    ...     [("smote", SMOTE(random_state=0)), ("clf", LogisticRegression())]
    ... ).fit(X, y)
    >>> pipe.class_counts_
    {'smote': {'before': {0: 946, 1: 54}, 'after': {0: 946, 1: 946}}}

    The classifier saw as many positives as negatives; the posterior says how
    likely a positive is in the data, where 5.4 % of the rows are:

    >>> float(pipe.predict_proba(X)[:, 1].mean().round(3))
    0.098
    >>> float(posterior_proba(pipe, X)[:, 1].mean().round(3))
    0.051
    """

    def _fit(self, X, y=None, *args, **kwargs):
        # imbalanced-learn fits every transformer and sampler but the final
        # step in _fit, for all of fit, fit_transform, fit_predict and
        # fit_resample. Each such sampler
        # takes part wrapped in a _CountingSampler, which records the counts
        # on itself (so a cached fit, loaded whole from memory, keeps them);
        # the fitted samplers then go back into the steps, even on failure.
        _check_no_decision_after_sampler(self.steps)
        self.steps = [_counting(entry) for entry in self.steps[:-1]] + self.steps[-1:]
        try:
            fitted = super()._fit(X, y, *args, **kwargs)
        finally:
            counts = {
                name: step.counts_
                for name, step in self.steps
                if getattr(step, "counts_", None) is not None
            }
            self.steps = [
                (name, step.sampler if isinstance(step, _CountingSampler) else step)
                for name, step in self.steps
            ]
        self.class_counts_ = counts
        return fitted

    @available_if(_final_has_probabilities)
    def predict_posterior(self, X):
        """P(y | x): the final classifier's posterior with the resampling undone.

        The final step's ``predict_posterior`` (which undoes class weights,
        focal ``alpha`` and ``gamma``) or, without one, its
        ``predict_proba``, on ``X`` transformed by the earlier steps; then
        multiplied, for each sampler, by ``n_k / n'_k`` (rows of class ``k``
        before and after it, :attr:`class_counts_`) and renormalised.

        Parameters
        ----------
        X : iterable
            Samples, as :meth:`predict` takes them.

        Returns
        -------
        posterior : ndarray of shape (n_samples, n_classes)
            Columns ordered like ``classes_``.

        Raises
        ------
        ValueError
            If a sampler removed a class entirely, or if the steps changed
            since ``fit`` (refit the pipeline).
        """
        check_is_fitted(self, "class_counts_")
        Xt = transform_to_final_step(self, X, samplers_recorded=True)
        posterior = posterior_proba(self.steps[-1][1], Xt)
        classes = self.classes_
        before, after = np.ones(classes.size), np.ones(classes.size)
        for name, step in self.steps[:-1]:
            if not _is_sampler(step):
                continue
            if name not in self.class_counts_:
                raise ValueError(
                    f"No class counts were recorded for the sampler {name!r}: the "
                    f"steps changed since fit, or its target was not binary or "
                    f"multiclass. Fit the pipeline again."
                )
            counts = self.class_counts_[name]
            lost = sorted(set(counts["before"]) - set(counts["after"]), key=str)
            if lost:
                raise ValueError(
                    f"The sampler {name!r} removed every row of the classes {lost}: "
                    f"the classifier never saw them, so their posterior cannot be "
                    f"recovered."
                )
            before *= [counts["before"][label] for label in classes.tolist()]
            after *= [counts["after"][label] for label in classes.tolist()]
        return adjust_prior(posterior, after, before)


def _is_sampler(step):
    return hasattr(step, "fit_resample") and not (
        isinstance(step, str) and step == "passthrough"
    )


def _check_no_decision_after_sampler(steps):
    """Refuse a final step that decides on posteriors behind a sampler.

    It would decide on the class balance the sampler made (its own
    posteriors cannot see the sampler), not on the data's.
    """
    final = steps[-1][1] if steps and isinstance(steps[-1], tuple) else None
    if not getattr(final, "_decides_on_posteriors", False):
        return
    samplers = [
        entry[0]
        for entry in steps[:-1]
        if isinstance(entry, tuple) and len(entry) == 2 and _is_sampler(entry[1])
    ]
    if samplers:
        kind = type(final).__name__
        raise ValueError(
            f"{kind} is the final step after the sampler(s) {samplers}: it would "
            f"decide on the resampled class balance, which it cannot see. Put the "
            f"samplers inside its estimator, e.g. {kind}(make_pipeline(SMOTE(), "
            f"classifier), cost_matrix=...), where the posteriors undo them."
        )


def _counting(entry):
    """A ``(name, step)`` entry with a sampler wrapped to count; others as given.

    Malformed entries are left for imbalanced-learn's validation to report.
    """
    if isinstance(entry, tuple) and len(entry) == 2 and _is_sampler(entry[1]):
        return entry[0], _CountingSampler(entry[1])
    return entry


def _label_counts(y):
    """``{label: rows}`` of a binary or multiclass ``y``; None for other targets."""
    if y is None or type_of_target(y) not in (BINARY, MULTICLASS):
        return None
    counts = ClassCounts.of(np.asarray(y).ravel())
    return dict(zip(counts.classes.tolist(), counts.rows.tolist(), strict=True))


class _CountingSampler(BaseEstimator):
    """A sampler that records the class counts of what it receives and returns.

    Only ever a step of :class:`Pipeline` while it fits.
    """

    def __init__(self, sampler):
        self.sampler = sampler

    def fit_resample(self, X, y, **params):
        before = _label_counts(y)
        X_resampled, y_resampled = self.sampler.fit_resample(X, y, **params)
        after = _label_counts(y_resampled)
        recorded = before is not None and after is not None
        self.counts_ = {"before": before, "after": after} if recorded else None
        return X_resampled, y_resampled


def make_pipeline(*steps, memory=None, transform_input=None, verbose=False):
    """Build a :class:`Pipeline` from its steps, naming each after its class.

    :func:`imblearn.pipeline.make_pipeline`, returning an imbweight
    :class:`Pipeline`, which records the class counts around its samplers.

    Parameters
    ----------
    *steps : list of estimators
        The transformers, samplers and final estimator, in order.
    memory : None, str or object with the joblib.Memory interface, default=None
        Caches the fitted transformers and samplers.
    transform_input : list of str, default=None
        Metadata parameters to transform by the earlier steps (metadata
        routing only).
    verbose : bool, default=False
        Whether to print the time each step takes to fit.

    Returns
    -------
    pipeline : Pipeline
        The unfitted pipeline.

    See Also
    --------
    Pipeline : The pipeline class, with the steps named by hand.

    Examples
    --------
    >>> from imblearn.under_sampling import RandomUnderSampler
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.preprocessing import StandardScaler
    >>> from imbweight.pipeline import make_pipeline
    >>> make_pipeline(
    ...     StandardScaler(), RandomUnderSampler(random_state=0), LogisticRegression()
    ... )
    Pipeline(steps=[('standardscaler', StandardScaler()),
                    ('randomundersampler', RandomUnderSampler(random_state=0)),
                    ('logisticregression', LogisticRegression())])
    """
    named = _imblearn_make_pipeline(
        *steps, memory=memory, transform_input=transform_input, verbose=verbose
    )
    return Pipeline(
        named.steps, memory=memory, transform_input=transform_input, verbose=verbose
    )
