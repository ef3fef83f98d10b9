"""Exercises of notebook 03 (Laplace and Gaussian mechanisms, attacker certainty).

* 03.1 :func:`check_laplace_mechanism`: write the Laplace mechanism; checked
  statistically (Kolmogorov-Smirnov against :func:`scipy.stats.laplace` and the
  DP inequality on neighbouring inputs).
* 03.2 :func:`check_posterior_bound`: how sure can a 50/50 attacker become at
  epsilon = ln 3?
* 03.3 :func:`check_gaussian_sigma`: how much Gaussian noise a histogram of
  symptoms needs when a patient may report up to three: the L2 sensitivity under
  add/remove-one neighbours, then :class:`ppml_lab.dp.GaussianMechanism`.
* 03.4 :func:`check_epsilon_for_posterior`: which epsilon caps a 50/50
  attacker's certainty at 90 %?

Introduced in notebook 03.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
from scipy import stats

from ..dp import GaussianMechanism, LaplaceMechanism
from . import solutions
from ._core import (POSITIVE, PROBABILITY, CheckResult, Exercise, Reporter, as_real_output,
                    call_learner, fmt_ratio, function_label, grade_value, run_function_check,
                    run_value_check)
from ._stats import KS_ALPHA, Z, RatioTest, dp_ratio_test

__all__ = ["check_laplace_mechanism", "check_posterior_bound", "check_gaussian_sigma",
           "check_epsilon_for_posterior"]

_HINT_03_1 = ("How much noise hides one person? It must grow with the sensitivity (how far one "
              "person moves the value) and shrink as epsilon grows. Which distribution does the "
              "Laplace mechanism draw from, and with what scale?")
_MORE_03_1 = ("The Laplace scale is `sensitivity / epsilon`: halve epsilon and the noise doubles.",
              "Draw one Laplace number centred at 0 with that scale from `rng` (numpy's "
              "`rng.laplace(loc, scale)`) and return the true value plus it.")
_FORBIDDEN_03_1 = (LaplaceMechanism.release,)
_HINT_03_2 = ("epsilon-DP bounds how much likelier any output is with Alice than without her. "
              "How does a likelihood ratio change an attacker's belief?")
_MORE_03_2 = ("Bayes' rule in odds form: posterior odds = likelihood ratio x prior odds, and a "
              "50/50 belief is odds 1:1. The likelihood ratio is at most `e**epsilon`.",
              "At epsilon = ln 3 the odds can reach 3:1. Turn odds into a probability with "
              "`odds / (1 + odds)`.")
_HINT_03_3 = ("First the sensitivity: remove one patient from the data. Which counts move, and "
              "by how much? Then: which norm of that change does the Gaussian mechanism use?")
_MORE_03_3 = ("A patient appears in the count of each symptom they report, and in no other: "
              "removing one moves up to 3 of the 10 counts, each by 1. The bins they did not "
              "report stay put.",
              "The Gaussian mechanism is calibrated to the L2 sensitivity: the Euclidean "
              "length of that change, the square root of the sum of the squared changes (not "
              "their sum, the L1 norm). Pass it as the sensitivity to `GaussianMechanism` and "
              "read its `sigma`.")
_HINT_03_4 = ("Work backwards from 90 %: what odds is that, and by what factor can one "
              "epsilon-DP release multiply the attacker's odds?")
_MORE_03_4 = ("90 % is odds `0.9 / 0.1` = 9:1; the attacker starts at odds 1:1.",
              "epsilon-DP multiplies the odds by at most `e**epsilon`: solve `e**epsilon = 9` "
              "with `np.log`.")


# --- 03.1 the Laplace mechanism -------------------------------------------------------------

@dataclass(frozen=True)
class _Setting:
    value: float
    sensitivity: float
    epsilon: float

    @property
    def scale(self) -> float:
        return LaplaceMechanism(self.epsilon, self.sensitivity).scale

    @property
    def args(self) -> tuple[float, float, float]:
        return (self.value, self.sensitivity, self.epsilon)


# Three settings whose scales tell the usual mistakes apart (sensitivity / epsilon = 4, 0.5, 2;
# epsilon / sensitivity = 0.25, 2, 0.5; 1 / epsilon = 2, 0.5, 0.67; sensitivity = 2, 1, 3). The
# first one also gets the neighbouring input value + sensitivity for the DP inequality.
# 10 000 draws per setting (40 000 calls, about 40 ms for a plain Python answer). A correct answer
# is rejected with probability below 3e-6 by the three KS tests (p < 1e-6 each) and below 1e-5 by
# the 15-bin ratio test (Z = 5 each): below 2e-5 in all.
_SETTINGS = (_Setting(10.0, 2.0, 0.5), _Setting(-5.0, 1.0, 2.0), _Setting(42.0, 3.0, 1.5))
_N_DRAWS = 10_000
_SEED = 20031  # any fixed seed
_WHAT_VALUE = "the noisy value, one number"
_FAST_TYPES = frozenset({float, int, np.float64, np.float32, np.int64, np.int32})


def _setting_text(settings: Sequence[_Setting]) -> str:
    pairs = [f"({s.sensitivity:g}, {s.epsilon:g})" for s in settings]
    return ", ".join(pairs[:-1]) + " and " + pairs[-1]


def _as_values(outputs: list[Any], fn: Callable[..., Any], args: tuple[Any, ...],
               kwargs: dict[str, Any], reporter: Reporter) -> np.ndarray:
    if all(type(out) in _FAST_TYPES for out in outputs):
        values = np.asarray(outputs, dtype=float)
        if np.all(np.isfinite(values)):
            return values
    return np.asarray([as_real_output(out, fn, args, kwargs, reporter, what=_WHAT_VALUE)
                       for out in outputs], dtype=float)


def _draw(fn: Callable[..., Any], args: tuple[Any, ...], rng: np.random.Generator, n: int,
          reporter: Reporter) -> np.ndarray:
    kwargs = {"rng": rng}
    outputs = call_learner(fn, args, kwargs, reporter, n=n, what=_WHAT_VALUE)
    return _as_values(outputs, fn, args, kwargs, reporter)


def _bin_edges(setting: _Setting) -> np.ndarray:
    """Bins of half a scale from 3 scales below ``value`` to 3 above ``value + sensitivity``."""
    b, lo = setting.scale, setting.value - 3 * setting.scale
    n_bins = int(round((6 * b + setting.sensitivity) / (b / 2)))
    return lo + (b / 2) * np.arange(n_bins + 1)


def _bin_text(edges: np.ndarray, i: int) -> str:
    if i == 0:
        return f"below {edges[0]:g}"
    if i == edges.size:
        return f"at or above {edges[-1]:g}"
    return f"in [{edges[i - 1]:g}, {edges[i]:g})"


def _counts(x: np.ndarray, edges: np.ndarray) -> np.ndarray:
    # bin 0 is (-inf, edges[0]), bin i is [edges[i-1], edges[i]), the last is [edges[-1], inf)
    return np.bincount(np.searchsorted(edges, x, side="right"), minlength=edges.size + 1)


def _centre_tolerance(x: np.ndarray) -> float:
    """How far the median of ``x`` may be from the centre: Z standard errors or more.

    The sample median's standard error is ``spread / sqrt(n)`` for Laplace
    noise (``spread`` = mean absolute deviation from the median) and below
    ``2 * spread / sqrt(n)`` for normal or uniform noise.
    """
    spread = float(np.mean(np.abs(x - np.median(x))))
    return 2 * Z * spread / math.sqrt(x.size)


def _dp_sentence(test: RatioTest, setting: _Setting, edges: np.ndarray, scales: list[float]
                 ) -> str:
    v0, v1, eps = setting.value, setting.value + setting.sensitivity, setting.epsilon
    if test.violated:
        hi, lo = (v0, v1) if test.count_a > test.count_b else (v1, v0)
        where = _bin_text(edges, test.event)
        head = (f"This breaks epsilon-DP: for the neighbouring true values {v0:g} and {v1:g} "
                f"(sensitivity {setting.sensitivity:g}, epsilon = {eps:g}), outputs {where}")
        if math.isinf(test.ratio):
            return f"{head} appeared under {hi:g} but never under {lo:g}."
        return (f"{head} were {fmt_ratio(test.ratio)} times as frequent under {hi:g} as under "
                f"{lo:g}; epsilon-DP allows at most `e**{eps:g}` = {math.exp(eps):.2f}.")
    low = 1 - Z / math.sqrt(_N_DRAWS)  # a scale estimate this far below the target is too small
    if any(b_hat < low * s.scale for b_hat, s in zip(scales, _SETTINGS)):
        return ("With less noise than `sensitivity / epsilon` in some setting, it is not "
                "epsilon-DP there.")
    return "It is private enough, but adds more noise than needed, which costs accuracy."


def check_laplace_mechanism(fn: Callable[..., Any]) -> CheckResult:
    """Check exercise 03.1: the Laplace mechanism.

    The learner writes ``fn(true_value, sensitivity, epsilon, rng) -> float``
    that returns ``true_value`` plus Laplace noise of scale
    ``sensitivity / epsilon``. The check draws 10 000 outputs in each of three
    settings, (true value, sensitivity, epsilon) = (10, 2, 0.5), (-5, 1, 2) and
    (42, 3, 1.5), from a generator with a fixed seed, and tests

    * the distribution: a Kolmogorov-Smirnov test against
      ``scipy.stats.laplace(loc=true_value, scale=sensitivity / epsilon)``,
      rejected when p < 1e-6;
    * the DP inequality on the neighbouring true values 10 and 12: both sets
      of outputs are counted in 15 common bins, and in every bin with enough
      counts the log ratio of the frequencies must be at most
      ``epsilon + 5 * sqrt(1/c1 + 1/c2)``.

    A correct answer fails by bad luck with probability below 2e-5; for a
    given function the verdict is deterministic. No noise, the scale
    ``epsilon / sensitivity``, forgetting the sensitivity, noise that does
    not depend on epsilon, Gaussian noise, returning only the noise, and
    randomness not drawn from ``rng`` get their own hints. The exercise asks
    the learner to write it: an answer that calls
    :meth:`ppml_lab.dp.LaplaceMechanism.release` (directly or through
    ``dp_count`` and the like) is refused.

    Parameters
    ----------
    fn : callable
        The learner's function, called as
        ``fn(true_value, sensitivity, epsilon, rng=rng)``.

    Returns
    -------
    CheckResult

    Raises
    ------
    TypeError
        If ``fn`` is not callable.

    Notes
    -----
    Introduced in notebook 03. About 40 000 calls of ``fn``: around 60 ms for
    a plain Python answer.

    Examples
    --------
    >>> from ppml_lab.exercises import solutions
    >>> check_laplace_mechanism(solutions.laplace_mechanism).passed
    True
    >>> result = check_laplace_mechanism(
    ...     lambda true_value, sensitivity, epsilon, rng: true_value)
    >>> result.message
    'your function returned `true_value` unchanged in every call.'
    """
    return run_function_check(fn, _check_laplace, check_name="check_laplace_mechanism",
                              exercise_id="03.1", hint=_HINT_03_1,
                              call="laplace_mechanism(true_value, sensitivity, epsilon, rng=rng)",
                              forbidden=_FORBIDDEN_03_1)


def _check_laplace(fn: Callable[..., Any], reporter: Reporter) -> CheckResult:
    name = function_label(fn)
    n = _N_DRAWS
    rng = np.random.default_rng(_SEED)
    call_learner(fn, _SETTINGS[0].args, {"rng": rng}, reporter, first=True, what=_WHAT_VALUE)
    outputs = [_draw(fn, s.args, rng, n, reporter) for s in _SETTINGS]
    first = _SETTINGS[0]
    neighbour = _draw(fn, (first.value + first.sensitivity, first.sensitivity, first.epsilon),
                      rng, n, reporter)

    noises = [out - s.value for out, s in zip(outputs, _SETTINGS)]
    if all(np.all(noise == 0) for noise in noises):
        return reporter.failed(
            f"{name} returned `true_value` unchanged in every call.",
            hint="No noise, no privacy: anyone who sees the output knows the true value. Add "
                 "Laplace noise, `rng.laplace(0.0, scale)` with `scale = sensitivity / epsilon`.")
    if all(np.ptp(out) == 0 for out in outputs):
        return reporter.failed(
            f"{name} returned the same number in every call with the same inputs.",
            hint="The noise must be fresh on every call: draw it from the `rng` argument, and do "
                 "not create a new seeded generator inside your function.")

    edges = _bin_edges(first)
    dp = dp_ratio_test(_counts(outputs[0], edges), n, _counts(neighbour, edges), n, first.epsilon)
    p_values = [float(stats.kstest(out, stats.laplace(loc=s.value, scale=s.scale).cdf).pvalue)
                for out, s in zip(outputs, _SETTINGS)]
    expected_scales = [s.scale for s in _SETTINGS]
    if all(p >= KS_ALPHA for p in p_values):
        if dp.violated:  # not expected when the distribution is right
            return reporter.failed(f"{name} looks Laplace. "
                                   f"{_dp_sentence(dp, first, edges, expected_scales)}")
        return _check_reproducible(fn, reporter) or reporter.passed(
            f"the noise of {name} looks Laplace with scale `sensitivity / epsilon` "
            f"({', '.join(f'{b:g}' for b in expected_scales[:-1])} and "
            f"{expected_scales[-1]:g} for (sensitivity, epsilon) = {_setting_text(_SETTINGS)}; "
            f"Kolmogorov-Smirnov tests on {n:,} draws each), and for the neighbouring true values "
            f"{first.value:g} and {first.value + first.sensitivity:g} no range of outputs was "
            f"more than `e**{first.epsilon:g}` = {math.exp(first.epsilon):.2f} times likelier "
            "under one than under the other.")

    # where is the noise centred?
    for noise, s in zip(noises, _SETTINGS):
        med = float(np.median(noise))
        if abs(med) > _centre_tolerance(noise):
            if all(abs(float(np.median(out))) <= _centre_tolerance(out) for out in outputs):
                return reporter.failed(
                    f"the outputs of {name} are centred on 0, not on `true_value`.",
                    hint="Return the true value plus the noise (`true_value + noise`), not the "
                         "noise alone.")
            return reporter.failed(
                f"with `true_value={s.value:g}`, the outputs of {name} are centred near "
                f"{s.value + med:.3g}, not on the true value.",
                hint="The noise must have mean 0 (`rng.laplace(0.0, scale)`) and be added to the "
                     "true value, so that the release is unbiased.")

    failing = [i for i, p in enumerate(p_values) if p < KS_ALPHA]
    sds = [float(np.sqrt(np.mean(noise**2))) for noise in noises]
    if all(float(stats.kstest(noises[i], stats.norm(scale=sds[i]).cdf).pvalue) >= KS_ALPHA
           for i in failing):
        i = failing[0]
        s = _SETTINGS[i]
        return reporter.failed(
            f"for (sensitivity, epsilon) = ({s.sensitivity:g}, {s.epsilon:g}) the noise of "
            f"{name} has standard deviation {sds[i]:.3g} and the light tails of a Gaussian "
            "(normal) distribution, not the heavier tails of a Laplace one.",
            hint="Draw the noise with `rng.laplace(0.0, scale)`. Gaussian noise belongs to the "
                 "Gaussian mechanism (section 4), which only gives (epsilon, delta)-DP: far "
                 "enough in its tails, an output is arbitrarily likelier under one neighbour "
                 "than under the other.")

    scales = [float(np.mean(np.abs(noise))) for noise in noises]  # estimates of the Laplace scale
    observed = (f"the noise of {name} has a scale of about "
                f"{', '.join(f'{b:.3g}' for b in scales[:-1])} and {scales[-1]:.3g} for "
                f"(sensitivity, epsilon) = {_setting_text(_SETTINGS)}; the Laplace mechanism "
                f"uses `sensitivity / epsilon` = "
                f"{', '.join(f'{b:g}' for b in expected_scales[:-1])} and "
                f"{expected_scales[-1]:g}. {_dp_sentence(dp, first, edges, scales)}")
    inverted = ("Your scale is upside down: it grows with epsilon. Use `scale = sensitivity / "
                "epsilon`, so that smaller epsilon (more privacy) means more noise.")
    no_epsilon = ("Your noise does not change with epsilon. Smaller epsilon must mean more noise: "
                  "`scale = sensitivity / epsilon`.")
    candidates: list[tuple[Callable[[_Setting], float], str]] = [
        (lambda s: s.epsilon / s.sensitivity, inverted),
        (lambda s: s.epsilon, inverted),
        (lambda s: 1.0 / s.epsilon,
         "Your scale is `1 / epsilon`, which is right only when the sensitivity is 1. Scale the "
         "noise with the sensitivity too: `scale = sensitivity / epsilon`."),
        (lambda s: s.sensitivity, no_epsilon),
        (lambda s: 1.0, no_epsilon),
        (lambda s: s.sensitivity * s.epsilon,
         "Your scale is `sensitivity * epsilon`: divide instead, `scale = sensitivity / "
         "epsilon`."),
    ]
    tolerance = Z / math.sqrt(n)  # relative standard error of the scale estimate: 1 / sqrt(n)
    for formula, hint in candidates:
        if all(abs(b_hat / formula(s) - 1) <= tolerance for b_hat, s in zip(scales, _SETTINGS)):
            return reporter.failed(observed, hint=hint)
    if any(abs(b_hat / b - 1) > tolerance for b_hat, b in zip(scales, expected_scales)):
        return reporter.failed(observed)
    s = _SETTINGS[failing[0]]
    return reporter.failed(
        f"for (sensitivity, epsilon) = ({s.sensitivity:g}, {s.epsilon:g}) the noise of {name} "
        "has about the right size but not the shape of a Laplace distribution (Kolmogorov-"
        f"Smirnov test against `scipy.stats.laplace(loc={s.value:g}, scale={s.scale:g})`).",
        hint="Draw the noise with numpy's `rng.laplace(0.0, scale)`; other distributions with "
             "the same spread do not give the epsilon-DP guarantee.")


def _check_reproducible(fn: Callable[..., Any], reporter: Reporter) -> CheckResult | None:
    runs = []
    for _ in range(2):
        rng = np.random.default_rng(_SEED + 1)
        runs.append([_draw(fn, s.args, rng, 10, reporter).tolist() for s in _SETTINGS])
    if runs[0] == runs[1]:
        return None
    return reporter.failed(
        f"the noise of {function_label(fn)} looks right, but two runs with the same seed gave "
        "different outputs.",
        hint="Draw the noise from the `rng` argument (`rng.laplace(...)`), not from `np.random` "
             "or the `random` module: then results are reproducible.")


# --- 03.2 attacker certainty ----------------------------------------------------------------

def check_posterior_bound(answer: Any) -> CheckResult:
    """Check exercise 03.2: the most a 50/50 attacker can believe after an epsilon = ln 3 release.

    The question: an attacker believes Alice is in the data set with
    probability 0.5. A statistic is released with an epsilon-DP mechanism at
    epsilon = ln 3. How sure can the attacker be, at most, that Alice is in
    the data? The answer, ``e**epsilon / (1 + e**epsilon) = 0.75``, comes from
    :func:`ppml_lab.exercises.solutions.posterior_bound`; the tolerance is
    0.005. The likelihood ratio (3), epsilon itself, the prior, the lower
    bound (0.25) and a percentage (75) get their own hints.

    Parameters
    ----------
    answer : float
        A probability between 0 and 1; ``...`` or ``None`` means not attempted.

    Returns
    -------
    CheckResult

    Raises
    ------
    TypeError
        If ``answer`` is not a number.

    Notes
    -----
    Introduced in notebook 03.

    Examples
    --------
    >>> check_posterior_bound(3)
    ❌ Exercise 03.2 not yet: you answered 3, but the attacker's highest certainty is a probability between 0 and 1.
    💡 Hint: 3 is `e**epsilon`, the largest likelihood ratio, or the posterior odds 3:1. Turn odds into a probability: `odds / (1 + odds)`.
    >>> check_posterior_bound(0.75).passed
    True
    """
    return run_value_check(answer, _grade_posterior_bound, exercise_id="03.2", hint=_HINT_03_2,
                           fix="Type a probability, e.g. answer = 0.6.")


def _grade_posterior_bound(value: float, reporter: Reporter) -> CheckResult:
    expected = float(solutions.posterior_bound())
    ratio = math.exp(math.log(3))
    return grade_value(
        value, reporter, expected=expected, tolerance=0.005, percent=True,
        what="the attacker's highest certainty", domain=PROBABILITY,
        passed=(f"at epsilon = ln 3 an output can multiply the attacker's odds by at most "
                f"`e**epsilon` = {ratio:.3g}: from 1:1 to 3:1, a certainty of {expected:.2f}. "
                "Whatever the attacker knows or computes, epsilon-DP caps what one release "
                "teaches them about Alice."),
        mistakes=[
            (ratio, f"{ratio:.3g} is `e**epsilon`, the largest likelihood ratio, or the "
                    "posterior odds 3:1. Turn odds into a probability: `odds / (1 + odds)`."),
            (math.log(3), "That is epsilon itself, ln 3. The question asks for a probability: "
                          "how sure can the attacker be?"),
            (0.5, "0.5 is where the attacker starts. epsilon-DP does not forbid learning "
                  "anything; it bounds how much one output can move the odds."),
            (1 - expected, "That is the lowest certainty the attacker can end with (the output "
                           "may also point away from Alice). The question asks for the highest."),
            (1.0, "epsilon-DP never lets the attacker become certain: the odds can grow by at "
                  "most `e**epsilon`."),
        ])


# --- 03.3 the noise of a histogram with several bins per person ------------------------------

_QUESTION_03_3 = (
    "A clinic releases a histogram of 10 symptoms: for each symptom, how many patients report "
    "it. Each patient reports at most 3 symptoms (any 3). All 10 counts are released at once "
    "with the Gaussian mechanism at epsilon = 1, delta = 1e-5, under the kit's add/remove-one "
    "neighbours. What noise standard deviation sigma must be added to each count? (Work out the "
    "sensitivity; `GaussianMechanism(epsilon, delta, sensitivity).sigma` then gives sigma.)")
_SYMPTOMS, _EPS_03_3, _DELTA_03_3 = 3, 1.0, 1e-5


def _sigma_for(sensitivity: float) -> float:
    return GaussianMechanism(_EPS_03_3, _DELTA_03_3, sensitivity).sigma


def check_gaussian_sigma(answer: Any) -> CheckResult:
    """Check exercise 03.3: the Gaussian noise of a histogram with several bins per person.

    The question: a histogram of 10 symptoms, each patient reporting at most 3,
    released at once with the Gaussian mechanism at epsilon = 1, delta = 1e-5
    under add/remove-one neighbours. Removing a patient moves up to 3 counts by
    1 each, so the L2 sensitivity is ``sqrt(3)`` and sigma is
    ``GaussianMechanism(1, 1e-5, sqrt(3)).sigma`` (about 6.46; from
    :func:`ppml_lab.exercises.solutions.gaussian_sigma`); the tolerance is 0.03.
    The L1 sensitivity 3, sensitivity 1 (one bin), the replace-one sensitivity
    ``sqrt(6)``, all 10 bins (``sqrt(10)`` or 10), the classic formula, the
    variance and the sensitivity itself get their own hints.

    Parameters
    ----------
    answer : float
        A sigma; ``...`` or ``None`` means not attempted.

    Returns
    -------
    CheckResult

    Raises
    ------
    TypeError
        If ``answer`` is not a number.

    Notes
    -----
    Introduced in notebook 03.

    Examples
    --------
    >>> from ppml_lab.exercises import solutions
    >>> check_gaussian_sigma(solutions.gaussian_sigma()).passed
    True
    >>> check_gaussian_sigma(11.19).hint[:60]
    'That is sigma for sensitivity 3, the L1 norm of the change ('
    """
    return run_value_check(answer, _grade_gaussian_sigma, exercise_id="03.3", hint=_HINT_03_3,
                           fix="Type a number, e.g. answer = 5.0.")


def _grade_gaussian_sigma(value: float, reporter: Reporter) -> CheckResult:
    expected = float(solutions.gaussian_sigma())
    one = _sigma_for(1.0)
    classic = math.sqrt(_SYMPTOMS) * math.sqrt(2 * math.log(1.25 / _DELTA_03_3)) / _EPS_03_3
    return grade_value(
        value, reporter, expected=expected, tolerance=0.03,
        what="the sigma of each count", domain=POSITIVE,
        passed=(f"removing one patient moves up to 3 counts by 1 each, a change of L2 length "
                f"`sqrt(3)` = {math.sqrt(3):.3f}, so sigma = {expected:.2f}: sqrt(3) times the "
                f"{one:.2f} of a single count. Calibrating to the L1 sensitivity 3 would add "
                f"{_sigma_for(3.0) / expected:.2f} times the noise needed; under replace-one "
                f"neighbours (6 counts move) sigma would be {_sigma_for(math.sqrt(6)):.2f}."),
        mistakes=[
            (one, f"{one:.2f} is sigma for sensitivity 1, one count moving by 1. But a patient "
                  "who reports 3 symptoms is in 3 counts: removing them moves all three."),
            (_sigma_for(3.0), "That is sigma for sensitivity 3, the L1 norm of the change (1 + 1 "
                              "+ 1). The Gaussian mechanism uses the L2 norm, the Euclidean "
                              "length of the change."),
            (_sigma_for(math.sqrt(6)), "That is the replace-one sensitivity `sqrt(6)` (a patient "
                                       "swapped for one with 3 other symptoms moves 6 counts). "
                                       "The kit's neighbours add or remove one patient."),
            (_sigma_for(math.sqrt(10)), "Only the bins a patient reports move when they are "
                                        "removed, not all 10."),
            (_sigma_for(10.0), "Only the bins a patient reports move when they are removed, not "
                               "all 10; and the Gaussian mechanism uses the L2 norm."),
            (_sigma_for(6.0), "Under the kit's add/remove-one neighbours, a neighbour differs by "
                              "one patient, so at most 3 counts move; and the Gaussian mechanism "
                              "uses the L2 norm."),
            (classic, "That is the classic formula `sensitivity * sqrt(2 ln(1.25/delta)) / "
                      "epsilon`, which is not proven at epsilon = 1. Use the kit's analytic "
                      "calibration, `GaussianMechanism(epsilon, delta, sensitivity).sigma`."),
            (expected**2, "That is the variance, sigma squared. Give the standard deviation."),
            (math.sqrt(_SYMPTOMS), "That is the sensitivity itself. Now turn it into noise: "
                                   "`GaussianMechanism(epsilon, delta, sensitivity).sigma`."),
        ])


# --- 03.4 the epsilon for a target certainty --------------------------------------------------

def check_epsilon_for_posterior(answer: Any) -> CheckResult:
    """Check exercise 03.4: the epsilon that caps a 50/50 attacker's certainty at 90 %.

    The question: an attacker starts 50/50 about whether Bob is in the data
    set. What is the largest epsilon for which no epsilon-DP release can make
    them more than 90 % sure? The answer, ``ln 9`` (about 2.197), comes from
    :func:`ppml_lab.exercises.solutions.epsilon_for_posterior`; the tolerance is
    0.01. Answers 9, 0.9, ln 0.9, log10 9, ln 10 and ln 1.8 get their own hints.

    Parameters
    ----------
    answer : float
        An epsilon; ``...`` or ``None`` means not attempted.

    Returns
    -------
    CheckResult

    Raises
    ------
    TypeError
        If ``answer`` is not a number.

    Notes
    -----
    Introduced in notebook 03.

    Examples
    --------
    >>> import numpy as np
    >>> check_epsilon_for_posterior(np.log(9)).passed
    True
    >>> check_epsilon_for_posterior(9).hint
    'That is `e**epsilon`, the odds 9:1. epsilon is its natural logarithm: `np.log(9)`.'
    """
    return run_value_check(answer, _grade_epsilon_for_posterior, exercise_id="03.4", hint=_HINT_03_4,
                           fix="Type a number, e.g. answer = np.log(2).")


def _grade_epsilon_for_posterior(value: float, reporter: Reporter) -> CheckResult:
    expected = float(solutions.epsilon_for_posterior())
    return grade_value(
        value, reporter, expected=expected, tolerance=0.01,
        what="the largest epsilon that keeps the attacker below 90 %", domain=POSITIVE,
        passed=(f"epsilon = ln 9 = {expected:.3f}: the odds can grow from 1:1 to at most 9:1, a "
                "certainty of 0.9. Any smaller epsilon keeps a 50/50 attacker below 90 %."),
        mistakes=[
            (9.0, "That is `e**epsilon`, the odds 9:1. epsilon is its natural logarithm: "
                  "`np.log(9)`."),
            (0.9, "0.9 is the certainty itself. Turn it into odds (`0.9 / 0.1`) and compare "
                  "them with the starting odds 1:1."),
            (math.log(0.9), "Work with odds, not probabilities: 90 % is odds `0.9 / 0.1` = 9."),
            (math.log10(9), "epsilon uses the natural logarithm: `np.log`, not `np.log10`."),
            (math.log(10), "The odds of 90 % are `0.9 / 0.1` = 9, not `1 / 0.1` = 10."),
            (math.log(0.9 / 0.5), "Compare odds, not probabilities: 90 % is odds 9, 50 % is "
                                  "odds 1."),
            (90.0, "That is the certainty in percent; the question asks for an epsilon."),
        ])


EXERCISES = (
    Exercise("03.1", "The Laplace mechanism", check_laplace_mechanism,
             solutions.laplace_mechanism, _HINT_03_1, more_hints=_MORE_03_1),
    Exercise("03.2", "How sure can the attacker be?", check_posterior_bound,
             solutions.posterior_bound, _HINT_03_2, answer_name="max_certainty",
             question=("An attacker believes Alice is in the data set with probability 0.5. A "
                       "statistic is released with an epsilon-DP mechanism at epsilon = ln 3 "
                       "(about 1.1). After seeing the output, how sure can the attacker be, at "
                       "most, that Alice is in the data? Give a probability between 0 and 1."),
             more_hints=_MORE_03_2),
    Exercise("03.3", "Gaussian noise for a histogram: one patient, several bins",
             check_gaussian_sigma, solutions.gaussian_sigma, _HINT_03_3,
             answer_name="sigma_symptoms", question=_QUESTION_03_3, more_hints=_MORE_03_3),
    Exercise("03.4", "Which epsilon keeps the attacker below 90 %?",
             check_epsilon_for_posterior, solutions.epsilon_for_posterior, _HINT_03_4,
             answer_name="epsilon_90",
             question=("An attacker starts 50/50 about whether Bob is in the data set. What is "
                       "the largest epsilon for which no epsilon-DP release can make the "
                       "attacker more than 90 % sure that Bob is in?"),
             more_hints=_MORE_03_4),
)
