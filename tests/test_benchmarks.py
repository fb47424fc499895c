"""Smoke test of the benchmark package at tiny sizes, so that it cannot rot.

The numbers are meaningless at these sizes; what is checked is that every
section runs end to end through the command line and writes its tables.
"""

import importlib.util
import shutil
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from benchmarks import workloads
from benchmarks.__main__ import SECTIONS, main, parse_args
from benchmarks._common import markdown_table, time_interleaved

SHIPPED = Path(__file__).resolve().parent.parent / "imbweight" / "datasets" / "data"


@pytest.mark.parametrize("name", ["a", "b", "c", "d"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_workloads_are_imbalanced_and_keep_their_dtype(name, dtype):
    key = name + ("32" if dtype == np.float32 else "")
    workload = workloads.get(key, "tiny")
    assert workload.X.shape == workloads.SIZES["tiny"][name]
    assert workload.X.dtype == dtype
    assert sp.issparse(workload.X) == (name == "c")
    counts = np.bincount(workload.y)
    assert counts.size == (5 if name == "d" else 2)
    assert np.all(counts[1:] / workload.y.size < 0.1)
    assert workload.label.startswith(f"({name})")


def test_time_interleaved_reports_each_function():
    calls = []
    medians, results = time_interleaved(
        {"one": lambda: calls.append(1) or 1, "two": lambda: calls.append(2) or 2},
        repeats=3,
    )
    assert set(medians) == {"one", "two"} and all(t >= 0 for t in medians.values())
    assert results == {"one": 1, "two": 2}
    assert len(calls) == 2 * (1 + 3)


def test_markdown_table():
    assert markdown_table(["a", "b"], [[1, "x"]]).splitlines() == [
        "| a | b |",
        "| --- | --- |",
        "| 1 | x |",
    ]


def test_parse_args_defaults_and_errors():
    args = parse_args([])
    assert args.size == "full" and args.only == list(SECTIONS)
    assert args.output.name == "results.md" and args.plot.name == "scaling.png"
    quick = parse_args(["--quick", "--only", "speed"])
    assert quick.size == "quick" and quick.output is None
    with pytest.raises(SystemExit, match="unknown"):
        parse_args(["--only", "nothing"])


def test_every_section_runs_end_to_end(tmp_path, capsys):
    datasets = tmp_path / "datasets"
    datasets.mkdir()
    shutil.copy(SHIPPED / "glass5.csv", datasets)
    output = tmp_path / "results.md"
    argv = [
        "--size",
        "tiny",
        "--repeats",
        "1",
        "--workloads",
        "a,c,d",
        "--threads",
        "1",
    ]
    argv += ["--datasets", str(datasets), "--output", str(output)]
    has_matplotlib = importlib.util.find_spec("matplotlib") is not None
    if has_matplotlib:
        argv += ["--plot", str(tmp_path / "scaling.png")]
    assert main(argv) == 0
    report, printed = output.read_text(), capsys.readouterr().out
    for title in [
        "L-BFGS fit time",
        "One objective evaluation",
        "SGD epoch throughput",
        "Fit time against n_samples",
        "Peak memory of a fit",
        "Quality: PR-AUC",
        "Quality: balanced accuracy",
        "Decisions: expected cost",
        "Boosting fit time",
        "Boosting peak memory",
        "Boosting quality: PR-AUC",
        "Boosting quality: Brier of predict_posterior",
        "Dask boosting: fit_boosting through xgboost.dask",
    ]:
        assert f"## {title}" in report and f"## {title}" in printed
    assert "(c) CSR binary" in report and "glass5" in report
    assert "mean rank" in report and "thread pool" in report
    assert "lower than balanced argmax" in report and "CSC tuned" in report
    assert (tmp_path / "scaling.png").exists() == has_matplotlib
