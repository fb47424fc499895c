"""Focal boosting on a Dask cluster: data several times a worker's memory.

Run from the repository root (needs the dask and xgboost extras)::

    python -m benchmarks.dask_boosting              # 2 GiB, 12 workers of 1 GiB
    python -m benchmarks --only dask_boosting       # the same, as a section

A LocalCluster of single-threaded worker processes on 127.0.0.1, each with a
memory limit of 1 GiB (a worker above 95 % of it is killed and the run
fails; pausing at 80 % is off, since a paused worker would stall the
engine's collective training instead of failing). The data is a lazily
generated float32 dask array (``da.random``) twice the limit of one worker,
about 2 % positives, with random row weights; nothing is ever held whole in
one process.

XGBoost's distributed training keeps each worker's share of the rows in its
memory while it trains (the cluster as a whole holds the data), and a
worker's memory grows well beyond its share of the raw rows (its ~250 MiB
of libraries, XGBoost's copies while it sketches and trains, and an uneven
share of the blocks): 8 workers of 1 GiB were killed at 95 % of their limit
on 3 GiB and on 2 GiB, so the default runs 12.
Four timed steps, each a pass over the generated data:

1. *class counts*: :func:`imbweight.dask.compute_class_weight` (the pass
   :func:`~imbweight.dask.fit_boosting` starts with, alone);
2. *fit_boosting*: ``FocalBoostingClassifier(XGBClassifier(...),
   gamma=2, class_weight="balanced")`` through ``xgboost.dask`` (the counts
   pass, then the engine's own: it persists the data, sketches it and grows
   the trees, our objective computing each worker's gradients);
3. *built-in*: ``xgboost.dask.DaskXGBClassifier`` with its own log-loss, the
   same settings and row weights, on the same cluster;
4. *predict_posterior*: :func:`imbweight.dask.predict_posterior` block by
   block, reduced to its mean.

It prints rows per second of each step and the peak resident memory of the
workers (``ru_maxrss``, the kernel's high-water mark) against their limit.
"""

import argparse
import sys

import numpy as np

try:
    import dask
    import dask.array as da
    import distributed
    from xgboost import XGBClassifier
    from xgboost.dask import DaskXGBClassifier
except ImportError:  # pragma: no cover
    sys.exit(
        "This benchmark needs the dask and xgboost extras: pip install "
        '"imbweight[dask]" xgboost-cpu'
    )

from benchmarks._common import markdown_table
from benchmarks.dask_out_of_core import (
    MIB,
    make_data,
    step_recorder,
    worker_peak_rss_mib,
)
from imbweight import FocalBoostingClassifier
from imbweight.dask import compute_class_weight, fit_boosting, predict_posterior

#: Data size (GiB), workers, rows per block, boosting rounds; "tiny" is for
#: the smoke test.
SIZES = {
    "tiny": {"gib": 0.005, "n_workers": 2, "block_rows": 5_000, "rounds": 2},
    "quick": {"gib": 0.25, "n_workers": 2, "block_rows": 100_000, "rounds": 5},
    "full": {"gib": 2.0, "n_workers": 12, "block_rows": 62_500, "rounds": 10},
}
MEMORY_LIMIT = "1GiB"
N_FEATURES = 32


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.dask_boosting",
        description="Train FocalBoostingClassifier through xgboost.dask on a "
        "lazily generated dask array several times a worker's memory limit.",
    )
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    return parser.parse_args(argv)


def make_weighted_data(n_rows, block_rows):
    """Lazy float32 features, labels (about 2 % positives) and row weights."""
    X, y = make_data(n_rows, N_FEATURES, block_rows, seed=0)
    rng = da.random.default_rng(7)
    weight = rng.uniform(0.5, 2.0, n_rows, chunks=block_rows).astype(np.float32)
    return X.astype(np.float32), y, weight


def measure(size):
    """Rows, a markdown table of the steps, and the worst peak RSS / limit."""
    settings = SIZES[size]
    n_rows = int(settings["gib"] * 2**30 // (4 * N_FEATURES))
    n_rows -= n_rows % settings["block_rows"]
    X, y, weight = make_weighted_data(n_rows, settings["block_rows"])
    limit = dask.utils.parse_bytes(MEMORY_LIMIT)
    booster = XGBClassifier(
        n_estimators=settings["rounds"], max_depth=6, tree_method="hist", nthread=1
    )
    config = {"distributed.worker.memory.pause": False}
    with (
        dask.config.set(config),
        distributed.LocalCluster(
            n_workers=settings["n_workers"],
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",
            memory_limit=MEMORY_LIMIT,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        workers = sorted(client.scheduler_info()["workers"])
        # Imports off the clock.
        client.run(lambda: __import__("xgboost.dask") and None)
        client.run(lambda: __import__("imbweight.dask") and None)
        steps = [("workers started", None, worker_peak_rss_mib(client))]

        step = step_recorder(client, steps)
        step(
            "class counts (compute_class_weight, one pass)",
            compute_class_weight,
            y,
            "balanced",
            sample_weight=weight,
        )
        model = step(
            "fit_boosting, gamma=2, balanced (counts pass + xgboost.dask)",
            fit_boosting,
            FocalBoostingClassifier(booster, gamma=2.0, class_weight="balanced"),
            X,
            y,
            sample_weight=weight,
        )

        def builtin():
            built_in = DaskXGBClassifier(**booster.get_params())
            built_in.client = client
            return built_in.fit(X, y, sample_weight=weight, verbose=False)

        step("DaskXGBClassifier, built-in log-loss", builtin)
        mean = step(
            "predict_posterior, block-wise (one pass)",
            lambda: predict_posterior(model, X)[:, 1].mean().compute(),
        )
        assert sorted(client.scheduler_info()["workers"]) == workers, "worker lost"

    rows = []
    for name, seconds, peaks in steps:
        worst = max(peaks.values()) * MIB / limit
        if seconds is None:
            rows.append([name, "", "", f"{worst:.2f}"])
        else:
            rows.append(
                [name, f"{seconds:.1f}", f"{n_rows / seconds:,.0f}", f"{worst:.2f}"]
            )
    table = markdown_table(
        ["step", "seconds", "rows/s", "peak worker RSS / limit"], rows
    )
    summary = (
        f"{n_rows:,} rows x {N_FEATURES} float32 features = "
        f"{X.nbytes / 2**30:.2f} GiB ({X.nbytes / limit:.1f} x the {MEMORY_LIMIT} "
        f"limit of one worker), {X.numblocks[0]} blocks, "
        f"{settings['n_workers']} single-threaded workers, "
        f"{settings['rounds']} rounds of depth 6; class weights "
        f"{ {k: round(v, 3) for k, v in model.class_weight_.items()} }, init score "
        f"{model.init_score_:.3f}, mean posterior of class 1 {mean:.4f}."
    )
    return summary, table


def main(argv=None):
    args = parse_args(argv)
    summary, table = measure(args.size)
    print(f"{summary}\n\n{table}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
