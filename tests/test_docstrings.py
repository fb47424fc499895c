"""numpydoc's validator over every public object of imbweight and its methods.

Each public class and function (and each public method of a public class)
must have a docstring that numpydoc's validator accepts, but for the checks
in ``IGNORED``, each with the reason it does not apply here.
"""

import importlib
import inspect

import pytest
from numpydoc import validate as numpydoc_validate

PUBLIC_MODULES = [
    "imbweight",
    "imbweight.class_weight",
    "imbweight.losses",
    "imbweight.metrics",
    "imbweight.datasets",
    "imbweight.dask",
    "imbweight.boosting",
    "imbweight.pipeline",
]

IGNORED = {
    # Summaries may start with a symbol or a name (``P(y | x) ...``).
    "GL01": "docstring text may start on the first line",
    "GL02": "closing quotes may follow the text",
    "ES01": "an extended summary is welcome, not required",
    "SA01": "See Also sections are written where they help, not everywhere",
    "RT02": "a return value may be described without a name line of its own",
    "SS05": "a summary may start with a noun phrase (e.g. 'Raw predictions ...')",
    "SS06": "a summary may wrap to a second line",
    "PR09": "a parameter description may end with a code span, not a period",
    "RT05": "a return description may end with a code span, not a period",
    "YD01": "context managers document what they yield in the summary",
}


def _public_objects():
    """Names of the public objects, and the set of those that are methods."""
    seen, names, methods = set(), [], set()
    for module_name in PUBLIC_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue  # an optional part whose extra is not installed
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if name.startswith("_") or not callable(obj) or id(obj) in seen:
                continue
            seen.add(id(obj))
            qualified = f"{obj.__module__}.{obj.__qualname__}"
            names.append(qualified)
            if inspect.isclass(obj):
                # Its public methods written in imbweight, inherited ones too.
                for member in dir(obj):
                    value = getattr(obj, member, None)
                    if member.startswith("_") or not callable(value):
                        continue
                    if getattr(value, "__module__", "").startswith("imbweight"):
                        names.append(f"{qualified}.{member}")
                        methods.add(f"{qualified}.{member}")
    return sorted(set(names)), methods


NAMES, METHODS = _public_objects()


def test_there_are_public_objects_to_check():
    assert len(NAMES) > 20


@pytest.mark.parametrize("name", NAMES)
def test_docstring_is_valid(name):
    result = numpydoc_validate.validate(name)
    # A method's example is its class's Examples section.
    ignored = IGNORED.keys() | ({"EX01"} if name in METHODS else set())
    errors = [
        f"{code}: {message}"
        for code, message in result["errors"]
        if code not in ignored
    ]
    assert not errors, f"{name}:\n" + "\n".join(errors)
