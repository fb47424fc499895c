"""Loaders for the small real imbalanced datasets shipped with imbweight.

Each dataset is a CSV file in ``imbweight/datasets/data/``, copied byte for
byte from its source: numeric features, then a last column ``target``; in the
binary sets ``1`` is the minority class. The registry below records, for each
file, what it is, where it comes from, its shape, class counts and SHA-256, so
that a loaded file can be checked against what was shipped.
"""

import csv
import io
import textwrap
from dataclasses import dataclass
from importlib.resources import files

import numpy as np
from sklearn.utils import Bunch

from imbweight._compat import StrOptions, validate_params

_KEEL = (
    "J. Alcalá-Fdez, A. Fernández, J. Luengo, J. Derrac, S. García, "
    "L. Sánchez and F. Herrera, KEEL Data-Mining Software Tool: Data Set "
    "Repository, Integration of Algorithms and Experimental Analysis "
    "Framework, Journal of Multiple-Valued Logic and Soft Computing "
    "17(2-3):255-287, 2011."
)
_UCI = (
    "M. Kelly, R. Longjohn and K. Nottingham, The UCI Machine Learning "
    "Repository, https://archive.ics.uci.edu"
)
_LOCALISATION = (
    "P. Horton and K. Nakai, A Probabilistic Classification System for "
    "Predicting the Cellular Localization Sites of Proteins, ISMB-96, "
    "pp. 109-115, 1996."
)
_GLASS = (
    "B. German, Home Office Forensic Science Service, UK; I. W. Evett and "
    "E. J. Spiehler, Rule Induction in Forensic Science, 1987."
)
_GLASS_TYPES = (
    "building_windows_float",
    "building_windows_non_float",
    "vehicle_windows_float",
    "containers",
    "tableware",
    "headlamps",
)
_GLASS_FEATURES = ("RI", "Na", "Mg", "Al", "Si", "K", "Ca", "Ba", "Fe")
_GLASS_FEATURES_TEXT = (
    "refractive index (RI) and the weight percent of eight oxides (Na, Mg, "
    "Al, Si, K, Ca, Ba, Fe)"
)


@dataclass(frozen=True)
class _DatasetInfo:
    """What is known about one shipped CSV file, before reading it."""

    name: str
    kind: str
    title: str
    description: str
    feature_names: tuple
    target_names: tuple
    class_counts: dict
    sha256: str
    source: str
    references: tuple

    @property
    def filename(self):
        return f"{self.name}.csv"

    @property
    def n_samples(self):
        return sum(self.class_counts.values())

    @property
    def n_features(self):
        return len(self.feature_names)

    @property
    def imbalance_ratio(self):
        counts = self.class_counts.values()
        return max(counts) / min(counts)


# Binary sets first, by increasing imbalance ratio, then the multiclass one.
_REGISTRY = {
    info.name: info
    for info in (
        _DatasetInfo(
            name="pima",
            kind="binary",
            title="Pima Indians diabetes",
            description=(
                "Women of Pima Indian heritage, at least 21 years old; class 1 "
                "(tested_positive) is a diagnosis of diabetes within five years "
                "of the examination. A mildly imbalanced baseline on which "
                "weighting should matter little. Zeros in glucose, "
                "blood_pressure, skin_thickness, insulin and bmi stand for "
                "missing measurements in the original data and are kept as "
                "they are."
            ),
            feature_names=(
                "pregnancies",
                "glucose",
                "blood_pressure",
                "skin_thickness",
                "insulin",
                "bmi",
                "diabetes_pedigree",
                "age",
            ),
            target_names=("tested_negative", "tested_positive"),
            class_counts={0: 500, 1: 268},
            sha256="ff96e18f8cf0c1306e53450243456f7218640c4190b2fb3f95700a3db01d0ce8",
            source="KEEL ('pima'), originally from the UCI repository.",
            references=(
                _KEEL,
                "J. W. Smith, J. E. Everhart, W. C. Dickson, W. C. Knowler and "
                "R. S. Johannes, Using the ADAP Learning Algorithm to Forecast "
                "the Onset of Diabetes Mellitus, Proceedings of the Annual "
                "Symposium on Computer Application in Medical Care, "
                "pp. 261-265, 1988. Original owner: National Institute of "
                "Diabetes and Digestive and Kidney Diseases.",
            ),
        ),
        _DatasetInfo(
            name="ecoli4",
            kind="binary",
            title="E. coli protein localisation: outer membrane against the rest",
            description=(
                "Localisation sites of E. coli proteins (UCI 'Ecoli'), KEEL's "
                "binary version 'ecoli4': class 1 is 'om' (outer membrane "
                "proteins), class 0 the seven other sites. The features are "
                "scores of sequence-analysis methods, scaled to [0, 1]; lip "
                "and chg take only two values. The column order is KEEL's, "
                "not UCI's."
            ),
            feature_names=("lip", "chg", "mcg", "gvh", "aac", "alm1", "alm2"),
            target_names=("other", "om"),
            class_counts={0: 316, 1: 20},
            sha256="28c3b0c3111863af33b1670d2f68892f2d0628451c8286441db68ae5d9b37541",
            source="KEEL ('ecoli4'), derived from UCI 'Ecoli'.",
            references=(
                _KEEL,
                "K. Nakai and M. Kanehisa, Expert System for Predicting Protein "
                "Localization Sites in Gram-Negative Bacteria, Proteins "
                "11(2):95-110, 1991.",
                _LOCALISATION,
                _UCI,
            ),
        ),
        _DatasetInfo(
            name="glass5",
            kind="binary",
            title="Glass identification: tableware against the rest",
            description=(
                "Glass fragments from forensic casework (UCI 'Glass "
                "Identification'), KEEL's binary version 'glass5': class 1 is "
                "tableware (type 6), class 0 the five other types present. "
                f"The features are the {_GLASS_FEATURES_TEXT}. KEEL's values "
                "differ from UCI's in the third decimal. Only 9 minority "
                "samples: cross-validation scores are noisy."
            ),
            feature_names=_GLASS_FEATURES,
            target_names=("other", "tableware"),
            class_counts={0: 205, 1: 9},
            sha256="e5e1d3660f22fb9fa06526e3c7a8e1fdaf1fbb73f767d370a62702da6c37a305",
            source="KEEL ('glass5'), derived from UCI 'Glass Identification'.",
            references=(_KEEL, _GLASS, _UCI),
        ),
        _DatasetInfo(
            name="yeast4",
            kind="binary",
            title="Yeast protein localisation: ME2 against the rest",
            description=(
                "Localisation sites of yeast proteins (UCI 'Yeast'), KEEL's "
                "binary version 'yeast4': class 1 is 'ME2' (membrane proteins "
                "with an uncleaved signal), class 0 the nine other sites. The "
                "features are scores of sequence-analysis methods, scaled to "
                "[0, 1]; erl and pox are constant on 99 % of the samples. The "
                "column order is KEEL's, not UCI's. Strongly imbalanced yet "
                "with 51 minority samples, and quick to cross-validate."
            ),
            feature_names=("erl", "pox", "mcg", "gvh", "alm", "mit", "vac", "nuc"),
            target_names=("other", "ME2"),
            class_counts={0: 1433, 1: 51},
            sha256="c342dedb7b364ed352c8b6c585bfbb58a716e63beb349e0b33448ef1111e32dc",
            source="KEEL ('yeast4'), derived from UCI 'Yeast'.",
            references=(
                _KEEL,
                "K. Nakai and M. Kanehisa, A Knowledge Base for Predicting "
                "Protein Localization Sites in Eukaryotic Cells, Genomics "
                "14(4):897-911, 1992.",
                _LOCALISATION,
                _UCI,
            ),
        ),
        _DatasetInfo(
            name="glass",
            kind="multiclass",
            title="Glass identification: six glass types",
            description=(
                "Glass fragments from forensic casework (UCI 'Glass "
                "Identification'), six types; the labels are UCI's type "
                "numbers 1, 2, 3, 5, 6, 7 (type 4, vehicle windows not float "
                f"processed, has no samples). The features are the "
                f"{_GLASS_FEATURES_TEXT}."
            ),
            feature_names=_GLASS_FEATURES,
            target_names=_GLASS_TYPES,
            class_counts={1: 70, 2: 76, 3: 17, 5: 13, 6: 9, 7: 29},
            sha256="519b9884f1fbeea49750b756dc3b1218ded347a03489bde6b1296c9232966f95",
            source="KEEL ('glass'), UCI 'Glass Identification'.",
            references=(_KEEL, _GLASS, _UCI),
        ),
    )
}

DEFAULT_DATASET = "yeast4"
"""The dataset the ``imbweight`` command runs on when given none."""


def _describe(info):
    """The ``DESCR`` text of a dataset: what it is, its classes, its source."""

    def fill(text):
        return textwrap.fill(text, width=79)

    title = f"{info.name}: {info.title}"
    label_width = max(len(str(label)) for label in info.class_counts)
    name_width = max(len(name) for name in info.target_names)
    class_lines = [
        f"    {label!s:>{label_width}}  {target_name:<{name_width}}  {count:>5}"
        for (label, count), target_name in zip(
            info.class_counts.items(), info.target_names, strict=True
        )
    ]
    summary = (
        f"{info.kind.capitalize()} classification: {info.n_samples} samples, "
        f"{info.n_features} numeric features, {len(info.class_counts)} classes, "
        f"imbalance ratio {info.imbalance_ratio:.2f} (largest class / smallest "
        "class)."
    )
    if info.name == DEFAULT_DATASET:
        summary += " The default dataset of the imbweight command."
    columns = ", ".join(f"f{j}" for j in range(info.n_features))
    features = (
        f"Features: {', '.join(info.feature_names)} (in the CSV file: {columns})."
    )
    references = [
        textwrap.fill(reference, width=79, initial_indent="- ", subsequent_indent="  ")
        for reference in info.references
    ]
    shipped = (
        f"Shipped as imbweight/datasets/data/{info.filename}, byte for byte as "
        "distributed by the source; see imbweight/datasets/DATA_SOURCES.md."
    )
    return "\n".join(
        [
            title,
            "=" * len(title),
            "",
            fill(summary),
            "",
            "Classes (label, name, count):",
            *class_lines,
            "",
            fill(info.description),
            "",
            fill(features),
            "",
            fill(f"Source: {info.source}"),
            "",
            "Please cite:",
            *references,
            "",
            fill(shipped),
        ]
    )


def _read(info):
    """Parse a shipped CSV file into ``(X, y)`` and check it against ``info``."""
    resource = files("imbweight.datasets") / "data" / info.filename
    text = resource.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    header, rows = rows[0], rows[1:]
    expected_header = [f"f{j}" for j in range(info.n_features)] + ["target"]
    table = np.asarray(rows, dtype=str)
    X = table[:, :-1].astype(np.float64)
    y = table[:, -1].astype(np.int64)
    labels, counts = np.unique(y, return_counts=True)
    found = dict(zip(labels.tolist(), counts.tolist(), strict=True))
    if header != expected_header or found != info.class_counts:
        raise RuntimeError(
            f"The data file of dataset {info.name!r} does not match what was "
            f"shipped (header {header}, class counts {found}; expected "
            f"{expected_header} and {info.class_counts}): the installation of "
            "imbweight is damaged, reinstall it."
        )
    return X, y


def _import_pandas():
    try:
        import pandas as pd
    except ImportError as exc:
        raise ImportError(
            "load_dataset(..., as_frame=True) needs pandas, which imbweight "
            "does not install: run `pip install pandas`, or use as_frame=False "
            "to get NumPy arrays."
        ) from exc
    return pd


@validate_params(
    {
        "kind": [StrOptions({"binary", "multiclass"}), None],
        "details": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def list_datasets(kind=None, *, details=False):
    """Names of the real datasets shipped with imbweight.

    Binary datasets come first, by increasing imbalance ratio, then the
    multiclass ones. Any name can be passed to :func:`load_dataset`.

    Parameters
    ----------
    kind : {"binary", "multiclass"} or None, default=None
        Only list datasets of this kind; ``None`` lists all.
    details : bool, default=False
        Return a dict of facts per dataset instead of its name alone.

    Returns
    -------
    datasets : list of str or list of dict
        The names, or, with ``details=True``, one dict per dataset with keys
        ``name``, ``kind``, ``title``, ``n_samples``, ``n_features``,
        ``n_classes``, ``class_counts`` (label to count) and
        ``imbalance_ratio`` (largest class size over smallest).

    See Also
    --------
    load_dataset : Load one of these datasets.

    Examples
    --------
    >>> from imbweight.datasets import list_datasets
    >>> list_datasets()
    ['pima', 'ecoli4', 'glass5', 'yeast4', 'glass']
    >>> list_datasets("multiclass")
    ['glass']
    >>> for d in list_datasets("binary", details=True):
    ...     print(f"{d['name']:<7} {d['n_samples']:>5} {d['imbalance_ratio']:6.2f}")
    pima      768   1.87
    ecoli4    336  15.80
    glass5    214  22.78
    yeast4   1484  28.10
    """
    infos = [info for info in _REGISTRY.values() if kind in (None, info.kind)]
    if not details:
        return [info.name for info in infos]
    return [
        {
            "name": info.name,
            "kind": info.kind,
            "title": info.title,
            "n_samples": info.n_samples,
            "n_features": info.n_features,
            "n_classes": len(info.class_counts),
            "class_counts": dict(info.class_counts),
            "imbalance_ratio": info.imbalance_ratio,
        }
        for info in infos
    ]


@validate_params(
    {"name": [str], "return_X_y": ["boolean"], "as_frame": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def load_dataset(name, *, return_X_y=False, as_frame=False):
    """Load one of the small real imbalanced datasets shipped with imbweight.

    The data are read from the package itself (no network access), as
    float64 features and integer class labels. In the binary datasets ``1``
    is the minority class. See :func:`list_datasets` for the names, and
    ``imbweight/datasets/DATA_SOURCES.md`` or the ``DESCR`` of each dataset
    for its source and the works to cite.

    ======== ========== ========= ========== ================
    name     kind       n_samples n_features imbalance ratio
    ======== ========== ========= ========== ================
    pima     binary     768       8          1.87
    ecoli4   binary     336       7          15.80
    glass5   binary     214       9          22.78
    yeast4   binary     1484      8          28.10
    glass    multiclass 214       9          8.44 (6 classes)
    ======== ========== ========= ========== ================

    The imbalance ratio is the size of the largest class over that of the
    smallest. ``"yeast4"`` is :data:`DEFAULT_DATASET`.

    Parameters
    ----------
    name : str
        Name of the dataset, one of :func:`list_datasets`.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        Return the data as a pandas DataFrame and the target as a Series
        named ``"target"``; needs pandas, which imbweight does not install.

    Returns
    -------
    dataset : :class:`~sklearn.utils.Bunch`
        With fields:

        data : ndarray of shape (n_samples, n_features) or DataFrame
            The features, float64.
        target : ndarray of shape (n_samples,) or Series
            The class labels, int64.
        frame : DataFrame or None
            Features and target together when ``as_frame=True``.
        feature_names : list of str
            The original attribute names (the CSV file calls its columns
            ``f0``, ``f1``, ...).
        classes : ndarray of shape (n_classes,)
            The sorted class labels.
        target_names : ndarray of shape (n_classes,)
            A name for each class, ordered like ``classes``.
        class_counts : dict
            Class label to number of samples.
        imbalance_ratio : float
            Largest class size over smallest class size.
        kind : {"binary", "multiclass"}
            The kind of target.
        name : str
            The dataset's name.
        DESCR : str
            What the data are, their classes, source and citations.

    (data, target) : tuple
        With ``return_X_y=True``.

    Raises
    ------
    ValueError
        If ``name`` is not a shipped dataset; the message lists them.
    ImportError
        If ``as_frame=True`` and pandas is not installed.

    See Also
    --------
    list_datasets : The names, with their sizes and imbalance ratios.
    make_imbalanced : Synthetic data with a chosen imbalance ratio.

    Examples
    --------
    >>> from imbweight.datasets import load_dataset
    >>> yeast = load_dataset("yeast4")
    >>> yeast.data.shape
    (1484, 8)
    >>> yeast.class_counts
    {0: 1433, 1: 51}
    >>> print(yeast.DESCR.splitlines()[0])
    yeast4: Yeast protein localisation: ME2 against the rest
    >>> X, y = load_dataset("glass", return_X_y=True)
    >>> sorted(set(y.tolist()))
    [1, 2, 3, 5, 6, 7]
    """
    if name not in _REGISTRY:
        raise ValueError(
            f"Unknown dataset {name!r}; the datasets shipped with imbweight "
            f"are: {', '.join(_REGISTRY)}."
        )
    info = _REGISTRY[name]
    X, y = _read(info)
    feature_names = list(info.feature_names)
    frame = None
    if as_frame:
        pd = _import_pandas()
        frame = pd.DataFrame(X, columns=feature_names)
        frame["target"] = y
        X = frame[feature_names]
        y = frame["target"]
    if return_X_y:
        return X, y
    return Bunch(
        data=X,
        target=y,
        frame=frame,
        feature_names=feature_names,
        classes=np.asarray(list(info.class_counts)),
        target_names=np.asarray(info.target_names),
        class_counts=dict(info.class_counts),
        imbalance_ratio=info.imbalance_ratio,
        kind=info.kind,
        name=info.name,
        DESCR=_describe(info),
    )
