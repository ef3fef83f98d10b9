"""ppml-lab: a Jupyter-native kit for privacy-preserving machine learning.

The subpackages follow concepts:

* :mod:`ppml_lab.dp` -- differential privacy: mechanisms and private queries;
* :mod:`ppml_lab.viz` -- plots (matplotlib) and live explorers (ipywidgets);
* :mod:`ppml_lab.exercises` -- auto-checked exercises for the notebooks.

``import ppml_lab`` is light: it imports numpy and scipy but neither
matplotlib nor ipywidgets, which load only when :mod:`ppml_lab.viz` is used.

Everything here is educational code written to be read. It is tested, but it
is not hardened against side channels (timing, floating-point attacks) and is
not a replacement for an audited production library.
"""

from __future__ import annotations

from .exceptions import BudgetExceededError, PrivacyLeakWarning

__version__ = "0.1.0"

__all__ = ["__version__", "BudgetExceededError", "PrivacyLeakWarning"]
