"""The report of ``imbweight compare``: the table, the CSV and JSON files, the plots.

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
from imbweight._compare import _plots
from imbweight._compare._scores import METRICS, RANKED_BY

__all__ = [
    "OUTPUTS",
    "OUTPUT_FILES",
    "PLOT_FILES",
    "heading",
    "summary",
    "table",
    "to_dict",
    "write_csv",
    "write_json",
    "write_outputs",
]


def summary(comparison):
    """One dict per strategy, in ranking order: names, means and stds.

    Parameters
    ----------
    comparison : Comparison
        What :func:`~imbweight._compare.compare` returned.

    Returns
    -------
    rows : list of dict
        Keys ``rank``, ``strategy``, ``<metric>_mean``, ``<metric>_std``
        for every metric, ``fit_time_mean`` (seconds) and ``description``.
    """
    rows = []
    for rank, strategy in enumerate(comparison.strategies, start=1):
        row = {"rank": rank, "strategy": strategy.name}
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


def table(comparison):
    """The ranking as text: mean ± std over the folds of each metric.

    Parameters
    ----------
    comparison : Comparison
        What :func:`~imbweight._compare.compare` returned.

    Returns
    -------
    table : str
        A heading, one row per strategy (the recommended one first) and a
        key to the metrics.
    """
    rows = summary(comparison)
    width = max(len("strategy"), *(len(row["strategy"]) for row in rows))
    cell = 13
    header = f"{'rank':>4}  {'strategy':<{width}}" + "".join(
        f"  {title:<{cell}}" for title in METRICS.values()
    )
    header = header.rstrip()
    lines = [
        heading(comparison),
        *_wrap(comparison.dataset.origin),
        f"{comparison.n_splits}-fold stratified cross-validation "
        f"(seed {comparison.seed}), mean ± std over folds, ranked by "
        f"{METRICS[RANKED_BY]}",
        "",
        header,
        "-" * len(header),
    ]
    for row in rows:
        cells = "".join(
            f"  {row[f'{metric}_mean']:.3f} ± {row[f'{metric}_std']:.3f}"
            for metric in METRICS
        )
        lines.append(f"{row['rank']:>4}  {row['strategy']:<{width}}{cells}")
    best = comparison.recommended
    if comparison.binary:
        key = (
            f"PR-AUC: average precision of class {comparison.minority.item()!r}; "
            "Brier: mean squared error of its probability (lower is better)"
        )
    else:
        key = (
            "PR-AUC: macro average of one-vs-rest average precision; Brier: "
            "multiclass, in [0, 2] (lower is better)"
        )
    lines += ["", *_wrap(f"Recommended: {best.name}, {best.description}")]
    tied = comparison.tied_with_recommended()
    if tied:
        lines += _wrap(
            f"Within noise of it (PR-AUC deficit under two standard errors "
            f"over the same folds): {', '.join(tied)}"
        )
    lines += [
        "",
        *_wrap(
            key + "; balanced accuracy and minority F1 (of class "
            f"{comparison.minority.item()!r}) decide the most probable class."
        ),
    ]
    return "\n".join(lines)


def to_dict(comparison):
    """Everything but the predictions, as JSON-ready Python objects.

    Parameters
    ----------
    comparison : Comparison
        What :func:`~imbweight._compare.compare` returned.

    Returns
    -------
    result : dict
        The dataset, the cross-validation, the recommendation and, per
        strategy, the mean, std and per-fold values of every metric.
    """
    n_samples, n_features = comparison.dataset.X.shape
    results = []
    for row, strategy in zip(summary(comparison), comparison.strategies, strict=True):
        results.append(
            {
                "rank": row["rank"],
                "strategy": strategy.name,
                "description": strategy.description,
                "scores": {
                    metric: {
                        "mean": row[f"{metric}_mean"],
                        "std": row[f"{metric}_std"],
                        "folds": np.asarray(values).tolist(),
                    }
                    for metric, values in comparison.scores[strategy.name].items()
                },
                "fit_time_seconds": np.asarray(
                    comparison.fit_time[strategy.name]
                ).tolist(),
            }
        )
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
        "cv": {"kind": "StratifiedKFold", "n_splits": comparison.n_splits},
        "seed": comparison.seed,
        "ranked_by": RANKED_BY,
        "recommended": comparison.recommended.name,
        "tied_with_recommended": comparison.tied_with_recommended(),
        "results": results,
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


OUTPUTS = {
    "results.csv": write_csv,
    "results.json": write_json,
    "pr_curves.png": lambda comparison, path: _plots.save_png(
        _plots.pr_curves_figure(comparison), path
    ),
    "reliability.png": lambda comparison, path: _plots.save_png(
        _plots.reliability_figure(comparison), path
    ),
}
"""Every file a run may write into its folder, with its writer ``(comparison,
path)``; the plots (which need matplotlib) last."""

OUTPUT_FILES = tuple(OUTPUTS)
PLOT_FILES = ("pr_curves.png", "reliability.png")


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
        Also draw ``pr_curves.png`` and ``reliability.png`` (needs
        matplotlib).

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
