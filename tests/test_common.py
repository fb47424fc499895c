"""scikit-learn's estimator checks over every imbweight estimator."""

import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from imbweight import ClassWeights, FocalLogisticRegression, WeightedSGDClassifier

ESTIMATORS = [
    FocalLogisticRegression(),
    FocalLogisticRegression(gamma=0.0),
    FocalLogisticRegression(class_weight=ClassWeights("effective_number")),
    WeightedSGDClassifier(random_state=0),
    WeightedSGDClassifier(gamma=2.0, early_stopping=True, random_state=0),
]

# Early stopping holds out a random validation split: these checks compare
# fits whose held-out rows differ, or decide the restored epoch on a handful
# of rows. Each reason is tied to that stochastic split.
_SPLIT_DIFFERS = (
    "early stopping draws its validation rows at random: a row weighted by 2 "
    "and the same row repeated twice leave different rows in the held-out set, "
    "so the two fits train on different data"
)
EARLY_STOPPING_EXPECTED_FAILURES = {
    "check_sample_weight_equivalence_on_dense_data": _SPLIT_DIFFERS,
    "check_sample_weight_equivalence_on_sparse_data": _SPLIT_DIFFERS,
    "check_class_weight_classifiers": (
        "the check's 50 training rows leave 5 for validation; which epoch is "
        "restored is decided by the weighted loss of those 5 random rows, which "
        "can prefer an epoch before the 1000:0.0001 class weights dominate"
    ),
}


def _expected_failed_checks(estimator):
    if getattr(estimator, "early_stopping", False):
        return EARLY_STOPPING_EXPECTED_FAILURES
    return {}


# Some checks fit unscaled data (iris) with default max_iter: warning about
# non-convergence is the documented behaviour there, not a failure.
@pytest.mark.filterwarnings("ignore", category=ConvergenceWarning)
@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
