"""The ``imbweight`` command: its arguments, its two subcommands, its messages.

Argument parsing, reading files and printing live here (reading CSV files
in :mod:`imbweight.cli._read`); the comparison is done by
:mod:`imbweight._compare`, whose errors become one-line messages here.

Exit codes: 0 on success, 1 for a mistake in the data or the files (a
one-line message on stderr), 2 for a mistake in the arguments.

Examples
--------
>>> from imbweight.cli import main
>>> main(["weights", "--dataset", "glass5", "--strategy", "inverse",
...       "--normalize", "none"])
{
  "dataset": "glass5",
  "target": "target",
  "strategy": "inverse",
  "params": {
    "clip": null,
    "normalize": null
  },
  "class_counts": {
    "0": 205,
    "1": 9
  },
  "class_weight": {
    "0": 0.004878048780487805,
    "1": 0.1111111111111111
  }
}
0
"""

import argparse
import codecs
import json
import math
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from imbweight import __version__
from imbweight._compare import (
    CATALOGUE,
    DEFAULT_CV,
    OUTPUT_FILES,
    RANKABLE,
    ClassSizeError,
    NoStrategyFitted,
    UnknownStrategy,
    boosting_available,
    check_classes,
    check_names,
    compare,
    load_builtin,
    refit,
    table,
    write_outputs,
)
from imbweight._compare._strategies import minority_class
from imbweight.class_weight import ClassWeights, compute_class_weight
from imbweight.cli import DEFAULT_OUT
from imbweight.cli._encoder import Column, ColumnEncoder
from imbweight.cli._errors import UserError
from imbweight.cli._progress import ProgressBar
from imbweight.datasets import DEFAULT_DATASET, list_datasets

__all__ = ["build_parser", "run"]

_STRATEGIES = ("balanced", "inverse", "sqrt_inverse", "power", "effective_number")
_WEIGHT_DEFAULTS = ClassWeights().get_params()
# More classes than this is almost surely an identifier, not a label; and
# each strategy would fit a softmax over all of them.
MAX_CLASSES = 100


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr, exit code 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _int_at_least(minimum):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    return parse


def _number_in(low, high=math.inf):
    """An argparse type: a float in [low, high]."""
    shown = f"in [{low:g}, {high:g}]" if high < math.inf else f">= {low:g}"

    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not (math.isfinite(value) and low <= value <= high):
            raise argparse.ArgumentTypeError(
                f"must be a finite number {shown}, got {text}"
            )
        return value

    return parse


def _separator(text):
    if text.lower() in ("tab", "\\t"):
        return "\t"
    if len(text) != 1 or text in '"\r\n':
        raise argparse.ArgumentTypeError(
            f"must be one character other than a quote or a line break, or 'tab'; "
            f"got {text!r}"
        )
    return text


def _encoding(text):
    try:
        return codecs.lookup(text).name
    except LookupError:
        raise argparse.ArgumentTypeError(f"unknown encoding {text!r}") from None


def _seed(text):
    value = _int_at_least(0)(text)
    if value >= 2**32:
        raise argparse.ArgumentTypeError(f"must be below 2**32, got {value}")
    return value


def _n_jobs(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value == 0:
        raise argparse.ArgumentTypeError(
            "must not be 0 (1: no parallelism, -1: all cores)"
        )
    return value


def _strategy_names(text):
    """An argparse type: comma-separated strategy names, checked."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError("name at least one strategy")
    try:
        return check_names(names)
    except UnknownStrategy as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_data_arguments(parser):
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--dataset",
        choices=list_datasets(),
        metavar="NAME",
        help=(
            "a dataset shipped with imbweight: "
            f"{', '.join(list_datasets())} (default: {DEFAULT_DATASET})"
        ),
    )
    source.add_argument(
        "--csv", type=Path, metavar="PATH", help="a CSV file with a header row"
    )
    parser.add_argument(
        "--target",
        metavar="COLUMN",
        help="the label column of --csv (default: target)",
    )
    parser.add_argument(
        "--sep",
        type=_separator,
        metavar="CHAR",
        help=(
            "the field separator of --csv, one character or 'tab' (default: the "
            "first of , ; and tab in the header line)"
        ),
    )
    parser.add_argument(
        "--encoding",
        type=_encoding,
        metavar="NAME",
        help=(
            "the text encoding of --csv, e.g. latin-1 (default: UTF-8, or UTF-16 "
            "when the file starts with its byte-order mark)"
        ),
    )


def build_parser():
    """The argument parser of the ``imbweight`` command.

    Returns
    -------
    parser : argparse.ArgumentParser
        With the subcommands ``compare`` and ``weights``.
    """
    parser = _Parser(
        prog="imbweight",
        description=(
            "Compare class-weighting and focal-loss strategies on an "
            "imbalanced dataset."
        ),
    )
    parser.add_argument(
        "--version", action="version", version=f"imbweight {__version__}"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    compare_parser = commands.add_parser(
        "compare",
        help="cross-validate strategies for imbalanced data and recommend one",
        description=(
            "Cross-validate (repeated stratified folds) plain logistic regression, "
            "class weights, the focal loss, SMOTE and, with LightGBM installed, "
            "gradient boosting on a dataset; print them ranked by --metric, "
            "recommend the simplest within noise of the best and say why; write "
            "results.csv, results.json, the figures and report.html into --out. "
            "Without --dataset or --csv, runs on the default dataset "
            f"({DEFAULT_DATASET})."
        ),
    )
    _add_data_arguments(compare_parser)
    compare_parser.add_argument(
        "--drop",
        nargs="+",
        default=[],
        metavar="COLUMN",
        help="columns of --csv to leave out (identifiers, leaks, ...)",
    )
    compare_parser.add_argument(
        "--strategies",
        type=_strategy_names,
        metavar="NAME,...",
        help="the strategies to compare, by name (default: all but those marked "
        "opt-in by --list-strategies)",
    )
    compare_parser.add_argument(
        "--list-strategies",
        action="store_true",
        help="print the strategies, one line each, and exit",
    )
    compare_parser.add_argument(
        "--metric",
        choices=RANKABLE,
        help=(
            "what to rank by, and which decisions to judge: pr_auc (default); "
            "balanced_accuracy; f1 (of the minority, at a threshold tuned inside "
            "each training fold); brier (of the recovered posteriors); "
            "expected_cost (the default when costs are given)"
        ),
    )
    compare_parser.add_argument(
        "--cost-matrix",
        type=Path,
        metavar="PATH",
        help=(
            "a CSV file of the cost of each decision: a header row of the "
            "predicted classes, then one row per true class, starting with its "
            "label"
        ),
    )
    compare_parser.add_argument(
        "--cost-fn",
        type=_number_in(0.0),
        metavar="COST",
        help="binary targets: the cost of missing a minority row (default: 1 "
        "when --cost-fp is given)",
    )
    compare_parser.add_argument(
        "--cost-fp",
        type=_number_in(0.0),
        metavar="COST",
        help="binary targets: the cost of flagging a majority row (default: 1 "
        "when --cost-fn is given)",
    )
    compare_parser.add_argument(
        "--cv",
        type=_int_at_least(2),
        metavar="K",
        help=(
            f"number of stratified folds (default: {DEFAULT_CV}, or the size "
            "of the smallest class if smaller)"
        ),
    )
    compare_parser.add_argument(
        "--repeats",
        type=_int_at_least(1),
        metavar="R",
        help=(
            "repetitions of the cross-validation, each with its own shuffle "
            "(default: 2 below 5,000 rows, else 1)"
        ),
    )
    compare_parser.add_argument(
        "--seed",
        type=_seed,
        default=0,
        help="seed of the folds, SMOTE, SGD and LightGBM (default: 0)",
    )
    compare_parser.add_argument(
        "--n-jobs",
        type=_n_jobs,
        default=None,
        metavar="N",
        help="fits run in parallel; -1 uses every core (default: 1)",
    )
    compare_parser.add_argument(
        "--out",
        type=Path,
        default=Path(DEFAULT_OUT),
        metavar="DIR",
        help=f"folder for the results and plots (default: ./{DEFAULT_OUT})",
    )
    compare_parser.add_argument(
        "--save-model",
        type=Path,
        metavar="PATH",
        help=(
            "refit the recommended strategy on all the data and save it, "
            "preprocessing included, with joblib (and beside it PATH.skops with "
            "skops, if installed); joblib.load(PATH).predict_proba(df) takes a "
            "DataFrame of the file's columns"
        ),
    )
    compare_parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the results of an earlier run in --out, and the file of "
        "--save-model (default: refuse)",
    )
    compare_parser.add_argument(
        "--no-plots",
        action="store_true",
        help="draw no figures and no report.html (matplotlib is then not needed)",
    )
    compare_parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar on stderr (default: when stderr is a terminal)",
    )

    # Its own parser reports the errors found after parsing, as argparse's.
    compare_parser.set_defaults(command_parser=compare_parser)

    weights_parser = commands.add_parser(
        "weights",
        help="print the class weights of a target under a strategy, as JSON",
        description=(
            "Print, as JSON, the weight each class of a target gets under a "
            "class-weight strategy (see imbweight.ClassWeights). Without "
            f"--dataset or --csv, uses the default dataset ({DEFAULT_DATASET})."
        ),
    )
    _add_data_arguments(weights_parser)
    weights_parser.add_argument(
        "--strategy",
        choices=_STRATEGIES,
        default="balanced",
        help="(default: balanced)",
    )
    weights_parser.add_argument(
        "--beta",
        type=_number_in(0.0, 1.0),
        help=(
            f"beta of effective_number, in [0, 1] (default: {_WEIGHT_DEFAULTS['beta']})"
        ),
    )
    weights_parser.add_argument(
        "--power",
        type=_number_in(0.0),
        help=f"exponent of power, >= 0 (default: {_WEIGHT_DEFAULTS['power']})",
    )
    weights_parser.add_argument(
        "--clip",
        type=_number_in(1.0),
        help="upper bound on the ratio of the largest to the smallest weight, >= 1",
    )
    weights_parser.add_argument(
        "--normalize",
        choices=("samples", "classes", "none"),
        default="samples",
        help=(
            "scale: mean weight 1 per sample, per class, or the raw formula "
            "(default: samples)"
        ),
    )
    return parser


def _warn(message):
    print(f"imbweight: warning: {message}", file=sys.stderr)


def _say(text):
    """Print ``text`` on stdout; if its reader went away (``| head``), go on
    without it: the files are the result, and a pipe is no mistake."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        # Later writes, and the flush at exit, go nowhere instead of failing.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _check_class_count(y, target):
    """Refuse a target with more classes than a comparison can handle."""
    n_classes = np.unique(y).size
    if n_classes > MAX_CLASSES:
        raise UserError(
            f"the target {target!r} has {n_classes:,} classes of "
            f"{y.size / n_classes:.3g} rows on average: is {target!r} an "
            f"identifier? compare handles at most {MAX_CLASSES} classes (choose "
            "the label column with --target)"
        )


def _check_classes(y, cv, target):
    """:func:`~imbweight._compare.check_classes`, its errors for the user."""
    try:
        return check_classes(y, cv, target=target)
    except ClassSizeError as exc:
        if exc.n_splits is None:
            raise UserError(str(exc)) from None
        raise UserError(
            f"class {exc.label!r} has {exc.size} samples, fewer than the "
            f"{exc.n_splits} folds of --cv: use --cv {exc.size} or less, or drop "
            "or merge the class"
        ) from None


def _show_progress(args):
    """Whether to draw progress bars: --progress, else when stderr is a terminal."""
    if getattr(args, "progress", None) is None:
        return sys.stderr.isatty()
    return args.progress


def _load(args, *, features):
    """The data of --dataset or --csv (a Dataset, or only its labels), its
    name and the name of its target."""
    if args.csv is None:
        for flag in ("target", "sep", "encoding", "drop"):
            if getattr(args, flag, None):
                raise UserError(f"--{flag} applies to --csv only")
        dataset = load_builtin(args.dataset or DEFAULT_DATASET)
        dataset.encoder = ColumnEncoder(
            tuple(Column(name) for name in dataset.feature_names)
        )
        return (dataset if features else dataset.y), dataset.name, "target"
    target = "target" if args.target is None else args.target
    try:  # pandas, only when there is a CSV file to read
        from imbweight.cli._read import load_csv, read_target
    except ImportError as exc:
        raise UserError(
            f"reading a CSV file needs {exc.name or 'pandas'}: pip install "
            "'imbweight[cli]'"
        ) from None
    options = dict(sep=args.sep, encoding=args.encoding, warn=_warn)
    if not features:
        return read_target(args.csv, target, **options), args.csv.stem, target
    if _show_progress(args):
        options["progress"] = ProgressBar(f"read {args.csv.name}", unit="MB", scale=1e6)
    dataset = load_csv(args.csv, target, drop=args.drop, **options)
    return dataset, args.csv.stem, target


def _same_file(a, b):
    """Whether the paths ``a`` and ``b`` name one file (links included)."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # one does not exist (yet)
        return a.resolve() == b.resolve()


def _inputs(args):
    """The files the run reads, which it must never write."""
    return [path for path in (args.csv, args.cost_matrix) if path is not None]


def _check_out(args):
    """Refuse, before any work, an --out whose files the run must not replace."""
    out = args.out
    if out.exists() and not out.is_dir():
        raise UserError(f"cannot create the folder {out}: a file of that name exists")
    for given in _inputs(args):
        for name in OUTPUT_FILES:
            if _same_file(out / name, given):
                raise UserError(
                    f"--out {out} would replace the input file {given} with "
                    f"{name}: choose another --out"
                )
    for name in OUTPUT_FILES:
        if (out / name).is_dir():
            raise UserError(f"{out / name} is a folder: choose another --out")
    existing = [name for name in OUTPUT_FILES if (out / name).exists()]
    if existing and not args.overwrite:
        raise UserError(
            f"{out} already holds results ({', '.join(existing)}): pass "
            "--overwrite to replace them, or choose another --out"
        )


def _prepare_out(out):
    """Create the folder ``out`` and prove that a file can be written in it."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create the folder {out}: {exc.strerror}") from None
    try:
        with tempfile.NamedTemporaryFile(dir=out, prefix=".imbweight-probe-"):
            pass
    except OSError as exc:
        raise UserError(f"cannot write into {out}: {exc.strerror}") from None


def _strategy_list():
    """``--list-strategies``: one line per strategy."""
    width = max(len(entry.name) for entry in CATALOGUE)
    lines = []
    for entry in CATALOGUE:
        notes = []
        if not entry.default:
            notes.append("opt-in: name it in --strategies")
        if entry.family == "boosting" and not boosting_available():
            notes.append("needs lightgbm: pip install 'imbweight[lightgbm]'")
        note = f" ({'; '.join(notes)})" if notes else ""
        lines.append(
            f"{entry.name:<{width}}  {entry.family:<8}  {entry.kind:<10}  "
            f"{entry.summary}{note}"
        )
    return "\n".join(lines)


def _check_decision_arguments(parser, args):
    """Refuse combinations of --metric and costs that cannot work (exit code 2)."""
    binary_costs = args.cost_fn is not None or args.cost_fp is not None
    if args.cost_matrix is not None and binary_costs:
        parser.error(
            "give the costs either with --cost-matrix or with --cost-fn/--cost-fp"
        )
    if args.metric == "expected_cost" and not (binary_costs or args.cost_matrix):
        parser.error(
            "--metric expected_cost needs the costs: --cost-matrix, or --cost-fn "
            "and --cost-fp"
        )


def _cost_matrix(path, classes):
    """The cost matrix in the CSV file ``path``, ordered like ``classes``."""
    import pandas as pd  # the cli extra, as for --csv

    try:
        frame = pd.read_csv(path, index_col=0, dtype=str, skipinitialspace=True)
    except FileNotFoundError:
        raise UserError(f"no such file: {path}") from None
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        message = str(exc).strip().splitlines()[-1] if str(exc).strip() else ""
        raise UserError(f"cannot read the cost matrix {path}: {message}") from None
    rows = [str(label).strip() for label in frame.index]
    cols = [str(label).strip() for label in frame.columns]
    labels = [str(label) for label in classes.tolist()]
    for what, found in (("row", rows), ("column", cols)):
        if sorted(found) != sorted(labels) or len(set(found)) != len(found):
            raise UserError(
                f"the cost matrix {path} must have one {what} per class "
                f"({', '.join(labels)}), labelled; its {what}s are "
                f"{', '.join(found) or 'none'} (rows: true class, columns: the "
                "class decided)"
            )
    try:
        values = frame.apply(lambda column: column.str.strip()).astype(float)
    except (ValueError, AttributeError):
        raise UserError(
            f"the cost matrix {path} holds a cell that is not a number"
        ) from None
    values.index, values.columns = rows, cols
    matrix = values.loc[labels, labels].to_numpy()
    if not np.all(np.isfinite(matrix)) or np.any(matrix < 0):
        raise UserError(
            f"the costs of {path} must be finite numbers >= 0 (a gain is a lower cost)"
        )
    return matrix


def _decision_settings(args, classes, counts):
    """The metric to rank by and the cost matrix (or None), checked against
    the classes."""
    binary_costs = args.cost_fn is not None or args.cost_fp is not None
    given = binary_costs or args.cost_matrix is not None
    metric = args.metric or ("expected_cost" if given else "pr_auc")
    if metric == "f1" and classes.size != 2:
        raise UserError(
            f"--metric f1 tunes a threshold between two classes, and the target has "
            f"{classes.size}: rank by balanced_accuracy, or give a --cost-matrix"
        )
    if binary_costs:
        if classes.size != 2:
            raise UserError(
                f"--cost-fn and --cost-fp are for two classes, and the target has "
                f"{classes.size}: give a --cost-matrix"
            )
        minority = int(np.flatnonzero(classes == minority_class(classes, counts))[0])
        matrix = np.zeros((2, 2))
        matrix[minority, 1 - minority] = 1.0 if args.cost_fn is None else args.cost_fn
        matrix[1 - minority, minority] = 1.0 if args.cost_fp is None else args.cost_fp
        return metric, _usable_costs(matrix, counts)
    if args.cost_matrix is not None:
        return metric, _usable_costs(_cost_matrix(args.cost_matrix, classes), counts)
    return metric, None


def _usable_costs(matrix, counts):
    """Refuse costs that decide nothing, or whose totals overflow."""
    if not np.any(matrix):
        raise UserError("every cost is 0: there is nothing to decide")
    if not math.isfinite(float(matrix.max()) * int(np.sum(counts))):
        raise UserError(
            "the costs are so large that their total over the rows overflows; "
            "only their ratios matter: scale them down"
        )
    return matrix


def _skops_path(path):
    """Where --save-model puts the skops copy, if skops is installed."""
    import importlib.util

    if importlib.util.find_spec("skops") is None:
        return None
    return path.with_suffix(".skops")


def _check_save_model(args):
    """Refuse, before any work, a --save-model path the run must not write."""
    path = args.save_model
    if path is None:
        return
    if path.suffix == ".skops":
        raise UserError(
            f"--save-model {path}: the model is saved with joblib (name it e.g. "
            "model.joblib); the skops copy goes beside it"
        )
    if not (path.parent.is_dir() or _same_file(path.parent, args.out)):
        raise UserError(f"--save-model {path}: no folder {path.parent}")
    for target in filter(None, (path, _skops_path(path))):
        if target.is_dir():
            raise UserError(f"--save-model {path}: {target} is a folder")
        for given in _inputs(args):
            if _same_file(target, given):
                raise UserError(
                    f"--save-model {path} would replace the input file {given}"
                )
        results = [name for name in OUTPUT_FILES if _same_file(target, args.out / name)]
        if results:
            raise UserError(
                f"--save-model {path} would replace {results[0]}, which --out "
                f"{args.out} writes: choose another --save-model"
            )
        if target.exists() and not args.overwrite:
            raise UserError(
                f"{target} already exists: pass --overwrite to replace it, or "
                "choose another --save-model"
            )


def _dump(model, path, dump):
    """Write ``model`` to ``path`` with ``dump``, whole or not at all."""
    partial = path.with_name(f".{path.name}.part")
    try:
        dump(model, partial)
        os.replace(partial, path)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror}") from None
    finally:
        partial.unlink(missing_ok=True)


def _refit_model(result):
    """The recommended strategy refitted on all the data, preprocessing included."""
    import warnings

    from sklearn.pipeline import Pipeline

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fitted = refit(result)
    for message in dict.fromkeys(str(w.message).splitlines()[0] for w in caught):
        _warn(f"refitting {result.recommendation.name}: {message}")
    return Pipeline([("columns", result.dataset.encoder), ("model", fitted)])


def _save_model(model, result, args, target):
    """Save the refitted ``model``; say how to use it."""
    import joblib

    _dump(model, args.save_model, joblib.dump)
    written = [str(args.save_model)]
    skops_path = _skops_path(args.save_model)
    if skops_path is not None:
        import skops.io

        try:
            _dump(model, skops_path, skops.io.dump)
            written.append(str(skops_path))
        except UserError:
            raise
        except Exception as exc:  # an optional copy: the joblib file stands
            _warn(f"no skops copy: skops cannot save this model ({exc})")
    if args.csv is None:
        data = f"load_dataset({result.dataset.name!r}, as_frame=True).data"
        imports = "import joblib\nfrom imbweight.datasets import load_dataset"
    else:
        from imbweight.cli._read import pandas_options

        options = "".join(
            f", {key}={value!r}"
            for key, value in pandas_options(args.csv, args.sep, args.encoding).items()
        )
        data = f"pd.read_csv({str(args.csv)!r}{options}).drop(columns=[{target!r}])"
        imports = "import joblib\nimport pandas as pd"
    _say(
        f"\nSaved {result.recommendation.name}, refitted on all "
        f"{result.dataset.y.size} rows (preprocessing included), to "
        f"{' and '.join(written)}. To use it:\n\n{imports}\n"
        f"model = joblib.load({str(args.save_model)!r})\n"
        f"model.predict_proba({data})  # columns ordered like model.classes_"
    )


def _run_compare(args):
    if args.list_strategies:
        _say(_strategy_list())
        return 0
    draw = not args.no_plots
    _check_out(args)
    _check_save_model(args)
    if draw:
        from imbweight._compare._plots import check_matplotlib

        try:
            check_matplotlib()
        except ImportError as exc:
            raise UserError(str(exc)) from None
    dataset, _, target = _load(args, features=True)
    _check_class_count(dataset.y, target)
    classes, counts, _ = _check_classes(dataset.y, args.cv, target)
    metric, cost_matrix = _decision_settings(args, classes, counts)
    _prepare_out(args.out)
    if args.save_model is not None:
        _prepare_out(args.save_model.parent)
    progress = ProgressBar(f"compare {dataset.name}") if _show_progress(args) else None
    try:
        result = compare(
            dataset,
            cv=args.cv,
            n_repeats=args.repeats,
            seed=args.seed,
            metric=metric,
            cost_matrix=cost_matrix,
            strategies=args.strategies,
            n_jobs=args.n_jobs,
            progress=progress,
            warn=_warn,
        )
    except (NoStrategyFitted, ClassSizeError) as exc:
        raise UserError(str(exc).splitlines()[0]) from None
    for note in result.notes:
        _warn(note)
    _say(table(result))
    # Refitted before anything is written: an interrupted or failed refit
    # leaves the results of an earlier run and its model together.
    model = None if args.save_model is None else _refit_model(result)
    try:
        written = write_outputs(result, args.out, plots=draw)
    except OSError as exc:
        raise UserError(f"cannot write into {args.out}: {exc.strerror}") from None
    _say(f"\nWrote {', '.join(path.name for path in written)} into {args.out}")
    if model is not None:
        _save_model(model, result, args, target)
    return 0


def _run_weights(args):
    y, name, target = _load(args, features=False)
    classes, counts = np.unique(y, return_counts=True)
    if classes.size < 2:
        raise UserError(
            f"the target {target!r} has a single class ({classes[0].item()!r}, "
            f"{counts[0]} samples): there is nothing to weigh"
        )
    params = {}
    for param, owner in (("beta", "effective_number"), ("power", "power")):
        value = getattr(args, param)
        if args.strategy == owner:
            params[param] = _WEIGHT_DEFAULTS[param] if value is None else value
        elif value is not None:
            _warn(f"--{param} is ignored by the strategy {args.strategy!r}")
    params["clip"] = args.clip
    params["normalize"] = None if args.normalize == "none" else args.normalize
    try:
        weights = compute_class_weight(y, args.strategy, **params)
    except ValueError as exc:
        raise UserError(str(exc).splitlines()[0]) from None
    output = {
        "dataset": name,
        "target": target,
        "strategy": args.strategy,
        "params": params,
        "class_counts": {
            str(label): count
            for label, count in zip(classes.tolist(), counts.tolist(), strict=True)
        },
        "class_weight": {str(label): weights[label] for label in classes.tolist()},
    }
    _say(json.dumps(output, indent=2, ensure_ascii=False))
    return 0


def run(argv=None):
    """:func:`imbweight.cli.main`, once the command's modules are imported."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, --version or a usage error
        return stop.code if isinstance(stop.code, int) else 2
    if args.command is None:
        parser.print_help()
        return 0
    command = _run_compare if args.command == "compare" else _run_weights
    if args.command == "compare":
        try:
            _check_decision_arguments(args.command_parser, args)
        except SystemExit as stop:
            return stop.code
    try:
        return command(args)
    except UserError as exc:
        print(f"imbweight {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"imbweight {args.command}: interrupted", file=sys.stderr)
        return 130
