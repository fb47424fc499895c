"""The penalised objective of a linear classifier, in coefficient space."""

import numpy as np
import scipy.sparse as sp

from imbweight._sparse_rows import CSRRows

BLOCK_BYTES = 2**21
"""Bytes of dense ``X`` per block of the fused evaluation, at most (but
``MIN_BLOCK_ROWS`` rows at least): the block's second read
(``X_block.T @ G``) comes from cache, not memory."""

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
    if they hold more than ``BLOCK_BYTES``."""
    by_bytes = BLOCK_BYTES // max(1, X.shape[1] * X.itemsize)
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

    The objective, for ``raw = X @ W + b`` (DESIGN §1), is::

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

        ``b`` has shape ``(n_outputs,)`` (zeros without intercept).
        """
        matrix = coef.reshape(-1, self.n_outputs)
        if self.fit_intercept:
            return matrix[:n_features], matrix[n_features]
        return matrix, np.zeros(self.n_outputs, dtype=coef.dtype)

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

    def _penalised_value(self, coef, n_features, loss_sum, weight_sum, l2_reg_strength):
        """The objective from the loss sum, and ``W`` as a view of ``coef``.

        The penalty is on the float64 coefficients themselves (the weights
        of the products may be their float32 rounding): exact, and no copy.
        """
        weights64 = coef.reshape(-1, self.n_outputs)[:n_features]
        value = loss_sum / weight_sum
        value += 0.5 * l2_reg_strength * float(np.vdot(weights64, weights64))
        return value, weights64

    def _value_gradient(self, coef, n_features, sums, weight_sum, l2_reg_strength):
        """The objective and its flat gradient from the loss sums.

        ``grad_weights`` of ``sums`` is an accumulator of the caller's; it is
        overwritten.
        """
        loss_sum, grad_weights, grad_intercept = sums
        value, weights64 = self._penalised_value(
            coef, n_features, loss_sum, weight_sum, l2_reg_strength
        )
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

    def sgd_step(
        self, coef, X, y, sample_weight, *, weight_sum, l2_reg_strength, step_size
    ):
        """One gradient step on a batch, in place; returns the batch objective.

        The step ``coef -= step_size * gradient`` with the gradient of
        :meth:`loss_gradient`, without its generality and set-up: the batch
        is one block, and the step on ``W`` is taken as the shrinkage
        ``W *= 1 - step_size · l2_reg_strength`` followed by the data step
        ``W -= step_size / weight_sum · X.T @ G``, so the penalty and data
        terms are never summed into a separate gradient.

        Parameters
        ----------
        coef : ndarray of shape (n_dof * n_outputs,)
            Flat float64 coefficients, updated in place.
        X : {ndarray, CSRRows} of shape (n_rows, n_features)
        y, sample_weight : ndarray
            The batch's targets and full weights (``sample_weight`` may be
            None).
        weight_sum, l2_reg_strength : float
            As in :meth:`loss_gradient`.
        step_size : float
            Learning rate.

        Returns
        -------
        value : float
            The objective on the batch before the step.
        """
        n_features = X.shape[1]
        weights, intercept = self.weight_intercept(
            coef.astype(X.dtype, copy=False), n_features
        )
        loss_sum, grad_weights, grad_intercept = self._block_sums(
            *self._product_form(weights, intercept), X, y, sample_weight
        )
        value, weights64 = self._penalised_value(
            coef, n_features, loss_sum, weight_sum, l2_reg_strength
        )
        data_step = step_size / weight_sum
        weights64 *= 1.0 - step_size * l2_reg_strength
        # The product's own array is scaled in place when it is float64.
        grad_weights = grad_weights.reshape(n_features, -1)
        in_place = grad_weights if grad_weights.dtype == np.float64 else None
        weights64 -= np.multiply(
            grad_weights, data_step, out=in_place, dtype=np.float64
        )
        if self.fit_intercept:
            coef.reshape(-1, self.n_outputs)[n_features] -= data_step * grad_intercept
        return value

    def weight_sum(self, sample_weight, n_samples):
        """The normaliser ``S`` of the loss term (see Conventions)."""
        if sample_weight is None:
            return float(n_samples)
        sample_weight = np.asarray(sample_weight)
        per_element = sample_weight.ndim == 2
        total = float(sample_weight.sum(dtype=np.float64))
        return total / sample_weight.shape[1] if per_element else total


# ------------------------------------------------------------ SGD batches
SGD_CHUNK_BYTES = 2**19
"""Bytes of dense rows (or CSR non-zeros) that a stochastic solver gathers
in one shuffled chunk, then walks batch by batch."""


def batch_rows(X_chunk, start, stop):
    """Rows ``start:stop`` of a chunk from :func:`gather_rows`, no copy."""
    if isinstance(X_chunk, CSRRows):
        return X_chunk.rows(start, stop)
    return X_chunk[start:stop]


def gather_rows(X, rows, out=None):
    """A chunk of rows of ``X`` for a stochastic solver.

    ``X`` is an ndarray or a :class:`CSRRows` (a CSR matrix, converted once
    per epoch). ``rows`` is a slice (rows as stored, not copied) or an index
    array (rows copied: a dense ``X`` into ``out`` when given).
    """
    if isinstance(X, CSRRows):
        if isinstance(rows, slice):
            return X.rows(*rows.indices(X.shape[0])[:2])
        return X.take(rows)
    if isinstance(rows, slice):
        return X[rows]
    # mode="clip" because the rows are valid: with the default "raise",
    # np.take gathers into a hidden buffer first and copies it into out.
    if out is None:
        return X.take(rows, axis=0, mode="clip")
    return np.take(X, rows, axis=0, out=out[: rows.size], mode="clip")


def sgd_chunk_rows(X, batch_size):
    """Rows per gathered chunk: about ``SGD_CHUNK_BYTES``, whole batches."""
    if sp.issparse(X):
        row_bytes = X.data.itemsize * max(1, X.nnz // max(1, X.shape[0]))
    else:
        row_bytes = X.itemsize * max(1, X.shape[1])
    n_batches = max(1, SGD_CHUNK_BYTES // (row_bytes * batch_size))
    return n_batches * batch_size
