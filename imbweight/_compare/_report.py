"""The report of ``imbweight compare``: the table, the CSV, JSON and HTML files, plots.

Every output is a function of a :class:`~imbweight._compare.Comparison`;
:data:`OUTPUTS` lists the files of a run with the function that writes each,
and :func:`write_outputs` puts them into a folder as one set.
"""

import csv
import json
import os
import signal
import textwrap
import uuid
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from imbweight import __version__
from imbweight._compare import _html, _plots
from imbweight._compare._code import python_code
from imbweight._compare._recommend import paired_gap
from imbweight._compare._rules import RULES
from imbweight._compare._runner import decision_estimator
from imbweight._compare._scores import METRICS

__all__ = [
    "OUTPUTS",
    "OUTPUT_FILES",
    "PLOT_FILES",
    "columns",
    "definitions",
    "heading",
    "method",
    "rebuild_code",
    "summary",
    "table",
    "to_dict",
    "write_csv",
    "write_json",
    "write_outputs",
]


def columns(comparison):
    """The metrics of the table, in order: the ranked one first.

    ``expected_cost`` appears only with a cost matrix.
    """
    shown = [
        m for m in METRICS if m != "expected_cost" or comparison.cost_matrix is not None
    ]
    return [comparison.metric] + [m for m in shown if m != comparison.metric]


def _gaps(comparison):
    """Name to (gap to the best, its standard error), constant included."""
    metric = METRICS[comparison.metric]
    best = comparison.scores[comparison.recommendation.best][comparison.metric]
    rows = dict(comparison.scores, constant=comparison.constant)
    return {
        name: paired_gap(
            best,
            values[comparison.metric],
            comparison.n_splits,
            greater_is_better=metric.greater_is_better,
        )
        for name, values in rows.items()
    }


def summary(comparison):
    """One dict per strategy, in ranking order: names, means and stds.

    Parameters
    ----------
    comparison : Comparison
        What :func:`~imbweight._compare.compare` returned.

    Returns
    -------
    rows : list of dict
        Keys ``rank``, ``strategy``, ``family``, ``kind``, ``recommended``,
        ``tied`` (within noise of the best), ``gap`` and ``gap_se`` (the
        mean paired shortfall from the best on the ranked metric, and its
        standard error), ``<metric>_mean`` and ``<metric>_std`` for every
        metric, ``fit_time_mean`` (seconds) and ``description``.
    """
    gaps = _gaps(comparison)
    recommendation = comparison.recommendation
    rows = []
    for rank, strategy in enumerate(comparison.strategies, start=1):
        gap, gap_se = gaps[strategy.name]
        row = {
            "rank": rank,
            "strategy": strategy.name,
            "family": strategy.family,
            "kind": strategy.kind,
            "recommended": strategy.name == recommendation.name,
            "tied": strategy.name in recommendation.tied,
            "gap": gap,
            "gap_se": gap_se,
        }
        for metric, values in comparison.scores[strategy.name].items():
            row[f"{metric}_mean"] = float(np.mean(values))
            row[f"{metric}_std"] = float(np.std(values))
        row["fit_time_mean"] = float(np.mean(comparison.fit_time[strategy.name]))
        row["description"] = strategy.description
        rows.append(row)
    return rows


def heading(comparison):
    """What was compared, on one line.

    Parameters
    ----------
    comparison : Comparison
        What :func:`~imbweight._compare.compare` returned.

    Returns
    -------
    heading : str
    """
    n_samples, n_features = comparison.dataset.X.shape
    sizes = ", ".join(
        f"{label}: {count}"
        for label, count in zip(
            comparison.classes.tolist(), comparison.counts.tolist(), strict=True
        )
    )
    return (
        f"{comparison.dataset.name}: {n_samples} samples, {n_features} features, "
        f"{comparison.classes.size} classes ({sizes}); minority class "
        f"{comparison.minority.item()!r}"
    )


def method(comparison):
    """How the numbers were obtained, in one paragraph."""
    repeats = (
        f" repeated {comparison.n_repeats} times" if comparison.n_repeats > 1 else ""
    )
    n_folds = comparison.n_splits * comparison.n_repeats
    return (
        f"{comparison.n_splits}-fold stratified cross-validation{repeats} (seed "
        f"{comparison.seed}): each number is the mean over the {n_folds} held-out "
        f"folds, ranked by {METRICS[comparison.metric].title}. Probabilities are "
        "the recovered posteriors P(y | x) (posterior_proba: class weights, focal "
        "loss and resampling undone); decisions are "
        f"{RULES[comparison.rule]}."
    )


def definitions(comparison):
    """Metric key to the definition of its numbers, for this comparison."""
    minority = repr(comparison.minority.item())
    texts = {}
    for metric in columns(comparison):
        spec = METRICS[metric]
        text = spec.definition if comparison.binary else spec.multiclass
        texts[metric] = (text or spec.definition).format(minority=minority)
    return texts


def _cells(row, shown):
    """A row's cells: mean ± std of the ranked metric, the means of the others
    (the constant predictor's row has no std)."""
    first = f"{row[f'{shown[0]}_mean']:.3f}"
    if f"{shown[0]}_std" in row:
        first += f" ± {row[f'{shown[0]}_std']:.3f}"
    return [first, *(f"{row[f'{metric}_mean']:.3f}" for metric in shown[1:])]


def _constant_row(comparison):
    row = {
        f"{metric}_mean": float(np.mean(values))
        for metric, values in comparison.constant.items()
    }
    row["strategy"] = "constant predictor"
    return row


def table(comparison):
    """The ranking as text, with the recommendation and why.

    Parameters
    ----------
    comparison : Comparison
        What :func:`~imbweight._compare.compare` returned.

    Returns
    -------
    table : str
        A heading, how the numbers were obtained, one row per strategy (best
        first; ``*`` marks the recommended one, ``=`` those within noise of
        the best) and the constant predictor, the recommendation, the
        sentence saying why, warnings, the Python that rebuilds the
        recommended model, and the definition of every number.
    """
    rows = summary(comparison)
    shown = columns(comparison)
    constant = _constant_row(comparison)
    width = max(len(row["strategy"]) for row in [*rows, constant])
    titles = [METRICS[metric].title for metric in shown]
    sizes = [max(13, len(titles[0]))] + [max(6, len(t)) for t in titles[1:]]
    header = f"{'rank':>4}  {'strategy':<{width}}  " + "  ".join(
        f"{title:<{size}}" for title, size in zip(titles, sizes, strict=True)
    )
    header = header.rstrip()

    def line(rank, mark, row):
        cells = _cells(row, shown)
        text = "  ".join(
            f"{cell:<{size}}" for cell, size in zip(cells, sizes, strict=True)
        )
        return f"{rank:>4}{mark} {row['strategy']:<{width}}  {text}".rstrip()

    lines = [
        heading(comparison),
        *_wrap(comparison.dataset.origin),
        *_wrap(method(comparison)),
        "",
        header,
        "-" * len(header),
    ]
    for row in rows:
        mark = "*" if row["recommended"] else "=" if row["tied"] else " "
        lines.append(line(row["rank"], mark, row))
    lines += ["-" * len(header), line("", " ", constant)]
    recommendation = comparison.recommendation
    best = comparison.recommended
    lines += ["", *_wrap(f"Recommended: {best.name}, {best.description}")]
    lines += _wrap(f"Why: {recommendation.reason}")
    others = [name for name in recommendation.tied if name != recommendation.name]
    if others:
        lines += _wrap(
            f"Tied (=, within noise of the best; another seed may pick any of "
            f"them): {', '.join(others)}"
        )
    for warning in recommendation.warnings:
        lines += _wrap(f"Warning: {warning}")
    lines += ["", "Python that rebuilds it:", ""]
    lines += [f"    {line}" for line in rebuild_code(comparison)]
    lines += ["", *_wrap(_key(comparison))]
    return "\n".join(lines)


def _reading(comparison):
    """How to read the ±, the ties and the constant predictor, as one paragraph."""
    title = METRICS[comparison.metric].title
    return (
        f"± is the standard deviation of {title} over the folds; a strategy is "
        "tied (=) when its mean paired shortfall from the best, fold by fold, is "
        "at most one standard error (Nadeau-Bengio corrected); the constant "
        "predictor gives every row the class frequencies of its training fold, in "
        "a random order (so that its PR-AUC is that of a model that learned "
        "nothing), and decides by the same rule."
    )


def _key(comparison):
    """The definitions of the table's numbers, and how to read them."""
    parts = [
        f"{METRICS[metric].title}: {text}"
        for metric, text in definitions(comparison).items()
    ]
    return "; ".join(parts) + "; " + _reading(comparison)


def rebuild_code(comparison, name=None):
    """Python lines that rebuild the recommended strategy (or ``name``), unfitted.

    Parameters
    ----------
    comparison : Comparison
        What :func:`~imbweight._compare.compare` returned.
    name : str or None, default=None
        A strategy of the comparison.

    Returns
    -------
    lines : list of str
        Imports, the estimator (under its decision rule), and its fit on the
        features as read (``X``: one column per feature of the table, in
        order; ``y``: the labels).
    """
    return [
        *python_code(decision_estimator(comparison, name)),
        "model.fit(X, y)  # X: the features as compare read them, y: the labels",
    ]


def to_dict(comparison):
    """Everything but the predictions, as JSON-ready Python objects.

    Parameters
    ----------
    comparison : Comparison
        What :func:`~imbweight._compare.compare` returned.

    Returns
    -------
    result : dict
        The dataset, the cross-validation, the metric and decision rule, the
        recommendation and why, the definitions and, per strategy (and for
        the constant predictor), the mean, std and per-split values of every
        metric.
    """
    n_samples, n_features = comparison.dataset.X.shape
    recommendation = comparison.recommendation

    def scores(table):
        return {
            metric: {
                "mean": float(np.mean(values)),
                "std": float(np.std(values)),
                "folds": np.asarray(values).tolist(),
            }
            for metric, values in table.items()
        }

    results = []
    for row, strategy in zip(summary(comparison), comparison.strategies, strict=True):
        results.append(
            {
                "rank": row["rank"],
                "strategy": strategy.name,
                "family": strategy.family,
                "kind": strategy.kind,
                "tied": row["tied"],
                "gap": row["gap"],
                "gap_se": row["gap_se"],
                "description": strategy.description,
                "scores": scores(comparison.scores[strategy.name]),
                "fit_time_seconds": np.asarray(
                    comparison.fit_time[strategy.name]
                ).tolist(),
            }
        )
    cost = comparison.cost_matrix
    return {
        "imbweight_version": __version__,
        "dataset": {
            "name": comparison.dataset.name,
            "n_samples": n_samples,
            "n_features": n_features,
            "categorical_features": [
                comparison.dataset.feature_names[j]
                for j in comparison.dataset.categorical
            ],
            "class_counts": {
                str(label): count
                for label, count in zip(
                    comparison.classes.tolist(), comparison.counts.tolist(), strict=True
                )
            },
            "minority_class": comparison.minority.item(),
        },
        "cv": {
            "kind": "RepeatedStratifiedKFold",
            "n_splits": comparison.n_splits,
            "n_repeats": comparison.n_repeats,
        },
        "seed": comparison.seed,
        "ranked_by": comparison.metric,
        "decision_rule": RULES[comparison.rule],
        "probabilities": "recovered posteriors (imbweight.posterior_proba)",
        "cost_matrix": None if cost is None else np.asarray(cost).tolist(),
        "recommended": recommendation.name,
        "best": recommendation.best,
        "tied_with_recommended": comparison.tied_with_recommended(),
        "reason": recommendation.reason,
        "warnings": list(recommendation.warnings),
        "definitions": definitions(comparison),
        "rebuild": rebuild_code(comparison),
        "results": results,
        "constant": {"scores": scores(comparison.constant)},
        "notes": list(comparison.notes),
    }


def write_csv(comparison, path):
    """Write the ranking, one row per strategy, as a CSV file.

    Parameters
    ----------
    path : str or Path
        The file to write.
    """
    rows = summary(comparison)
    with Path(path).open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def write_json(comparison, path):
    """Write :meth:`to_dict` as a JSON file.

    Parameters
    ----------
    path : str or Path
        The file to write.
    """
    Path(path).write_text(
        json.dumps(to_dict(comparison), indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )


def _write_png(name):
    def write(comparison, path):
        Path(path).write_bytes(_plots.png(comparison, name))

    return write


def write_html(comparison, path):
    """Write ``report.html``: the table, the recommendation, the definitions,
    the code and the figures, in one file that needs nothing else.

    Parameters
    ----------
    path : str or Path
        The file to write.
    """
    rows = summary(comparison)
    shown = columns(comparison)
    body = []
    for row in rows:
        mark = "recommended" if row["recommended"] else "tied" if row["tied"] else ""
        body.append((str(row["rank"]), row["strategy"], _cells(row, shown), mark))
    constant = _cells(_constant_row(comparison), shown)
    body.append(("", "constant predictor", constant, "constant"))
    recommendation = comparison.recommendation
    best = comparison.recommended
    document = _html.page(
        title=f"imbweight compare: {comparison.dataset.name}",
        heading=heading(comparison),
        paragraphs=[comparison.dataset.origin, method(comparison)],
        columns=[METRICS[metric].title for metric in shown],
        rows=body,
        recommendation=[
            f"Recommended: {best.name}, {best.description}",
            f"Why: {recommendation.reason}",
            *(
                [
                    "Tied (within noise of the best): "
                    + ", ".join(comparison.tied_with_recommended())
                ]
                if comparison.tied_with_recommended()
                else []
            ),
        ],
        warnings=list(recommendation.warnings),
        definitions={
            METRICS[metric].title: text
            for metric, text in definitions(comparison).items()
        },
        key=_reading(comparison),
        code=rebuild_code(comparison),
        figures=[
            (caption, _plots.png(comparison, name))
            for name, caption in _plots.FIGURES.items()
        ],
        notes=list(comparison.notes),
        footer=f"imbweight {__version__}",
    )
    Path(path).write_text(document, encoding="utf-8")


OUTPUTS = {
    "results.csv": write_csv,
    "results.json": write_json,
    **{name: _write_png(name) for name in _plots.FIGURES},
    "report.html": write_html,
}
"""Every file a run may write into its folder, with its writer ``(comparison,
path)``; the plots and the HTML report (which need matplotlib) last."""

OUTPUT_FILES = tuple(OUTPUTS)
PLOT_FILES = (*_plots.FIGURES, "report.html")


def _wrap(text):
    return textwrap.wrap(text, width=88, subsequent_indent="  ")


@contextmanager
def _signals_deferred():
    """Hold Ctrl-C back (on POSIX) until the block is done."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def write_outputs(comparison, out, *, plots=True):
    """Write the files of a run into the folder ``out``, as one set.

    Each file is first written under a temporary name in ``out``; only when
    all are complete does every earlier output (of :data:`OUTPUT_FILES`,
    including plots this run does not draw) go, and the new files take
    their names. A failure or Ctrl-C while writing leaves the folder as it
    was, and no run leaves a mix of old and new files.

    Parameters
    ----------
    comparison : Comparison
        What :func:`~imbweight._compare.compare` returned.
    out : str or Path
        An existing, writable folder.
    plots : bool, default=True
        Also draw the figures and write ``report.html`` (needs matplotlib).

    Returns
    -------
    paths : list of Path
        The files written, in the order of :data:`OUTPUT_FILES`.
    """
    out = Path(out)
    writers = {
        name: write
        for name, write in OUTPUTS.items()
        if plots or name not in PLOT_FILES
    }
    # Hidden, and unique so that two runs into one folder never collide.
    tag = uuid.uuid4().hex[:12]
    pending = {name: out / f".{name}.{tag}.part" for name in writers}
    try:
        for name, write in writers.items():
            write(comparison, pending[name])
        with _signals_deferred():
            for name in OUTPUT_FILES:
                (out / name).unlink(missing_ok=True)
            for name in list(pending):
                os.replace(pending.pop(name), out / name)
    finally:
        for path in pending.values():
            path.unlink(missing_ok=True)
    return [out / name for name in writers]
