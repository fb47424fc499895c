"""Speed, memory and quality benchmarks of imbweight against scikit-learn.

Run ``python -m benchmarks --help`` from the repository root. Every table
reports *ratios* against scikit-learn (or imbalanced-learn) measured in the
same run, on the same data, under the same thread limits, so the numbers
carry over between machines better than absolute times do.

Layout (one module per kind of measurement, as in glum's benchmarks):

* :mod:`benchmarks._common` -- timing (warm-up, then the median of several
  interleaved runs), thread modes, machine information, memory bandwidth,
  markdown tables.
* :mod:`benchmarks.workloads` -- the synthetic workloads (a)-(d).
* :mod:`benchmarks.speed` -- L-BFGS fit time, objective evaluation time, SGD
  epoch throughput.
* :mod:`benchmarks.scaling` -- fit time against the number of samples, with a
  log-log plot.
* :mod:`benchmarks.memory` -- peak memory of a fit relative to ``X.nbytes``.
* :mod:`benchmarks.quality` -- cross-validated PR-AUC and balanced accuracy
  on real imbalanced datasets.
"""
