"""Fit time against the number of samples (dense binary, 20 features)."""

from benchmarks import workloads
from benchmarks._common import log, markdown_table, ratio, time_interleaved
from benchmarks.speed import _fit, imbweight_lbfgs, sklearn_lbfgs

N_SAMPLES = {
    "full": [10_000, 30_000, 100_000, 300_000, 1_000_000],
    "quick": [3_000, 10_000, 30_000, 100_000],
    "tiny": [200, 400, 800],
}


def scaling_times(*, size, repeats):
    """Fit times on row prefixes of workload (b), default threading."""
    base = workloads.get("b", size)
    rows = []
    for n_samples in N_SAMPLES[size]:
        if n_samples > base.X.shape[0]:
            continue
        log(f"  scaling n={n_samples}")
        prefix = workloads.Workload("b", base.X[:n_samples], base.y[:n_samples])
        medians, _ = time_interleaved(
            {
                "LogisticRegression": _fit(sklearn_lbfgs, prefix),
                "FocalLogisticRegression gamma=0": _fit(
                    lambda: imbweight_lbfgs(0.0), prefix
                ),
                "FocalLogisticRegression gamma=2": _fit(
                    lambda: imbweight_lbfgs(2.0), prefix
                ),
            },
            repeats=repeats,
        )
        rows.append({"n_samples": n_samples, "times": medians})
    return rows


def scaling_table(rows):
    names = list(rows[0]["times"])
    header = ["n_samples", f"{names[0]} (s)"] + [f"{name} / LR" for name in names[1:]]
    body = [
        [row["n_samples"], f"{row['times'][names[0]]:.3f}"]
        + [ratio(row["times"][name] / row["times"][names[0]]) for name in names[1:]]
        for row in rows
    ]
    return markdown_table(header, body)


def scaling_plot(rows, path):
    """Log-log plot of fit time against n_samples, written to ``path`` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n_samples = [row["n_samples"] for row in rows]
    figure, axes = plt.subplots(figsize=(6, 4.2), layout="constrained")
    for name in rows[0]["times"]:
        axes.loglog(
            n_samples, [row["times"][name] for row in rows], marker="o", label=name
        )
    axes.set_xlabel("n_samples (dense binary, 20 features, 5 % positives)")
    axes.set_ylabel("fit time (s), median")
    axes.set_title("Fit time against the number of samples")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
