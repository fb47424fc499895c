"""Session-wide test set-up, loaded before any test module imports SciPy."""

import os

# scikit-learn's check_array_api_input only runs when SciPy's array API mode
# is on, and SciPy reads this variable once, at import.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

try:
    import dask  # noqa: F401
except ImportError:
    # imbweight.dask needs the optional dask extra (CI installs it); without
    # it, collecting the module's doctests would fail on its import.
    collect_ignore = ["imbweight/dask"]
