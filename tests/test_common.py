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

# Mini-batch SGD is stochastic: repeating a row changes the number of rows,
# so the batch size ("auto") and which rows share a batch; a weighted row
# and its repeats agree in expectation over the shuffles, not draw by draw
# (scikit-learn expects the same failure of SGDClassifier).
_DRAWS_DIFFER = (
    "weighting a row and repeating it agree in expectation over the mini-batch "
    "draws, not draw by draw: the repeated data has more rows, so other batches"
)
SGD_EXPECTED_FAILURES = {
    "check_sample_weight_equivalence_on_dense_data": _DRAWS_DIFFER,
    "check_sample_weight_equivalence_on_sparse_data": _DRAWS_DIFFER,
}
# Early stopping also holds out a random validation split, and partial_fit
# refuses it (there is no split to monitor), as SGDClassifier's does.
_NO_PARTIAL_FIT = "partial_fit raises with early_stopping=True, as SGDClassifier's does"
EARLY_STOPPING_EXPECTED_FAILURES = {
    **SGD_EXPECTED_FAILURES,
    "check_fit_score_takes_y": _NO_PARTIAL_FIT,
    "check_n_features_in_after_fitting": _NO_PARTIAL_FIT,
    "check_estimators_partial_fit_n_features": _NO_PARTIAL_FIT,
    "check_class_weight_classifiers": (
        "the check's 50 training rows leave 5 for validation; which epoch is "
        "restored is decided by the weighted loss of those 5 random rows, which "
        "can prefer an epoch before the 1000:0.0001 class weights dominate"
    ),
}


def _expected_failed_checks(estimator):
    if not isinstance(estimator, WeightedSGDClassifier):
        return {}
    if estimator.early_stopping:
        return EARLY_STOPPING_EXPECTED_FAILURES
    return SGD_EXPECTED_FAILURES


# Some checks fit unscaled data (iris) with default max_iter: warning about
# non-convergence is the documented behaviour there, not a failure.
@pytest.mark.filterwarnings("ignore", category=ConvergenceWarning)
@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
