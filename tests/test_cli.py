"""The ``imbweight`` command line: ``compare``, ``weights`` and user errors.

Most tests call ``main([...])`` in-process; one runs ``python -m imbweight``
to prove the entry point. The expensive runs happen once, in module-scoped
fixtures, and several tests read their output.
"""

import csv
import errno
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from _cluster import require

import imbweight
from imbweight import FocalLogisticRegression, _compare
from imbweight._compare import OUTPUT_FILES, _plots, _report, _runner, _strategies
from imbweight.cli import DEFAULT_OUT, _main, main
from imbweight.cli._progress import ProgressBar
from imbweight.datasets import DEFAULT_DATASET, make_imbalanced

ROOT = Path(__file__).resolve().parents[1]
# The project's shared data, beside the repository; CI always has it.
SHARED_DATASETS = ROOT.parent / "shared" / "datasets"

# The default strategies: the linear ones and, LightGBM being in the test
# extra, the boosting ones; the same for binary and multiclass targets.
DEFAULT_STRATEGIES = _compare.check_names()
# A few of each family and kind, for the runs that are about something else.
FEW = ["logreg", "balanced", "focal(gamma=2)", "smote", "lightgbm", "lightgbm+balanced"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
FIGURES = list(_plots.FIGURES)


def run(argv, capsys):
    """``main(argv)``: exit code, stdout, stderr."""
    code = main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return code, out, err


def write_csv(path, header, rows, delimiter=","):
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def table_rows(out):
    """(rank, strategy) of each row of the printed table."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("----")) + 1
    rows = []
    for line in lines[start:]:
        if line.startswith("----"):  # the constant predictor follows
            break
        rank, rest = line[:5], line[5:]
        rows.append((int(rank.rstrip("*=")), rest.split("  ")[0].strip()))
    return rows


def check_outputs(out_dir, strategies):
    """The files of a run: complete, consistent, ranked; returns the JSON."""
    assert {path.name for path in out_dir.iterdir()} == set(OUTPUT_FILES)
    assert set(OUTPUT_FILES) == {
        "results.csv",
        "results.json",
        *FIGURES,
        "report.html",
    }
    result = json.loads((out_dir / "results.json").read_text(encoding="utf-8"))
    with (out_dir / "results.csv").open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert [row["strategy"] for row in rows] == [
        r["strategy"] for r in result["results"]
    ]
    assert sorted(row["strategy"] for row in rows) == sorted(strategies)
    pr_auc = [float(row["pr_auc_mean"]) for row in rows]
    assert pr_auc == sorted(pr_auc, reverse=True)
    # the recommendation is one of the strategies tied with the best
    tied = [r["strategy"] for r in result["results"] if r["tied"]]
    assert result["best"] in tied and result["recommended"] in tied
    n_folds = result["cv"]["n_splits"] * result["cv"]["n_repeats"]
    metrics = [m for m in _compare.METRICS if m != "expected_cost"]
    for entry in [*result["results"], result["constant"]]:
        for metric in (*metrics, "roc_auc", "log_loss", "brier_raw"):
            folds = entry["scores"][metric]["folds"]
            assert len(folds) == n_folds
            assert np.isfinite(folds).all()
            assert entry["scores"][metric]["mean"] == pytest.approx(np.mean(folds))
    for name in FIGURES:
        data = (out_dir / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 20_000
    html = (out_dir / "report.html").read_text(encoding="utf-8")
    assert html.count('src="data:image/png;base64,') == len(FIGURES)
    return result


# ----------------------------------------------------------- the default run
@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    """``imbweight compare`` with no argument, in an empty working folder."""
    cwd = tmp_path_factory.mktemp("default")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        stdout, stderr = io.StringIO(), io.StringIO()
        patch.setattr(sys, "stdout", stdout)
        patch.setattr(sys, "stderr", stderr)
        code = main(["compare"])
    return code, stdout.getvalue(), stderr.getvalue(), cwd / DEFAULT_OUT


def test_compare_without_arguments_runs_on_the_default_dataset(default_run):
    code, out, err, out_dir = default_run
    assert code == 0
    assert err == ""  # no warning, no progress bar off a terminal
    assert out.startswith(f"{DEFAULT_DATASET}: 1484 samples, 8 features, 2 classes")
    assert "5-fold stratified cross-validation repeated 2 times (seed 0)" in out
    result = check_outputs(out_dir, DEFAULT_STRATEGIES)
    assert result["dataset"]["name"] == DEFAULT_DATASET
    assert result["dataset"]["class_counts"] == {"0": 1433, "1": 51}
    assert result["cv"]["n_splits"] == 5
    assert result["notes"] == []


def test_compare_table_is_ranked_with_the_recommendation_first(default_run):
    _, out, _, out_dir = default_run
    header = next(line for line in out.splitlines() if line.startswith("rank"))
    titles = ["PR-AUC", "balanced acc.", "minority F1", "minority recall", "Brier"]
    assert header.split()[2:] == " ".join(titles).split()
    rows = table_rows(out)
    assert [rank for rank, _ in rows] == list(range(1, len(DEFAULT_STRATEGIES) + 1))
    result = json.loads((out_dir / "results.json").read_text(encoding="utf-8"))
    assert [name for _, name in rows] == [r["strategy"] for r in result["results"]]
    assert f"Recommended: {result['recommended']}, " in out
    assert f"Why: {result['reason'][:40]}" in out
    # mean ± std cells, as in the files
    first = result["results"][0]["scores"]["pr_auc"]
    assert f"{first['mean']:.3f} ± {first['std']:.3f}" in out
    assert (
        "Wrote results.csv, results.json, pr_curves.png, reliability.png, "
        "scores.png, report.html" in out
    )


def test_compare_weighting_moves_the_decisions_towards_the_minority(default_run):
    # Not a property of the CLI but a sanity check of its wiring: balanced
    # weights raise balanced accuracy well above the plain model's.
    result = json.loads((default_run[3] / "results.json").read_text(encoding="utf-8"))
    scores = {r["strategy"]: r["scores"] for r in result["results"]}
    plain = scores["logreg"]["balanced_accuracy"]["mean"]
    assert scores["balanced"]["balanced_accuracy"]["mean"] > plain + 0.1
    assert scores["smote"]["balanced_accuracy"]["mean"] > plain + 0.1


# ------------------------------------------------------------------- figures
@pytest.fixture(scope="module")
def comparisons():
    """A binary and a multiclass comparison, small and quick."""
    options = {"cv": 3, "n_repeats": 1, "strategies": FEW}
    binary = _compare.compare(_compare.load_builtin("glass5"), **options)
    multiclass = _compare.compare(_compare.load_builtin("glass"), **options)
    return {"binary": binary, "multiclass": multiclass}


@pytest.mark.parametrize("kind", ["binary", "multiclass"])
@pytest.mark.parametrize(
    "make_figure", [_plots.pr_curves_figure, _plots.reliability_figure]
)
def test_curves_show_the_recommended_the_baseline_and_each_familys_best(
    comparisons, kind, make_figure
):
    comparison = comparisons[kind]
    figure = make_figure(comparison)
    axes = figure.get_axes()
    for ax in axes:
        assert ax.get_xlabel() or ax.get_ylabel() or ax.get_title()
    legend = axes[0].get_legend()
    texts = [text.get_text() for text in legend.get_texts()]
    best = {
        family: next(s.name for s in comparison.strategies if s.family == family)
        for family in ("linear", "boosting")
    }
    wanted = {
        comparison.recommendation.name: "recommended",
        best["linear"]: "best linear",
        best["boosting"]: "best boosting",
        "logreg": "baseline",
    }
    shown = [strategy.name for strategy, _ in _plots.shown(comparison)]
    assert set(wanted) <= set(shown) and len(shown) <= 5
    for name in wanted:
        assert any(text.startswith(f"{name}, ") for text in texts), (name, texts)
    if make_figure is _plots.pr_curves_figure:
        # The legend's numbers are the table's: mean PR-AUC over the folds.
        mean = np.mean(comparison.scores[shown[0]]["pr_auc"])
        assert f"(PR-AUC {mean:.3f})" in texts[0]
    else:  # own probabilities on the left, recovered posteriors on the right
        assert [ax.get_title() for ax in axes[:2]] == [
            "own predict_proba",
            "recovered posterior",
        ]


def test_scores_figure_shows_every_strategy_with_an_error_bar(comparisons):
    comparison = comparisons["binary"]
    ax = _plots.scores_figure(comparison).get_axes()[0]
    labels = [label.get_text() for label in ax.get_yticklabels()]
    assert len(labels) == len(comparison.strategies) + 1
    assert labels[-1].startswith("constant predictor (")
    assert any(label.endswith(" *") for label in labels)
    assert "mean difference from" in ax.get_xlabel()


def test_pr_curve_of_a_multiclass_problem_is_a_macro_average():
    y = np.array([0, 0, 1, 1, 2, 2])
    perfect = np.eye(3)[y]
    grid = np.linspace(0, 1, 5)
    curve = _plots._macro_pr_curve(y, perfect, np.arange(3), grid)
    np.testing.assert_allclose(curve, 1.0)
    useless = np.full((6, 3), 1 / 3)
    curve = _plots._macro_pr_curve(y, useless, np.arange(3), grid)
    np.testing.assert_allclose(curve, 1 / 3)


# ----------------------------------------------------- CSV files of any kind
@pytest.fixture(scope="module")
def mixed_csv(tmp_path_factory):
    """Text labels (minority sorted first), a categorical column, gaps, ';'."""
    X, y = make_imbalanced(300, 4, imbalance_ratio=6, random_state=0)
    rng = np.random.default_rng(0)
    colour = rng.choice(["red", "green", "blue"], size=y.size)
    rows = []
    for i in range(y.size):
        cells = [f"{v:.5f}" for v in X[i]] + [colour[i], "alert" if y[i] else "ok"]
        cells += [f"row{i}", ""]  # an identifier, an empty column: both dropped
        if i % 37 == 3:
            cells[1] = ""  # a missing number
        if i % 53 == 5:
            cells[4] = "NA"  # a missing category
        rows.append(cells)
    rows.append(["1.0", "2.0", "3.0", "4.0", "red", "", "row300", ""])  # no label
    path = tmp_path_factory.mktemp("mixed") / "mixed.csv"
    header = ["a", "b", "c", "d", "colour", "status", "id", "notes"]
    return write_csv(path, header, rows, delimiter=";")


@pytest.fixture(scope="module")
def mixed_run(mixed_csv, tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("mixed_out")
    stdout, stderr = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "stdout", stdout)
        patch.setattr(sys, "stderr", stderr)
        argv = ["compare", "--csv", mixed_csv, "--target", "status", "--cv", "3"]
        argv += ["--seed", "1", "--repeats", "1", "--out", out_dir, "--progress"]
        code = main([str(arg) for arg in argv])
    return code, stdout.getvalue(), stderr.getvalue(), out_dir


def test_compare_reads_text_labels_categories_and_missing_values(mixed_run):
    code, out, err, out_dir = mixed_run
    assert code == 0, err
    assert out.startswith(
        "mixed: 300 samples, 5 features, 2 classes (alert: 43, ok: 257)"
    )
    assert "minority class 'alert'" in out
    result = check_outputs(out_dir, DEFAULT_STRATEGIES)
    assert result["dataset"]["categorical_features"] == ["colour"]
    assert result["dataset"]["minority_class"] == "alert"
    assert result["seed"] == 1
    warnings = [line for line in err.splitlines() if "warning" in line]
    assert any(
        "dropped 1 row(s) whose target 'status' is missing" in w for w in warnings
    )
    assert any("missing feature value(s) are imputed" in w for w in warnings)
    assert any("dropped column(s) with no value at all: notes" in w for w in warnings)
    assert any("(identifiers or free text): id" in w for w in warnings)
    assert "b (9)" in err and "colour (6)" in err


def test_compare_shows_a_progress_bar_on_request(mixed_run):
    err = mixed_run[2]
    assert "compare mixed [" in err
    fits = (len(DEFAULT_STRATEGIES) + 1) * 3  # and the constant predictor
    assert f"{fits}/{fits} fits" in err


def test_compare_shows_progress_while_reading_on_request(mixed_run, mixed_csv):
    err = mixed_run[2]
    size = f"{mixed_csv.stat().st_size / 1e6:.1f}"
    assert f"read mixed.csv [{'#' * 28}] {size}/{size} MB" in err


def test_progress_bar_in_megabytes_ends_its_line_once():
    stream = io.StringIO()
    bar = ProgressBar("read x.csv", stream=stream, unit="MB", scale=1e6)
    bar(2_500_000, 2_500_000)
    bar(2_500_000, 2_500_000)  # a reader may report the end twice
    assert stream.getvalue().startswith("\rread x.csv [") and "2.5/2.5 MB" in (
        stream.getvalue()
    )
    assert stream.getvalue().count("\n") == 1


def test_adaptive_smote_handles_tiny_classes():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(23, 2))
    y = np.array([0] * 18 + [1] * 3 + [2] * 1 + [3] * 1)
    # class 1 grows to the majority with k_neighbors=2; singletons stay as is
    _, y_res = _strategies._AdaptiveSMOTE(random_state=0).fit_resample(X, y)
    np.testing.assert_array_equal(np.bincount(y_res), [18, 18, 1, 1])
    _, y_res = _strategies._AdaptiveSMOTE(ratio=0.5).fit_resample(X, y)
    np.testing.assert_array_equal(np.bincount(y_res), [18, 9, 1, 1])
    X_same, y_same = _strategies._AdaptiveSMOTE().fit_resample(X[18:], y[18:])
    assert X_same.shape == (5, 2)  # nothing to grow: unchanged
    np.testing.assert_array_equal(y_same, y[18:])


def test_n_jobs_gives_the_same_results(comparisons, tmp_path, capsys):
    argv = ["compare", "--dataset", "glass5", "--cv", "3", "--no-plots"]
    argv += ["--repeats", "1", "--strategies", ",".join(FEW)]
    code, _, err = run([*argv, "--n-jobs", "2", "--out", tmp_path], capsys)
    assert code == 0, err
    assert {path.name for path in tmp_path.iterdir()} == {
        "results.csv",
        "results.json",
    }
    result = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    in_process = comparisons["binary"]  # the same data, folds and seed, n_jobs=1
    for entry in result["results"]:
        for metric, values in in_process.scores[entry["strategy"]].items():
            assert entry["scores"][metric]["folds"] == values.tolist()


def test_a_failing_strategy_is_reported_and_left_out(monkeypatch, tmp_path, capsys):
    def with_a_broken_one(*args, **kwargs):
        broken = FocalLogisticRegression(gamma=-1.0)  # invalid: fit raises
        return [
            *make_strategies(*args, **kwargs),
            _compare.Strategy("broken", "", broken),
        ]

    make_strategies = _compare.make_strategies
    monkeypatch.setattr(_runner, "make_strategies", with_a_broken_one)
    argv = ["compare", "--dataset", "glass5", "--cv", "2", "--no-plots"]
    argv += ["--repeats", "1", "--strategies", "logreg,balanced"]
    code, out, err = run([*argv, "--out", tmp_path], capsys)
    assert code == 0
    assert err.startswith(
        "imbweight: warning: broken: failed, left out: InvalidParameterError: The "
        "'gamma' parameter of FocalLogisticRegression must be"
    )
    assert err.endswith("(in 2 of 2 fits)\n")
    assert len(err.splitlines()) == 1
    assert "broken" not in out
    result = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert [r["strategy"] for r in result["results"]] == [
        name for _, name in table_rows(out)
    ]
    assert len(result["results"]) == 2
    assert result["notes"] == [err.removeprefix("imbweight: warning: ").strip()]


# -------------------------------------------------------------- output files
OLD_OUTPUTS = {name: f"old {name}\n".encode() for name in sorted(OUTPUT_FILES)}


def earlier_run(out_dir, names=OUTPUT_FILES):
    """Files standing for the outputs of an earlier run."""
    out_dir.mkdir(exist_ok=True)
    for name in names:
        (out_dir / name).write_bytes(OLD_OUTPUTS[name])


def files_in(folder):
    return {path.name: path.read_bytes() for path in folder.iterdir()}


@pytest.mark.parametrize("name", sorted(OUTPUT_FILES))
@pytest.mark.parametrize("overwrite", [[], ["--overwrite"]])
def test_compare_never_replaces_its_input_file(
    bad_csvs, tmp_path, capsys, name, overwrite
):
    data = tmp_path / name
    data.write_bytes(bad_csvs["good"].read_bytes())
    before = files_in(tmp_path)
    argv = ["compare", "--csv", data, "--target", "label", "--out", ".", *overwrite]
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        code, out, err = run(argv, capsys)
    assert (code, out) == (1, "")
    assert err == (
        f"imbweight compare: error: --out . would replace the input file {data} "
        f"with {name}: choose another --out\n"
    )
    assert files_in(tmp_path) == before


def test_compare_never_replaces_a_link_to_its_input_file(bad_csvs, tmp_path, capsys):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    os.link(bad_csvs["good"], out_dir / "results.json")
    argv = ["compare", "--csv", bad_csvs["good"], "--target", "label"]
    code, _, err = run([*argv, "--out", out_dir, "--overwrite"], capsys)
    assert code == 1
    assert "would replace the input file" in err and "with results.json" in err
    assert (out_dir / "results.json").read_bytes() == bad_csvs["good"].read_bytes()


@pytest.mark.parametrize("names", [OUTPUT_FILES, ["results.json"], ["reliability.png"]])
def test_compare_refuses_to_replace_earlier_results(tmp_path, capsys, names):
    earlier_run(tmp_path, names)
    code, out, err = run(["compare", "--out", tmp_path], capsys)
    assert (code, out) == (1, "")
    listed = ", ".join(name for name in OUTPUT_FILES if name in names)
    assert err == (
        f"imbweight compare: error: {tmp_path} already holds results ({listed}): "
        "pass --overwrite to replace them, or choose another --out\n"
    )
    assert files_in(tmp_path) == {name: OLD_OUTPUTS[name] for name in names}


def test_compare_refuses_an_output_name_taken_by_a_folder(tmp_path, capsys):
    # Replacing the set would remove the other files, then fail on the folder.
    earlier_run(tmp_path, ["results.csv"])
    (tmp_path / "reliability.png").mkdir()
    code, _, err = run(["compare", "--out", tmp_path, "--overwrite"], capsys)
    assert code == 1
    assert err == (
        f"imbweight compare: error: {tmp_path / 'reliability.png'} is a folder: "
        "choose another --out\n"
    )
    assert (tmp_path / "results.csv").read_bytes() == OLD_OUTPUTS["results.csv"]


def test_overwrite_replaces_the_set_and_removes_stale_plots(tmp_path, capsys):
    earlier_run(tmp_path)
    (tmp_path / "notes.txt").write_text("mine")
    argv = ["compare", "--dataset", "glass5", "--cv", "2", "--no-plots"]
    argv += ["--repeats", "1", "--strategies", "logreg"]
    code, _, err = run([*argv, "--out", tmp_path, "--overwrite"], capsys)
    assert code == 0, err
    files = files_in(tmp_path)
    # no plot of the earlier run is left beside the new numbers
    assert set(files) == {"results.csv", "results.json", "notes.txt"}
    assert json.loads(files["results.json"])["dataset"]["name"] == "glass5"
    assert files["results.csv"].startswith(b"rank,strategy,")
    assert files["notes.txt"] == b"mine"  # not an output: untouched


@pytest.mark.parametrize(
    ("failure", "code", "message"),
    [
        (
            OSError(errno.ENOSPC, "No space left on device"),
            1,
            "imbweight compare: error: cannot write into {out}: No space left on "
            "device\n",
        ),
        (KeyboardInterrupt(), 130, "imbweight compare: interrupted\n"),
    ],
)
def test_a_run_stopped_while_writing_leaves_the_earlier_results(
    monkeypatch, tmp_path, capsys, failure, code, message
):
    # The last file fails half-written, after the others were complete: the
    # folder must still hold exactly the earlier run, and no partial file.
    def half_written(comparison, path):
        Path(path).write_bytes(PNG_MAGIC)
        raise failure

    monkeypatch.setitem(_report.OUTPUTS, "reliability.png", half_written)
    earlier_run(tmp_path)
    argv = ["compare", "--dataset", "glass5", "--cv", "2", "--overwrite"]
    argv += ["--repeats", "1", "--strategies", "logreg"]
    status, out, err = run([*argv, "--out", tmp_path], capsys)
    assert status == code
    assert err == message.format(out=tmp_path)
    assert "Recommended" in out  # the table came before the files
    assert files_in(tmp_path) == OLD_OUTPUTS


def test_compare_checks_that_out_is_writable_before_any_fit(
    monkeypatch, bad_csvs, capsys
):
    try:  # a folder that even root cannot write into
        tempfile.NamedTemporaryFile(dir="/sys").close()
    except OSError:
        pass
    else:
        pytest.skip("/sys is writable here: no read-only folder to test with")

    def no_fit(*args, **kwargs):
        raise AssertionError("compare started fitting")

    monkeypatch.setattr(_main, "compare", no_fit)
    argv = ["compare", "--csv", bad_csvs["good"], "--target", "label"]
    code, out, err = run([*argv, "--out", "/sys"], capsys)
    assert (code, out) == (1, "")
    assert err.startswith("imbweight compare: error: cannot write into /sys: ")


# --------------------------------------------------------- the shared data
SHARED_SAMPLE = [
    "glass5",  # binary, 9 minority samples
    "ecoli",  # multiclass, text labels, two classes of 2 samples: 2 folds
    "vowel0",  # binary, 988 rows, negative features
]


@pytest.fixture(scope="module")
def shared_datasets():
    if not SHARED_DATASETS.is_dir():
        message = f"the shared datasets are not at {SHARED_DATASETS}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}, and CI must have them")
        pytest.skip(f"{message} (outside the project's checkout)")
    return SHARED_DATASETS


@pytest.mark.parametrize("name", SHARED_SAMPLE)
def test_compare_runs_on_the_shared_datasets(shared_datasets, name, tmp_path, capsys):
    manifest = json.loads((shared_datasets / "MANIFEST.json").read_text())
    info = next(d for d in manifest["datasets"] if d["name"] == name)
    path = shared_datasets / f"{name}.csv"
    argv = ["compare", "--csv", path, "--repeats", "1", "--out", tmp_path]
    code, out, err = run(argv, capsys)
    assert code == 0, err
    result = check_outputs(tmp_path, DEFAULT_STRATEGIES)
    assert result["dataset"]["class_counts"] == info["class_counts"]
    assert result["dataset"]["n_features"] == info["n_features"]
    smallest = min(info["class_counts"].values())
    assert result["cv"]["n_splits"] == min(5, smallest)
    if smallest < 5:
        assert f"using {smallest}-fold cross-validation instead of 5" in err
    else:
        assert err == ""
    if info["kind"] == "multiclass":
        assert "macro average of one-vs-rest average precision" in out


# ---------------------------------------------------------------- weights
def test_weights_of_the_default_dataset(capsys):
    code, out, err = run(["weights"], capsys)
    assert code == 0 and err == ""
    result = json.loads(out)
    assert result["dataset"] == DEFAULT_DATASET
    assert result["strategy"] == "balanced"
    assert result["class_counts"] == {"0": 1433, "1": 51}
    assert result["class_weight"]["1"] == pytest.approx(1484 / (2 * 51))
    assert result["params"] == {"clip": None, "normalize": "samples"}


def test_weights_of_a_csv_target(mixed_csv, capsys):
    argv = ["weights", "--csv", mixed_csv, "--target", "status"]
    argv += ["--strategy", "effective_number", "--beta", "0.999", "--clip", "3"]
    code, out, err = run(argv, capsys)
    assert code == 0
    assert "dropped 1 row(s)" in err
    result = json.loads(out)
    assert result["params"] == {"beta": 0.999, "clip": 3.0, "normalize": "samples"}
    weights = result["class_weight"]
    assert set(weights) == {"alert", "ok"}
    assert weights["alert"] / weights["ok"] == pytest.approx(3.0)
    counts = result["class_counts"]
    total = sum(counts[c] * weights[c] for c in counts)
    assert total == pytest.approx(300)  # normalize="samples"


def test_weights_warns_about_a_parameter_the_strategy_ignores(capsys):
    code, out, err = run(
        ["weights", "--strategy", "power", "--power", "0.5", "--beta", "0.9"], capsys
    )
    assert code == 0
    assert json.loads(out)["params"]["power"] == 0.5
    assert err == "imbweight: warning: --beta is ignored by the strategy 'power'\n"


def test_weights_of_a_target_with_a_single_sample_class(bad_csvs, capsys):
    # weights does no cross-validation: one sample is a class like any other
    argv = ["weights", "--csv", bad_csvs["single"], "--target", "label"]
    code, out, err = run(
        [*argv, "--normalize", "none", "--strategy", "inverse"], capsys
    )
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert result["class_counts"] == {"a": 20, "b": 1}
    assert result["class_weight"] == {"a": 1 / 20, "b": 1.0}


def test_weights_normalize_none_gives_the_raw_formula(capsys):
    argv = ["weights", "--dataset", "glass5", "--strategy", "inverse"]
    code, out, _ = run([*argv, "--normalize", "none"], capsys)
    assert code == 0
    assert json.loads(out)["class_weight"] == {"0": 1 / 205, "1": 1 / 9}


# ------------------------------------------------------------- user errors
@pytest.fixture
def bad_csvs(tmp_path):
    """CSV files with one mistake each."""
    files = {}
    rows = [[f"{i}.5", str(i % 3), "a" if i < 20 else "b"] for i in range(30)]
    files["good"] = write_csv(tmp_path / "good.csv", ["x", "y", "label"], rows)
    files["one_class"] = write_csv(
        tmp_path / "one_class.csv", ["x", "label"], [[str(i), "a"] for i in range(10)]
    )
    few = [[str(i), "a" if i < 20 else "b"] for i in range(23)]
    files["few"] = write_csv(tmp_path / "few.csv", ["x", "label"], few)
    single = [[str(i), "a" if i < 20 else "b"] for i in range(21)]
    files["single"] = write_csv(tmp_path / "single.csv", ["x", "label"], single)
    garbage = [
        [str(i), "oops" if i == 7 else str(i * 2), "a" if i < 20 else "b"]
        for i in range(30)
    ]
    files["garbage"] = write_csv(tmp_path / "garbage.csv", ["x", "y", "label"], garbage)
    infinite = [
        [str(i), "inf" if i == 4 else "1", "a" if i < 20 else "b"] for i in range(30)
    ]
    files["infinite"] = write_csv(tmp_path / "inf.csv", ["x", "y", "label"], infinite)
    continuous = [[str(i), f"{i / 7:.4f}"] for i in range(30)]
    files["continuous"] = write_csv(tmp_path / "cont.csv", ["x", "label"], continuous)
    files["no_labels"] = write_csv(
        tmp_path / "no_labels.csv", ["x", "label"], [[str(i), "NA"] for i in range(5)]
    )
    files["binary"] = tmp_path / "binary.csv"
    files["binary"].write_bytes(bytes(range(256)) * 4)
    files["header_only"] = tmp_path / "header.csv"
    files["header_only"].write_text("x,label\n")
    files["empty"] = tmp_path / "empty.csv"
    files["empty"].write_text("\n\n")
    files["ragged"] = tmp_path / "ragged.csv"
    files["ragged"].write_text("x,label\n1,a\n2,b,3\n")
    files["target_only"] = write_csv(
        tmp_path / "target_only.csv", ["label"], [["a"], ["b"]] * 10
    )
    files["folder"] = tmp_path
    sentinel = [
        [str(i), "1.797e308" if i == 3 else "1", "ab"[i % 2]] for i in range(30)
    ]
    files["sentinel"] = write_csv(
        tmp_path / "sentinel.csv", ["x", "y", "label"], sentinel
    )
    many = [[str(i % 7), f"acct{i // 2}"] for i in range(600)]
    files["many_classes"] = write_csv(tmp_path / "many.csv", ["x", "label"], many)
    files["unquoted"] = tmp_path / "unquoted.csv"
    files["unquoted"].write_text('x,label\n1,a\n2,"b\n3,a\n')
    return files


USER_ERRORS = [
    # (command, arguments, message)
    ("compare", ["--csv", "{missing}"], "no such file: {missing}"),
    ("weights", ["--csv", "{missing}"], "no such file: {missing}"),
    (
        "compare",
        ["--csv", "{good}", "--target", "nope"],
        "has no column 'nope'; its columns are 'x', 'y', 'label' (choose one with "
        "--target)",
    ),
    ("compare", ["--csv", "{good}"], "has no column 'target'"),
    ("weights", ["--csv", "{good}", "--target", "nope"], "has no column 'nope'"),
    (
        "compare",
        ["--csv", "{one_class}", "--target", "label"],
        "the target 'label' has a single class ('a', 10 samples): there is nothing "
        "to classify",
    ),
    ("weights", ["--csv", "{one_class}", "--target", "label"], "has a single class"),
    (
        "compare",
        ["--csv", "{few}", "--target", "label", "--cv", "5"],
        "class 'b' has 3 samples, fewer than the 5 folds of --cv: use --cv 3 or "
        "less, or drop or merge the class",
    ),
    (
        "compare",
        ["--csv", "{single}", "--target", "label"],
        "class 'b' of the target 'label' has a single sample",
    ),
    (
        "compare",
        ["--csv", "{garbage}", "--target", "label"],
        "line 9: column 'y' holds numbers but also 1 non-numeric value(s) such as "
        "'oops'; fix them, or leave the cells empty to have them imputed",
    ),
    (
        "compare",
        ["--csv", "{infinite}", "--target", "label"],
        "line 6: column 'y' holds 'inf', which is not a finite number",
    ),
    (
        "compare",
        ["--csv", "{continuous}", "--target", "label"],
        "the target 'label' holds non-integer numbers such as '0.1429': it looks "
        "continuous",
    ),
    (
        "compare",
        ["--csv", "{no_labels}", "--target", "label"],
        "every value of the target 'label' is missing",
    ),
    ("compare", ["--csv", "{binary}"], "is not a UTF-8 text file; expected a CSV"),
    ("compare", ["--csv", "{header_only}"], "has a header but no data rows"),
    ("compare", ["--csv", "{empty}"], "is empty"),
    ("compare", ["--csv", "{ragged}"], "line 3: 3 fields where the header has 2"),
    (
        "compare",
        ["--csv", "{target_only}", "--target", "label"],
        "has no feature column besides the target 'label'",
    ),
    ("compare", ["--csv", "{folder}"], "is a directory, not a CSV file"),
    ("compare", ["--target", "label"], "--target applies to --csv only"),
    ("compare", ["--sep", ";"], "--sep applies to --csv only"),
    ("weights", ["--encoding", "latin-1"], "--encoding applies to --csv only"),
    ("compare", ["--drop", "x"], "--drop applies to --csv only"),
    ("compare", ["--csv", "/dev/zero"], "/dev/zero is a binary file, not a CSV file"),
    (
        "compare",
        ["--csv", "{sentinel}", "--target", "label"],
        "line 5: column 'y' holds 1.797e+308, too large to compute with",
    ),
    (
        "compare",
        ["--csv", "{many_classes}", "--target", "label"],
        "the target 'label' has 300 classes of 2 rows on average: is 'label' an "
        "identifier? compare handles at most 100 classes",
    ),
    (
        "compare",
        ["--csv", "{good}", "--target", "label", "--drop", "x", "nope"],
        "--drop: {good} has no column 'nope'",
    ),
    (
        "compare",
        ["--csv", "{unquoted}", "--target", "label"],
        "unquoted.csv, line 3: a quote opened on this line is never closed",
    ),
    ("compare", ["--dataset", "glass5", "--cv", "10"], "class 1 has 9 samples"),
    (
        "compare",
        ["--csv", "{good}", "--target", "label", "--out", "{good}"],
        "cannot create the folder",
    ),
]


@pytest.mark.parametrize(("command", "arguments", "message"), USER_ERRORS)
def test_user_errors_end_with_one_line_and_exit_code_1(
    bad_csvs, tmp_path, capsys, command, arguments, message
):
    names = {**{k: str(v) for k, v in bad_csvs.items()}}
    names["missing"] = str(tmp_path / "missing.csv")
    argv = [command, *(a.format(**names) for a in arguments)]
    if command == "compare" and "--out" not in argv:
        argv += ["--out", str(tmp_path / "out")]
    code, out, err = run(argv, capsys)
    assert code == 1
    assert out == ""
    assert err.startswith(f"imbweight {command}: error: ")
    assert message.format(**names) in err
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()  # no work started, nothing written


def test_compare_without_matplotlib_says_what_to_install(monkeypatch, tmp_path, capsys):
    def missing():
        raise ImportError("the plots of imbweight compare need matplotlib: ...")

    monkeypatch.setattr(_plots, "check_matplotlib", missing)
    code, out, err = run(["compare", "--out", tmp_path / "out"], capsys)
    assert (code, out) == (1, "")
    assert err == (
        "imbweight compare: error: the plots of imbweight compare need "
        "matplotlib: ...\n"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["compare", "--cv", "1"], "argument --cv: must be at least 2, got 1"),
        (["compare", "--cv", "five"], "argument --cv: 'five' is not an integer"),
        (
            ["compare", "--dataset", "nope"],
            "argument --dataset: invalid choice: 'nope'",
        ),
        (
            ["compare", "--dataset", "pima", "--csv", "x.csv"],
            "argument --csv: not allowed with argument --dataset",
        ),
        (["compare", "--n-jobs", "0"], "argument --n-jobs: must not be 0"),
        (["compare", "--seed", "-1"], "argument --seed: must be at least 0, got -1"),
        (["compare", "--seed", str(2**32)], "argument --seed: must be below 2**32"),
        (["weights", "--strategy", "nope"], "argument --strategy: invalid choice"),
        (["weights", "--beta", "high"], "argument --beta: 'high' is not a number"),
        (
            ["weights", "--strategy", "effective_number", "--beta", "2"],
            "argument --beta: must be a finite number in [0, 1], got 2",
        ),
        (
            ["weights", "--beta", "nan"],
            "argument --beta: must be a finite number in [0, 1]",
        ),
        (
            ["weights", "--clip", "0.5"],
            "argument --clip: must be a finite number >= 1, got 0.5",
        ),
        (
            ["weights", "--power", "-1"],
            "argument --power: must be a finite number >= 0, got -1",
        ),
        (["frobnicate"], "argument COMMAND: invalid choice: 'frobnicate'"),
        (["compare", "--sep", ";;"], "argument --sep: must be one character"),
        (["weights", "--encoding", "klingon"], "argument --encoding: unknown encoding"),
        (
            ["compare", "--strategies", "logreg,nope"],
            "argument --strategies: unknown strategy 'nope'; the strategies are "
            "logreg, balanced,",
        ),
        (["compare", "--strategies", ","], "name at least one strategy"),
        (["compare", "--metric", "auc"], "argument --metric: invalid choice: 'auc'"),
        (["compare", "--repeats", "0"], "argument --repeats: must be at least 1"),
        (
            ["compare", "--metric", "expected_cost"],
            "--metric expected_cost needs the costs",
        ),
        (
            ["compare", "--cost-matrix", "c.csv", "--cost-fn", "2"],
            "give the costs either with --cost-matrix or with --cost-fn/--cost-fp",
        ),
        (
            ["compare", "--cost-fp", "-1"],
            "argument --cost-fp: must be a finite number >= 0",
        ),
    ],
)
def test_argument_errors_end_with_one_line_and_exit_code_2(argv, message, capsys):
    code, out, err = run(argv, capsys)
    assert code == 2
    assert out == ""
    assert message in err
    if argv[0] in ("compare", "weights"):  # the command's usage error
        assert err.startswith(f"imbweight {argv[0]}: error: "), err
    assert err.endswith("--help)\n")
    assert len(err.splitlines()) == 1, err


def test_every_strategy_failing_ends_with_one_line(monkeypatch, tmp_path, capsys):
    def only_broken(*args, **kwargs):
        return [_compare.Strategy("broken", "", FocalLogisticRegression(gamma=-1.0))]

    monkeypatch.setattr(_runner, "make_strategies", only_broken)
    argv = ["compare", "--dataset", "glass5", "--cv", "2", "--no-plots"]
    code, out, err = run([*argv, "--out", tmp_path], capsys)
    assert (code, out) == (1, "")
    assert err.startswith(
        "imbweight compare: error: every strategy failed; the first error: "
        "failed, left out: InvalidParameterError: The 'gamma' parameter"
    )
    assert len(err.splitlines()) == 1


def test_ctrl_c_while_importing_ends_with_one_line(tmp_path):
    # A real SIGINT, sent while the command imports scikit-learn. Python
    # leaves SIGINT ignored when its parent ignored it (as a shell does for
    # a command started with '&'), so the script installs the handler a
    # terminal user has.
    script = f"""
import os, signal, sys

signal.signal(signal.SIGINT, signal.default_int_handler)

class InterruptAtImport:
    def find_spec(self, name, path=None, target=None):
        if name == "sklearn":
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, InterruptAtImport())
from imbweight.cli import main
sys.exit(main(["compare", "--out", {str(tmp_path)!r}]))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout) == (130, "")
    assert result.stderr == "imbweight: interrupted\n"


def test_a_closed_stdout_still_gets_the_files_written(tmp_path):
    # As in `imbweight compare | head -1`: the reader of stdout is gone before
    # the table is printed (its end is closed before the command starts).
    read_end, write_end = os.pipe()
    os.close(read_end)
    argv = [sys.executable, "-m", "imbweight", "compare", "--dataset", "glass5"]
    argv += ["--cv", "2", "--no-plots", "--out", str(tmp_path)]
    argv += ["--repeats", "1", "--strategies", "logreg"]
    try:
        result = subprocess.run(
            argv, stdout=write_end, stderr=subprocess.PIPE, text=True, check=False
        )
    finally:
        os.close(write_end)
    assert (result.returncode, result.stderr) == (0, "")
    assert {path.name for path in tmp_path.iterdir()} == {
        "results.csv",
        "results.json",
    }


def test_compare_keeps_integer_labels_above_2_63(tmp_path, capsys):
    rows = [[str(i % 7), f"{i}.5", str(2**63 + i % 3)] for i in range(60)]
    path = write_csv(tmp_path / "accounts.csv", ["x", "y", "account"], rows)
    argv = ["compare", "--csv", path, "--target", "account", "--cv", "2"]
    argv += ["--repeats", "1", "--strategies", "logreg,balanced,lightgbm+balanced"]
    code, _, err = run([*argv, "--no-plots", "--out", tmp_path / "out"], capsys)
    assert code == 0, err
    result = json.loads((tmp_path / "out" / "results.json").read_text())
    assert result["dataset"]["class_counts"] == {str(2**63 + k): 20 for k in range(3)}


@pytest.fixture(scope="module")
def messy_run(tmp_path_factory):
    """A CSV as people write them: dates, "1,234.50", ids, labels in two cases."""
    rng = np.random.default_rng(0)
    rows = []
    for i in range(240):
        churn = rng.random() < 0.15
        spend = rng.normal(1500 if churn else 900, 300)
        label = ("Yes" if i % 2 else "YES") if churn else "no"
        signup = f"2020-{1 + i % 12:02d}-{1 + i % 28:02d}"
        rows.append(
            [
                f"C{i:05d}",
                str(10_000 + i),
                signup,
                f"{spend:,.2f}",
                "abc"[i % 3],
                str(i % 4),
                label,
            ]
        )
    header = ["name", "customer_id", "signup", "spend", "plan", "leak", "churned"]
    folder = tmp_path_factory.mktemp("messy")
    path = write_csv(folder / "messy.csv", header, rows)
    argv = ["compare", "--csv", path, "--target", "churned", "--drop", "leak"]
    argv += ["--cv", "2", "--repeats", "1", "--no-plots", "--out", folder / "out"]
    argv += ["--save-model", folder / "model.joblib"]
    stdout, stderr = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "stdout", stdout)
        patch.setattr(sys, "stderr", stderr)
        code = main([str(arg) for arg in argv])
    return code, stdout.getvalue(), stderr.getvalue(), path, folder / "model.joblib"


def test_compare_on_a_messy_csv_says_what_it_read_and_did(messy_run):
    code, out, err, _, _ = messy_run
    assert code == 0, err
    # under the heading, wrapped
    assert " ".join(line.strip() for line in out.splitlines()[1:3]) == (
        "read messy.csv: 240 rows, 7 columns; target 'churned'; features: 1 "
        "numeric, 1 date, 1 categorical; dropped: leak, name, customer_id"
    )
    assert err.splitlines() == [
        "imbweight: warning: labels of the target 'churned' differ only in case: "
        "'YES' and 'Yes'; they are kept as different classes (fix the file to "
        "merge them)",
        "imbweight: warning: dropped text column(s) whose values are all distinct "
        "(identifiers or free text): name",
        "imbweight: warning: dropped integer column(s) that look like identifiers "
        "(every value distinct, and named like an id, or not named): customer_id",
        "imbweight: warning: read as numbers, thousands separators removed "
        "('1,234.5' as 1234.5): spend",
        "imbweight: warning: read as dates, in days since 1970-01-01: signup",
    ]


def _same_features(model, frame, path, target, drop=()):
    """The saved model's first step reads the DataFrame as compare read the file."""
    from imbweight.cli._read import load_csv

    dataset = load_csv(path, target, drop=drop, warn=lambda message: None)
    labelled = frame[target].notna().to_numpy()
    features = model[0].transform(frame.drop(columns=[target]))[labelled]
    np.testing.assert_array_equal(features, dataset.X)
    return dataset


def test_saved_model_reads_dates_and_local_numbers(messy_run):
    pd = require("pandas")
    joblib = require("joblib")
    code, out, err, path, saved = messy_run
    assert code == 0, err
    model = joblib.load(saved)
    frame = pd.read_csv(path)
    _same_features(model, frame, path, "churned", drop=["leak"])
    assert model.classes_.tolist() == ["YES", "Yes", "no"]
    assert set(model.predict(frame.drop(columns=["churned"]))) <= {"YES", "Yes", "no"}
    assert f"model = joblib.load({str(saved)!r})" in out


# ----------------------------------------------------------- decisions, model
def test_list_strategies(capsys):
    code, out, err = run(["compare", "--list-strategies"], capsys)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == [e.name for e in _compare.CATALOGUE]
    sgd = next(line for line in lines if line.startswith("sgd+balanced"))
    assert sgd.endswith("(opt-in: name it in --strategies)")
    assert any(line.split()[1:3] == ["boosting", "focal"] for line in lines)


@pytest.fixture(scope="module")
def saved_run(mixed_csv, tmp_path_factory):
    """compare on the mixed CSV, two strategies, the model saved."""
    folder = tmp_path_factory.mktemp("saved")
    argv = ["compare", "--csv", mixed_csv, "--target", "status", "--cv", "3"]
    argv += ["--repeats", "1", "--strategies", "balanced,lightgbm+balanced"]
    argv += ["--no-plots", "--out", folder / "out"]
    argv += ["--save-model", folder / "model.joblib"]
    stdout, stderr = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "stdout", stdout)
        patch.setattr(sys, "stderr", stderr)
        code = main([str(arg) for arg in argv])
    return code, stdout.getvalue(), stderr.getvalue(), folder, argv


def test_saved_model_takes_a_dataframe_of_the_files_columns(saved_run, mixed_csv):
    pd = require("pandas")
    joblib = require("joblib")
    code, out, err, folder, _ = saved_run
    assert code == 0, err
    model = joblib.load(folder / "model.joblib")
    frame = pd.read_csv(mixed_csv, sep=";")
    dataset = _same_features(model, frame, mixed_csv, "status")
    X = frame.drop(columns=["status"])
    assert model.classes_.tolist() == ["alert", "ok"]  # the labels of the file
    proba = model.predict_proba(X)
    assert proba.shape == (len(frame), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    decisions = model.predict(X)
    assert set(decisions) == {"alert", "ok"}  # balanced weights flag some
    # It is the recommended strategy refitted on all the rows, and the lines
    # printed to use it work.
    result = json.loads((folder / "out" / "results.json").read_text())
    assert f"Saved {result['recommended']}, refitted on all 300 rows" in out
    usage = out.split("To use it:\n\n", 1)[1].strip()
    assert "sep=';'" in usage
    exec(usage, {})
    refitted = _compare.refit(
        _compare.compare(dataset, cv=3, n_repeats=1, strategies=[result["recommended"]])
    )
    labelled = frame["status"].notna().to_numpy()
    np.testing.assert_allclose(
        proba[labelled], refitted.predict_proba(dataset.X), rtol=1e-12
    )


def test_saved_model_has_a_skops_copy(saved_run, mixed_csv):
    pd = require("pandas")
    skops_io = require("skops.io")
    joblib = require("joblib")
    out, folder = saved_run[1], saved_run[3]
    path = folder / "model.skops"
    assert f"{folder / 'model.joblib'} and {path}" in out
    untrusted = skops_io.get_untrusted_types(file=path)
    model = skops_io.load(path, trusted=untrusted)
    X = pd.read_csv(mixed_csv, sep=";").drop(columns=["status"])
    np.testing.assert_array_equal(
        model.predict_proba(X), joblib.load(folder / "model.joblib").predict_proba(X)
    )


def test_save_model_refuses_to_replace_a_file(saved_run, capsys):
    _, _, _, folder, argv = saved_run
    before = (folder / "model.joblib").read_bytes()
    argv = [folder / "out2" if arg == folder / "out" else arg for arg in argv]
    code, out, err = run(argv, capsys)
    assert (code, out) == (1, "")
    assert err == (
        f"imbweight compare: error: {folder / 'model.joblib'} already exists: pass "
        "--overwrite to replace it, or choose another --save-model\n"
    )
    assert (folder / "model.joblib").read_bytes() == before
    assert not (folder / "out2").exists()


@pytest.mark.parametrize("flag", ["--cost-fn", "--cost-fp"])
@pytest.mark.parametrize("value", ["inf", "nan", "-1", "1e999"])
def test_a_cost_must_be_a_finite_number(flag, value, tmp_path, capsys):
    argv = ["compare", "--dataset", "glass5", flag, value, "--out", tmp_path / "out"]
    code, out, err = run(argv, capsys)
    assert (code, out) == (2, "")
    assert f"must be a finite number >= 0, got {value}" in err
    assert "Traceback" not in err and not (tmp_path / "out").exists()


def test_save_model_never_replaces_an_input_or_a_result(bad_csvs, tmp_path, capsys):
    data = tmp_path / "data.csv"
    data.write_bytes(bad_csvs["good"].read_bytes())
    costs = tmp_path / "costs.csv"
    costs.write_text("truth \\ decision,a,b\na,0,1\nb,10,0\n")
    argv = ["compare", "--csv", data, "--target", "label", "--overwrite"]
    cases = [
        (
            ["--cost-matrix", costs, "--save-model", costs, "--out", tmp_path / "o"],
            f"--save-model {costs} would replace the input file {costs}",
        ),
        (
            ["--cost-matrix", tmp_path / "results.csv", "--out", tmp_path],
            f"would replace the input file {tmp_path / 'results.csv'} with results.csv",
        ),
        (
            ["--save-model", tmp_path / "o" / "results.csv", "--out", tmp_path / "o"],
            "would replace results.csv, which --out",
        ),
    ]
    (tmp_path / "results.csv").write_text(costs.read_text())
    before = files_in(tmp_path)
    for extra, message in cases:
        code, out, err = run([*argv, *extra], capsys)
        assert (code, out) == (1, ""), err
        assert message in err and len(err.splitlines()) == 1
        assert files_in(tmp_path) == before


def test_a_model_folder_that_cannot_be_written_is_refused_first(
    bad_csvs, tmp_path, capsys
):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    if os.access(folder, os.W_OK):  # root writes anywhere: the kernel decides
        folder = Path("/proc")
    argv = ["compare", "--csv", bad_csvs["good"], "--target", "label", "--no-plots"]
    argv += ["--strategies", "logreg", "--save-model", folder / "model.joblib"]
    code, out, err = run([*argv, "--out", tmp_path / "out"], capsys)
    assert (code, out) == (1, "")
    assert f"cannot write into {folder}" in err and len(err.splitlines()) == 1
    assert not any((tmp_path / "out").iterdir())


def test_save_model_may_go_into_the_new_out_folder(bad_csvs, tmp_path, capsys):
    out_dir = tmp_path / "new"
    argv = ["compare", "--csv", bad_csvs["good"], "--target", "label", "--no-plots"]
    argv += ["--strategies", "logreg", "--save-model", out_dir / "model.joblib"]
    code, _, err = run([*argv, "--out", out_dir], capsys)
    assert code == 0, err
    assert {"model.joblib", "results.csv"} <= {p.name for p in out_dir.iterdir()}


@pytest.fixture
def cost_csv(tmp_path):
    path = tmp_path / "costs.csv"
    path.write_text("truth \\ decision,ok,alert\nok,0,1\nalert,10,0\n")
    return path


def test_compare_with_a_cost_matrix_ranks_by_expected_cost(
    mixed_csv, cost_csv, tmp_path, capsys
):
    argv = ["compare", "--csv", mixed_csv, "--target", "status", "--cv", "3"]
    argv += ["--repeats", "1", "--strategies", "logreg,balanced", "--no-plots"]
    code, out, err = run([*argv, "--cost-matrix", cost_csv, "--out", tmp_path], capsys)
    assert code == 0, err
    result = json.loads((tmp_path / "results.json").read_text())
    assert result["ranked_by"] == "expected_cost"
    assert result["cost_matrix"] == [[0.0, 10.0], [1.0, 0.0]]  # sorted: alert, ok
    text = " ".join(out.split())  # unwrapped
    assert "the class of least expected cost under the cost matrix" in text
    costs = [r["scores"]["expected_cost"]["mean"] for r in result["results"]]
    assert costs == sorted(costs)  # lower is better
    # The same matrix from the binary flags: a missed alert costs 10.
    flags = ["--cost-fn", "10", "--cost-fp", "1", "--out", tmp_path / "flags"]
    code, _, err = run([*argv, *flags], capsys)
    assert code == 0, err
    again = json.loads((tmp_path / "flags" / "results.json").read_text())
    assert again["cost_matrix"] == result["cost_matrix"]
    assert [r["scores"] for r in again["results"]] == [
        r["scores"] for r in result["results"]
    ]


def test_compare_ranks_by_f1_at_a_tuned_threshold(tmp_path, capsys):
    argv = ["compare", "--dataset", "glass5", "--cv", "3", "--repeats", "1"]
    argv += ["--strategies", "logreg", "--metric", "f1", "--no-plots"]
    code, out, err = run([*argv, "--out", tmp_path], capsys)
    assert code == 0, err
    header = next(line for line in out.splitlines() if line.startswith("rank"))
    assert header.split()[2:4] == ["minority", "F1"]
    text = " ".join(out.split())  # unwrapped
    assert "tuned by an inner cross-validation of each training fold" in text


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--cost-matrix", "{missing}"], "no such file: {missing}"),
        (
            ["--cost-matrix", "{wrong_labels}"],
            "the cost matrix {wrong_labels} must have one row per class (a, b)",
        ),
        (["--cost-matrix", "{not_numbers}"], "holds a cell that is not a number"),
        (["--cost-matrix", "{negative}"], "must be finite numbers >= 0"),
        (["--cost-matrix", "{zero}"], "every cost is 0: there is nothing to decide"),
        (["--cost-fn", "0", "--cost-fp", "0"], "every cost is 0"),
        (["--cost-fn", "1e308"], "their total over the rows overflows"),
    ],
)
def test_bad_cost_matrices_end_with_one_line(
    bad_csvs, tmp_path, capsys, arguments, message
):
    files = {
        "missing": tmp_path / "missing.csv",
        "wrong_labels": tmp_path / "wrong.csv",
        "not_numbers": tmp_path / "text.csv",
        "negative": tmp_path / "negative.csv",
        "zero": tmp_path / "zero.csv",
    }
    files["wrong_labels"].write_text(",a,c\na,0,1\nc,1,0\n")
    files["not_numbers"].write_text(",a,b\na,0,one\nb,1,0\n")
    files["negative"].write_text(",a,b\na,0,-1\nb,1,0\n")
    files["zero"].write_text(",a,b\na,0,0\nb,0,0\n")
    names = {key: str(value) for key, value in files.items()}
    argv = ["compare", "--csv", bad_csvs["good"], "--target", "label"]
    argv += [a.format(**names) for a in arguments]
    code, out, err = run([*argv, "--out", tmp_path / "out"], capsys)
    assert (code, out) == (1, "")
    assert err.startswith("imbweight compare: error: ")
    assert message.format(**names) in err
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--metric", "f1", "--dataset", "glass"], "--metric f1 tunes a threshold"),
        (["--cost-fn", "5", "--dataset", "glass"], "--cost-fn and --cost-fp are"),
    ],
)
def test_decisions_the_target_cannot_support(argv, message, tmp_path, capsys):
    code, out, err = run(["compare", *argv, "--out", tmp_path / "out"], capsys)
    assert (code, out) == (1, "")
    assert message in err and len(err.splitlines()) == 1


# ----------------------------------------------------------------- the rest
def test_version(capsys):
    code, out, _ = run(["--version"], capsys)
    assert code == 0
    assert out == f"imbweight {imbweight.__version__}\n"


def test_no_command_prints_the_help(capsys):
    code, out, _ = run([], capsys)
    assert code == 0
    assert "compare" in out and "weights" in out


def test_progress_bar_draws_in_place():
    stream = io.StringIO()
    bar = ProgressBar("work", stream=stream, width=10)
    bar(1, 4)
    bar(2, 4)  # within 0.1 s of the last draw: skipped
    bar(4, 4)  # the last is always drawn, and ends the line
    lines = stream.getvalue().split("\r")[1:]
    assert len(lines) == 2
    assert lines[0].startswith("work [##--------] 1/4 fits")
    assert lines[1].startswith("work [##########] 4/4 fits") and lines[1].endswith("\n")


def test_python_m_imbweight_compare(tmp_path):
    argv = [sys.executable, "-m", "imbweight", "compare", "--cv", "2", "--no-plots"]
    argv += ["--repeats", "1", "--strategies", "logreg,lightgbm"]
    result = subprocess.run(
        [*argv, "--out", str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith(f"{DEFAULT_DATASET}: 1484 samples")
    assert "2-fold stratified cross-validation" in result.stdout
    assert "Recommended: " in result.stdout
    result = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert len(result["results"]) == 2
