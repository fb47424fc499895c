"""scikit-learn's estimator checks over every imbweight estimator."""

import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from imbweight import FocalLogisticRegression

ESTIMATORS = [
    FocalLogisticRegression(),
    FocalLogisticRegression(gamma=0.0),
]

# Each entry: estimator class name -> {check name: written reason}.
EXPECTED_FAILURES = {}


def _expected_failed_checks(estimator):
    return EXPECTED_FAILURES.get(type(estimator).__name__, {})


# Some checks fit unscaled data (iris) with default max_iter: warning about
# non-convergence is the documented behaviour there, not a failure.
@pytest.mark.filterwarnings("ignore", category=ConvergenceWarning)
@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
