"""Exercise of notebook 00 (start here): a warm-up that shows how checks work.

Introduced in notebook 00.
"""

from __future__ import annotations

from typing import Any

from . import solutions
from ._core import POSITIVE, CheckResult, Exercise, Reporter, grade_value, run_value_check

__all__ = ["check_warmup"]

_HINT_00_1 = ("The scale is `sensitivity / epsilon`, and a count has sensitivity 1: divide 1 by "
              "0.5.")


def check_warmup(answer: Any) -> CheckResult:
    """Check exercise 00.1: the Laplace scale for a count at epsilon = 0.5.

    The question: a count changes by at most 1 when one person is added or
    removed (sensitivity 1), and the Laplace mechanism adds noise of scale
    ``sensitivity / epsilon``. What is the scale at ``epsilon = 0.5``?

    Parameters
    ----------
    answer : float
        The learner's number. ``...`` or ``None`` (the starter) gives a
        neutral "not attempted yet" result.

    Returns
    -------
    CheckResult
        Passed when ``answer`` is within 1e-3 of the reference value.

    Raises
    ------
    TypeError
        If ``answer`` is not a number (a string, a bool, ...).

    Notes
    -----
    Introduced in notebook 00.

    Examples
    --------
    >>> check_warmup(...)
    ✏️ Exercise 00.1 not attempted yet: your answer is still `...`. Replace it with a number and run the check again. Stuck? `exercises.hint("00.1")` gives a first hint.
    >>> check_warmup(2)
    ✅ Exercise 00.1 passed: the noise scale at epsilon = 0.5 is `1 / 0.5` = 2, so the noisy count typically misses the true count by about 2. Smaller epsilon, more noise, more privacy.
    """
    return run_value_check(answer, _grade_warmup, exercise_id="00.1", hint=_HINT_00_1,
                           fix="Type a number, e.g. answer = 3.5.")


def _grade_warmup(value: float, reporter: Reporter) -> CheckResult:
    expected = float(solutions.laplace_scale())
    return grade_value(
        value, reporter, expected=expected, tolerance=1e-3,
        what="the noise scale at epsilon = 0.5", domain=POSITIVE,
        passed=(f"the noise scale at epsilon = 0.5 is `1 / 0.5` = {expected:g}, so the noisy "
                f"count typically misses the true count by about {expected:g}. Smaller epsilon, "
                "more noise, more privacy."),
        mistakes=[
            (0.5, "0.5 is epsilon itself (or `epsilon / sensitivity`, upside down). The scale is "
                  "`sensitivity / epsilon`."),
            (2 * expected**2, "That is the variance of the noise, `2 * scale**2`. The question "
                              "asks for the scale itself."),
            (2**0.5 * expected, "That is the standard deviation of the noise, "
                                "`sqrt(2) * scale`. The question asks for the scale itself."),
            (1.0, "1 is the scale at epsilon = 1. Smaller epsilon means more noise."),
        ])


EXERCISES = (
    Exercise("00.1", "Warm-up: the Laplace scale of a noisy count", check_warmup,
             solutions.laplace_scale, _HINT_00_1, answer_name="noise_scale",
             question=("A count changes by at most 1 when one person is added or removed "
                       "(sensitivity 1). The Laplace mechanism adds noise of scale sensitivity / "
                       "epsilon. What is the scale at epsilon = 0.5?")),
)
