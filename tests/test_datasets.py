"""imbweight.datasets: the shipped real datasets and make_imbalanced."""

import dataclasses
import fnmatch
import hashlib
import importlib.metadata
import json
import sys
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest
from _seeds import seeds
from sklearn.utils import Bunch

from imbweight.datasets import (
    DEFAULT_DATASET,
    _base,
    list_datasets,
    load_dataset,
    make_imbalanced,
)

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = ROOT / "imbweight" / "datasets"
# The project's shared data, beside the repository (absent outside it).
MANIFEST = ROOT.parent / "shared" / "datasets" / "MANIFEST.json"

# An independent record of what is shipped: (kind, n_samples, n_features,
# class counts). The loader checks its files against its own registry; this
# table checks the registry.
EXPECTED = {
    "pima": ("binary", 768, 8, {0: 500, 1: 268}),
    "ecoli4": ("binary", 336, 7, {0: 316, 1: 20}),
    "glass5": ("binary", 214, 9, {0: 205, 1: 9}),
    "yeast4": ("binary", 1484, 8, {0: 1433, 1: 51}),
    "glass": ("multiclass", 214, 9, {1: 70, 2: 76, 3: 17, 5: 13, 6: 9, 7: 29}),
}
NAMES = list(EXPECTED)


def _shipped_bytes(name):
    return (files("imbweight.datasets") / "data" / f"{name}.csv").read_bytes()


# ---------------------------------------------------------------- listing


def test_list_datasets_names_and_order():
    assert list_datasets() == NAMES
    assert list_datasets("binary") == ["pima", "ecoli4", "glass5", "yeast4"]
    assert list_datasets(kind="multiclass") == ["glass"]


def test_list_datasets_details():
    details = list_datasets(details=True)
    assert [d["name"] for d in details] == NAMES
    for d in details:
        kind, n_samples, n_features, counts = EXPECTED[d["name"]]
        assert d["kind"] == kind
        assert d["n_samples"] == n_samples
        assert d["n_features"] == n_features
        assert d["n_classes"] == len(counts)
        assert d["class_counts"] == counts
        assert d["imbalance_ratio"] == max(counts.values()) / min(counts.values())
        assert isinstance(d["title"], str) and d["title"]
    # Binary sets are listed by increasing imbalance ratio.
    ratios = [d["imbalance_ratio"] for d in details if d["kind"] == "binary"]
    assert ratios == sorted(ratios)
    # The result is a copy: changing it does not change the registry.
    details[0]["class_counts"][0] = -1
    assert list_datasets(details=True)[0]["class_counts"][0] == 500


def test_list_datasets_rejects_unknown_kind():
    with pytest.raises(ValueError, match=r"'kind' parameter.*multiclass"):
        list_datasets("regression")


def test_default_dataset_is_a_shipped_binary_dataset():
    assert DEFAULT_DATASET in list_datasets("binary")


# ---------------------------------------------------------------- loading


@pytest.mark.parametrize("name", NAMES)
def test_dataset_loads_as_recorded(name):
    kind, n_samples, n_features, counts = EXPECTED[name]
    bunch = load_dataset(name)
    assert isinstance(bunch, Bunch)
    assert bunch.name == name
    assert bunch.kind == kind
    assert bunch.frame is None

    X, y = bunch.data, bunch.target
    assert isinstance(X, np.ndarray) and X.dtype == np.float64
    assert X.shape == (n_samples, n_features)
    assert np.isfinite(X).all()
    assert isinstance(y, np.ndarray) and y.dtype == np.int64
    assert y.shape == (n_samples,)

    labels, label_counts = np.unique(y, return_counts=True)
    assert dict(zip(labels.tolist(), label_counts.tolist(), strict=True)) == counts
    np.testing.assert_array_equal(bunch.classes, labels)
    assert bunch.class_counts == counts
    assert bunch.imbalance_ratio == max(counts.values()) / min(counts.values())
    assert len(bunch.target_names) == len(labels)
    assert len(bunch.feature_names) == n_features
    assert len(set(bunch.feature_names)) == n_features
    if kind == "binary":
        np.testing.assert_array_equal(labels, [0, 1])
        assert counts[1] < counts[0], "1 is the minority class"


@pytest.mark.parametrize("name", NAMES)
def test_descr_cites_the_source_and_gives_class_counts(name):
    info = _base._REGISTRY[name]
    descr = load_dataset(name).DESCR
    flat = " ".join(descr.split())
    assert descr.startswith(f"{name}: ")
    assert "KEEL" in flat
    assert "Alcalá-Fdez" in flat
    for reference in info.references:
        assert " ".join(reference.split()) in flat
    for (label, count), target_name in zip(
        info.class_counts.items(), info.target_names, strict=True
    ):
        assert f"{label}  {target_name}" in descr
        assert str(count) in descr
    assert f"{load_dataset(name).imbalance_ratio:.2f}" in descr
    assert max(len(line) for line in descr.splitlines()) <= 79


@pytest.mark.parametrize("name", NAMES)
def test_return_X_y(name):
    bunch = load_dataset(name)
    X, y = load_dataset(name, return_X_y=True)
    np.testing.assert_array_equal(X, bunch.data)
    np.testing.assert_array_equal(y, bunch.target)


@pytest.mark.parametrize("name", NAMES)
def test_as_frame(name):
    pd = pytest.importorskip("pandas")
    bunch = load_dataset(name)
    framed = load_dataset(name, as_frame=True)
    assert isinstance(framed.data, pd.DataFrame)
    assert isinstance(framed.target, pd.Series)
    assert isinstance(framed.frame, pd.DataFrame)
    assert list(framed.data.columns) == bunch.feature_names
    assert list(framed.frame.columns) == [*bunch.feature_names, "target"]
    assert framed.target.name == "target"
    np.testing.assert_array_equal(framed.data.to_numpy(), bunch.data)
    np.testing.assert_array_equal(framed.target.to_numpy(), bunch.target)
    assert framed.target.dtype == np.int64

    X, y = load_dataset(name, as_frame=True, return_X_y=True)
    assert isinstance(X, pd.DataFrame) and isinstance(y, pd.Series)
    np.testing.assert_array_equal(X.to_numpy(), bunch.data)


def test_as_frame_without_pandas_says_what_to_do(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"as_frame=True.*pip install pandas"):
        load_dataset(DEFAULT_DATASET, as_frame=True)
    # Arrays need no pandas.
    assert load_dataset(DEFAULT_DATASET).data.shape == (1484, 8)


def test_unknown_name_lists_the_shipped_datasets():
    with pytest.raises(ValueError, match="Unknown dataset 'yeast5'") as excinfo:
        load_dataset("yeast5")
    for name in NAMES:
        assert name in str(excinfo.value)


def test_name_must_be_a_string():
    with pytest.raises(TypeError, match="'name' parameter of load_dataset"):
        load_dataset(4)


def test_a_damaged_file_is_detected(monkeypatch):
    info = _base._REGISTRY["glass5"]
    wrong = dataclasses.replace(info, class_counts={0: 204, 1: 10})
    monkeypatch.setitem(_base._REGISTRY, "glass5", wrong)
    with pytest.raises(RuntimeError, match=r"glass5.*reinstall"):
        load_dataset("glass5")


# ------------------------------------------------- the shipped files themselves


@pytest.mark.parametrize("name", NAMES)
def test_shipped_file_is_the_recorded_one(name):
    digest = hashlib.sha256(_shipped_bytes(name)).hexdigest()
    assert digest == _base._REGISTRY[name].sha256


@pytest.mark.parametrize("name", NAMES)
def test_shipped_file_matches_the_shared_manifest(name):
    if not MANIFEST.is_file():
        pytest.skip(f"no shared dataset manifest at {MANIFEST}")
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    entry = {d["name"]: d for d in manifest["datasets"]}[name]
    kind, n_samples, n_features, counts = EXPECTED[name]
    assert entry["kind"] == kind
    assert entry["n_samples"] == n_samples
    assert entry["n_features"] == n_features
    assert entry["class_counts"] == {str(k): v for k, v in counts.items()}
    assert entry["imbalance_ratio"] == round(load_dataset(name).imbalance_ratio, 2)
    # Byte for byte the shared file.
    assert (MANIFEST.parent / f"{name}.csv").read_bytes() == _shipped_bytes(name)


def test_shipped_data_stays_small():
    total = sum(len(_shipped_bytes(name)) for name in NAMES)
    assert total < 200_000


def test_data_directory_holds_only_the_listed_files():
    shipped = sorted(p.name for p in (PACKAGE_DIR / "data").iterdir())
    assert shipped == sorted(f"{name}.csv" for name in NAMES)


def _data_files():
    """Every non-Python file of imbweight/datasets, relative to it."""
    return sorted(
        path.relative_to(PACKAGE_DIR).as_posix()
        for path in PACKAGE_DIR.rglob("*")
        if path.is_file()
        and path.suffix not in {".py", ".pyc"}
        and "__pycache__" not in path.parts
    )


def test_package_data_is_declared_in_pyproject():
    tomllib = pytest.importorskip("tomllib")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["imbweight.datasets"]
    data_files = _data_files()
    assert "DATA_SOURCES.md" in data_files
    for name in NAMES:
        assert f"data/{name}.csv" in data_files
    for path in data_files:
        assert any(fnmatch.fnmatch(path, pattern) for pattern in patterns), path


def test_installed_wheel_contains_the_data():
    """Where imbweight was installed from a wheel (as CI does), it has the data."""
    records = []
    for dist in importlib.metadata.distributions(name="imbweight"):
        record = dist.read_text("RECORD")
        if record and "imbweight/__init__.py," in record:
            records.append(record)
    if not records:
        pytest.skip("imbweight is not installed from a wheel (editable install)")
    for record in records:
        for path in _data_files():
            assert f"imbweight/datasets/{path}," in record, path


# ---------------------------------------------------------------- generator


@pytest.mark.parametrize(
    "kwargs, sizes",
    [
        ({}, [909, 91]),
        ({"n_samples": 1000, "imbalance_ratio": 9}, [900, 100]),
        ({"n_samples": 500, "imbalance_ratio": 1}, [250, 250]),
        ({"n_samples": 101, "imbalance_ratio": 100}, [100, 1]),
        ({"n_samples": 210, "imbalance_ratio": 16, "n_classes": 3}, [160, 40, 10]),
        ({"n_samples": 300, "imbalance_ratio": 1, "n_classes": 3}, [100, 100, 100]),
        (
            {"n_samples": 2000, "imbalance_ratio": 10, "n_classes": 5},
            [927, 522, 293, 165, 93],
        ),
    ],
)
def test_make_imbalanced_exact_class_sizes(kwargs, sizes):
    X, y = make_imbalanced(**kwargs, random_state=0)
    assert X.shape == (sum(sizes), kwargs.get("n_features", 20))
    assert X.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), sizes)


@pytest.mark.parametrize("n_classes", [2, 3, 4, 7])
@pytest.mark.parametrize("imbalance_ratio", [1.0, 1.5, 4.0, 25.0, 100.0])
@pytest.mark.parametrize("n_samples", [200, 997])
def test_make_imbalanced_sizes_follow_the_geometric_rule(
    n_samples, imbalance_ratio, n_classes
):
    _, y = make_imbalanced(
        n_samples,
        5,
        imbalance_ratio=imbalance_ratio,
        n_classes=n_classes,
        random_state=1,
    )
    sizes = np.bincount(y, minlength=n_classes)
    shares = imbalance_ratio ** (-np.arange(n_classes) / (n_classes - 1))
    exact = n_samples * shares / shares.sum()
    assert sizes.sum() == n_samples
    assert np.all(np.abs(sizes - exact) < 1)
    assert np.all(np.diff(sizes) <= 0), "class 0 is the largest"
    # The realised ratio is the requested one up to rounding to integers.
    assert (sizes[0] - 1) / (sizes[-1] + 1) <= imbalance_ratio
    assert imbalance_ratio <= (sizes[0] + 1) / max(sizes[-1] - 1, 1)


def test_make_imbalanced_is_reproducible_and_seeded():
    X1, y1 = make_imbalanced(300, 6, imbalance_ratio=5, random_state=42)
    X2, y2 = make_imbalanced(300, 6, imbalance_ratio=5, random_state=42)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    rng = np.random.RandomState(42)
    X3, _ = make_imbalanced(300, 6, imbalance_ratio=5, random_state=rng)
    np.testing.assert_array_equal(X1, X3)
    X4, _ = make_imbalanced(300, 6, imbalance_ratio=5, random_state=43)
    assert not np.allclose(X1, X4)


def test_make_imbalanced_rows_are_shuffled():
    _, y = make_imbalanced(400, imbalance_ratio=3, n_classes=3, random_state=0)
    assert np.any(np.diff(y) < 0) and np.any(np.diff(y) > 0)


@pytest.mark.parametrize("seed", seeds(3))
def test_make_imbalanced_class_sep_makes_the_problem_easier(seed):
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import balanced_accuracy_score

    def score(class_sep):
        X, y = make_imbalanced(
            600, 4, imbalance_ratio=3, class_sep=class_sep, random_state=seed
        )
        pred = LogisticRegression(class_weight="balanced").fit(X, y).predict(X)
        return balanced_accuracy_score(y, pred)

    # Over 20 seeds: 0.51-0.76 at class_sep=0.1, 0.999-1.0 at 3.0.
    assert score(0.1) < score(3.0)
    assert score(3.0) > 0.95


@pytest.mark.parametrize(
    "n_features, n_classes",
    [(1, 2), (2, 3), (2, 4), (3, 8), (3, 5)],
)
def test_make_imbalanced_few_features(n_features, n_classes):
    X, y = make_imbalanced(
        200, n_features, imbalance_ratio=2, n_classes=n_classes, random_state=0
    )
    assert X.shape == (200, n_features)
    assert np.unique(y).tolist() == list(range(n_classes))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"imbalance_ratio": 0.5}, r"'imbalance_ratio' parameter.*range"),
        ({"imbalance_ratio": float("nan")}, "'imbalance_ratio' parameter"),
        ({"imbalance_ratio": float("inf")}, "'imbalance_ratio' parameter"),
        ({"imbalance_ratio": "high"}, "'imbalance_ratio' parameter"),
        ({"n_classes": 1}, "'n_classes' parameter"),
        ({"n_classes": 2.0}, "'n_classes' parameter"),
        ({"n_samples": 1}, "'n_samples' parameter"),
        ({"n_features": 0}, "'n_features' parameter"),
        ({"class_sep": 0.0}, "'class_sep' parameter"),
        ({"class_sep": float("inf")}, "'class_sep' parameter"),
        ({"random_state": "seed"}, "'random_state' parameter"),
        (
            {"n_samples": 10, "imbalance_ratio": 20},
            r"n_samples=10 is too small for imbalance_ratio=20.*\[10, 0\]",
        ),
        (
            {"n_samples": 50, "imbalance_ratio": 100, "n_classes": 3},
            "n_samples=50 is too small",
        ),
        (
            {"n_features": 2, "n_classes": 5},
            r"n_features=2 is too small for n_classes=5: .* at least 3 features",
        ),
    ],
)
def test_make_imbalanced_rejects_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_imbalanced(**kwargs)
