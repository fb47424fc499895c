"""The repository's promises about installing and testing."""

import subprocess
import sys
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

import imbweight

try:
    import tomllib
except ImportError:  # Python 3.10, where pytest brings tomli instead
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
MIN_VERSIONS = ROOT / ".ci" / "min-versions.txt"


def _readme_test_command():
    """The README's test command: the second command of its Quick start."""
    readme = (ROOT / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return quick_start.split("```bash\n")[2].split("```", 1)[0].strip()


def test_ci_runs_the_readme_test_command_verbatim():
    command = _readme_test_command()
    assert "pytest" in command
    ci_lines = [
        line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
    ]
    assert command in ci_lines


def _ci_requirements(project, extra="test"):
    """What ``pip install ".[test]"`` asks for: the dependencies, the test
    extra and the extras it names through ``imbweight[...]``."""
    dependencies = project["dependencies"] if extra == "test" else []
    requirements = [Requirement(text) for text in dependencies]
    for text in project["optional-dependencies"][extra]:
        requirement = Requirement(text)
        if canonicalize_name(requirement.name) == "imbweight":
            for inner in sorted(requirement.extras):
                requirements += _ci_requirements(project, inner)
        else:
            requirements.append(requirement)
    return requirements


def _declared_lower_bounds():
    """Package name -> the lower bound pyproject.toml declares for it."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    bounds = {}
    for requirement in _ci_requirements(project):
        lower = [
            spec.version for spec in requirement.specifier if spec.operator == ">="
        ]
        # Without a lower bound there is no version for the minimum run to pin.
        assert len(lower) == 1, f"{requirement} needs one lower bound (>=)"
        name = canonicalize_name(requirement.name)
        assert Version(bounds.setdefault(name, lower[0])) == Version(lower[0]), (
            f"{name} is declared with two lower bounds: {bounds[name]}, {lower[0]}"
        )
    return bounds


def _minimum_pins():
    """Package name -> (pinned version, the line's comment) of min-versions.txt."""
    pins = {}
    for line in MIN_VERSIONS.read_text().splitlines():
        text, _, comment = line.partition("#")
        if not text.strip():
            continue
        requirement = Requirement(text)
        (spec,) = requirement.specifier
        assert spec.operator == "==", line
        name = canonicalize_name(requirement.name)
        assert name not in pins, f"{name} is pinned twice"
        pins[name] = (spec.version, comment.strip())
    return pins


def test_minimum_versions_pin_every_declared_lower_bound():
    bounds, pins = _declared_lower_bounds(), _minimum_pins()
    wrong = {
        name: bound
        for name, bound in bounds.items()
        if name not in pins or Version(pins[name][0]) != Version(bound)
    }
    expected = "\n".join(f"{name}=={bound}" for name, bound in wrong.items())
    assert not wrong, (
        f"{MIN_VERSIONS.name} must pin pyproject.toml's bounds:\n{expected}"
    )


def test_minimum_versions_say_why_they_pin_what_pyproject_does_not_declare():
    bounds = _declared_lower_bounds()
    for name, (_, comment) in _minimum_pins().items():
        if name not in bounds:
            assert comment, f"{MIN_VERSIONS.name}: say why {name} is pinned"


def test_ci_runs_the_suite_at_the_minimum_versions():
    ci = (ROOT / ".ci" / "run").read_text()
    assert f"--constraint {MIN_VERSIONS.relative_to(ROOT)}" in ci


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
