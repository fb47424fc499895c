"""The weighted focal objective and its evaluation metrics, engine-neutral.

Conventions
-----------
A booster hands an objective its labels (the class codes ``0 .. K-1`` as
floats), its raw scores and, when the training set has them, one weight per
row. :class:`FocalObjective` returns the gradient and the Hessian (diagonal)
of

    Σ_i w_i c_{y_i} α_{y_i} ℓ_γ(y_i, z_i)

with respect to the raw scores ``z``: ``w`` the row weights the booster
holds, ``c`` optional class weights, ``α`` the focal α, ``ℓ_γ`` the sigmoid
(two classes, ``z`` of shape ``(n,)``) or softmax (``K > 2`` classes,
``(n, K)``) focal loss of :mod:`imbweight.losses`. Neither LightGBM (since
4.0) nor XGBoost multiplies a custom objective's output by the weights: the
objective does.

**Init score.** The raw scores ``z`` include the constant the training
starts from. A booster given it per row (LightGBM's ``init_score``,
XGBoost's ``base_margin``) hands scores that include it; otherwise the
objective and the metric add it themselves (``init_score``), which spares
the booster one copy or more of the init score per row.

**Curvature floor.** For ``γ > 0`` the focal loss is not convex: its exact
second derivative is negative for badly classified rows (``p_t < 0.058`` at
``γ = 2``). A leaf's Newton step ``-Σg / Σh`` then points uphill, or is
unbounded, once such rows dominate the leaf (LightGBM stops splitting it).
The objective keeps the exact second derivative where it is at least
``CURVATURE_FLOOR`` (1) times the curvature the loss would have if its
modulating factor ``(1 - p_t)^γ`` were a constant weight,
``α_t w p_t (1 - p_t)^(γ+1)``, and takes that curvature elsewhere (see
:func:`imbweight.losses.focal_margin_gradient_hessian`). On well classified
rows the exact curvature is larger (by ``(γ + 1)²`` as ``p_t → 1``), so the
floor only changes badly classified rows (``p_t < 0.085`` at ``γ = 2``,
which holds the non-convex region); there a leaf takes the Newton step of
the weighted log-loss with the modulating factor as a fixed weight, the
step the engines take for their own log-loss. At ``γ = 0`` the floor is the
exact curvature, so the objective is exactly the weighted log-loss. A
smaller fraction keeps more of the exact curvature but lets one round move
a leaf that many times further: on a group of rows starting at ``p_t = 0.05``
(the focal optimum of the whole data lies there), one round at learning rate
0.1 sent its raw score from -3 to +23 with 0.1 and to +190 with 0.01, and
left it there, where 1 converged to the group's optimum, 0.7 (LightGBM's own
binary objective jumped to +93).

**Softmax Hessian scale.** Boosters fit one tree per class with the
diagonal of the softmax Hessian, treating the ``K`` scores as free although
they are redundant (adding a constant to all changes nothing). Each engine
compensates with a constant factor on the diagonal of its built-in
objective: LightGBM ``K / (K - 1)`` (Friedman's multiclass GBDT), XGBoost
``2``. ``hessian_scale`` applies the engine's factor to the focal diagonal
for every ``γ``: it stems from the softmax parametrisation, not from the
per-class loss, and keeping it makes the model continuous in ``γ``, with
``γ = 0`` reproducing the engine's built-in multiclass objective.
"""

from concurrent.futures import ThreadPoolExecutor
from numbers import Integral

import numpy as np
from scipy.special import softmax
from sklearn.metrics import average_precision_score

from imbweight._fit_problem import resolve_alpha
from imbweight._targets import target_kind_of_classes
from imbweight.losses import WORKSPACE_ARRAYS, BinaryFocalLoss, MultinomialFocalLoss

__all__ = [
    "CURVATURE_FLOOR",
    "METRICS",
    "DatasetObjective",
    "FocalMetric",
    "FocalObjective",
    "MetricCallable",
    "SklearnObjective",
    "class_weight_table",
    "make_objective",
]

#: ``ε`` of the curvature floor: the exact curvature is used where it is at
#: least this fraction of the curvature with the modulating factor held
#: constant (see the module docstring for why 1).
CURVATURE_FLOOR = 1.0

#: Rows per block of the objective: its temporaries stay in cache and a few
#: MiB in size, whatever the number of rows.
BLOCK_ROWS = 1 << 15

#: Metric name to whether a larger value is better.
METRICS = {"focal_loss": False, "average_precision": True}


def class_weight_table(class_weight, n_classes):
    """Class weights as an array indexed by class code, or None.

    Parameters
    ----------
    class_weight : None, dict or array-like of shape (n_classes,)
        A dict maps class codes ``0 .. n_classes - 1`` to weights (codes it
        omits weigh 1).
    n_classes : int
        Number of classes.

    Returns
    -------
    table : None or ndarray of shape (n_classes,)

    Raises
    ------
    ValueError
        If a key is not a class code, the length is wrong, or a weight is
        negative or not finite.
    """
    if class_weight is None:
        return None
    if isinstance(class_weight, dict):
        unknown = [
            code
            for code in class_weight
            if not isinstance(code, Integral) or not 0 <= code < n_classes
        ]
        if unknown:
            raise ValueError(
                f"class_weight keys must be class codes 0 .. {n_classes - 1}; "
                f"got {unknown}."
            )
        class_weight = [class_weight.get(code, 1.0) for code in range(n_classes)]
    table = np.asarray(class_weight, dtype=np.float64)
    if table.shape != (n_classes,):
        raise ValueError(
            f"class_weight must have one weight per class, shape ({n_classes},); "
            f"got shape {table.shape}."
        )
    if not np.all(np.isfinite(table) & (table >= 0)):
        raise ValueError(
            f"class_weight must be finite and non-negative; got {table.tolist()}."
        )
    return table


def _checked_init_score(init_score, n_classes):
    """``init_score`` as a float64 scalar (two classes) or ``(n_classes,)``."""
    if init_score is None:
        return None
    init_score = np.asarray(init_score, dtype=np.float64)
    expected = () if n_classes == 2 else (n_classes,)
    if init_score.shape != expected or not np.all(np.isfinite(init_score)):
        raise ValueError(
            f"init_score of {n_classes} classes must be finite, of shape "
            f"{expected}; got {init_score.tolist()!r}."
        )
    return init_score


class _WeightedFocalLoss:
    """What the objective and the metric share: the loss and the weights."""

    def __init__(self, gamma, alpha, class_weight, n_classes, init_score=None):
        if not (isinstance(n_classes, Integral) and n_classes >= 2):
            raise ValueError(f"n_classes must be an integer >= 2; got {n_classes!r}.")
        if not 0 <= gamma < np.inf:
            raise ValueError(f"gamma must be a finite number >= 0; got {gamma!r}.")
        self.gamma = float(gamma)
        self.n_classes = int(n_classes)
        self.alpha = resolve_alpha(
            alpha, target_kind_of_classes(n_classes), np.arange(n_classes)
        )
        self.class_weight = class_weight_table(class_weight, n_classes)
        loss = BinaryFocalLoss if n_classes == 2 else MultinomialFocalLoss
        self.loss = loss(gamma=self.gamma, alpha=self.alpha)
        self.init_score = _checked_init_score(init_score, self.n_classes)

    def row_weights(self, labels, weight):
        """Row weight times class weight, or None when both are absent."""
        if weight is not None and np.size(weight) == 0:
            weight = None  # XGBoost's "no weights"
        if self.class_weight is not None:
            per_row = self.class_weight[self._codes(labels)]
            return per_row if weight is None else per_row * weight
        return None if weight is None else np.asarray(weight, dtype=np.float64)

    def _check_labels(self, labels):
        """Raise unless ``labels`` (an array) are within the class codes.

        The engines do not check a custom objective's labels, and the
        losses would read -1 as the last class or 2 as a sign of 3.
        """
        if labels.size and not (
            0 <= np.min(labels) and np.max(labels) <= self.n_classes - 1
        ):
            raise ValueError(
                f"The labels must be class codes 0 .. {self.n_classes - 1}; got "
                f"values from {np.min(labels)} to {np.max(labels)}. Encode the "
                f"classes first (e.g. with sklearn.preprocessing.LabelEncoder)."
            )

    def _codes(self, labels):
        """Class codes as small integers (the labels come as floats)."""
        return np.asarray(labels).astype(np.uint8 if self.n_classes < 256 else np.intp)

    def _codes_raw(self, labels, raw):
        """Class codes, and the scores (with the init score) as float64."""
        labels = np.asarray(labels)
        self._check_labels(labels)
        raw = self._raw(raw, labels.shape[0])
        if self.init_score is not None:
            raw = raw + self.init_score
        return self._codes(labels), raw

    def _raw(self, raw, n_samples, dtype=np.float64):
        """The raw scores, in ``dtype`` (None keeps theirs), of the expected shape."""
        raw = np.asarray(raw, dtype=dtype)
        expected = (n_samples,) if self.n_classes == 2 else (n_samples, self.n_classes)
        if self.n_classes > 2 and raw.ndim == 1 and raw.size == np.prod(expected):
            # Boosters that hand a flat array order it class-major.
            raw = raw.reshape(expected, order="F")
        if raw.shape != expected:
            raise ValueError(
                f"The booster gave raw scores of shape {raw.shape}; a "
                f"{self.n_classes}-class objective expects {expected}."
            )
        return raw


class FocalObjective(_WeightedFocalLoss):
    """Gradient and Hessian of the weighted focal loss, for a booster.

    Parameters
    ----------
    gamma : float
        Focusing parameter, ``gamma >= 0``.
    alpha : None, float or array-like of shape (n_classes,), default=None
        Focal α: the weight of class 1 (negatives get ``1 - alpha``) for two
        classes, one weight per class code for more.
    class_weight : None, dict or array-like of shape (n_classes,), default=None
        Weight of each class code, multiplied into the row weights.
    n_classes : int, default=2
        Number of classes: 2 for a sigmoid, more for a softmax.
    hessian_scale : float, default=1.0
        Factor on the softmax Hessian diagonal (see the module docstring).
    curvature_floor : float, default=CURVATURE_FLOOR
        ``ε`` of the curvature floor (see the module docstring).
    n_threads : int, default=1
        Threads computing the row blocks of a softmax: the engine waits for
        the gradients while they are computed, so the objective may use the
        threads the engine trains with. The results do not depend on it. A
        sigmoid's blocks take one thread (see :meth:`gradient_hessian`).
    init_score : None, float or array-like of shape (n_classes,), default=None
        A constant the booster's raw scores leave out, added to them (see
        the module docstring); one per class for a softmax.

    Examples
    --------
    >>> import numpy as np
    >>> from imbweight.boosting._objective import FocalObjective
    >>> gradient, hessian = FocalObjective(gamma=0.0).gradient_hessian(
    ...     np.array([1.0, 0.0]), np.zeros(2))
    >>> gradient, hessian
    (array([-0.5,  0.5]), array([0.25, 0.25]))
    """

    def __init__(
        self,
        gamma,
        alpha=None,
        class_weight=None,
        n_classes=2,
        hessian_scale=1.0,
        curvature_floor=CURVATURE_FLOOR,
        n_threads=1,
        init_score=None,
    ):
        super().__init__(gamma, alpha, class_weight, n_classes, init_score)
        self.hessian_scale = float(hessian_scale)
        self.curvature_floor = float(curvature_floor)
        self.n_threads = int(n_threads)

    def gradient_hessian(self, labels, raw, weight=None, dtype=np.float64):
        """Gradient and Hessian (diagonal) with respect to the raw scores.

        Parameters
        ----------
        labels : array-like of shape (n_samples,)
            Class codes (integers, possibly as floats).
        raw : array-like of shape (n_samples,) or (n_samples, n_classes)
            Raw scores (without ``init_score``); a flat class-major array of
            ``n_samples * n_classes`` scores is accepted for a softmax.
        weight : None or array-like of shape (n_samples,), default=None
            Row weights; an empty array means none.
        dtype : dtype, default=float64
            Of the results: boosters keep float32 gradients, so producing
            them saves the engines a converted copy.

        Returns
        -------
        gradient, hessian : ndarray of the shape of ``raw``
            Fortran-ordered for a softmax (the class-major order boosters
            use).

        Raises
        ------
        ValueError
            If a label is not within ``0 .. n_classes - 1`` or the scores
            are not of the expected shape.
        """
        labels = np.asarray(labels)
        self._check_labels(labels)
        if weight is not None and np.size(weight) == 0:
            weight = None  # XGBoost's "no weights"
        n_samples = labels.shape[0]
        # Whatever is derived per row (codes, weights, scores with the init
        # score) is derived block by block: besides its results the
        # objective holds no array of the training set's length, and
        # XGBoost's float32 scores are not copied whole.
        raw = self._raw(raw, n_samples, dtype=None)
        gradient = np.empty(raw.shape, dtype=dtype, order="F")
        hessian = np.empty(raw.shape, dtype=dtype, order="F")
        floor = self.curvature_floor if self.gamma > 0 else None
        starts = range(0, n_samples, BLOCK_ROWS)
        # Sigmoid blocks are worked in one workspace, reused block after
        # block (see imbweight.losses.focal_margin_gradient_hessian), on one
        # thread: their ~20 short NumPy calls per block gain less from a
        # second thread than the two lose handing the GIL to each other. For
        # float32 results they are worked in float32, twice as fast, and a
        # few float32 ulps from the rounded float64 values; except at γ = 0
        # from float64 scores, where the rounded float64 values are
        # LightGBM's own log-loss gradients of the same scores.
        sigmoid = self.n_classes == 2
        exact_builtin = self.gamma == 0 and raw.dtype == np.float64
        if np.dtype(dtype) == np.float32 and not exact_builtin:
            precision = np.float32
        else:
            precision = np.float64
        n_threads = 1 if sigmoid else max(1, min(self.n_threads, len(starts)))

        def fill(first_block):
            # Each thread takes every n_threads-th block and writes only its
            # rows: the results do not depend on the threads.
            if sigmoid:
                # The loss's arrays, then the block's scores.
                workspace = np.empty(
                    (WORKSPACE_ARRAYS + 3, min(BLOCK_ROWS, n_samples)),
                    dtype=precision,
                )
            for start in starts[first_block::n_threads]:
                rows = slice(start, start + BLOCK_ROWS)
                # The losses read class codes given as floats: converting
                # them to integers would cost a fifth of a sigmoid's time.
                block_labels = labels[rows]
                extra = {}
                if sigmoid:
                    block = workspace[:, : block_labels.shape[0]]
                    extra["workspace"] = block[:-1]
                    block_raw = self._sigmoid_scores(raw[rows], block[-1])
                else:
                    block_raw = self._softmax_scores(raw[rows])
                block_weight = None if weight is None else weight[rows]
                gradient[rows], block_hessian = self.loss.gradient_hessian(
                    block_labels,
                    block_raw,
                    self.row_weights(block_labels, block_weight),
                    curvature_floor=floor,
                    **extra,
                )
                # Scaled before the rounding to ``dtype``, as the engines
                # scale their own.
                if self.hessian_scale != 1.0:
                    block_hessian *= self.hessian_scale
                hessian[rows] = block_hessian

        if n_threads > 1:
            # NumPy's ufuncs release the GIL on a block's arrays.
            with ThreadPoolExecutor(n_threads) as pool:
                list(pool.map(fill, range(n_threads)))
        else:
            fill(0)
        return gradient, hessian

    def _sigmoid_scores(self, block_raw, out):
        """A block's scores with the init score, written into ``out``."""
        if self.init_score is None:
            return block_raw
        return np.add(block_raw, self.init_score, out=out)

    def _softmax_scores(self, block_raw):
        """A block's scores with the init score, in float64."""
        if self.init_score is None:
            return np.asarray(block_raw, dtype=np.float64)
        return np.add(block_raw, self.init_score, dtype=np.float64)


class FocalMetric(_WeightedFocalLoss):
    """An evaluation metric of a booster's raw scores, on probabilities.

    ``"focal_loss"`` is the weighted focal loss of the objective, divided
    by the total row × class weight (lower is better). ``"average_precision"``
    is the area under the precision-recall curve of class 1 (two classes) or
    the macro average over classes of the one-vs-rest ones, with the row
    weights only (higher is better); it depends only on how the link
    (sigmoid, softmax) ranks the rows, so the raw scores of two classes are
    ranked as they are.

    Parameters
    ----------
    name : {"focal_loss", "average_precision"}
        The metric.
    gamma, alpha, class_weight, n_classes, init_score
        As :class:`FocalObjective`; only ``"focal_loss"`` uses ``gamma``,
        ``alpha`` and ``class_weight``.

    Examples
    --------
    >>> import numpy as np
    >>> from imbweight.boosting._objective import FocalMetric
    >>> metric = FocalMetric("average_precision", gamma=2.0)
    >>> metric.evaluate(np.array([0.0, 1.0, 1.0]), np.array([-1.0, 2.0, 0.5]))
    1.0
    """

    def __init__(
        self, name, gamma, alpha=None, class_weight=None, n_classes=2, init_score=None
    ):
        if not isinstance(name, str) or name not in METRICS:
            raise ValueError(
                f"eval_metric must be one of {sorted(METRICS)}; got {name!r}."
            )
        super().__init__(gamma, alpha, class_weight, n_classes, init_score)
        self.name = name
        self.higher_is_better = METRICS[name]

    def evaluate(self, labels, raw, weight=None):
        """The metric of raw scores (without ``init_score``).

        Parameters
        ----------
        labels : array-like of shape (n_samples,)
            Class codes.
        raw : array-like of shape (n_samples,) or (n_samples, n_classes)
            Raw scores (without ``init_score``).
        weight : None or array-like of shape (n_samples,), default=None
            Row weights; an empty array means none.

        Returns
        -------
        value : float
        """
        codes, raw = self._codes_raw(labels, raw)
        if self.name == "average_precision":
            weight = None if weight is None or np.size(weight) == 0 else weight
            if self.n_classes > 2:
                indicator = codes[:, None] == np.arange(self.n_classes)
                return float(
                    average_precision_score(
                        indicator, softmax(raw, axis=1), sample_weight=weight
                    )
                )
            return float(average_precision_score(codes, raw, sample_weight=weight))
        weight = self.row_weights(codes, weight)
        loss = self.loss.loss(codes, raw, weight)
        total = codes.shape[0] if weight is None else np.sum(weight)
        return float(np.sum(loss) / total)


class DatasetObjective:
    """``objective(preds, data)`` for ``lightgbm.train`` and ``xgboost.train``.

    Both engines hand the training set, whose ``get_label()`` and
    ``get_weight()`` give the class codes and the row weights.
    """

    def __init__(self, objective):
        self.objective = objective

    def __call__(self, preds, data):
        return self.objective.gradient_hessian(
            data.get_label(), preds, data.get_weight(), dtype=np.float32
        )


class SklearnObjective:
    """``objective(y_true, y_pred, sample_weight=None)`` for the wrappers.

    ``LGBMClassifier`` passes the weights as the third argument of a
    three-argument objective, ``XGBClassifier`` as the ``sample_weight``
    keyword; this signature takes both.
    """

    def __init__(self, objective):
        self.objective = objective

    def __call__(self, y_true, y_pred, sample_weight=None):
        return self.objective.gradient_hessian(
            y_true, y_pred, sample_weight, dtype=np.float32
        )


def make_objective(gamma, alpha, class_weight, n_classes, hessian_scale, sklearn):
    """A :class:`FocalObjective` in the calling convention asked for."""
    objective = FocalObjective(
        gamma, alpha, class_weight, n_classes, hessian_scale=hessian_scale
    )
    return (SklearnObjective if sklearn else DatasetObjective)(objective)


class MetricCallable:
    """A :class:`FocalMetric` in an engine's calling convention."""

    def __init__(self, metric):
        self.metric = metric
