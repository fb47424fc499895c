"""Finite-difference helpers shared by the loss and objective tests.

The five-point central stencil

    f'(0) ≈ [f(-2h) - 8 f(-h) + 8 f(h) - f(2h)] / (12 h)

has truncation error ``h⁴/30 · f⁽⁵⁾(ξ)`` and, when every evaluation of ``f`` is
correct to ``ulps`` units in the last place of ``F = max |f|`` over the
stencil, rounding error at most ``(1 + 8 + 8 + 1)/12 · ulps · eps · F / h``.
:func:`five_point_error_bound` is the sum of the two; the tests compare
against it instead of a tuned tolerance.

The step is a power of two and the tests evaluate at points on a grid of
``2**-GRID_BITS``, so ``x ± h`` and ``x ± 2h`` are exact: the step itself
carries no rounding error.
"""

import numpy as np

EPS = np.finfo(np.float64).eps

#: Finite-difference step, a power of two (≈ 9.8e-4): near the optimum
#: ``(45 · ulps · eps · F / M5)^(1/5)`` of the bound below for the O(1)
#: functions differentiated here.
STEP = 2.0**-10

#: Test points are rounded to multiples of ``2**-GRID_BITS`` so that adding
#: multiples of :data:`STEP` to them is exact for ``|x| < 2**32``.
GRID_BITS = 20


def on_grid(x):
    """Round ``x`` to the grid on which ``x ± k·STEP`` is exact."""
    return np.round(np.asarray(x, dtype=np.float64) * 2.0**GRID_BITS) / 2.0**GRID_BITS


def five_point_derivative(f, h=STEP):
    """Five-point estimate of ``f'(0)`` for ``f`` of one real variable ``s``.

    ``f`` may return an array: the estimate is then elementwise.

    Returns
    -------
    derivative : float or ndarray
    f_max : float or ndarray
        ``max |f(s)|`` over the four stencil points (for the rounding bound).
    """
    values = [np.asarray(f(k * h), dtype=np.float64) for k in (-2, -1, 1, 2)]
    derivative = (values[0] - 8 * values[1] + 8 * values[2] - values[3]) / (12 * h)
    f_max = np.max(np.abs(values), axis=0)
    return derivative, f_max


def five_point_gradient(f, x, h=STEP):
    """Five-point gradient of a scalar function ``f`` at the array ``x``.

    Returns the gradient (shape of ``x``) and ``max |f|`` over all stencils.
    """
    x = np.asarray(x, dtype=np.float64)
    gradient = np.empty_like(x)
    f_max = 0.0
    for index in range(x.size):
        direction = np.zeros_like(x)
        direction.flat[index] = 1.0
        gradient.flat[index], f_max_i = five_point_derivative(
            lambda s, direction=direction: f(x + s * direction), h
        )
        f_max = max(f_max, float(f_max_i))
    return gradient, f_max


def five_point_error_bound(f_max, m5, ulps, h=STEP):
    """Bound on ``|five-point estimate - f'(0)|``.

    Parameters
    ----------
    f_max : float or ndarray
        ``max |f|`` over the stencil.
    m5 : float
        Bound on ``|f⁽⁵⁾|`` near the point.
    ulps : float
        Bound on the error of one evaluation of ``f``, in units of
        ``eps · f_max``.
    h : float
        The step.
    """
    truncation = h**4 / 30 * m5
    rounding = (1 + 8 + 8 + 1) / 12 * ulps * EPS * np.asarray(f_max) / h
    return truncation + rounding
