"""The notebooks in ``notebooks/``: committed with their outputs, and still running.

Every notebook is executed in a fresh ``python3`` kernel (ipykernel installs
that kernel spec in the environment, where jupyter_client finds it), on a
copy in memory: the committed files are never rewritten. A cell that raises
fails the test, and so does anything a cell writes to stderr (a warning shown
to the reader is noise in teaching material).
"""

import importlib
import os
from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))

# Generous per cell: the slowest cell (a grid search) takes about 15 s.
CELL_TIMEOUT = 300


def _require(module):
    """Import ``module``, or skip the test; on CI a missing module is a failure."""
    if os.environ.get("CI") == "true":
        return importlib.import_module(module)
    return pytest.importorskip(module)


def _code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def _problems(notebook):
    """What is wrong with a notebook's outputs, as a list of messages."""
    problems = []
    for number, cell in enumerate(_code_cells(notebook), start=1):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                problems.append(f"code cell {number} raised {output.ename}")
            elif output.output_type == "stream" and output.name == "stderr":
                first_line = output.text.strip().splitlines()[:1]
                problems.append(f"code cell {number} wrote to stderr: {first_line}")
    return problems


def _has_image(notebook):
    return any(
        "image/png" in output.get("data", {})
        for cell in _code_cells(notebook)
        for output in cell.get("outputs", [])
    )


def _kernel_env(scratch):
    """The environment of the kernel: ours, with single-threaded BLAS by default.

    The notebooks fit many small models; on a busy machine, multithreaded
    BLAS inside SciPy's L-BFGS-B slows each fit by an order of magnitude.
    IPython's history and profile go to ``scratch``, not to the home folder.
    """
    env = dict(os.environ, IPYTHONDIR=str(scratch / "ipython"))
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(variable, "1")
    return env


def test_there_are_notebooks():
    # The project promises at least three worked examples.
    assert len(NOTEBOOKS) >= 3, NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_is_committed_with_outputs(path):
    nbformat = _require("nbformat")
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    counts = [cell.execution_count for cell in _code_cells(notebook)]
    # Executed top to bottom, in one session, every cell.
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name} was not executed from top to bottom in one run "
        f"(execution counts {counts}); re-execute it, see notebooks/README.md"
    )
    assert _has_image(notebook), f"{path.name} has no figure in its outputs"
    assert _problems(notebook) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_executes(path, tmp_path, monkeypatch):
    nbformat = _require("nbformat")
    nbclient = _require("nbclient")
    _require("ipykernel")
    _require("matplotlib")
    _require("pandas")

    # The connection file of the kernel, written by this process.
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    workdir = tmp_path / "work"
    workdir.mkdir()
    committed = path.read_bytes()
    notebook = nbformat.reads(committed.decode("utf-8"), as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        record_timing=False,
        # The kernel works in an empty directory: nothing lands in the repository.
        resources={"metadata": {"path": str(workdir)}},
    )
    client.execute(env=_kernel_env(tmp_path))  # raises CellExecutionError on any error

    assert _problems(notebook) == []
    assert _has_image(notebook), f"{path.name} drew no figure"
    assert path.read_bytes() == committed, f"executing {path.name} rewrote it"
