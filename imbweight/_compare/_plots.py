"""Figures of ``imbweight compare``: the decision, in three pictures.

- ``pr_curves.png``: precision-recall curves of the recommended strategy,
  the plain baseline and the best of each family;
- ``reliability.png``: reliability diagrams of the same strategies, their
  own ``predict_proba`` beside the recovered posteriors;
- ``scores.png``: every strategy's shortfall from the best on the ranked
  metric, with its error bar: those whose bar reaches 0 are tied.

The curves and diagrams are drawn from the out-of-fold predictions of the
first repetition of the cross-validation, pooled; every number they show is
the table's (a mean over held-out folds). Figures are built with
:class:`matplotlib.figure.Figure` and written by the Agg canvas, never
through :mod:`matplotlib.pyplot`: no window, no global state, any thread.
"""

import io

import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.metrics import precision_recall_curve

from imbweight._compare._recommend import paired_gap
from imbweight._compare._scores import METRICS

__all__ = [
    "FIGURES",
    "check_matplotlib",
    "png",
    "pr_curves_figure",
    "reliability_figure",
    "scores_figure",
    "shown",
]

BASELINE = "logreg"

FIGURES = {
    "pr_curves.png": (
        "Precision-recall curves of the recommended strategy, the plain baseline "
        "and the best of each family."
    ),
    "reliability.png": (
        "Reliability: the models' own predict_proba (left) against the recovered "
        "posteriors (right) that the table's probability columns use."
    ),
    "scores.png": (
        "Every strategy's shortfall from the best on the ranked metric, with one "
        "standard error of the paired fold-to-fold differences: a bar that reaches "
        "0 is a tie."
    ),
}
"""Each figure's file name and caption."""


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


def _figure(width=7.5, height=5.0):
    canvas = check_matplotlib()
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    canvas(figure)
    return figure


def png(comparison, name):
    """The figure ``name`` of :data:`FIGURES` as PNG bytes, drawn once per comparison.

    Parameters
    ----------
    comparison : Comparison
        What :func:`~imbweight._compare.compare` returned.
    name : str
        A key of :data:`FIGURES`.

    Returns
    -------
    data : bytes
    """
    if name not in comparison.figures:
        make = {
            "pr_curves.png": pr_curves_figure,
            "reliability.png": reliability_figure,
            "scores.png": scores_figure,
        }[name]
        buffer = io.BytesIO()
        make(comparison).savefig(buffer, dpi=110, format="png")
        comparison.figures[name] = buffer.getvalue()
    return comparison.figures[name]


def shown(comparison):
    """The strategies the figures show, each with its role.

    Returns
    -------
    shown : list of (Strategy, str)
        The recommended one, the best of each family, the best that
        reweighs or resamples (whose own probabilities the posteriors
        correct), the plain baseline (``logreg``), each once, in that order.
    """
    picked = {comparison.recommended.name: "recommended"}
    groups = [
        (f"best {family}", lambda s, family=family: s.family == family)
        for family in ("linear", "boosting")
    ]
    groups.append(("best reweighted", lambda s: s.kind != "plain"))
    for role, member in groups:
        best = next((s for s in comparison.strategies if member(s)), None)
        if best is not None:
            picked.setdefault(best.name, role)
    if any(s.name == BASELINE for s in comparison.strategies):
        picked.setdefault(BASELINE, "baseline")
    return [(comparison.strategy(name), role) for name, role in picked.items()]


def _style(index, name):
    return {
        "color": f"C{index}",
        "linestyle": "--" if name == BASELINE else "-",
        "linewidth": 2.2 if index == 0 else 1.3,
    }


def _label(comparison, strategy, role, metric="pr_auc"):
    value = np.mean(comparison.scores[strategy.name][metric])
    return f"{strategy.name}, {role} ({METRICS[metric].title} {value:.3f})"


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


def _subtitle(comparison):
    return (
        "curves: pooled out-of-fold posteriors of the first repetition; "
        "numbers: the table's means over folds"
    )


def pr_curves_figure(comparison):
    """The out-of-fold precision-recall curves of the strategies :func:`shown`.

    Binary: the curve of the minority class, with its prevalence as the
    no-skill line. The precision axis ends a little above the highest
    point of the curves. Multiclass: the macro average over classes of the
    one-vs-rest curves (interpolated precision). The legend gives each
    strategy's PR-AUC as in the table (the mean over held-out folds).

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
    highest = 0.0  # the best precision at a positive recall, for the zoom
    for index, (strategy, role) in enumerate(shown(comparison)):
        posterior = comparison.posterior[strategy.name]
        label = _label(comparison, strategy, role)
        style = _style(index, strategy.name)
        if comparison.binary:
            column = int(np.flatnonzero(classes == minority)[0])
            precision, recall, _ = precision_recall_curve(
                y == minority, posterior[:, column]
            )
            ax.step(recall, precision, where="post", label=label, **style)
            highest = max(highest, precision[recall > 0].max())
        else:
            curve = _macro_pr_curve(y, posterior, classes, recall_grid)
            ax.plot(recall_grid, curve, label=label, **style)
            highest = max(highest, curve[recall_grid > 0].max())
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
    # Zoomed to the curves: on a hard problem they never leave the bottom.
    ax.set_ylim(0.0, min(1.02, max(0.1, 1.15 * highest)))
    ax.grid(alpha=0.3)
    ax.set_title(
        f"{comparison.dataset.name}: precision-recall, {subject}\n"
        f"{_subtitle(comparison)}",
        fontsize=9,
    )
    ax.legend(loc="upper right", fontsize=8)
    return figure


def _reliability(ax, counts_ax, comparison, source, n_bins, bins):
    """One column of :func:`reliability_figure`: ``source`` is ``proba`` or
    ``posterior``. Returns the largest coordinate of a point."""
    y, classes, minority = comparison.dataset.y, comparison.classes, comparison.minority
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfectly calibrated")
    highest = 0.0
    for index, (strategy, role) in enumerate(shown(comparison)):
        proba = getattr(comparison, source)[strategy.name]
        if comparison.binary:
            column = int(np.flatnonzero(classes == minority)[0])
            outcome, predicted = y == minority, proba[:, column]
        else:
            outcome = classes[np.argmax(proba, axis=1)] == y
            predicted = np.max(proba, axis=1)
        observed, mean_predicted = calibration_curve(
            outcome, predicted, n_bins=n_bins, strategy="quantile"
        )
        highest = max(highest, observed.max(), mean_predicted.max())
        style = _style(index, strategy.name)
        ax.plot(
            mean_predicted,
            observed,
            marker="o",
            markersize=3,
            label=f"{strategy.name}, {role}",
            **style,
        )
        counts_ax.hist(
            predicted,
            bins=bins,
            histtype="step",
            color=style["color"],
            linestyle=style["linestyle"],
        )
    ax.grid(alpha=0.3)
    counts_ax.set_yscale("log")
    counts_ax.grid(alpha=0.3)
    return highest


def _zoom(ax, highest):
    """Show [0, a little above the largest point], or all of [0, 1]."""
    top = min(1.0, max(0.05, 1.1 * highest))
    ax.set_xlim(0.0, top)
    ax.set_ylim(-0.02 * top, 1.02 * top)


def reliability_figure(comparison, n_bins=10):
    """Reliability diagrams: each model's own probabilities, then the posteriors.

    Binary: observed frequency of the minority class against its mean
    predicted probability. Multiclass: the top-label diagram, accuracy
    against confidence (the largest predicted probability). Each point is a
    bin holding a tenth of the predictions (quantile bins, so that no point
    rests on a handful of samples); below, a histogram of the predicted
    probabilities. Left: ``predict_proba``, which class weights, the focal
    loss and resampling distort; right: the recovered posteriors, which the
    table's Brier score reads.

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
        Two diagrams above (the first with a legend), their histograms below.
    """
    figure = _figure(width=10.0, height=6.0)
    axes = figure.subplots(
        2, 2, sharex=True, sharey="row", gridspec_kw={"height_ratios": [3, 1]}
    )
    bins = np.linspace(0.0, 1.0, n_bins + 1)
    minority = comparison.minority.item()
    highest = 0.0
    for column, (source, title) in enumerate(
        (("proba", "own predict_proba"), ("posterior", "recovered posterior"))
    ):
        ax, counts_ax = axes[0, column], axes[1, column]
        highest = max(
            highest, _reliability(ax, counts_ax, comparison, source, n_bins, bins)
        )
        ax.set_title(title, fontsize=9)
        if comparison.binary:
            counts_ax.set_xlabel(f"Predicted probability of class {minority!r}")
        else:
            counts_ax.set_xlabel("Confidence: the largest predicted probability")
    if comparison.binary:
        axes[0, 0].set_ylabel(f"Observed frequency of class {minority!r}")
        subject = f"minority class {minority!r}"
    else:
        axes[0, 0].set_ylabel("Accuracy of the most probable class")
        subject = "top label"
    axes[1, 0].set_ylabel("Predictions\n(count)")
    _zoom(axes[0, 0], highest)  # the axes are shared
    axes[0, 0].legend(loc="upper left", fontsize=8)
    figure.suptitle(
        f"{comparison.dataset.name}: reliability, {subject}\n"
        "pooled out-of-fold predictions of the first repetition",
        fontsize=10,
    )
    return figure


def scores_figure(comparison):
    """Each strategy's mean paired shortfall from the best, with error bars.

    The shortfall is the mean over splits of the best strategy's score minus
    this one's (in the metric's units, the worse side to the left) and the
    bar one standard error of it, as the tie rule uses (see
    :mod:`~imbweight._compare._recommend`); the constant predictor is the
    last row. The recommended strategy is drawn in colour.

    Parameters
    ----------
    comparison : Comparison
        What :func:`~imbweight._compare.compare` returned.

    Returns
    -------
    figure : matplotlib.figure.Figure
        One axes.
    """
    metric = METRICS[comparison.metric]
    best = comparison.recommendation.best
    rows = [(s.name, comparison.scores[s.name]) for s in comparison.strategies]
    rows.append(("constant predictor", comparison.constant))
    figure = _figure(height=1.2 + 0.32 * len(rows))
    ax = figure.add_subplot()
    for position, (name, scores) in enumerate(rows):
        gap, error = paired_gap(
            comparison.scores[best][comparison.metric],
            scores[comparison.metric],
            comparison.n_splits,
            greater_is_better=metric.greater_is_better,
        )
        recommended = name == comparison.recommendation.name
        tied = name in comparison.recommendation.tied
        ax.errorbar(
            -gap,
            position,
            xerr=error,
            fmt="o",
            color="C0" if recommended else "C2" if tied else "grey",
            markersize=7 if recommended else 5,
            capsize=3,
        )
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(
        [
            f"{name} ({np.mean(scores[comparison.metric]):.3f})"
            + (" *" if name == comparison.recommendation.name else "")
            for name, scores in rows
        ],
        fontsize=8,
    )
    ax.invert_yaxis()
    ax.set_xlabel(
        f"{metric.title}: mean difference from {best} over the same folds "
        "(right is better)"
    )
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(
        f"{comparison.dataset.name}: {metric.title}, * recommended; green: within "
        "one standard error of the best (tied)",
        fontsize=9,
    )
    return figure
