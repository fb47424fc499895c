"""Tests of :mod:`imbweight._targets`: the target check and the class counts."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_array_equal

from imbweight._targets import ClassCounts, check_target


@pytest.mark.parametrize(
    "y, kind",
    [
        (["b", "a", "b"], "binary"),
        ([3, 1, 2, 1], "multiclass"),
        ([[0], [1], [1]], "binary"),
        ([[0, 1], [1, 1], [0, 0]], "multilabel-indicator"),
        (sp.csr_matrix([[0, 1], [1, 0]]), "multilabel-indicator"),
    ],
)
def test_check_target_kinds(y, kind):
    checked, found = check_target(y, "test")
    assert found == kind
    assert checked.ndim == (2 if kind == "multilabel-indicator" else 1)


@pytest.mark.parametrize(
    "y, match",
    [
        ([], "needs a non-empty y"),
        (None, "requires y to be passed"),
        ([0.5, 1.5, 2.25], "got a 'continuous' target"),
        ([[1, 2], [2, 1]], r"0/1 indicator matrix; got the values \[1, 2\]"),
        ([[0, 1], [2, 1], [1, 0]], "got a 'multiclass-multioutput' target"),
    ],
)
def test_check_target_rejects(y, match):
    with pytest.raises(ValueError, match=match):
        check_target(y, "test")


def test_check_target_can_refuse_multilabel():
    with pytest.raises(ValueError, match="supports binary and multiclass targets"):
        check_target([[0, 1], [1, 0]], "test", multilabel=False)


def test_counts_of_labels_codes_and_a_given_class_set():
    y = np.array(["b", "a", "b", "b"])
    weights = np.array([1.0, 2.0, 0.5, 0.25])
    counts = ClassCounts.of(y, weights)
    assert counts.classes.tolist() == ["a", "b"]
    assert_array_equal(counts.rows, [1, 3])
    assert_array_equal(counts.weighted, [2.0, 1.75])
    # partial_fit's classes may hold classes y lacks: counted as 0.
    wider = ClassCounts.of(y, classes=np.array(["a", "b", "c"]))
    assert_array_equal(wider.rows, [1, 3, 0])
    # A boolean binary target is counted without an integer copy.
    codes = ClassCounts.of_codes(y == "b", np.array(["a", "b"]), weights)
    assert_array_equal(codes.rows, counts.rows)
    assert_array_equal(codes.weighted, counts.weighted)


def test_multilabel_counts_equal_each_column_counted_alone():
    rng = np.random.default_rng(0)
    Y = (rng.uniform(size=(200, 3)) < [0.5, 0.1, 0.0]).astype(int)
    weights = rng.uniform(0.5, 2.0, 200)
    counts = ClassCounts.of(Y, weights)
    assert counts.multilabel
    for label in range(3):
        column = ClassCounts.of_codes(Y[:, label], np.array([0, 1]), weights)
        assert_array_equal(counts.rows[label], column.rows)
        assert_array_equal(counts.weighted[label], column.weighted)
    # A label that is always 0 has only the class 0.
    assert counts.label(2).classes.tolist() == [0]


def test_merged_counts_equal_the_counts_of_the_whole():
    rng = np.random.default_rng(1)
    y = rng.choice(np.array(["x", "y", "z"]), size=300, p=[0.8, 0.15, 0.05])
    weights = rng.integers(0, 4, size=300).astype(float)
    pieces = [slice(0, 17), slice(17, 150), slice(150, 300)]
    merged = ClassCounts.merge([ClassCounts.of(y[p], weights[p]) for p in pieces])
    whole = ClassCounts.of(y, weights)
    assert_array_equal(merged.classes, whole.classes)
    assert_array_equal(merged.rows, whole.rows)
    # Integer weights: every partial sum is exact, so the merge is too.
    assert_array_equal(merged.weighted, whole.weighted)
    with pytest.raises(ValueError, match="disagree on the kind of target"):
        ClassCounts.merge([ClassCounts.of(y), ClassCounts.of(np.eye(3, dtype=int))])
    with pytest.raises(ValueError, match="y is empty"):
        ClassCounts.merge([])
