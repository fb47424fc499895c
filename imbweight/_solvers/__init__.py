"""Solvers: they see an objective only through its value and gradient.

:func:`minimize_lbfgs` (full batch) and :func:`run_sgd` (mini-batch
stochastic gradient, with its learning-rate schedules and early-stopping
monitor) both run under the BLAS thread policy of :mod:`._threads`.
"""

from imbweight._solvers._threads import blas_thread_limit
from imbweight._solvers.lbfgs import minimize_lbfgs
from imbweight._solvers.sgd import (
    LearningRate,
    SGDResult,
    ValidationMonitor,
    run_sgd,
    sgd_epoch,
)

__all__ = [
    "LearningRate",
    "SGDResult",
    "ValidationMonitor",
    "blas_thread_limit",
    "minimize_lbfgs",
    "run_sgd",
    "sgd_epoch",
]
