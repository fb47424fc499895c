"""Out-of-core training with imbweight.dask: data many times a worker's memory.

Run from the repository root (needs the dask extra)::

    python -m benchmarks.dask_out_of_core            # 4.5 GiB, 1-2 minutes
    python -m benchmarks.dask_out_of_core --gib 8    # bigger

A LocalCluster of 2 single-threaded worker processes on 127.0.0.1, each with
a hard memory limit (400 MiB by default; spilling to disk is switched off,
so a worker that needs more is paused or killed, and the run fails). The
data is a lazily generated dask array (``da.random``) at least 10 times the
limit of one worker; the labels (about 2 % positives) are computed from it
block by block. Nothing is ever held whole.

Three passes over the data:

1. *generate*: compute every block and reduce it to a number -- the cost of
   producing the data alone;
2. *class weights*: :func:`imbweight.dask.compute_class_weight` (one pass);
3. *train*: :func:`imbweight.dask.stream_fit`, one epoch of
   ``WeightedSGDClassifier.partial_fit`` per block, the model going to the
   worker that holds each block.

It prints rows per second for each pass, the ratio of the training rate to
``partial_fit`` on one in-memory block in this process (the best a single
sequential SGD stream can do), and the peak resident memory of each worker
process (``ru_maxrss``, the kernel's high-water mark, so nothing between
samples is missed) against its limit. The average precision on held-out rows
shows the model learned something.
"""

import argparse
import resource
import signal
import sys
import time

import numpy as np

try:
    import dask
    import dask.array as da
    import distributed
except ImportError:  # pragma: no cover
    sys.exit('This benchmark needs the dask extra: pip install "imbweight[dask]"')

from sklearn.metrics import average_precision_score

from imbweight import WeightedSGDClassifier
from imbweight.dask import compute_class_weight, predict_proba, stream_fit

MIB = 2**20


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.dask_out_of_core",
        description="Train WeightedSGDClassifier over a lazily generated dask "
        "array many times larger than a worker's memory limit.",
    )
    parser.add_argument("--gib", type=float, default=4.5, help="data size (GiB)")
    parser.add_argument(
        "--memory-limit", default="400MiB", help="memory limit of each worker"
    )
    parser.add_argument("--n-features", type=int, default=100)
    parser.add_argument(
        "--block-rows", type=int, default=10_000, help="rows per block (8 MB)"
    )
    parser.add_argument("--batch-size", type=int, default=1024)
    parser.add_argument("--n-workers", type=int, default=2)
    parser.add_argument(
        "--prefetch", type=int, default=2, help="stream_fit's prefetch (blocks)"
    )
    parser.add_argument(
        "--timeout",
        type=int,
        default=900,
        help="seconds before the run is abandoned (a worker paused at 80 %% of "
        "its limit for good would otherwise wait forever)",
    )
    return parser.parse_args(argv)


def make_data(n_rows, n_features, block_rows, seed):
    """Lazily generated features, and labels computed from them block-wise.

    The labels follow one fixed linear rule (whatever the seed), about 2 %
    positives.
    """
    rng = da.random.default_rng(seed)
    X = rng.standard_normal((n_rows, n_features), chunks=(block_rows, n_features))
    truth = np.random.default_rng(12345).standard_normal(n_features)
    truth /= np.linalg.norm(truth)
    noise = rng.standard_normal(n_rows, chunks=block_rows)
    y = (X @ truth + 0.5 * noise > 2.3).astype(np.int8)
    return X, y


def peak_rss_mib():
    """This process's peak resident memory so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_peak_rss_mib(client):
    return client.run(peak_rss_mib)


def worker_state(dask_worker):
    # With spilling off, the worker's data is a plain dict: nothing can spill.
    spilled = getattr(dask_worker.data, "spilled_total", None)
    return {
        "spilled": "off" if spilled is None else f"{spilled.disk} B",
        "tasks": dask_worker.state.executed_count,
    }


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


def step_recorder(client, steps):
    """``step(name, function, *args, **kwargs)``: a timed, recorded call.

    It returns ``function(*args, **kwargs)``, appends ``(name, seconds,
    peak worker RSS in MiB)`` to ``steps`` and prints the seconds.
    """

    def step(name, function, *args, **kwargs):
        result, seconds = timed(function, *args, **kwargs)
        steps.append((name, seconds, worker_peak_rss_mib(client)))
        print(f"{name}: {seconds:.1f} s", flush=True)
        return result

    return step


def in_memory_rate(X, y, batch_size):
    """Rows/s of partial_fit on one block already in this process's memory."""
    block, labels = dask.compute(X.blocks[0], y.blocks[0], scheduler="sync")
    model = WeightedSGDClassifier(batch_size=batch_size, random_state=0)
    model.partial_fit(block, labels, classes=[0, 1])  # warm-up
    times = []
    for _ in range(3):
        _, seconds = timed(model.partial_fit, block, labels)
        times.append(seconds)
    return block.shape[0] / float(np.median(times))


def _abandon(signum, frame):
    raise TimeoutError("the benchmark ran past --timeout; see the worker logs above")


def main(argv=None):
    args = parse_args(argv)
    signal.signal(signal.SIGALRM, _abandon)
    signal.alarm(args.timeout)
    row_bytes = 8 * args.n_features
    n_rows = int(args.gib * 2**30 // row_bytes)
    n_rows -= n_rows % args.block_rows
    limit = dask.utils.parse_bytes(args.memory_limit)
    X, y = make_data(n_rows, args.n_features, args.block_rows, seed=0)
    X_test, y_test = make_data(50_000, args.n_features, 5_000, seed=1)
    print(
        f"data: {n_rows:,} rows x {args.n_features} float64 features = "
        f"{X.nbytes / 2**30:.2f} GiB in {X.numblocks[0]} blocks of "
        f"{args.block_rows * row_bytes / MIB:.1f} MiB; {X.nbytes / limit:.1f} x "
        f"the {args.memory_limit} limit of one worker; {args.n_workers} workers",
        flush=True,
    )
    reference_rate = in_memory_rate(X, y, args.batch_size)

    config = {
        # A hard limit: no spilling to disk, so the limit is the whole budget.
        "distributed.worker.memory.target": False,
        "distributed.worker.memory.spill": False,
    }
    with (
        dask.config.set(config),
        distributed.LocalCluster(
            n_workers=args.n_workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",
            memory_limit=args.memory_limit,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        workers = sorted(client.scheduler_info()["workers"])
        client.run(lambda: __import__("imbweight.dask") and None)  # off the clock
        passes = [("workers started", None, worker_peak_rss_mib(client))]

        run = step_recorder(client, passes)
        run("generate X and y (one pass)", dask.compute, X.sum(), y.sum())
        class_weight = run(
            "class weights (one pass)",
            compute_class_weight,
            y,
            "effective_number",
            beta=0.99999,
        )
        estimator = WeightedSGDClassifier(
            class_weight=class_weight, batch_size=args.batch_size, random_state=0
        )
        model = run(
            "train, 1 epoch (stream_fit)",
            stream_fit,
            estimator,
            X,
            y,
            prefetch=args.prefetch,
        )
        scores, labels = dask.compute(predict_proba(model, X_test)[:, 1], y_test)
        states = client.run(worker_state)
        pauses = {
            address: sum("Pausing worker" in message for _, message in lines)
            for address, lines in client.get_worker_logs().items()
        }
        assert sorted(client.scheduler_info()["workers"]) == workers, "worker lost"

    print(f"\nclass weights: {class_weight}")
    print(
        f"held-out rows: {labels.mean():.2%} positives, average precision "
        f"{average_precision_score(labels, scores):.3f}\n"
    )
    generate_seconds = passes[1][1]
    print("| pass | seconds | rows/s | rate / generate | peak worker RSS / limit |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, seconds, peaks in passes:
        worst = max(peaks.values()) * MIB / limit
        if seconds is None:
            print(f"| {name} | | | | {worst:.2f} |")
            continue
        print(
            f"| {name} | {seconds:.1f} | {n_rows / seconds:,.0f} | "
            f"{generate_seconds / seconds:.2f} | {worst:.2f} |"
        )
    print(
        f"| partial_fit on one in-memory block, this process | | "
        f"{reference_rate:,.0f} | {reference_rate * generate_seconds / n_rows:.2f} "
        f"| |\n"
    )
    peaks = passes[-1][2]
    print("| worker | peak RSS (MiB) | limit (MiB) | spilled | paused | tasks |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for address in sorted(peaks):
        print(
            f"| {address} | {peaks[address]:.0f} | {limit / MIB:.0f} | "
            f"{states[address]['spilled']} | {pauses.get(address, 0)} times | "
            f"{states[address]['tasks']} |"
        )
    print(f"\nclient process peak RSS: {peak_rss_mib():.0f} MiB")
    if max(peaks.values()) * MIB > limit:
        print("FAILED: a worker went over its memory limit")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
