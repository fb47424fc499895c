"""Focal and class-weighted losses for gradient-boosted trees (LightGBM, XGBoost).

:class:`FocalBoostingClassifier` trains an ``LGBMClassifier`` or an
``XGBClassifier`` on the weighted focal loss. For ``lightgbm.train`` and
``xgboost.train`` the same objective and metrics come as callables
(:func:`lightgbm_objective`, :func:`lightgbm_metric`,
:func:`xgboost_objective`, :func:`xgboost_metric`), with the starting score
:func:`focal_init_score`. Nothing here imports LightGBM or XGBoost until it
is used with them (``pip install "imbweight[lightgbm]"`` or
``"imbweight[xgboost]"``).

The objective's gradient and Hessian come from :mod:`imbweight.losses`.
For ``gamma > 0`` the focal loss is not convex: where its exact second
derivative falls below the curvature it would have if its modulating factor
``(1 - p_t)^γ`` were a constant weight, ``α_t w p_t (1 - p_t)^(γ+1)``
(``CURVATURE_FLOOR`` = 1 times it), that curvature is used instead. This
changes badly classified rows only (``p_t`` below 0.085 at ``γ = 2``), takes
for them the Newton step of the weighted log-loss, and never binds at
``γ = 0``; :mod:`imbweight.boosting._objective` says why 1 and not a small
fraction.
"""

from imbweight.boosting._classifier import FocalBoostingClassifier
from imbweight.boosting._init_score import focal_init_score, repeat_init_score
from imbweight.boosting._lightgbm import lightgbm_metric, lightgbm_objective
from imbweight.boosting._objective import CURVATURE_FLOOR
from imbweight.boosting._xgboost import xgboost_metric, xgboost_objective

__all__ = [
    "CURVATURE_FLOOR",
    "FocalBoostingClassifier",
    "focal_init_score",
    "lightgbm_metric",
    "lightgbm_objective",
    "repeat_init_score",
    "xgboost_metric",
    "xgboost_objective",
]
