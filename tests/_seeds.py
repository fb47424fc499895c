"""Seeds for the tests whose thresholds depend on random data or a stochastic fit.

Such a threshold is argued from its spread over at least ten seeds (the test's
comment gives the range measured and the margin left) and asserted over
several: the first few in every run, the rest of the sweep under the ``slow``
marker, which CI runs too.
"""

import pytest


def seeds(fast, total=5):
    """Seeds ``0, ..., total - 1`` to parametrize over; from ``fast`` on, slow."""
    return [
        seed if seed < fast else pytest.param(seed, marks=pytest.mark.slow)
        for seed in range(total)
    ]
