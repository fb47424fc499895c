"""Dask integration: out-of-core training, class weights and block-wise predictions.

One module per job: :mod:`._stream` (training by ``partial_fit``),
:mod:`._boosting` (training boosters through the engines' own Dask
interfaces), :mod:`._counts` (class counts and weights), :mod:`._predict`
(block-wise predictions), and :mod:`._blocks` (cutting ``X``, ``y`` and
``sample_weight`` into aligned row blocks, which the others share).

An optional part of imbweight (``pip install "imbweight[dask]"``); no other
module of the package imports dask. It does four things with a dask array or
DataFrame too large for memory:

- :func:`stream_fit` trains an estimator that has ``partial_fit`` (above all
  :class:`~imbweight.WeightedSGDClassifier`) by streaming the row blocks
  through ``partial_fit``, for one or more epochs;
- :func:`fit_boosting` trains a :class:`~imbweight.FocalBoostingClassifier`
  through ``xgboost.dask`` or ``lightgbm.dask``, with the class weights and
  the init score of the whole data;
- :func:`compute_class_weight` computes any :class:`~imbweight.ClassWeights`
  strategy from the label counts of the whole ``y``, in one pass;
- :func:`predict`, :func:`predict_proba`, :func:`decision_function` and
  :func:`predict_posterior` apply a fitted estimator block by block and return
  dask arrays.

Conventions
-----------
A *row block* is one chunk of rows of a dask array with all its columns (a
dask array chunked along the columns is rechunked to a single column block,
which concatenates the column chunks of each row block and nothing more), or
one partition of a dask DataFrame (handed to the estimator as a pandas
DataFrame, so it records ``feature_names_in_``). ``y`` and ``sample_weight``
are cut along the row blocks of ``X``: dask arrays are rechunked to them when
both row chunkings are known, and otherwise paired block by block (they must
then have as many blocks as ``X``); in-memory arrays are sliced.

With a ``distributed.Client`` as the current scheduler the model goes to the
data: each ``partial_fit`` runs on the worker that holds its block, and only
the model (coefficients and a few attributes) travels between workers. At
most ``prefetch`` blocks are computed ahead of the block being fitted, so the
memory a training run needs is a few blocks, whatever the size of ``X``.
Without a client the blocks are computed by dask's local scheduler and
fitted in this process.
"""

try:
    import dask  # noqa: F401
except ImportError as error:  # pragma: no cover - exercised without the extra
    raise ImportError(
        'imbweight.dask needs dask; install it with pip install "imbweight[dask]".'
    ) from error

from imbweight.dask._boosting import fit_boosting
from imbweight.dask._counts import compute_class_weight
from imbweight.dask._predict import (
    decision_function,
    predict,
    predict_posterior,
    predict_proba,
)
from imbweight.dask._stream import stream_fit

__all__ = [
    "compute_class_weight",
    "decision_function",
    "fit_boosting",
    "predict",
    "predict_posterior",
    "predict_proba",
    "stream_fit",
]
