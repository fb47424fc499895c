"""Figures of ``imbweight compare``: precision-recall curves and reliability diagrams.

Both are drawn from the out-of-fold probabilities of a
:class:`~imbweight._compare.Comparison`, for the best-ranked strategies and
the plain logistic regression baseline. Figures are built with
:class:`matplotlib.figure.Figure` and written by the Agg canvas, never
through :mod:`matplotlib.pyplot`: no window, no global state, any thread.
"""

import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.metrics import average_precision_score, precision_recall_curve

__all__ = [
    "check_matplotlib",
    "pr_curves_figure",
    "reliability_figure",
    "save_png",
]

# How many strategies a figure shows, best first (plus the baseline).
N_SHOWN = 5
BASELINE = "logreg"
_LEGEND_TITLE = "strategy, by mean fold PR-AUC"


def check_matplotlib():
    """Import matplotlib's Agg canvas; ``ImportError`` with advice if absent.

    Returns
    -------
    canvas : type
        :class:`matplotlib.backends.backend_agg.FigureCanvasAgg`.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
    except ImportError:
        raise ImportError(
            "the plots of imbweight compare need matplotlib: pip install "
            "'imbweight[cli]' (or pass --no-plots)"
        ) from None
    return FigureCanvasAgg


def _figure(height=5.0):
    canvas = check_matplotlib()
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.5, height), layout="constrained")
    canvas(figure)
    return figure


def save_png(figure, path):
    """Write ``figure`` to ``path`` as a PNG file (whatever its suffix).

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        A figure of this module.
    path : str or Path
        The file to write.
    """
    figure.savefig(path, dpi=110, format="png")


def _shown(comparison):
    """The strategies to draw: the best few, and the baseline."""
    shown = list(comparison.strategies[:N_SHOWN])
    names = [strategy.name for strategy in shown]
    if BASELINE not in names:
        shown += [s for s in comparison.strategies if s.name == BASELINE]
    return shown


def _style(index, name):
    return {
        "color": f"C{index}",
        "linestyle": "--" if name == BASELINE else "-",
        "linewidth": 2.0 if index == 0 else 1.3,
    }


def _macro_pr_curve(y, proba, classes, recall_grid):
    """Mean over classes of the one-vs-rest interpolated precision at ``recall_grid``.

    The interpolated precision at recall ``r`` is the best precision reached
    at a recall of at least ``r``.
    """
    curves = []
    for k, label in enumerate(classes):
        precision, recall, _ = precision_recall_curve(y == label, proba[:, k])
        # Drop the (recall 0, precision 1) end point; recall now decreases
        # from 1, so the best precision at recall >= recall[i] is a running
        # maximum from the start.
        precision, recall = precision[:-1], recall[:-1]
        envelope = np.maximum.accumulate(precision)
        last = recall.size - 1 - np.searchsorted(recall[::-1], recall_grid)
        curves.append(envelope[last])
    return np.mean(curves, axis=0)


def pr_curves_figure(comparison):
    """The out-of-fold precision-recall curves of the best strategies.

    Binary: the curve of the minority class, with its prevalence as the
    no-skill line. Multiclass: the macro average over classes of the
    one-vs-rest curves (interpolated precision).

    Parameters
    ----------
    comparison : Comparison
        What :func:`~imbweight._compare.compare` returned.

    Returns
    -------
    figure : matplotlib.figure.Figure
        One axes, with a legend.
    """
    figure = _figure()
    ax = figure.add_subplot()
    y, classes, minority = comparison.dataset.y, comparison.classes, comparison.minority
    recall_grid = np.linspace(0.0, 1.0, 201)
    for index, strategy in enumerate(_shown(comparison)):
        proba = comparison.proba[strategy.name]
        if comparison.binary:
            column = int(np.flatnonzero(classes == minority)[0])
            precision, recall, _ = precision_recall_curve(
                y == minority, proba[:, column]
            )
            ap = average_precision_score(y == minority, proba[:, column])
            ax.step(
                recall,
                precision,
                where="post",
                label=f"{strategy.name} (pooled AP {ap:.3f})",
                **_style(index, strategy.name),
            )
        else:
            one_hot = y[:, np.newaxis] == classes[np.newaxis, :]
            ap = average_precision_score(one_hot, proba, average="macro")
            ax.plot(
                recall_grid,
                _macro_pr_curve(y, proba, classes, recall_grid),
                label=f"{strategy.name} (pooled macro AP {ap:.3f})",
                **_style(index, strategy.name),
            )
    if comparison.binary:
        prevalence = float(np.mean(y == minority))
        ax.axhline(
            prevalence,
            color="grey",
            linestyle=":",
            label=f"no skill (prevalence {prevalence:.3f})",
        )
        ax.set_xlabel(f"Recall of class {minority.item()!r}")
        ax.set_ylabel(f"Precision of class {minority.item()!r}")
        subject = f"minority class {minority.item()!r}"
    else:
        ax.set_xlabel("Recall (each class against the rest)")
        ax.set_ylabel("Interpolated precision, mean over classes")
        subject = "macro average over classes"
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(0.0, 1.02)
    ax.grid(alpha=0.3)
    ax.set_title(
        f"{comparison.dataset.name}: precision-recall, {subject}\n"
        f"pooled out-of-fold predictions, {comparison.n_splits}-fold stratified CV",
        fontsize=10,
    )
    ax.legend(loc="upper right", fontsize=8, title=_LEGEND_TITLE, title_fontsize=8)
    return figure


def reliability_figure(comparison, n_bins=10):
    """The reliability diagram of the best strategies.

    Binary: observed frequency of the minority class against its mean
    predicted probability. Multiclass: the top-label diagram, accuracy
    against confidence (the largest predicted probability). Each point is a
    bin holding a tenth of the predictions (quantile bins, so that no point
    rests on a handful of samples); below, a histogram of the predicted
    probabilities.

    Parameters
    ----------
    comparison : Comparison
        What :func:`~imbweight._compare.compare` returned.
    n_bins : int, default=10
        Bins of the diagram, of equal counts; the histogram has as many of
        equal width.

    Returns
    -------
    figure : matplotlib.figure.Figure
        The diagram above (with a legend), the histogram below.
    """
    figure = _figure(height=6.5)
    ax, counts_ax = figure.subplots(
        2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    y, classes, minority = comparison.dataset.y, comparison.classes, comparison.minority
    bins = np.linspace(0.0, 1.0, n_bins + 1)
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfectly calibrated")
    for index, strategy in enumerate(_shown(comparison)):
        proba = comparison.proba[strategy.name]
        if comparison.binary:
            column = int(np.flatnonzero(classes == minority)[0])
            outcome, predicted = y == minority, proba[:, column]
        else:
            outcome = classes[np.argmax(proba, axis=1)] == y
            predicted = np.max(proba, axis=1)
        observed, mean_predicted = calibration_curve(
            outcome, predicted, n_bins=n_bins, strategy="quantile"
        )
        style = _style(index, strategy.name)
        ax.plot(
            mean_predicted,
            observed,
            marker="o",
            markersize=3,
            label=strategy.name,
            **style,
        )
        counts_ax.hist(
            predicted,
            bins=bins,
            histtype="step",
            color=style["color"],
            linestyle=style["linestyle"],
        )
    if comparison.binary:
        ax.set_ylabel(f"Observed frequency of class {minority.item()!r}")
        counts_ax.set_xlabel(f"Predicted probability of class {minority.item()!r}")
        subject = f"minority class {minority.item()!r}"
    else:
        ax.set_ylabel("Accuracy of the most probable class")
        counts_ax.set_xlabel("Confidence: the largest predicted probability")
        subject = "top label"
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8, title=_LEGEND_TITLE, title_fontsize=8)
    ax.set_title(
        f"{comparison.dataset.name}: reliability diagram, {subject}\n"
        f"pooled out-of-fold predictions, {comparison.n_splits}-fold stratified CV",
        fontsize=10,
    )
    counts_ax.set_yscale("log")
    counts_ax.set_ylabel("Predictions\n(count)")
    counts_ax.grid(alpha=0.3)
    return figure
