"""An estimate printed beside the truth it estimates, with how far off it is.

Notebooks that show a DP estimate next to the true value print it with
:func:`compare_to_truth`, so every such line has one form: the estimate, the
truth, the estimate's standard deviation and the distance in standard errors.
A test reads every committed notebook's outputs for that form and fails if an
estimate lies more than four standard errors from its truth (a seed that
reuses the data's random numbers as noise, say, shows up at once).

Introduced in notebook 02.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .._validation import check_label, check_nonnegative, check_real

__all__ = ["EstimateCheck", "compare_to_truth", "ESTIMATE_LINE"]

#: The printed form, as a regular expression (used by the notebook tests).
ESTIMATE_LINE = re.compile(r"estimate (?P<estimate>-?[\d.]+), truth (?P<truth>-?[\d.]+), "
                           r"standard error (?P<std>[\d.]+) \((?P<z>[\d.]+|inf) standard errors "
                           r"off\)")


@dataclass(frozen=True, repr=False)
class EstimateCheck:
    """An estimate, its truth and its standard deviation (the standard error).

    Attributes
    ----------
    label : str
        What is estimated.
    estimate, truth, std : float
        The estimate, the true value, and the estimate's standard deviation
        (from the mechanism's noise and, for sampled data, the sampling).
    """

    label: str
    estimate: float
    truth: float
    std: float

    @property
    def z(self) -> float:
        """How many standard errors the estimate lies from the truth."""
        diff = abs(self.estimate - self.truth)
        if self.std == 0:
            return 0.0 if diff == 0 else float("inf")
        return diff / self.std

    def __repr__(self) -> str:
        return (f"{self.label}: estimate {self.estimate:.4f}, truth {self.truth:.4f}, "
                f"standard error {self.std:.4f} ({self.z:.1f} standard errors off)")

    __str__ = __repr__


def compare_to_truth(estimate: float, truth: float, std: float, *,
                     label: str = "estimate") -> EstimateCheck:
    """Pair an estimate with its truth and standard deviation, for printing.

    Parameters
    ----------
    estimate, truth : float
        The (noisy) estimate and the true value.
    std : float
        The estimate's standard deviation, >= 0.
    label : str, default "estimate"
        What is estimated, e.g. ``"share who cheated"``.

    Returns
    -------
    EstimateCheck

    Examples
    --------
    >>> compare_to_truth(0.2026, 0.1936, 0.0095, label="share who cheated")
    share who cheated: estimate 0.2026, truth 0.1936, standard error 0.0095 (0.9 standard errors off)
    """
    return EstimateCheck(check_label(label), check_real(estimate, "estimate"),
                         check_real(truth, "truth"), check_nonnegative(std, "std"))
