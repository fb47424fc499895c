"""Which strategy to recommend, and why: honest ties, then the simplest.

Conventions
-----------
Every strategy is scored on the same splits (``n_repeats`` repetitions of
``n_splits`` stratified folds), so two strategies are compared split by
split: their *paired differences* ``d_j = s_best,j - s_j`` (oriented so that
``d_j > 0`` means worse than the best).

The rule
--------
A strategy **ties** the best when the mean paired difference is at most one
standard error of that mean, with the standard error of Nadeau and Bengio
(2003, "Inference for the generalization error")::

    se = sd(d) · sqrt(1 / J + n_test / n_train),     J = n_repeats · n_splits

Why this rule:

- *Paired*: fold-to-fold variation (an easy fold is easy for every
  strategy) cancels in ``d``; unpaired standard deviations over folds, like
  the ``± std`` of the table, are several times larger and would call
  nearly everything a tie.
- *Corrected*: the ``J`` differences are not independent, since the
  training sets overlap (by ``(k - 2) / (k - 1)`` of their rows between two
  folds, and repetitions reuse the same rows). The naive ``sd / sqrt(J)``
  shrinks with more repetitions although no new data comes in, and calls
  noise a difference; the ``n_test / n_train = 1 / (k - 1)`` term keeps
  the error from vanishing, as the variance of a cross-validated difference
  does not.
- *One standard error*: the "one-standard-error rule" of Breiman et al.
  (1984) for choosing among models: the simplest within one standard error
  of the best, because a smaller gap is as likely to come from the split of
  the data as from the strategies. It errs towards ties, hence towards
  simple strategies, rather than towards a winner that another seed would
  not confirm.

A strategy ranked above a tied one is tied as well: its mean is closer to
the best's, even if its own gap varies more from split to split.

Among the strategies tied with the best, the simplest is recommended:
linear models before boosting (so boosting is recommended only when it is
better beyond the noise), then plain < weighted < focal < resampling.

A strategy that never predicts the minority class at its decision rule (its
minority recall is 0 on every split) cannot be acted on: when some
strategy does flag the minority, only those that do are candidates; when
none does, the output says so plainly. Finally the best strategy is
compared, the same way, with a constant predictor (the class frequencies of
the training fold, decided by the same rule): if it does not beat it
beyond the noise, the output warns that nothing does.
"""

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Recommendation", "paired_gap", "recommend"]


def paired_gap(best, other, n_splits, *, greater_is_better=True):
    """How far ``other`` falls behind ``best``, and the noise of that gap.

    Parameters
    ----------
    best, other : ndarray of shape (n_repeats * n_splits,)
        Scores of two strategies on the same splits.
    n_splits : int
        Folds per repetition (``n_test / n_train = 1 / (n_splits - 1)``).
    greater_is_better : bool, default=True
        The metric's direction.

    Returns
    -------
    gap : float
        Mean of the paired differences, positive when ``other`` is worse.
    standard_error : float
        Its corrected standard error (see the module's docstring).

    Examples
    --------
    >>> import numpy as np
    >>> from imbweight._compare._recommend import paired_gap
    >>> best = np.array([0.50, 0.60, 0.55, 0.70, 0.65])
    >>> gap, se = paired_gap(best, best - [0.01, 0.03, 0.02, 0.02, 0.02], 5)
    >>> print(f"{gap:.3f} {se:.4f}")
    0.020 0.0047
    """
    d = np.asarray(best, dtype=float) - np.asarray(other, dtype=float)
    if not greater_is_better:
        d = -d
    n = d.size
    spread = np.std(d, ddof=1) if n > 1 else 0.0
    return float(np.mean(d)), float(spread * np.sqrt(1.0 / n + 1.0 / (n_splits - 1)))


@dataclass
class Recommendation:
    """What :func:`recommend` decided, and the words that say why.

    Attributes
    ----------
    name : str
        The recommended strategy.
    best : str
        The strategy with the best mean score among the candidates.
    tied : list of str
        Every candidate within noise of ``best``, ``best`` included, in
        ranking order.
    reason : str
        One sentence: why this one.
    warnings : list of str
        When the recommendation never predicts the minority, or nothing
        beats a constant predictor.
    passed_over : list of str
        Better-ranked strategies left out because they never predict the
        minority.
    """

    name: str
    best: str
    tied: list
    reason: str
    warnings: list = field(default_factory=list)
    passed_over: list = field(default_factory=list)


def _value(scores, name, metric):
    return float(np.mean(scores[name][metric]))


def recommend(
    ranking,
    scores,
    metric,
    *,
    title,
    greater_is_better,
    n_splits,
    simplicity,
    minority,
    constant=None,
):
    """Pick the strategy to recommend (see the module's docstring).

    Parameters
    ----------
    ranking : list of str
        Strategy names, best mean ``metric`` first.
    scores : dict
        Name to metric to an array of one score per split (with
        ``"recall"``, the minority recall at the decision rule).
    metric : str
        The metric ranked by.
    title : str
        Its name, for the sentences.
    greater_is_better : bool
        Its direction.
    n_splits : int
        Folds per repetition.
    simplicity : dict
        Name to a sort key, simplest first.
    minority : object
        The minority class, for the sentences.
    constant : dict or None, default=None
        Metric to per-split scores of the constant predictor.

    Returns
    -------
    recommendation : Recommendation
    """

    def fmt(name):
        return f"{_value(scores, name, metric):.3f}"

    def within_noise(best, other):
        gap, error = paired_gap(
            best, other, n_splits, greater_is_better=greater_is_better
        )
        return gap <= error

    flags = [name for name in ranking if np.mean(scores[name]["recall"]) > 0]
    candidates = flags or list(ranking)
    best = candidates[0]
    passed_over = ranking[: ranking.index(best)]
    last_tied = max(
        i
        for i, name in enumerate(candidates)
        if name == best or within_noise(scores[best][metric], scores[name][metric])
    )
    # A strategy ranked above a tied one scores better than it: it is tied
    # too, however noisy its own gap to the best.
    tied = candidates[: last_tied + 1]
    chosen = min(tied, key=lambda name: (simplicity[name], tied.index(name)))
    among = (
        f" among the strategies that predict class {minority!r}" if passed_over else ""
    )
    if chosen == best and len(tied) == 1:
        others = [name for name in candidates if name != best]
        reason = f"{best} has the best mean {title}{among} ({fmt(best)})" + (
            f", ahead of {others[0]} ({fmt(others[0])}) by more than the noise "
            "between folds"
            if others
            else ""
        )
    elif chosen == best:
        reason = (
            f"{best} has the best mean {title}{among} ({fmt(best)}) and is the "
            f"simplest of the {len(tied)} strategies within noise of it"
        )
    else:
        reason = (
            f"{chosen} ({fmt(chosen)}) is within noise of the best mean {title}"
            f"{among} ({best}, {fmt(best)}: the paired fold-to-fold gap is under "
            f"one standard error) and is the simplest of the {len(tied)} "
            "strategies tied with it (linear before boosting; plain < weighted < "
            "focal < resampling)"
        )
    if passed_over:
        one = len(passed_over) == 1
        reason += (
            f"; {', '.join(passed_over)} {'ranks' if one else 'rank'} higher but "
            f"never predict{'s' if one else ''} it at the decision rule"
        )
    warnings = []
    if not flags:
        warnings.append(
            f"no strategy predicts class {minority!r} for any row at its decision "
            "rule: every one of them decides the other classes for all rows. "
            "Use the probabilities with a threshold of your own, or rank by "
            "--metric f1, or give the costs of errors (--cost-fn/--cost-fp or "
            "--cost-matrix)"
        )
    top = ranking[0]
    if constant is not None and within_noise(scores[top][metric], constant[metric]):
        warnings.append(
            f"nothing beats a constant predictor on {title}: the best, {top} "
            f"({fmt(top)}), is within noise of predicting the class "
            f"frequencies for every row ({np.mean(constant[metric]):.3f}); the "
            "features say little about the target"
        )
    return Recommendation(chosen, best, tied, reason + ".", warnings, list(passed_over))
