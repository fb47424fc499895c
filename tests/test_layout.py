"""The package's layers: imports only go down (README, "Layout").

Each module of ``imbweight`` belongs to a layer; a module may import from
lower layers (and, inside a subpackage, from its own modules), never from
its own layer's other modules or from higher ones. A new module must be
given a layer here: the test says so, rather than letting the graph grow a
cycle unnoticed.
"""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "imbweight"

# The lowest layer first. A subpackage is one entry.
LAYERS = [
    {"_cache", "_compat", "_config"},
    {"losses", "_targets", "_validation", "_sparse_rows"},
    {"class_weight", "_objective"},
    {"_solvers", "_fit_problem", "_posterior"},
    {"_base"},
    {"_focal", "_sgd"},
    {"_wrapper", "metrics", "datasets", "boosting", "pipeline"},
    {"dask", "_tabular", "_plots", "_decisions"},
    {"_compare"},
    {"cli"},
    {"__init__", "__main__"},
]
LAYER_OF = {name: depth for depth, names in enumerate(LAYERS) for name in names}


def _top_module(path):
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py")


def _imported_top_modules(path):
    """The ``imbweight`` top-level modules a file imports (not itself)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            if parts[0] != "imbweight":
                continue
            if len(parts) > 1:
                found.add(parts[1])
            else:  # from imbweight import x: x is a module or a re-export
                found.update(
                    alias.name for alias in node.names if alias.name in LAYER_OF
                )
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "imbweight" and len(parts) > 1:
                    found.add(parts[1])
    return found - {_top_module(path)}


def test_every_module_has_a_layer():
    modules = {_top_module(path) for path in PACKAGE.rglob("*.py")}
    unplaced = sorted(modules - set(LAYER_OF))
    assert not unplaced, (
        f"give these modules a layer in tests/test_layout.py: {unplaced}"
    )


def test_imports_only_go_down():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        own = LAYER_OF.get(_top_module(path))
        if own is None:
            continue  # reported by test_every_module_has_a_layer
        for imported in _imported_top_modules(path):
            if imported in LAYER_OF and LAYER_OF[imported] >= own:
                upward.append(f"{path.relative_to(PACKAGE)} imports {imported}")
    assert not upward, "\n".join(upward)
