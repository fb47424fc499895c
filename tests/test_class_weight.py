"""Tests of the class-weight strategies, ClassWeights and resolve_class_weight."""

import mpmath
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import config_context
from sklearn.base import clone
from sklearn.utils.class_weight import compute_class_weight as sklearn_class_weight

from imbweight import FocalLogisticRegression
from imbweight._compat import InvalidParameterError
from imbweight._targets import ClassCounts
from imbweight.class_weight import (
    ClassWeights,
    compute_class_weight,
    resolve_class_weight,
)

STRATEGIES = ["balanced", "inverse", "sqrt_inverse", "power", "effective_number"]


def _imbalanced(labels, sizes, seed=0):
    """Shuffled labels with ``sizes[j]`` copies of ``labels[j]``."""
    y = np.repeat(np.asarray(labels), sizes)
    return np.random.default_rng(seed).permutation(y)


def _counts(y, sample_weight=None):
    classes, codes = np.unique(y, return_inverse=True)
    return np.bincount(codes, weights=sample_weight, minlength=classes.size)


def _values(class_weight):
    return np.array(list(class_weight.values()))


LABELS = {
    "contiguous ints": [0, 1, 2],
    "non-contiguous ints": [3, 7, 42],
    "strings": ["cat", "dog", "eel"],
}


# ------------------------------------------------------------------- balanced
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("labels", LABELS.values(), ids=LABELS.keys())
def test_balanced_equals_scikit_learn_exactly(labels, weighted):
    y = _imbalanced(labels, [70, 23, 7])
    rng = np.random.default_rng(1)
    sample_weight = rng.uniform(0.1, 3.0, y.size) if weighted else None
    ours = compute_class_weight(y, "balanced", sample_weight=sample_weight)
    theirs = sklearn_class_weight(
        "balanced", classes=np.unique(y), y=y, sample_weight=sample_weight
    )
    assert list(ours) == np.unique(y).tolist()
    assert all(type(label) is type(labels[0]) for label in ours)
    assert_array_equal(_values(ours), theirs)
    fitted = ClassWeights("balanced").fit(y, sample_weight=sample_weight)
    assert fitted.class_weight_ == ours
    assert_array_equal(fitted.classes_, np.unique(y))


def test_inverse_at_sample_scale_is_balanced_up_to_round_off():
    y = _imbalanced([0, 1, 2], [500, 40, 3])
    assert_allclose(
        _values(compute_class_weight(y, "inverse")),
        _values(compute_class_weight(y, "balanced")),
        rtol=1e-14,
    )


def test_sample_weight_is_the_same_as_repeating_rows():
    y = np.array([0, 0, 1, 1, 1, 2])
    repeats = np.array([3, 1, 2, 1, 4, 2])
    for strategy in STRATEGIES:
        by_weight = compute_class_weight(y, strategy, sample_weight=repeats)
        by_rows = compute_class_weight(np.repeat(y, repeats), strategy)
        assert_allclose(_values(by_weight), _values(by_rows), rtol=1e-14)


# --------------------------------------------------------- the other formulas
def test_inverse_sqrt_inverse_and_power_formulas():
    y = _imbalanced(["a", "b", "c"], [400, 90, 10])
    n_c = _counts(y)
    raw = dict(normalize=None)
    assert_allclose(_values(compute_class_weight(y, "inverse", **raw)), 1 / n_c)
    assert_allclose(_values(compute_class_weight(y, "sqrt_inverse", **raw)), n_c**-0.5)
    assert_allclose(
        _values(compute_class_weight(y, "power", power=1.7, **raw)), n_c**-1.7
    )


@pytest.mark.parametrize("power, same_as", [(0.5, "sqrt_inverse"), (1.0, "inverse")])
def test_inverse_strategies_are_points_of_the_power_family(power, same_as):
    y = _imbalanced([0, 1, 2], [300, 50, 8])
    assert_allclose(
        _values(compute_class_weight(y, "power", power=power)),
        _values(compute_class_weight(y, same_as)),
        rtol=1e-14,
    )


def test_power_zero_is_uniform():
    y = _imbalanced([0, 1, 2], [300, 50, 8])
    assert compute_class_weight(y, "power", power=0.0) == {0: 1.0, 1: 1.0, 2: 1.0}


@pytest.mark.parametrize("beta", [0.5, 0.9, 0.99, 0.999])
def test_effective_number_matches_the_formula(beta):
    y = _imbalanced([0, 1, 2], [1000, 120, 9])
    n_c = _counts(y)
    expected = (1 - beta) / (1 - beta**n_c)
    ours = compute_class_weight(y, "effective_number", beta=beta, normalize=None)
    assert_allclose(_values(ours), expected, rtol=1e-12)


def test_effective_number_is_accurate_for_beta_near_one_and_fractional_counts():
    # 1 - beta**n cancels here: the naive formula is off by up to 2e-6.
    beta = 1 - 1e-10
    counts = np.array([0.37, 1.0, 12.5, 1e3, 2.5e5])
    ours = compute_class_weight(
        np.arange(5),
        "effective_number",
        beta=beta,
        sample_weight=counts,
        normalize=None,
    )
    with mpmath.workdps(50):
        b = mpmath.mpf(beta)
        reference = [float((1 - b) / (1 - b ** mpmath.mpf(c))) for c in counts]
    assert_allclose(_values(ours), reference, rtol=1e-14)


def test_effective_number_limits_in_beta():
    y = _imbalanced([0, 1, 2], [1000, 100, 10])
    n_c = _counts(y)

    def ratios(beta):
        weights = _values(
            compute_class_weight(y, "effective_number", beta=beta, normalize=None)
        )
        return weights / weights[0]

    # beta -> 0: every class counts as one sample, uniform weights.
    assert_array_equal(ratios(0.0), [1.0, 1.0, 1.0])
    at_zero = compute_class_weight(y, "effective_number", beta=0.0, normalize=None)
    assert at_zero == {0: 1.0, 1: 1.0, 2: 1.0}
    assert_allclose(ratios(1e-9), [1.0, 1.0, 1.0], rtol=1e-8)
    # beta -> 1: inverse frequency, w_c / w_0 = n_0 / n_c.
    assert_allclose(ratios(1 - 1e-9), n_c[0] / n_c, rtol=1e-5)
    assert_allclose(ratios(1.0), n_c[0] / n_c, rtol=1e-15)
    # In between, the minority weight grows with beta.
    minority = [ratios(beta)[2] for beta in (0.9, 0.99, 0.999, 0.9999)]
    assert np.all(np.diff(minority) > 0)
    assert 1 < minority[0] and minority[-1] < n_c[0] / n_c[2]


# --------------------------------------------------------------- normalize
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_normalize_samples_keeps_the_total_sample_weight(strategy):
    y = _imbalanced([0, 1, 2], [200, 30, 5])
    sample_weight = np.random.default_rng(2).uniform(0.5, 2.0, y.size)
    n_c = _counts(y, sample_weight)
    weights = _values(
        compute_class_weight(y, strategy, sample_weight=sample_weight, power=0.7)
    )
    assert_allclose(n_c @ weights, sample_weight.sum(), rtol=1e-14)
    per_sample = ClassWeights(strategy, power=0.7).fit_transform(y, sample_weight)
    assert_allclose(np.average(per_sample, weights=sample_weight), 1.0, rtol=1e-14)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_normalize_classes_gives_mean_class_weight_one(strategy):
    y = _imbalanced([0, 1, 2, 3], [200, 30, 5, 2])
    weights = _values(compute_class_weight(y, strategy, normalize="classes"))
    assert_allclose(weights.mean(), 1.0, rtol=1e-14)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_normalize_changes_the_scale_not_the_ratios(strategy):
    y = _imbalanced([0, 1, 2], [200, 30, 5])
    by_normalize = {
        normalize: _values(compute_class_weight(y, strategy, normalize=normalize))
        for normalize in ("samples", "classes", None)
    }
    raw = by_normalize[None]
    for weights in by_normalize.values():
        assert_allclose(weights / weights[0], raw / raw[0], rtol=1e-14)
    assert not np.allclose(by_normalize["samples"], by_normalize["classes"])


def test_balanced_raw_is_scikit_learn_and_classes_rescales_it():
    y = _imbalanced([0, 1], [90, 10])
    assert compute_class_weight(y, normalize=None) == compute_class_weight(y)
    assert compute_class_weight(y, normalize="classes") == pytest.approx(
        {0: 0.2, 1: 1.8}, rel=1e-14
    )


# -------------------------------------------------------------------- clip
@pytest.mark.parametrize("normalize", ["samples", "classes", None])
@pytest.mark.parametrize("strategy", ["balanced", "inverse", "effective_number"])
def test_clip_bounds_the_ratio_of_the_weights(strategy, normalize):
    y = _imbalanced([0, 1, 2], [1000, 400, 2])
    weights = _values(compute_class_weight(y, strategy, normalize=normalize))
    assert weights[2] / weights[0] > 5 > weights[1] / weights[0]
    clipped = _values(compute_class_weight(y, strategy, clip=5.0, normalize=normalize))
    assert_allclose(clipped.max() / clipped.min(), 5.0, rtol=1e-14)
    # Only the weights above clip * min are lowered; the others keep their ratio.
    assert_allclose(clipped[1] / clipped[0], weights[1] / weights[0], rtol=1e-14)
    if normalize == "samples":
        assert_allclose(_counts(y) @ clipped, y.size, rtol=1e-14)


def test_clip_lowers_the_largest_raw_weights_to_clip_times_the_smallest():
    y = _imbalanced([0, 1], [900, 30])
    clipped = compute_class_weight(y, "inverse", clip=10.0, normalize=None)
    assert clipped == pytest.approx({0: 1 / 900, 1: 10 / 900}, rel=1e-14)


def test_clip_that_does_not_bind_changes_nothing_and_one_is_uniform():
    y = _imbalanced(["a", "b"], [60, 40])
    assert compute_class_weight(y, clip=2.0) == compute_class_weight(y)
    assert compute_class_weight(y, "inverse", clip=1.0) == {"a": 1.0, "b": 1.0}


# --------------------------------------------------------------- transform
def test_transform_returns_the_weight_of_each_sample_class():
    y = _imbalanced(["x", "y", "z"], [50, 10, 3])
    sample_weight = np.random.default_rng(3).uniform(0.5, 2.0, y.size)
    weights = ClassWeights("sqrt_inverse").fit(y, sample_weight=sample_weight)
    expected = np.array([weights.class_weight_[label] for label in y])
    assert_array_equal(weights.transform(y), expected)
    # fit_transform uses sample_weight for the counts but does not multiply it in.
    assert_array_equal(
        ClassWeights("sqrt_inverse").fit_transform(y, sample_weight), expected
    )
    assert_array_equal(
        weights.transform(["z", "x"]),
        [weights.class_weight_["z"], weights.class_weight_["x"]],
    )


def test_transform_rejects_labels_not_seen_in_fit():
    weights = ClassWeights().fit([0, 0, 1])
    with pytest.raises(ValueError, match=r"labels \[2\] that were not seen in fit"):
        weights.transform([0, 2])


def test_transform_before_fit_raises():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        ClassWeights().transform([0, 1])


# ---------------------------------------------------------------- errors
def test_unknown_strategy_lists_the_valid_ones():
    for call in (
        lambda: ClassWeights("inverse_sqrt").fit([0, 1]),
        lambda: compute_class_weight([0, 1], "inverse_sqrt"),
    ):
        with pytest.raises(InvalidParameterError, match="'strategy' parameter") as info:
            call()
        message = str(info.value)
        assert "inverse_sqrt" in message
        assert all(repr(name) in message for name in STRATEGIES)
    with pytest.raises(InvalidParameterError, match="of compute_class_weight"):
        compute_class_weight([0, 1], "inverse_sqrt")


@pytest.mark.parametrize(
    "params, name",
    [
        (dict(beta=1.5), "beta"),
        (dict(beta=-0.1), "beta"),
        (dict(power=-1.0), "power"),
        (dict(clip=0.5), "clip"),
        (dict(normalize="mean"), "normalize"),
    ],
)
def test_invalid_parameters_are_named(params, name):
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        ClassWeights(**params).fit([0, 1])
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        compute_class_weight([0, 1], **params)


def test_parameters_are_validated_inside_an_estimator_fit():
    # Estimators skip nested validation during their fit; ClassWeights must not.
    with config_context(skip_parameter_validation=True):
        with pytest.raises(InvalidParameterError, match="'strategy' parameter"):
            ClassWeights("nope").fit([0, 1])


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_class_with_zero_weighted_count_is_an_error(strategy):
    y = np.array(["a", "a", "b", "c", "c"])
    sample_weight = np.array([1.0, 2.0, 0.0, 1.0, 1.0])
    with pytest.raises(ValueError, match=r"classes \['b'\] have total sample_weight 0"):
        compute_class_weight(y, strategy, sample_weight=sample_weight)


def test_negative_sample_weight_is_an_error():
    with pytest.raises(ValueError, match="Negative values in data passed to"):
        compute_class_weight([0, 1, 1], sample_weight=[1.0, -1.0, 2.0])


@pytest.mark.parametrize(
    "y, kind",
    [
        ([0.5, 1.5, 2.25], "continuous"),
        ([[0, 1], [2, 1], [1, 0]], "multiclass-multioutput"),
    ],
)
def test_unsupported_targets_are_rejected(y, kind):
    with pytest.raises(ValueError, match=f"got a '{kind}' target"):
        compute_class_weight(y)


def test_weights_that_overflow_are_an_error():
    y = _imbalanced([0, 1], [10**6, 10])
    with pytest.raises(ValueError, match="not finite and positive"):
        compute_class_weight(y, "power", power=200.0, normalize=None)


# ------------------------------------------------------------- multi-label
def test_multilabel_is_one_binary_problem_per_label():
    rng = np.random.default_rng(4)
    Y = (rng.uniform(size=(300, 3)) < [0.5, 0.1, 0.02]).astype(int)
    Y[:2, 2] = 1  # make sure the rarest label has positives
    sample_weight = rng.uniform(0.5, 2.0, Y.shape[0])
    for strategy in STRATEGIES:
        weights = ClassWeights(strategy).fit(Y, sample_weight=sample_weight)
        assert_array_equal(weights.classes_, [0, 1, 2])
        assert isinstance(weights.class_weight_, list)
        for label, per_label in enumerate(weights.class_weight_):
            column = compute_class_weight(
                Y[:, label], strategy, sample_weight=sample_weight
            )
            assert per_label == column
            assert list(per_label) == [0, 1]
    balanced = compute_class_weight(Y, "balanced")
    for label in range(3):
        assert_array_equal(
            _values(balanced[label]),
            sklearn_class_weight("balanced", classes=np.array([0, 1]), y=Y[:, label]),
        )


def test_multilabel_weights_keep_each_label_total_and_upweight_positives():
    Y = np.column_stack([_imbalanced([0, 1], [80, 20]), _imbalanced([0, 1], [99, 1])])
    weights = compute_class_weight(Y, "inverse")
    for label, (n_neg, n_pos) in enumerate([(80, 20), (99, 1)]):
        w = weights[label]
        assert_allclose(w[1] / w[0], n_neg / n_pos, rtol=1e-14)
        assert_allclose(n_neg * w[0] + n_pos * w[1], 100, rtol=1e-14)


def test_multilabel_transform_gives_a_weight_per_sample_and_label():
    Y = np.array([[0, 1], [0, 1], [1, 1], [0, 0]])
    weights = ClassWeights("inverse").fit(Y)
    assert weights.class_weight_ == [{0: 2 / 3, 1: 2.0}, {0: 2.0, 1: 2 / 3}]
    assert_allclose(
        weights.transform(Y),
        [[2 / 3, 2 / 3], [2 / 3, 2 / 3], [2.0, 2 / 3], [2 / 3, 2.0]],
        rtol=1e-15,
    )
    with pytest.raises(ValueError, match="fitted on 2"):
        weights.transform(np.array([[0, 1, 1], [1, 0, 0]]))
    with pytest.raises(ValueError, match="fitted on a multi-label y"):
        weights.transform([0, 1])


def test_multilabel_constant_label_gets_a_one_entry_dict():
    Y = np.array([[0, 1], [1, 1], [0, 1]])
    assert compute_class_weight(Y, "balanced")[1] == {1: 1.0}


def test_multilabel_zero_weight_positives_name_the_label():
    Y = np.array([[0, 1], [1, 0], [0, 0], [1, 1]])
    with pytest.raises(ValueError, match=r"Label 1: classes \[1\] have total"):
        compute_class_weight(Y, sample_weight=[0.0, 1.0, 1.0, 0.0])


def test_multilabel_indicator_must_be_zero_one():
    with pytest.raises(ValueError, match="0/1 indicator"):
        compute_class_weight(np.array([[1, 2], [2, 1], [1, 1]]))


# ------------------------------------------------------ resolve_class_weight
def test_resolve_fits_a_clone_of_the_strategy_on_the_y_it_receives():
    y = _imbalanced(["a", "b", "c"], [80, 15, 5])
    sample_weight = np.random.default_rng(5).uniform(0.5, 2.0, y.size)
    strategy = ClassWeights("effective_number", beta=0.99)
    resolved = resolve_class_weight(
        strategy, ClassCounts.of(y, sample_weight), y=y, sample_weight=sample_weight
    )
    assert resolved == compute_class_weight(
        y, "effective_number", beta=0.99, sample_weight=sample_weight
    )
    assert not hasattr(strategy, "class_weight_")
    # Refitted on new labels (e.g. after a resampler), not reused.
    strategy.fit(["a", "b", "b", "c"])
    resampled = _imbalanced(["a", "b", "c"], [30, 30, 30])
    assert resolve_class_weight(strategy, ClassCounts.of(resampled)) == (
        pytest.approx({"a": 1.0, "b": 1.0, "c": 1.0}, rel=1e-14)
    )


class _MajorityOverCount:
    """A minimal strategy object without get_params: w_c = max_count / n_c."""

    def fit(self, y, sample_weight=None):
        labels, counts = np.unique(y, return_counts=True)
        self.class_weight_ = {
            label: float(counts.max() / count)
            for label, count in zip(labels.tolist(), counts, strict=True)
        }
        return self


def test_resolve_accepts_any_object_with_fit_and_class_weight_():
    y = np.array([1, 1, 1, 1, 5, 5, 9])
    resolved = resolve_class_weight(_MajorityOverCount(), ClassCounts.of(y), y=y)
    assert resolved == {1: 1.0, 5: 2.0, 9: 4.0}


def test_resolve_accepts_a_callable():
    y = np.array(["n", "n", "n", "p"])

    def negatives_per_positive(labels):
        return {"n": 1.0, "p": float(np.sum(labels == "n") / np.sum(labels == "p"))}

    resolved = resolve_class_weight(negatives_per_positive, ClassCounts.of(y), y=y)
    assert resolved == {"n": 1.0, "p": 3.0}


@pytest.mark.parametrize(
    "class_weight, error, match",
    [
        (lambda y: {0: 1.0}, ValueError, r"gives no weight to the classes \[1\]"),
        (lambda y: {0: 1.0, 1: 2.0, 2: 1.0}, ValueError, r"labels \[2\] that are not"),
        (lambda y: [1.0, 2.0], TypeError, "must be a dict"),
        (lambda y: {0: 1.0, 1: -2.0}, ValueError, "finite, non-negative"),
        (lambda y: {0: 1.0, 1: np.inf}, ValueError, "finite, non-negative"),
        (lambda y: {0: 1.0, 1: "heavy"}, TypeError, "map labels to numbers"),
        (ClassWeights, TypeError, r"an instance such as ClassWeights\(\)"),
        ("inverse", ValueError, r"ClassWeights\('inverse'\)"),
        (3.0, TypeError, "class_weight must be None, 'balanced'"),
    ],
)
def test_resolve_rejects_bad_class_weights(class_weight, error, match):
    y = np.array([0, 0, 1])
    with pytest.raises(error, match=match):
        resolve_class_weight(class_weight, ClassCounts.of(y), y=y)


def test_resolve_keeps_none_balanced_and_dict_behaviour():
    y = np.array([0, 0, 0, 1])
    counts = ClassCounts.of(y)
    assert resolve_class_weight(None, counts) == {0: 1.0, 1: 1.0}
    assert resolve_class_weight({1: 4.0}, counts) == {0: 1.0, 1: 4.0}
    assert resolve_class_weight("balanced", counts) == compute_class_weight(y)
    with pytest.raises(ValueError, match=r"class_weight names labels \[7\]"):
        resolve_class_weight({7: 2.0}, counts)
    with pytest.raises(ValueError, match="needs every class to carry sample weight"):
        resolve_class_weight(
            "balanced", ClassCounts.of(y, np.array([1.0, 1.0, 1.0, 0.0]))
        )
    with pytest.raises(ValueError, match="finite, non-negative"):
        resolve_class_weight({1: -1.0}, counts)


# ----------------------------------------------------------- estimator API
def test_get_params_set_params_and_clone():
    weights = ClassWeights("power", power=0.5, clip=20.0, normalize=None)
    assert weights.get_params() == {
        "strategy": "power",
        "beta": 0.999,
        "power": 0.5,
        "clip": 20.0,
        "normalize": None,
    }
    assert weights.set_params(power=0.25, normalize="classes") is weights
    assert (weights.power, weights.normalize) == (0.25, "classes")
    weights.fit([0, 0, 0, 1])
    copy = clone(weights)
    assert copy.get_params() == weights.get_params()
    assert not hasattr(copy, "class_weight_")
    assert copy.fit([0, 0, 0, 1]).class_weight_ == weights.class_weight_


def test_parameters_are_tunable_through_an_estimator():
    clf = FocalLogisticRegression(class_weight=ClassWeights("effective_number"))
    params = clf.get_params(deep=True)
    assert params["class_weight__beta"] == 0.999
    clf.set_params(class_weight__beta=0.9, class_weight__clip=10.0)
    assert (clf.class_weight.beta, clf.class_weight.clip) == (0.9, 10.0)
    cloned = clone(clf)
    assert cloned.class_weight is not clf.class_weight
    assert cloned.class_weight.get_params() == clf.class_weight.get_params()


@pytest.mark.parametrize(
    "strategy", ["balanced", "inverse", "sqrt_inverse", "power", "effective_number"]
)
def test_fit_on_class_counts_equals_fit_on_labels(strategy):
    # imbweight.dask relies on this: one sample per class, weighted by its count.
    y = np.random.default_rng(0).choice([0, 1, 2], size=500, p=[0.8, 0.15, 0.05])
    classes, counts = np.unique(y, return_counts=True)
    expected = ClassWeights(strategy, clip=20).fit(y).class_weight_
    from_counts = ClassWeights(strategy, clip=20).fit(classes, sample_weight=counts)
    assert from_counts.class_weight_ == expected
