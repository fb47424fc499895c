"""The penalised objective of a linear classifier, in coefficient space."""

import numpy as np
import scipy.sparse as sp

from imbweight._cache import machine_block_bytes
from imbweight._sparse_rows import CSRRows

BLOCK_RAW_VALUES = 2**14
"""Raw predictions per block of the loss, at most (but ``MIN_BLOCK_ROWS``
rows at least). The loss makes a dozen NumPy passes over a block's raw
predictions: blocks this large amortise the cost of each call, and their
temporaries stay in the per-core L2 cache."""

MIN_BLOCK_ROWS = 256
"""Rows per block, at least, whatever the width of ``X`` or the outputs."""

_EINSUM_ROW_BYTES = 256
"""Rows at least this long (bytes) are multiplied by ``w`` with einsum."""

_SPARSE_BLOCK_NNZ_PER_COLUMN = 16
"""Non-zeros per column of ``X``, at least, in a block of rows of a sparse
``X``: each block adds an ``n_features``-sized ``X_block.T @ G`` into the
gradient, a pass that must stay small next to the block's products."""


def _loss_block_rows(n_outputs):
    """Rows per block of the loss (see ``BLOCK_RAW_VALUES``)."""
    return max(MIN_BLOCK_ROWS, BLOCK_RAW_VALUES // n_outputs)


def _block_rows(X, n_outputs):
    """Rows per block of a dense ``X``: a block of the loss, or fewer rows
    if they hold more bytes than the machine's cache keeps for the block's
    second read (``X_block.T @ G``; see :func:`~imbweight._cache.block_bytes`)."""
    by_bytes = machine_block_bytes() // max(1, X.shape[1] * X.itemsize)
    return max(MIN_BLOCK_ROWS, min(by_bytes, _loss_block_rows(n_outputs)))


def _sparse_block_rows(X, n_outputs):
    """Rows per block of a sparse ``X``.

    For CSR, whole blocks of the loss (``_loss_block_rows``) holding, on
    average, ``_SPARSE_BLOCK_NNZ_PER_COLUMN`` non-zeros per column. A wide
    ``X`` with few non-zeros per row gets larger blocks, up to all its rows:
    its raw prediction is then ``n_samples``-sized, still small next to the
    non-zeros. Any other format is one block: its rows cannot be taken
    without copying them.
    """
    n_samples, n_features = X.shape
    if X.format != "csr":
        return max(1, n_samples)
    unit = _loss_block_rows(n_outputs)
    needed = _SPARSE_BLOCK_NNZ_PER_COLUMN * n_features * n_samples
    rows = -(-needed // max(1, X.nnz))
    return unit * max(1, -(-rows // unit))


class LinearObjective:
    """A pointwise loss lifted to the coefficients of a linear model.

    The objective of every imbweight estimator, for ``raw = X @ W + b``, is::

        J(coef) = 1/S Σ_i s_i ℓ(y_i, raw_i) + 1/2 l2_reg_strength ‖W‖²_F

    Conventions
    -----------
    * ``coef`` is a flat vector of length ``n_dof * n_outputs`` where
      ``n_dof = n_features + fit_intercept``; it reshapes, C-order, to
      ``(n_dof, n_outputs)``: row ``j < n_features`` holds the weights of
      feature ``j`` for every output, the last row (if ``fit_intercept``) the
      intercepts. This is the memory layout of scikit-learn's
      ``LinearModelLoss`` (``coef.reshape((n_outputs, -1), order="F")``), so
      L-BFGS walks the same path on the same problem. ``n_outputs`` is 1 for
      a binary problem, ``n_classes`` for softmax, ``n_labels`` for
      multi-label.
    * ``sample_weight`` is the full per-sample weight ``s_i`` (sample weight
      times class weight), shape ``(n_samples,)``, or ``(n_samples,
      n_labels)`` for multi-label (a weight per element). ``None`` means 1.
    * ``S`` is the sum of the weights, divided by ``n_labels`` when they are
      given per element, so the loss term is a weighted mean and gradients
      stay O(1). The intercepts are not penalised. Callers pass
      ``l2_reg_strength = 1 / (C S)`` to minimise ``C Σ s_i ℓ_i + ½‖W‖²``.
    * Computation happens in the dtype of ``X`` (the sums over blocks of
      rows accumulate in float64); ``X`` is never copied. A dense ``X`` is
      evaluated in blocks of rows (``_block_rows``), each read from memory
      once, so temporaries are block-sized. So is a CSR ``X``
      (``_sparse_block_rows``: blocks of at least a few non-zeros per
      column); a CSC ``X`` costs one ``(n_samples, n_outputs)`` array (raw
      prediction, then its gradient).

    Parameters
    ----------
    loss : BinaryFocalLoss or MultinomialFocalLoss
        The pointwise loss.
    fit_intercept : bool
        Whether the last row of ``coef`` holds intercepts.
    n_outputs : int
        Number of columns of the raw prediction.
    """

    def __init__(self, loss, fit_intercept, n_outputs):
        self.loss = loss
        self.fit_intercept = fit_intercept
        self.n_outputs = n_outputs

    def init_zero_coef(self, n_features):
        """Zero coefficients, as a flat float64 vector."""
        n_dof = n_features + int(self.fit_intercept)
        return np.zeros(n_dof * self.n_outputs)

    def weight_intercept(self, coef, n_features):
        """Split ``coef`` into ``W`` of shape (n_features, n_outputs) and ``b``.

        Both are views of ``coef``; ``b`` has shape ``(n_outputs,)`` (a new
        array of zeros without intercept).
        """
        matrix = coef.reshape(-1, self.n_outputs)
        if self.fit_intercept:
            return matrix[:n_features], matrix[n_features]
        return matrix, np.zeros(self.n_outputs, dtype=coef.dtype)

    def pack(self, coef_, intercept_):
        """The flat float64 ``coef`` of an estimator's ``coef_`` and ``intercept_``.

        ``coef_`` has shape (n_outputs, n_features), as scikit-learn stores
        it; ``intercept_`` is left out without ``fit_intercept``.
        """
        rows = [np.asarray(coef_).T, np.asarray(intercept_)[None, :]]
        matrix = np.vstack(rows if self.fit_intercept else rows[:1])
        return matrix.astype(np.float64).ravel()

    def unpack(self, coef, n_features, dtype):
        """An estimator's ``coef_`` (n_outputs, n_features) and ``intercept_``
        (n_outputs,) from the flat ``coef``, as new arrays of ``dtype``."""
        weights, intercept = self.weight_intercept(coef, n_features)
        return (
            np.ascontiguousarray(weights.T, dtype=dtype),
            np.array(intercept, dtype=dtype),
        )

    def penalty(self, coef, n_features):
        """``‖W‖²_F`` of the float64 coefficients (the intercepts excluded)."""
        weights = coef.reshape(-1, self.n_outputs)[:n_features]
        return float(np.vdot(weights, weights))

    def raw_prediction(self, coef, X):
        """``X @ W + b`` of shape (n_samples, n_outputs), in the dtype of X."""
        weights, intercept = self.weight_intercept(
            coef.astype(X.dtype, copy=False), X.shape[1]
        )
        return X @ weights + intercept

    def loss_gradient(
        self, coef, X, y, sample_weight=None, l2_reg_strength=0.0, weight_sum=None
    ):
        """Objective value and its gradient with respect to ``coef``.

        Parameters
        ----------
        coef : ndarray of shape (n_dof * n_outputs,)
            Flat coefficients (see Conventions).
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            Training data, float32 or float64, dense, CSR or CSC.
        y : ndarray
            Targets in the form the loss expects.
        sample_weight : None or ndarray, default=None
            Full per-sample (or per-element) weights.
        l2_reg_strength : float, default=0.0
            Strength of the L2 penalty on ``W``.
        weight_sum : float, default=None
            The normaliser ``S`` of the loss term; ``None`` computes it from
            ``sample_weight``. A stochastic solver passes ``len(batch)`` times
            the mean weight of the whole data, which makes the batch gradient
            an unbiased estimate of the full one.

        Returns
        -------
        value : float
        gradient : ndarray of the shape and dtype of ``coef``
        """
        n_samples, n_features = X.shape
        if weight_sum is None:
            weight_sum = self.weight_sum(sample_weight, n_samples)
        weights, intercept = self.weight_intercept(
            coef.astype(X.dtype, copy=False), n_features
        )
        if sp.issparse(X):
            loss_sum, grad_weights, grad_intercept = self._sparse_sums(
                weights, intercept, X, y, sample_weight
            )
        else:
            loss_sum, grad_weights, grad_intercept = self._dense_sums(
                weights, intercept, X, y, sample_weight
            )
        return self._value_gradient(
            coef,
            n_features,
            (loss_sum, grad_weights, grad_intercept),
            weight_sum,
            l2_reg_strength,
        )

    def _value_gradient(self, coef, n_features, sums, weight_sum, l2_reg_strength):
        """The objective and its flat gradient from the loss sums.

        ``grad_weights`` of ``sums`` is an accumulator of the caller's; it is
        overwritten. The penalty is on the float64 coefficients themselves
        (the weights of the products may be their float32 rounding): exact,
        and no copy.
        """
        loss_sum, grad_weights, grad_intercept = sums
        value = loss_sum / weight_sum
        value += 0.5 * l2_reg_strength * self.penalty(coef, n_features)
        weights64 = coef.reshape(-1, self.n_outputs)[:n_features]
        gradient = np.empty_like(coef).reshape(-1, self.n_outputs)
        # The penalty first, then the data term added in place: no temporary
        # of the size of W.
        np.multiply(weights64, l2_reg_strength, out=gradient[:n_features])
        gradient[:n_features] += np.divide(grad_weights, weight_sum, out=grad_weights)
        if self.fit_intercept:
            np.divide(grad_intercept, weight_sum, out=gradient[n_features])
        return value, gradient.ravel()

    def _pointwise(self, raw, y, sample_weight):
        """Loss sum and raw gradient on a block of raw predictions.

        ``raw`` is 1-D when ``n_outputs == 1`` and the gradient has its shape.
        """
        loss, raw_gradient = self.loss.loss_gradient(y, raw, sample_weight)
        return float(loss.sum(dtype=np.float64)), raw_gradient

    def _dense_sums(self, weights, intercept, X, y, sample_weight):
        """Σ s_i ℓ_i, X.T @ G and Σ G, fused over blocks of rows.

        Each block of rows of ``X`` (see ``_block_rows``) is read from
        memory once: ``X_block @ W``, the loss, and ``X_block.T @ G`` while
        the block is still in cache. The loss's temporaries are then
        block-sized, not ``n_samples``-sized.
        """
        n_samples, n_features = X.shape
        weights, intercept = self._product_form(weights, intercept)
        grad_weights = np.zeros(weights.shape)
        grad_intercept = np.zeros(self.n_outputs)
        loss_sum = 0.0
        block = _block_rows(X, self.n_outputs)
        # Reading a block from memory, BLAS's matrix-vector product (on this
        # kind of machine) streams at half the bandwidth that NumPy's einsum
        # reaches once rows are long; the second product reads the block
        # from cache, where BLAS is fastest. einsum's set-up costs more than
        # BLAS's, so an X of one block (an SGD batch) stays with BLAS.
        row_bytes = X.shape[1] * X.itemsize
        einsum = (
            self.n_outputs == 1 and row_bytes >= _EINSUM_ROW_BYTES and n_samples > block
        )
        for start in range(0, n_samples, block):
            rows = slice(start, start + block)
            block_loss, block_grad, block_intercept = self._block_sums(
                weights,
                intercept,
                X[rows],
                y[rows],
                None if sample_weight is None else sample_weight[rows],
                einsum=einsum,
            )
            loss_sum += block_loss
            grad_weights += block_grad
            grad_intercept += block_intercept
        return loss_sum, grad_weights.reshape(n_features, -1), grad_intercept

    def _product_form(self, weights, intercept):
        """1-D weights and a scalar intercept for a single output, so that
        products are matrix-vector and the raw prediction is 1-D."""
        if self.n_outputs == 1:
            return weights[:, 0], intercept[0]
        return weights, intercept

    def _block_sums(self, weights, intercept, X_block, y, sample_weight, einsum=False):
        """Σ s_i ℓ_i, X.T @ G and Σ G over one block of rows read once.

        ``weights`` and ``intercept`` are 1-D and a scalar when
        ``n_outputs == 1`` (matrix-vector products, 1-D raw prediction).
        """
        if einsum:
            raw = np.einsum("ij,j->i", X_block, weights)
        else:
            raw = X_block @ weights
        raw += intercept
        loss_sum, raw_gradient = self._pointwise(raw, y, sample_weight)
        grad_intercept = raw_gradient.sum(axis=0, dtype=np.float64)
        return loss_sum, X_block.T @ raw_gradient, grad_intercept

    def _sparse_sums(self, weights, intercept, X, y, sample_weight):
        """Σ s_i ℓ_i, X.T @ G and Σ G for a sparse ``X``, over blocks of rows.

        A block of rows of a CSR ``X`` (see ``_sparse_block_rows``) is a
        :class:`CSRRows` on ``X``'s own arrays, as SciPy's row slicing would
        copy them: ``X_block @ W``, the loss, then ``X_block.T @ G`` soon
        after, mostly from cache. The raw prediction and its gradient are
        block-sized. A CSC ``X`` is one block, read whole by each product.
        """
        weights, intercept = self._product_form(weights, intercept)
        n_samples = X.shape[0]
        block = _sparse_block_rows(X, self.n_outputs)
        csr_rows = CSRRows.of(X) if X.format == "csr" else None
        grad_weights = np.zeros(weights.shape)
        grad_intercept = np.zeros(self.n_outputs)
        loss_sum = 0.0
        for start in range(0, n_samples, block):
            stop = min(start + block, n_samples)
            X_block = X if csr_rows is None else csr_rows.rows(start, stop)
            raw = X_block @ weights
            raw += intercept
            loss_sum += self._pointwise_in_place(
                raw,
                y[start:stop],
                None if sample_weight is None else sample_weight[start:stop],
            )
            grad_weights += X_block.T @ raw
            grad_intercept += raw.sum(axis=0, dtype=np.float64)
        return loss_sum, grad_weights.reshape(X.shape[1], -1), grad_intercept

    def _pointwise_in_place(self, raw, y, sample_weight):
        """Loss sum on a block of raw predictions, overwritten by its gradient.

        The loss runs on a block of rows at a time (``_loss_block_rows``),
        so that its temporaries stay small whatever the size of ``raw``.
        Each gradient takes the place of the raw predictions the loss has
        done with: no second array of the size of ``raw``.
        """
        loss_sum = 0.0
        block = _loss_block_rows(self.n_outputs)
        for start in range(0, raw.shape[0], block):
            rows = slice(start, start + block)
            block_loss, raw[rows] = self._pointwise(
                raw[rows],
                y[rows],
                None if sample_weight is None else sample_weight[rows],
            )
            loss_sum += block_loss
        return loss_sum

    def batch_sums(self, coef, X, y, sample_weight=None):
        """Loss sum and gradient sums of one batch, read as a single block.

        For a stochastic solver: no blocking, no normalisation, no penalty.

        Parameters
        ----------
        coef : ndarray of shape (n_dof * n_outputs,)
            Flat float64 coefficients.
        X : {ndarray, CSRRows} of shape (n_rows, n_features)
            The batch.
        y, sample_weight : ndarray
            Its targets and full weights (``sample_weight`` may be None).

        Returns
        -------
        loss_sum : float
            ``Σ s_i ℓ_i``.
        grad_weights : ndarray of shape (n_features, n_outputs)
            ``X.T @ G``, in the dtype of ``X``.
        grad_intercept : ndarray of shape (n_outputs,)
            ``Σ_i G_i``, float64.
        """
        n_features = X.shape[1]
        weights, intercept = self.weight_intercept(
            coef.astype(X.dtype, copy=False), n_features
        )
        loss_sum, grad_weights, grad_intercept = self._block_sums(
            *self._product_form(weights, intercept), X, y, sample_weight
        )
        return loss_sum, grad_weights.reshape(n_features, -1), grad_intercept

    def loss_value(self, coef, X, y, sample_weight=None):
        """The loss term ``1/S Σ_i s_i ℓ_i`` alone: no penalty, no gradient.

        Parameters
        ----------
        coef : ndarray of shape (n_dof * n_outputs,)
            Flat coefficients.
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            Data, e.g. a validation set.
        y, sample_weight : ndarray
            Its targets and full weights (``sample_weight`` may be None).

        Returns
        -------
        value : float
        """
        n_samples = X.shape[0]
        block = _loss_block_rows(self.n_outputs)
        loss_sum = 0.0
        for start in range(0, n_samples, block):
            rows = slice(start, start + block)
            raw = self.raw_prediction(coef, X[rows])
            if self.n_outputs == 1:
                raw = raw[:, 0]
            loss_sum += float(
                self.loss.loss(
                    y[rows], raw, None if sample_weight is None else sample_weight[rows]
                ).sum(dtype=np.float64)
            )
        return loss_sum / self.weight_sum(sample_weight, n_samples)

    def weight_sum(self, sample_weight, n_samples):
        """The normaliser ``S`` of the loss term (see Conventions)."""
        if sample_weight is None:
            return float(n_samples)
        sample_weight = np.asarray(sample_weight)
        per_element = sample_weight.ndim == 2
        total = float(sample_weight.sum(dtype=np.float64))
        return total / sample_weight.shape[1] if per_element else total
