"""Tests of imbweight's settings and of the BLAS thread policy they drive."""

import threading

import numpy as np
import pytest
from threadpoolctl import threadpool_info

import imbweight
from imbweight import FocalLogisticRegression
from imbweight._solvers import blas_thread_limit


def _blas_threads():
    return sorted(
        pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"
    )


@pytest.fixture
def two_blas_threads():
    """BLAS pools at 2 threads (whatever they were), restored afterwards."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=2, user_api="blas"):
        yield


def test_defaults_and_validation():
    assert imbweight.get_config() == {"blas_threads": 1}
    for bad in (0, -1, 1.5, True, "1"):
        with pytest.raises(ValueError, match="blas_threads must be None or an int"):
            imbweight.set_config(blas_threads=bad)
    assert imbweight.get_config() == {"blas_threads": 1}


def test_context_changes_this_thread_only(two_blas_threads):
    seen = {}

    def other_thread():
        seen["other"] = imbweight.get_config()["blas_threads"]

    with imbweight.config_context(blas_threads=None):
        assert imbweight.get_config()["blas_threads"] is None
        with blas_thread_limit():
            assert _blas_threads() == [2] * len(_blas_threads())
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
    assert seen["other"] == 1
    assert imbweight.get_config()["blas_threads"] == 1


def test_set_config_applies_to_threads_started_later():
    seen = {}

    def other_thread():
        seen["other"] = imbweight.get_config()["blas_threads"]

    try:
        imbweight.set_config(blas_threads=2)
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
    finally:
        imbweight.set_config(blas_threads=1)
    assert seen["other"] == 2


def test_fits_in_two_threads_leave_the_pools_as_they_were(two_blas_threads):
    # A fit in the main thread limits the pools and restores them; a fit in
    # another thread leaves them alone (OpenBLAS would ignore a count raised
    # from there, leaving the pools limited for good). Run both at once.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3000, 40))
    y = (X[:, 0] + rng.standard_normal(3000) > 1.5).astype(int)
    n_pools = len(_blas_threads())
    started, results = threading.Event(), {}

    def fit_in_thread():
        started.set()
        results["thread"] = FocalLogisticRegression(gamma=2.0).fit(X, y).coef_

    thread = threading.Thread(target=fit_in_thread)
    thread.start()
    assert started.wait(timeout=300)
    results["main"] = FocalLogisticRegression(gamma=2.0).fit(X, y).coef_
    thread.join(timeout=600)
    assert not thread.is_alive()
    assert _blas_threads() == [2] * n_pools
    # The thread's products may have run on 2 BLAS threads, summed in another
    # order: the same minimiser to round-off, amplified by L-BFGS's path.
    np.testing.assert_allclose(results["thread"], results["main"], rtol=1e-6)
