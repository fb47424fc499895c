"""Fixtures shared by the test modules."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

SHARED_DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


@pytest.fixture(scope="session")
def shared_datasets():
    """The real datasets of ``../shared/datasets``: name -> (X, y, kind).

    CI always has them; elsewhere a missing folder skips, with the reason.
    """
    manifest = SHARED_DATASETS / "MANIFEST.json"
    if not manifest.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must provide the shared datasets at {SHARED_DATASETS}")
        pytest.skip(f"no shared datasets at {SHARED_DATASETS}")
    pd = pytest.importorskip("pandas")
    entries = json.loads(manifest.read_text())["datasets"]
    datasets = {}
    for entry in entries:
        frame = pd.read_csv(SHARED_DATASETS / f"{entry['name']}.csv")
        X = frame.drop(columns="target").to_numpy(dtype=np.float64)
        datasets[entry["name"]] = (X, frame["target"].to_numpy(), entry["kind"])
    return datasets


@pytest.fixture(scope="module")
def client():
    """A client of a 2-worker cluster on loopback, started once per module."""
    from _cluster import local_cluster, require

    with local_cluster(require("distributed")) as client:
        yield client


@pytest.fixture
def hang_guarded():
    """Fail a test still running after ``_cluster.TEST_TIMEOUT`` seconds."""
    from _cluster import TEST_TIMEOUT, hang_guard

    with hang_guard(TEST_TIMEOUT):
        yield
