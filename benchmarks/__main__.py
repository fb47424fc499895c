"""``python -m benchmarks``: run the benchmarks, print and save markdown tables.

Examples::

    python -m benchmarks                      # everything, full sizes (~15 min)
    python -m benchmarks --quick              # small sizes, a couple of minutes
    python -m benchmarks --only speed --workloads a,c --threads 1
"""

import argparse
import os
import sys
import time
from pathlib import Path

from benchmarks import boosting, decisions, memory, quality, scaling, speed, workloads
from benchmarks._common import (
    THREAD_MODES,
    log,
    machine_info,
    measure_read_bandwidth,
)

SECTIONS = (
    "speed",
    "objective",
    "sgd",
    "scaling",
    "memory",
    "quality",
    "decisions",
    "boosting",
    "dask_boosting",
)
HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.md"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmarks of imbweight against scikit-learn; every table "
        "holds ratios measured in the same run.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes (a couple of minutes)"
    )
    parser.add_argument(
        "--size", choices=sorted(workloads.SIZES), help=argparse.SUPPRESS
    )
    parser.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help=f"comma-separated sections to run, of {','.join(SECTIONS)} (default: all)",
    )
    parser.add_argument(
        "--workloads",
        default="a,b,c,d",
        help="comma-separated workloads of a,b,c,d (default: all)",
    )
    parser.add_argument(
        "--dtypes",
        default="float64,float32",
        help="comma-separated dtypes (default: float64,float32)",
    )
    parser.add_argument(
        "--threads",
        default=",".join(THREAD_MODES),
        help="comma-separated thread modes: '1' limits every BLAS/OpenMP pool "
        "to one thread for both libraries, 'default' leaves them alone "
        "(default: both)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=5,
        help="timed runs after one warm-up; the median is reported (default: 5)",
    )
    parser.add_argument(
        "--datasets",
        type=Path,
        help="folder of CSV files for the quality and decisions sections",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help="markdown file for the results (default: benchmarks/results.md for "
        "a full run of every section, none otherwise)",
    )
    parser.add_argument(
        "--plot",
        type=Path,
        help="PNG of the scaling section (default: scaling.png beside --output)",
    )
    args = parser.parse_args(argv)
    args.size = args.size or ("quick" if args.quick else "full")
    args.only = _split(args.only, SECTIONS, "--only")
    args.workloads = _split(args.workloads, tuple("abcd"), "--workloads")
    args.dtypes = _split(args.dtypes, ("float64", "float32"), "--dtypes")
    args.threads = _split(args.threads, THREAD_MODES, "--threads")
    complete = args.size == "full" and len(args.only) == len(SECTIONS)
    if args.output is None and complete:
        args.output = RESULTS
    if args.plot is None and args.output is not None:
        args.plot = args.output.with_name("scaling.png")
    return args


def _split(text, allowed, flag):
    values = [value.strip() for value in text.split(",") if value.strip()]
    unknown = [value for value in values if value not in allowed]
    if unknown or not values:
        raise SystemExit(f"{flag}: unknown {unknown}; choose from {','.join(allowed)}")
    return values


def run(args):
    """Run the selected sections; return the markdown report."""
    started = time.perf_counter()
    keys = workloads.keys(args.workloads, args.dtypes)
    dense = [key for key in keys if not key.startswith("c")]
    parts = [
        "# imbweight benchmarks",
        "",
        f"`python -m benchmarks {' '.join(args.argv)}`".replace(" `", "`"),
        "",
        "## Machine",
        "",
        *machine_info(),
    ]
    if "objective" in args.only:
        bandwidth = measure_read_bandwidth()
        parts.append(
            f"- single-core streaming read bandwidth (256 MiB): "
            f"{bandwidth / 1e9:.1f} GB/s"
        )
    parts += [
        f"- sizes: {args.size}; timings are medians of {args.repeats} runs after "
        f"one warm-up, libraries interleaved",
        "",
    ]

    def section(title, text, note=""):
        parts.extend([f"## {title}", ""] + ([note, ""] if note else []) + [text, ""])
        print(f"\n## {title}\n\n{text}", flush=True)
        if args.output is not None:  # what is done survives a later failure
            args.output.write_text("\n".join(parts) + "\n")

    common = dict(size=args.size, modes=args.threads, repeats=args.repeats)
    if "speed" in args.only:
        log("L-BFGS fits")
        rows = speed.fit_times(keys, **common)
        section(
            "L-BFGS fit time: FocalLogisticRegression / LogisticRegression",
            speed.fit_table(rows),
            "Same C, tol, max_iter and class_weight='balanced'. Ratios below 1 "
            "mean imbweight is faster. 'coef rel. diff' is max |Δcoef| / "
            "max |coef| between gamma=0 and LogisticRegression (which converts "
            "float32 X to float64).",
        )
    if "objective" in args.only:
        log("objective evaluations")
        rows = speed.objective_times(
            dense + [k for k in keys if k.startswith("c")],
            **common,
        )
        section(
            "One objective evaluation (value and gradient)",
            speed.objective_table(rows),
            "imbweight's LinearObjective (under its solvers' thread policy) "
            "against scikit-learn's LinearModelLoss (on float64 X, as "
            "LogisticRegression evaluates it), best of "
            f"{max(args.repeats, 9)} runs each. 'read X once' is one "
            "single-threaded streaming read of X's own arrays, timed in the "
            "same run just before the evaluations (best of 7, fastest of "
            "NumPy's max and sum): the floor of an evaluation that reads X "
            "from memory once. 'load' is the 1-minute load average after "
            "the row's timings.",
        )
    if "sgd" in args.only:
        log("SGD epochs")
        rows = speed.sgd_throughput(keys, **common)
        section(
            "SGD epoch throughput: WeightedSGDClassifier / SGDClassifier",
            speed.sgd_table(rows),
            f"{speed.SGD_EPOCHS} epochs, tol=None, class_weight='balanced'; "
            "samples per second per epoch; ratios above 1 mean imbweight is "
            "faster.",
        )
    if "scaling" in args.only:
        log("scaling")
        rows = scaling.scaling_times(size=args.size, repeats=args.repeats)
        note = "Row prefixes of workload (b), default threading."
        if args.plot is not None:
            path = scaling.scaling_plot(rows, args.plot)
            note += f" Plot: `{path.name}`."
        section("Fit time against n_samples", scaling.scaling_table(rows), note)
    if "memory" in args.only:
        log("memory")
        rows = memory.fit_memory(keys, size=args.size)
        section(
            "Peak memory of a fit, relative to X",
            memory.memory_table(rows),
            "tracemalloc: peak of traced allocations during fit (NumPy buffers "
            "included, BLAS work buffers not) over the bytes of X.",
        )
    if "quality" in args.only:
        log("quality")
        paths = quality.dataset_paths(args.datasets, quick=args.size != "full")
        results = quality.cross_validate(paths)
        for title, table in quality.quality_tables(results):
            section(f"Quality: {title}, {quality.N_FOLDS}-fold stratified CV", table)
    if "decisions" in args.only:
        log("decisions")
        paths = quality.dataset_paths(args.datasets, quick=args.size != "full")
        results = decisions.cross_validate(paths)
        section(
            "Decisions: expected cost under a 10:1 cost matrix, "
            f"{quality.N_FOLDS}-fold stratified CV",
            decisions.decisions_table(results),
            "Mean expected cost per row (lower is better). In each training fold "
            "a class with fewer rows than n / K is a minority class; deciding a "
            "majority class for a minority row costs 10, any other error 1 (for "
            "two classes: a missed minority row 10, a false alarm 1). "
            "CostSensitiveClassifier (CSC) decides on the posteriors of a "
            "balanced LogisticRegression (ClassWeightedClassifier), as they are "
            "or with per-class factors tuned by an inner 5-fold CV, or on those "
            "of SMOTE + LogisticRegression in an imbweight.pipeline.Pipeline. "
            "See benchmarks/decisions.py.",
        )
    if "boosting" in args.only:
        log("boosting")
        # Each fit takes tens of seconds at full size: at most 3 repeats.
        rows = boosting.fit_times(
            size=args.size, modes=args.threads, repeats=min(args.repeats, 3)
        )
        section(
            "Boosting fit time: FocalBoostingClassifier / built-in objective",
            boosting.fit_table(rows),
            f"{boosting.SIZES[args.size]['rounds']} rounds, the engines' default "
            "settings otherwise; medians of up to 3 interleaved runs. The last "
            "three columns split one gamma=2 fit: the NumPy objective (once per "
            "round), the preparation (targets, class weights, init score) and "
            "the engine (trees, and its round trip through Python).",
        )
        rows = boosting.fit_memory(size=args.size)
        section(
            "Boosting peak memory: FocalBoostingClassifier / built-in objective",
            boosting.memory_table(rows),
            "Peak resident memory a fit adds (Linux VmHWM, reset after loading "
            "the data), each fit in a fresh process, one thread.",
        )
        paths = quality.dataset_paths(args.datasets, quick=args.size != "full")
        results = boosting.cross_validate(paths)
        for title, table in boosting.quality_tables(results):
            section(
                f"Boosting quality: {title}, {quality.N_FOLDS}-fold stratified CV",
                table,
                "LightGBM with its defaults (100 rounds); gamma=0 grows the trees "
                "of LGBMClassifier() and LGBMClassifier(class_weight='balanced'). "
                "Linear models on standardised features. Brier summed over "
                "classes; 'predict_posterior' undoes class weights and gamma.",
            )
    if "dask_boosting" in args.only:
        log("dask boosting")
        # Imported here: only this section needs dask and xgboost.
        from benchmarks import dask_boosting

        summary, table = dask_boosting.measure(args.size)
        section(
            "Dask boosting: fit_boosting through xgboost.dask, data 2 x a worker's "
            "memory",
            table,
            summary + " Rows/s are of the whole data; each step generates it again. "
            "Peak RSS is the workers' high-water mark so far (ru_maxrss). See "
            "benchmarks/dask_boosting.py.",
        )
    elapsed = time.perf_counter() - started
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    parts.append(
        f"Total time: {elapsed / 60:.1f} min; load average at the end: {load}."
    )
    log(f"done in {elapsed / 60:.1f} min")
    return "\n".join(parts) + "\n"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    args.argv = argv
    report = run(args)
    if args.output is not None:
        args.output.write_text(report)
        log(f"results written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
