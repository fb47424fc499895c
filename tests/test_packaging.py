"""The repository's promises about installing and testing."""

import subprocess
import sys
from pathlib import Path

import imbweight

ROOT = Path(__file__).resolve().parents[1]


def _ci_test_command():
    lines = (ROOT / ".ci" / "run").read_text().splitlines()
    commands = [line for line in lines if "pytest" in line and not line.startswith("#")]
    assert len(commands) == 1, commands
    return commands[0]


def test_ci_runs_the_readme_test_command_verbatim():
    readme = (ROOT / "README.md").read_text()
    command = _ci_test_command()
    assert f"\n{command}\n" in readme


def test_readme_quick_start_has_exactly_two_commands():
    readme = (ROOT / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert quick_start.count("```bash") == 2


def test_version_matches_the_metadata_source():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'version = { attr = "imbweight.__version__" }' in pyproject
    assert imbweight.__version__.startswith("0.")


def test_module_entry_point_prints_version():
    result = subprocess.run(
        [sys.executable, "-m", "imbweight", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == f"imbweight {imbweight.__version__}"
