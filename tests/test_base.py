"""Property tests of what every imbweight linear classifier promises its callers.

Hypothesis generates inputs, good and bad, for the shared machinery of
:mod:`imbweight._base` and :mod:`imbweight._fit_problem`: a fit either
succeeds with finite coefficients and probabilities, or raises a
``ValueError`` / ``TypeError`` before any work and leaves the previous model
as it was; a ``partial_fit`` stream keeps that promise call by call.
Examples are few and small (``max_examples``), so CI stays fast; the
strategies reach the corners (NaN, inf, one class, zero and negative weights,
empty arrays, 2-D targets, unseen labels) that hand-written cases miss.
"""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.exceptions import ConvergenceWarning

from imbweight import FocalLogisticRegression, WeightedSGDClassifier


def _settings(max_examples):
    # derandomize: the same examples on every run, so CI never meets a new
    # failure by chance; the slow variants search ten times as many.
    return settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        derandomize=True,
    )


FEW, MANY = _settings(40), _settings(400)

LABEL_SETS = [[0, 1], [0, 1, 2], ["no", "yes"], [-1, 1], [1.5, 2.5, 7.0]]

_values = st.one_of(
    st.floats(-1e3, 1e3, allow_nan=False),
    st.sampled_from([np.nan, np.inf, -np.inf, 0.0, 1e300]),
)


@st.composite
def fit_inputs(draw):
    """X, y and sample_weight: mostly valid, sometimes broken in one place."""
    n_samples = draw(st.integers(0, 25))
    n_features = draw(st.integers(1, 4))
    finite = st.floats(-5, 5, allow_nan=False, allow_infinity=False)
    X = draw(hnp.arrays(np.float64, (n_samples, n_features), elements=finite))
    if draw(st.booleans()) and X.size:
        X.flat[draw(st.integers(0, X.size - 1))] = draw(_values)
    labels = draw(st.sampled_from(LABEL_SETS))
    codes = draw(
        hnp.arrays(np.intp, n_samples, elements=st.integers(0, len(labels) - 1))
    )
    y = np.asarray(labels, dtype=object if isinstance(labels[0], str) else None)[codes]
    if draw(st.integers(0, 9)) == 0:
        y = np.column_stack([codes % 2, codes // 2 % 2])  # a multi-label target
    sample_weight = None
    if draw(st.booleans()):
        weights = st.floats(0, 5, allow_nan=False)
        sample_weight = draw(hnp.arrays(np.float64, n_samples, elements=weights))
        if draw(st.integers(0, 4)) == 0 and n_samples:
            sample_weight[draw(st.integers(0, n_samples - 1))] = draw(
                st.sampled_from([-1.0, np.nan, np.inf])
            )
    return X, y, sample_weight


def _estimators():
    return [
        FocalLogisticRegression(gamma=2.0, class_weight="balanced", max_iter=30),
        WeightedSGDClassifier(max_iter=3, tol=None, random_state=0),
    ]


def _fitted_state(estimator):
    return {name: value for name, value in vars(estimator).items() if name[-1] == "_"}


@pytest.mark.parametrize("estimator", _estimators(), ids=lambda e: type(e).__name__)
@FEW
@given(data=fit_inputs())
def test_fit_succeeds_finitely_or_refuses_and_keeps_the_model(estimator, data):
    _check_fit(estimator, data)


@pytest.mark.slow
@pytest.mark.parametrize("estimator", _estimators(), ids=lambda e: type(e).__name__)
@MANY
@given(data=fit_inputs())
def test_fit_properties_exhaustively(estimator, data):
    _check_fit(estimator, data)


def _check_fit(estimator, data):
    X, y, sample_weight = data
    previous = estimator.fit([[0.0], [1.0], [0.5], [2.0]], [0, 1, 0, 1])
    state = _fitted_state(previous)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            previous.fit(X, y, sample_weight=sample_weight)
        except (ValueError, TypeError, FloatingPointError):
            # Refused: nothing fitted changed, not even by a reassignment.
            assert _fitted_state(previous) == state
            assert all(getattr(previous, k) is v for k, v in state.items())
            return
    assert np.all(np.isfinite(previous.coef_))
    proba = previous.predict_proba(X)
    assert np.all(np.isfinite(proba))
    if proba.ndim == 2 and np.ndim(y) == 1:
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert np.all(np.isin(previous.predict(X), previous.classes_)) or np.ndim(y) == 2


@st.composite
def partial_fit_streams(draw):
    """Chunks of one binary or three-class stream, some of them broken."""
    classes = draw(st.sampled_from([[0, 1], ["a", "b", "c"]]))
    n_chunks = draw(st.integers(1, 6))
    chunks = []
    for _ in range(n_chunks):
        n_rows = draw(st.integers(1, 12))
        X = draw(
            hnp.arrays(
                np.float64,
                (n_rows, 3),
                elements=st.floats(-3, 3, allow_nan=False, allow_infinity=False),
            )
        )
        # A chunk may hold any subset of the classes, even a single one.
        present = draw(st.lists(st.sampled_from(classes), min_size=1, unique=True))
        codes = draw(hnp.arrays(np.intp, n_rows, elements=st.integers(0, 9)))
        y = np.array(present)[codes % len(present)]
        weights = None
        if draw(st.booleans()):
            weights = draw(
                hnp.arrays(
                    np.float64, n_rows, elements=st.sampled_from([0.0, 0.5, 1.0, 3.0])
                )
            )
        breakage = draw(
            st.sampled_from([None, None, None, "label", "features", "nan", "kind"])
        )
        if breakage == "label":
            y = y.copy()
            y[0] = 9 if y.dtype.kind in "iu" else "z"  # not among the classes
        elif breakage == "features":
            X = X[:, :2]
        elif breakage == "nan":
            X = X.copy()
            X[0, 0] = np.nan
        elif breakage == "kind":
            y = np.column_stack([codes % 2, codes % 2])
        chunks.append((X, y, weights, breakage))
    return classes, chunks


@FEW
@given(stream=partial_fit_streams())
def test_partial_fit_streams_keep_the_model_finite_and_intact(stream):
    _check_stream(stream)


@pytest.mark.slow
@MANY
@given(stream=partial_fit_streams())
def test_partial_fit_stream_properties_exhaustively(stream):
    _check_stream(stream)


def _check_stream(stream):
    classes, chunks = stream
    clf = WeightedSGDClassifier(random_state=0, class_weight=None)
    for X, y, weights, breakage in chunks:
        state = _fitted_state(clf)
        # The first successful call sets the number of features.
        # The first call sets the kind of target: a multi-label one needs as
        # many labels as classes; later calls must keep it.
        multilabel = breakage == "kind"
        if state:
            kind_changes = multilabel != (clf._target_kind_ == "multilabel-indicator")
        else:
            kind_changes = multilabel and len(classes) != 2
        broken = (
            breakage in ("label", "nan")
            or kind_changes
            or bool(state and X.shape[1] != clf.n_features_in_)
        )
        try:
            clf.partial_fit(X, y, classes=classes, sample_weight=weights)
        except ValueError:
            assert broken
            assert all(getattr(clf, k) is v for k, v in state.items())
            assert set(_fitted_state(clf)) == set(state)
            continue
        assert not broken
        assert np.all(np.isfinite(clf.coef_))
        assert clf.classes_.tolist() == sorted(classes)
