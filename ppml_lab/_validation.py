"""Every parameter check of ppml_lab, with one message style.

A message names the parameter, states the rule, shows what was received and
says how to fix it, for example::

    `epsilon` must be a positive finite number; got -0.5. Pass e.g. epsilon=1.0
    (smaller epsilon means more privacy and more noise).

Wrong *types* raise :class:`TypeError`, wrong *values* raise :class:`ValueError`.
Booleans are never accepted where a number is expected (``True`` is an ``int``
in Python, but ``epsilon=True`` is always a mistake), and nothing is silently
clipped or coerced.

Ranges
------
A number can be valid and still break double precision later (``e**1000``
overflows, ``1 / 5e-324`` is infinite, ``10**12`` samples do not fit in
memory). So the privacy parameters have documented ranges, wide enough for any
meaningful use and narrow enough that every formula of the kit stays finite:

=======================  ======================  =====================================
parameter                range                   why
=======================  ======================  =====================================
``epsilon``              [1e-100, 1e9]           a huge epsilon is "no noise" (tests);
                                                 formulas in e**epsilon say their limit
``sensitivity``          [1e-100, 1e100]         noise scales stay finite
``noise_multiplier``     [1e-6, 1e6]             RDP orders times ``1 / sigma**2``
``steps``, ``k``         1 to 10**9              compositions (10**6 for the optimal one)
sizes (samples, bins,    1 to 10**7              arrays of that many numbers (80 MB)
trials, rows)
=======================  ======================  =====================================

A ledger's amounts (:class:`~ppml_lab.dp.BudgetAccountant`) are only added,
exactly, so they need no range beyond positive and finite.
"""

from __future__ import annotations

import math
import numbers
import unicodedata
from typing import Any, Iterable, Sequence

import numpy as np

__all__ = [
    "fail",
    "check_real",
    "check_positive",
    "check_probability",
    "check_integer",
    "check_bounds",
    "check_array",
    "check_choice",
    "check_bool",
    "check_callable",
    "check_string",
    "check_epsilon",
    "check_delta",
    "check_sensitivity",
    "check_bins",
    "check_size",
    "check_nonnegative",
    "check_noise_multiplier",
    "check_sample_rate",
    "check_steps",
    "check_delta_or_zero",
    "check_label",
    "check_scores_labels",
    "check_confidence",
    "check_features_targets",
    "check_targets",
]


def _show(value: Any) -> str:
    """Short, readable rendering of a received value for an error message."""
    if isinstance(value, np.ndarray):
        text = np.array2string(value, threshold=6, precision=4)
        return f"array of shape {value.shape}: {text}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def fail(name: str, rule: str, value: Any, fix: str = "", *, kind: type[Exception] = ValueError,
         show: str | None = None) -> Exception:
    """Build (not raise) an exception in the house style.

    Parameters
    ----------
    name : str
        Parameter name, shown in backticks.
    rule : str
        What the parameter must be, e.g. ``"a positive finite number"``.
    value : object
        What was received.
    fix : str, optional
        One sentence on how to fix it.
    kind : type of Exception
        ``ValueError`` (default) or ``TypeError``.
    show : str, optional
        Replaces the rendering of ``value`` (for values that are long).

    Examples
    --------
    >>> print(fail("epsilon", "a positive finite number", -0.5, "Pass e.g. epsilon=1.0."))
    `epsilon` must be a positive finite number; got -0.5. Pass e.g. epsilon=1.0.
    """
    received = show if show is not None else _show(value)
    message = f"`{name}` must be {rule}; got {received}."
    if fix:
        message += " " + fix
    return kind(message)


def _is_real_scalar(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def check_real(value: Any, name: str, *, rule: str = "a finite real number", fix: str = "",
               allow_inf: bool = False) -> float:
    """Return ``value`` as a float if it is a real number (not a bool, not NaN).

    Examples
    --------
    >>> check_real(3, "x")
    3.0
    >>> check_real(True, "x")
    Traceback (most recent call last):
    ...
    TypeError: `x` must be a finite real number; got True. Booleans are not numbers here.
    """
    if not _is_real_scalar(value):
        extra = "Booleans are not numbers here." if isinstance(value, (bool, np.bool_)) else fix
        raise fail(name, rule, value, extra, kind=TypeError)
    try:
        value = float(value)
    except OverflowError:  # an int beyond the float range, e.g. 10**400
        value = math.inf if value > 0 else -math.inf
    if math.isnan(value) or (math.isinf(value) and not allow_inf):
        raise fail(name, rule, value, fix)
    return value


def check_positive(value: Any, name: str, *, fix: str = "", allow_inf: bool = False,
                   minimum: float | None = None, maximum: float | None = None) -> float:
    """Check a strictly positive finite number (epsilon, sensitivity, scale ...).

    ``minimum`` and ``maximum`` (both included) give the range where the
    computation that uses the value still works (no overflow, no memory
    blow-up); the caller documents it.

    Examples
    --------
    >>> check_positive(0.5, "epsilon")
    0.5
    >>> check_positive(0, "epsilon", fix="Pass e.g. epsilon=1.0.")
    Traceback (most recent call last):
    ...
    ValueError: `epsilon` must be a positive finite number; got 0.0. Pass e.g. epsilon=1.0.
    >>> check_positive(1e308, "epsilon", maximum=1e4)
    Traceback (most recent call last):
    ...
    ValueError: `epsilon` must be a positive number <= 10000; got 1e+308.
    """
    rule = "a positive number" if allow_inf else "a positive finite number"
    if minimum is not None and maximum is not None:
        rule = f"a number in [{minimum:g}, {maximum:g}]"
    elif minimum is not None:
        rule = f"a {'' if allow_inf else 'finite '}number >= {minimum:g}"
    elif maximum is not None:
        rule = f"a positive number <= {maximum:g}"
    value = check_real(value, name, rule=rule, fix=fix, allow_inf=allow_inf)
    if not value > 0 or (minimum is not None and value < minimum) or (
            maximum is not None and value > maximum):
        raise fail(name, rule, value, fix)
    return value


def check_probability(value: Any, name: str, *, low_open: bool = True, high_open: bool = True,
                      fix: str = "") -> float:
    """Check a number in an interval between 0 and 1 (open ends by default).

    Examples
    --------
    >>> check_probability(1e-5, "delta")
    1e-05
    >>> check_probability(1.0, "delta", fix="Use e.g. delta=1e-5.")
    Traceback (most recent call last):
    ...
    ValueError: `delta` must be a number in (0, 1); got 1.0. Use e.g. delta=1e-5.
    """
    interval = ("(" if low_open else "[") + "0, 1" + (")" if high_open else "]")
    rule = f"a number in {interval}"
    value = check_real(value, name, rule=rule, fix=fix)
    too_low = value <= 0 if low_open else value < 0
    too_high = value >= 1 if high_open else value > 1
    if too_low or too_high:
        raise fail(name, rule, value, fix)
    return value


def check_integer(value: Any, name: str, *, minimum: int | None = None, maximum: int | None = None,
                  fix: str = "") -> int:
    """Check a whole number (``int`` or numpy integer, never a bool or float).

    Examples
    --------
    >>> check_integer(3, "n_categories", minimum=2)
    3
    >>> check_integer(1, "n_categories", minimum=2)
    Traceback (most recent call last):
    ...
    ValueError: `n_categories` must be an integer >= 2; got 1.
    """
    if minimum is not None and maximum is not None:
        rule = f"an integer in [{minimum}, {maximum}]"
    elif minimum is not None:
        rule = f"an integer >= {minimum}"
    elif maximum is not None:
        rule = f"an integer <= {maximum}"
    else:
        rule = "an integer"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise fail(name, rule, value, fix, kind=TypeError)
    value = int(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise fail(name, rule, value, fix)
    return value


def check_bounds(bounds: Any, name: str = "bounds", *, fix: str = "") -> tuple[float, float]:
    """Check a ``(lower, upper)`` pair of finite numbers with ``lower < upper``.

    Examples
    --------
    >>> check_bounds((0, 10))
    (0.0, 10.0)
    >>> check_bounds((5, 5))
    Traceback (most recent call last):
    ...
    ValueError: `bounds` must be a pair (lower, upper) of finite numbers with lower < upper; got (5, 5). Pass bounds that hold every possible value, chosen without looking at the data, e.g. bounds=(0, 100).
    """
    rule = "a pair (lower, upper) of finite numbers with lower < upper"
    fix = fix or ("Pass bounds that hold every possible value, chosen without looking at the "
                  "data, e.g. bounds=(0, 100).")
    if isinstance(bounds, (str, bytes)) or not isinstance(bounds, (Sequence, np.ndarray)):
        raise fail(name, rule, bounds, fix, kind=TypeError)
    if len(bounds) != 2:
        raise fail(name, rule, bounds, fix)
    lower = check_real(bounds[0], f"{name}[0]", fix=fix)
    upper = check_real(bounds[1], f"{name}[1]", fix=fix)
    if not lower < upper:
        raise fail(name, rule, bounds, fix)
    return lower, upper


def check_array(x: Any, name: str, *, ndim: int | Iterable[int] | None = None, dtype: Any = float,
                allow_empty: bool = False, finite: bool = True, fix: str = "") -> np.ndarray:
    """Convert ``x`` to a numpy array and check its shape and values.

    Booleans are rejected when a float array is asked for; NaN and infinity
    are rejected unless ``finite=False``; empty input is rejected unless
    ``allow_empty=True``.

    Examples
    --------
    >>> check_array([1, 2, 3], "x")
    array([1., 2., 3.])
    >>> check_array([], "x")
    Traceback (most recent call last):
    ...
    ValueError: `x` must be non-empty; got an empty array. Pass at least one value.
    """
    if isinstance(x, (str, bytes)):
        raise fail(name, "array-like of numbers", x, fix, kind=TypeError)
    try:
        raw = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise fail(name, "array-like of numbers", x, fix or str(exc), kind=TypeError) from None
    if raw.dtype == bool and dtype is not bool:
        raise fail(name, "array-like of numbers (not booleans)", raw, fix or
                   "Convert explicitly, e.g. x.astype(int).", kind=TypeError)
    if raw.dtype.kind not in "biuf" and not (dtype is object):
        raise fail(name, "array-like of numbers", raw, fix, kind=TypeError,
                   show=f"an array of dtype {raw.dtype}")
    arr = raw.astype(dtype, copy=False) if dtype is not None else raw
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            wanted = " or ".join(str(d) for d in allowed)
            raise fail(name, f"a {wanted}-dimensional array", arr, fix,
                       show=f"an array of shape {arr.shape}")
    if arr.size == 0 and not allow_empty:
        raise fail(name, "non-empty", arr, fix or "Pass at least one value.", show="an empty array")
    if finite and arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        bad = int(np.sum(~np.isfinite(arr)))
        raise fail(name, "free of NaN and infinite values", arr, fix or
                   "Remove or impute those values first.", show=f"{bad} non-finite value(s)")
    return arr


def check_choice(value: Any, name: str, choices: Sequence[Any], *, fix: str = "") -> Any:
    """Check that ``value`` is one of ``choices``.

    Examples
    --------
    >>> check_choice("gumbel", "noise", ("gumbel", "laplace"))
    'gumbel'
    >>> check_choice("normal", "noise", ("gumbel", "laplace"))
    Traceback (most recent call last):
    ...
    ValueError: `noise` must be one of 'gumbel', 'laplace'; got 'normal'.
    """
    rule = "one of " + ", ".join(repr(c) for c in choices)
    if not isinstance(value, type(choices[0])) or value not in choices:
        raise fail(name, rule, value, fix)
    return value


def check_bool(value: Any, name: str) -> bool:
    """Check a real boolean (``True``/``False``, not 0/1 or a string).

    Examples
    --------
    >>> check_bool(True, "analytic")
    True
    """
    if not isinstance(value, (bool, np.bool_)):
        raise fail(name, "True or False", value, kind=TypeError)
    return bool(value)


def check_callable(value: Any, name: str, *, fix: str = "") -> Any:
    """Check that ``value`` can be called (a learner's function in an exercise)."""
    if not callable(value):
        raise fail(name, "a function", value, fix, kind=TypeError)
    return value


# --- the privacy vocabulary: one check (and one fix) per name --------------------------------

EPSILON_FIX = "Pass e.g. epsilon=1.0 (smaller epsilon means more privacy and more noise)."
DELTA_FIX = "Pass a small probability, e.g. delta=1e-5 (well below 1/n for n examples)."
SENSITIVITY_FIX = ("Pass the most one example can change the value, e.g. sensitivity=1.0 "
                   "for a count.")


EPSILON_RANGE = (1e-100, 1e9)
SENSITIVITY_RANGE = (1e-100, 1e100)
NOISE_MULTIPLIER_RANGE = (1e-6, 1e6)
MAX_STEPS = 10**9
MAX_SIZE = 10**7


def check_size(value: Any, name: str, *, minimum: int = 1, fix: str = "") -> int:
    """Check a size the kit allocates arrays for (samples, bins, trials, rows): 1 to 10**7.

    Examples
    --------
    >>> check_size(2000, "n_samples")
    2000
    >>> check_size(10**12, "n_samples", fix="Pass e.g. n_samples=2000.")
    Traceback (most recent call last):
    ...
    ValueError: `n_samples` must be an integer in [1, 10000000]; got 1000000000000. Pass e.g. n_samples=2000.
    """
    return check_integer(value, name, minimum=minimum, maximum=MAX_SIZE, fix=fix)


def check_epsilon(value: Any, name: str = "epsilon", *, bounded: bool = True) -> float:
    """Check a privacy parameter epsilon: a positive number, in [1e-100, 1e9] when ``bounded``.

    ``bounded=False`` (a ledger's amounts, which are only added) accepts any
    positive finite number.

    Examples
    --------
    >>> check_epsilon(0.5)
    0.5
    >>> check_epsilon(-0.5)
    Traceback (most recent call last):
    ...
    ValueError: `epsilon` must be a positive finite number; got -0.5. Pass e.g. epsilon=1.0 (smaller epsilon means more privacy and more noise).
    >>> check_epsilon(1e10)
    Traceback (most recent call last):
    ...
    ValueError: `epsilon` must be a number in [1e-100, 1e+09]; got 10000000000.0. Pass e.g. epsilon=1.0 (smaller epsilon means more privacy and more noise).
    """
    value = check_positive(value, name, fix=EPSILON_FIX)
    if bounded:
        value = check_positive(value, name, fix=EPSILON_FIX, minimum=EPSILON_RANGE[0],
                               maximum=EPSILON_RANGE[1])
    return value


def check_delta(value: Any, name: str = "delta") -> float:
    """Check a privacy parameter delta: a probability in the open interval (0, 1).

    Examples
    --------
    >>> check_delta(1e-5)
    1e-05
    """
    return check_probability(value, name, fix=DELTA_FIX)


def check_sensitivity(value: Any, name: str = "sensitivity") -> float:
    """Check a sensitivity: a positive number in [1e-100, 1e100].

    Examples
    --------
    >>> check_sensitivity(2)
    2.0
    """
    value = check_positive(value, name, fix=SENSITIVITY_FIX)
    return check_positive(value, name, fix=SENSITIVITY_FIX, minimum=SENSITIVITY_RANGE[0],
                          maximum=SENSITIVITY_RANGE[1])


def check_bins(bins: Any, name: str = "bins") -> int | np.ndarray:
    """Check histogram bins: a number of bins (>= 1) or strictly increasing finite edges.

    Returns the ``int`` or a float array of at least two edges.

    Examples
    --------
    >>> check_bins(10)
    10
    >>> check_bins([0, 1, 5])
    array([0., 1., 5.])
    >>> check_bins([0, 5, 1])
    Traceback (most recent call last):
    ...
    ValueError: `bins` must be a number of bins or at least two strictly increasing bin edges; got array of shape (3,): [0. 5. 1.]. Sort the edges, e.g. bins=[0, 10, 20, 50].
    """
    rule = "a number of bins or at least two strictly increasing bin edges"
    fix = "Sort the edges, e.g. bins=[0, 10, 20, 50]."
    if isinstance(bins, numbers.Integral) and not isinstance(bins, (bool, np.bool_)):
        return check_integer(bins, name, minimum=1, maximum=MAX_SIZE, fix="Pass e.g. bins=10.")
    if isinstance(bins, (bool, np.bool_, numbers.Number)):
        raise fail(name, rule, bins, "Pass e.g. bins=10.", kind=TypeError)
    edges = check_array(bins, name, ndim=1, fix=fix)
    if edges.size < 2 or not np.all(np.diff(edges) > 0):
        raise fail(name, rule, edges, fix)
    return edges


def check_grid(values: Any, name: str, *, fix: str = "") -> np.ndarray:
    """Check a grid for a curve: a 1-D, strictly increasing array of positive finite numbers.

    Examples
    --------
    >>> check_grid([0.1, 1, 10], "epsilons")
    array([ 0.1,  1. , 10. ])
    >>> check_grid([1, 0.5], "epsilons")
    Traceback (most recent call last):
    ...
    ValueError: `epsilons` must be strictly increasing positive numbers; got [1, 0.5]. Pass e.g. epsilons=np.geomspace(0.1, 10, 41).
    """
    fix = fix or f"Pass e.g. {name}=np.geomspace(0.1, 10, 41)."
    arr = check_array(values, name, ndim=1, fix=fix)
    if np.any(arr <= 0) or np.any(np.diff(arr) <= 0):
        raise fail(name, "strictly increasing positive numbers", values, fix)
    return arr


def check_string(value: Any, name: str, *, fix: str = "") -> str:
    """Check a text value (``str``), e.g. an exercise id such as ``"03.1"``.

    Examples
    --------
    >>> check_string("03.1", "exercise_id")
    '03.1'
    >>> check_string(3.1, "exercise_id", fix='Pass the id as text, e.g. "03.1".')
    Traceback (most recent call last):
    ...
    TypeError: `exercise_id` must be a string; got 3.1. Pass the id as text, e.g. "03.1".
    """
    if not isinstance(value, str):
        raise fail(name, "a string", value, fix, kind=TypeError)
    return value


# --- accounting (notebook 04): noise, sampling, steps ------------------------------------------

NOISE_MULTIPLIER_FIX = ("Pass the noise's standard deviation divided by the sensitivity (the "
                        "clipping norm in DP-SGD), e.g. noise_multiplier=1.1.")
SAMPLE_RATE_FIX = ("Pass the probability that an example is in a batch, e.g. "
                   "sample_rate=256/60000 (batch size / dataset size).")
STEPS_FIX = "Pass the number of noisy steps (or queries), e.g. steps=1000."


def check_nonnegative(value: Any, name: str, *, fix: str = "") -> float:
    """Check a non-negative finite number (an epsilon or delta that may be 0).

    Examples
    --------
    >>> check_nonnegative(0, "delta")
    0.0
    >>> check_nonnegative(-1e-5, "delta", fix="Pass e.g. delta=0.0.")
    Traceback (most recent call last):
    ...
    ValueError: `delta` must be a non-negative finite number; got -1e-05. Pass e.g. delta=0.0.
    """
    rule = "a non-negative finite number"
    value = check_real(value, name, rule=rule, fix=fix)
    if value < 0:
        raise fail(name, rule, value, fix)
    return value


def check_noise_multiplier(value: Any, name: str = "noise_multiplier") -> float:
    """Check a noise multiplier (noise scale / sensitivity): a positive finite number.

    Examples
    --------
    >>> check_noise_multiplier(1.1)
    1.1
    >>> check_noise_multiplier(0)
    Traceback (most recent call last):
    ...
    ValueError: `noise_multiplier` must be a positive finite number; got 0.0. Pass the noise's standard deviation divided by the sensitivity (the clipping norm in DP-SGD), e.g. noise_multiplier=1.1.
    """
    value = check_positive(value, name, fix=NOISE_MULTIPLIER_FIX)
    return check_positive(value, name, fix=NOISE_MULTIPLIER_FIX,
                          minimum=NOISE_MULTIPLIER_RANGE[0], maximum=NOISE_MULTIPLIER_RANGE[1])


def check_sample_rate(value: Any, name: str = "sample_rate") -> float:
    """Check a Poisson sampling rate: a probability in (0, 1] (1 means no sampling).

    Examples
    --------
    >>> check_sample_rate(1)
    1.0
    >>> check_sample_rate(0.0)
    Traceback (most recent call last):
    ...
    ValueError: `sample_rate` must be a number in (0, 1]; got 0.0. Pass the probability that an example is in a batch, e.g. sample_rate=256/60000 (batch size / dataset size).
    """
    return check_probability(value, name, high_open=False, fix=SAMPLE_RATE_FIX)


def check_steps(value: Any, name: str = "steps") -> int:
    """Check a number of steps or compositions: an integer from 1 to 10**9.

    Examples
    --------
    >>> check_steps(1000)
    1000
    >>> check_steps(10.0)
    Traceback (most recent call last):
    ...
    TypeError: `steps` must be an integer in [1, 1000000000]; got 10.0. Pass the number of noisy steps (or queries), e.g. steps=1000.
    """
    return check_integer(value, name, minimum=1, maximum=MAX_STEPS, fix=STEPS_FIX)


# --- the budget ledger (notebook 04): deltas that may be 0, labels in a record -----------------

DELTA_OR_ZERO_FIX = ("Pass delta=0.0 for pure epsilon-DP, or a small probability, e.g. "
                     "delta=1e-5 (well below 1/n for n examples).")
LABEL_FIX = 'Describe it in one line of text, e.g. label="mean age, staff survey 2024".'


def check_delta_or_zero(value: Any, name: str = "delta") -> float:
    """Check a delta that may be 0 (pure epsilon-DP): a number in [0, 1).

    ``-0.0`` is returned as ``0.0``.

    Examples
    --------
    >>> check_delta_or_zero(0)
    0.0
    >>> check_delta_or_zero(1.0)
    Traceback (most recent call last):
    ...
    ValueError: `delta` must be a number in [0, 1); got 1.0. Pass delta=0.0 for pure epsilon-DP, or a small probability, e.g. delta=1e-5 (well below 1/n for n examples).
    """
    return check_probability(value, name, low_open=False, fix=DELTA_OR_ZERO_FIX) + 0.0


def check_label(value: Any, name: str = "label", *, optional: bool = False,
                fix: str = "") -> str | None:
    r"""Check a one-line text for a record (a ledger label, who spent): non-empty, no line breaks.

    Control characters and line or paragraph separators are refused, so a
    label cannot forge extra lines in a plain-text report. With
    ``optional=True``, None is accepted and returned.

    Examples
    --------
    >>> check_label("mean age, staff survey 2024")
    'mean age, staff survey 2024'
    >>> check_label("ok\nforged line")
    Traceback (most recent call last):
    ...
    ValueError: `label` must be a non-empty line of text without control characters; got 'ok\nforged line'. Describe it in one line of text, e.g. label="mean age, staff survey 2024".
    """
    if optional and value is None:
        return None
    rule = "a non-empty line of text without control characters" + (" or None" if optional
                                                                     else "")
    fix = fix or LABEL_FIX
    if not isinstance(value, str):
        raise fail(name, rule, value, fix, kind=TypeError)
    if not value.strip() or any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in value):
        raise fail(name, rule, value, fix)
    return value


# --- membership inference and auditing (notebook 06) ------------------------------------------

LABELS_FIX = "Pass 1 (or True) for members and 0 (or False) for non-members, e.g. labels=[1, 0, 1]."


def check_scores_labels(scores: Any, labels: Any, *, scores_name: str = "scores",
                        labels_name: str = "labels") -> tuple[np.ndarray, np.ndarray]:
    """Check attack scores (1-D, finite) and membership labels (0/1, both present, same length).

    Returns the scores as floats and the labels as a boolean array.

    Examples
    --------
    >>> check_scores_labels([0.2, 0.9], [0, 1])
    (array([0.2, 0.9]), array([False,  True]))
    >>> check_scores_labels([0.2, 0.9], [1, 1])
    Traceback (most recent call last):
    ...
    ValueError: `labels` must be 0/1 membership labels with both members and non-members; got array of shape (2,): [1 1]. Pass 1 (or True) for members and 0 (or False) for non-members, e.g. labels=[1, 0, 1].
    """
    scores = check_array(scores, scores_name, ndim=1, fix="Pass one score per example; higher "
                         "means more likely a member.")
    try:
        dtype = bool if np.asarray(labels).dtype == bool else None
    except Exception:  # ragged input: check_array explains
        dtype = None
    raw = check_array(labels, labels_name, ndim=1, dtype=dtype, fix=LABELS_FIX)
    rule = "0/1 membership labels with both members and non-members"
    if not np.all((raw == 0) | (raw == 1)):
        raise fail(labels_name, rule, raw, LABELS_FIX)
    member = raw.astype(bool)
    if member.all() or not member.any():
        raise fail(labels_name, rule, raw, LABELS_FIX)
    if member.shape != scores.shape:
        raise fail(labels_name, f"as long as `{scores_name}` ({scores.size})", raw, LABELS_FIX,
                   show=f"{member.size} labels")
    return scores, member


def check_confidence(value: Any, name: str = "confidence") -> float:
    """Check a confidence level: a number in (0, 1).

    Examples
    --------
    >>> check_confidence(0.95)
    0.95
    >>> check_confidence(95)
    Traceback (most recent call last):
    ...
    ValueError: `confidence` must be a number in (0, 1); got 95.0. Pass e.g. confidence=0.95 (not 95).
    """
    return check_probability(value, name, fix="Pass e.g. confidence=0.95 (not 95).")


def check_features_targets(X: Any, y: Any, *, X_name: str = "X",
                           y_name: str = "y") -> tuple[np.ndarray, np.ndarray]:
    """Check a feature matrix (2-D, finite) and its labels (1-D, one per row).

    Examples
    --------
    >>> X, y = check_features_targets([[0.0, 1.0], [1.0, 0.0]], [0, 1])
    >>> X.shape, y.tolist()
    ((2, 2), [0, 1])
    >>> check_features_targets([[0.0, 1.0]], [0, 1])
    Traceback (most recent call last):
    ...
    ValueError: `y` must be one label per row of `X` (1 rows); got 2 labels. Pass y with len(y) == len(X).
    """
    X = check_array(X, X_name, ndim=2, fix="Pass a 2-D array, one row per example.")
    fix = "Pass a 1-D array of class labels."
    try:
        kind = np.asarray(y).dtype.kind
    except Exception:  # ragged input: check_array explains
        kind = "f"
    y = check_array(y, y_name, ndim=1, dtype=object if kind in "USO" else bool if kind == "b"
                    else None, fix=fix)
    if y.dtype == object:
        y = np.asarray(y.tolist())  # back to a string array for comparisons with classes
    if y.shape[0] != X.shape[0]:
        raise fail(y_name, f"one label per row of `{X_name}` ({X.shape[0]} rows)", y,
                   f"Pass {y_name} with len({y_name}) == len({X_name}).", show=f"{y.size} labels")
    return X, y


# --- DP models (notebook 05) -------------------------------------------------------------------

TARGETS_FIX = "Pass one class label per row of X, with at least two classes, e.g. y=[0, 1, 1, 0]."


def check_targets(y: Any, n_rows: int, name: str = "y") -> tuple[np.ndarray, np.ndarray]:
    """Check class labels (1-D, one per row, no NaN, at least two classes).

    Returns the sorted classes and each label's index into them. Labels may
    be integers, whole-valued floats (0.0, 1.0) or strings; continuous floats
    (0.3, 1.7) are refused, as scikit-learn refuses an "unknown label type".

    Examples
    --------
    >>> classes, index = check_targets(["b", "a", "b"], 3)
    >>> classes.tolist(), index.tolist()
    (['a', 'b'], [1, 0, 1])
    >>> check_targets([1, 1, 1], 3)
    Traceback (most recent call last):
    ...
    ValueError: `y` must be labels of at least two classes; got 1 class (1). Pass one class label per row of X, with at least two classes, e.g. y=[0, 1, 1, 0].
    """
    if isinstance(y, (str, bytes)):
        raise fail(name, "a 1-D array of class labels", y, TARGETS_FIX, kind=TypeError)
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise fail(name, "a 1-D array of class labels", arr, TARGETS_FIX,
                   show=f"an array of shape {arr.shape}")
    if arr.shape[0] != n_rows:
        raise fail(name, f"one label per row of `X` ({n_rows} rows)", arr, TARGETS_FIX,
                   show=f"{arr.shape[0]} labels")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise fail(name, "free of NaN and infinite values", arr, TARGETS_FIX,
                   show=f"{int(np.sum(~np.isfinite(arr)))} non-finite label(s)")
    if arr.dtype.kind not in "biufUSO":
        raise fail(name, "class labels (numbers or strings)", arr, TARGETS_FIX,
                   kind=TypeError, show=f"an array of dtype {arr.dtype}")
    if arr.dtype.kind == "f" and not np.all(arr == np.round(arr)):
        # scikit-learn's "Unknown label type: continuous": a regression target is not a class
        bad = arr[arr != np.round(arr)]
        raise fail(name, "class labels, not continuous values (floats must be whole numbers)",
                   arr, "For classification pass class labels, e.g. y=[0, 1, 1, 0] (or "
                   "y = (values > threshold).astype(int)); for a continuous target use a "
                   "regression model.",
                   show=f"{bad.size} non-whole value(s) such as {float(bad[0])!r}")
    classes, index = np.unique(arr, return_inverse=True)
    if len(classes) < 2:
        shown = ", ".join(str(c) for c in classes[:1])
        raise fail(name, "labels of at least two classes", arr, TARGETS_FIX,
                   show=f"{len(classes)} class ({shown})")
    return classes, index.reshape(-1)


# --- re-identification attacks (notebook 01) ---------------------------------------------------

QUASI_IDENTIFIERS_FIX = 'Pass column names, e.g. quasi_identifiers=("zip", "birth_date", "sex").'


def check_columns(names: Any, columns: Sequence[str], name: str = "quasi_identifiers", *,
                  fix: str = "", allow_empty: bool = False) -> tuple[str, ...]:
    """Check column names (a sequence of distinct strings, each one of ``columns``).

    Examples
    --------
    >>> check_columns(["zip", "sex"], ("zip", "birth_date", "sex"))
    ('zip', 'sex')
    >>> check_columns(["zipcode"], ("zip", "birth_date", "sex"))
    Traceback (most recent call last):
    ...
    ValueError: `quasi_identifiers` must be names of columns: 'zip', 'birth_date', 'sex'; got 'zipcode', which is not a column. Pass column names, e.g. quasi_identifiers=("zip", "birth_date", "sex").
    """
    fix = fix or QUASI_IDENTIFIERS_FIX
    rule = "names of columns: " + ", ".join(map(repr, columns))
    if isinstance(names, str):
        names = (names,)
    if not isinstance(names, (Sequence, np.ndarray)) or isinstance(names, bytes):
        raise fail(name, "a sequence of column names", names, fix, kind=TypeError)
    names = tuple(names)
    if not names and not allow_empty:
        raise fail(name, "at least one column name", names, fix)
    for column in names:
        if not isinstance(column, str):
            raise fail(name, rule, column, fix, kind=TypeError)
        if column not in columns:
            raise fail(name, rule, column, fix, show=f"{column!r}, which is not a column")
    if len(set(names)) != len(names):
        raise fail(name, "distinct column names", names, fix)
    return names


def check_k(value: Any, name: str = "k", *, maximum: int | None = None) -> int:
    """Check the k of k-anonymity (or the l of l-diversity): an integer >= 2.

    Examples
    --------
    >>> check_k(5)
    5
    >>> check_k(1)
    Traceback (most recent call last):
    ...
    ValueError: `k` must be an integer >= 2; got 1. Every table is 1-anonymous; pass e.g. k=5 (each released record shares its quasi-identifiers with at least 4 others).
    """
    fix = (f"Every table is 1-anonymous; pass e.g. {name}=5 (each released record shares its "
           "quasi-identifiers with at least 4 others)." if name == "k" else
           f"Every class has at least one value; pass e.g. {name}=2.")
    return check_integer(value, name, minimum=2, maximum=maximum, fix=fix)


def check_level(value: Any, name: str, levels: Sequence[Any], *, fix: str = "") -> Any:
    """Check a generalisation level: one of ``levels`` (strings or integers, not booleans).

    Examples
    --------
    >>> check_level("year", "birth", ("day", "month", "year", "decade", "none"))
    'year'
    >>> check_level(7, "zip_digits", (0, 1, 2, 3, 4, 5))
    Traceback (most recent call last):
    ...
    ValueError: `zip_digits` must be a generalisation level, one of 0, 1, 2, 3, 4, 5; got 7. Pass e.g. zip_digits=3.
    """
    shown = ", ".join(str(v) if isinstance(v, int) else repr(v) for v in levels)
    rule = f"a generalisation level, one of {shown}"
    fix = fix or f"Pass e.g. {name}={levels[len(levels) // 2]!r}."
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (str, numbers.Integral)):
        raise fail(name, rule, value, fix, kind=TypeError)
    if isinstance(levels[0], int) and isinstance(value, numbers.Integral):
        value = int(value)
    if value not in levels or type(value) is not type(levels[0]):
        raise fail(name, rule, value, fix)
    return value


def check_noise_level(value: Any, name: str = "noise", *, maximum: float = 1e9,
                      fix: str = "") -> float:
    """Check a bound on the noise of an answer: a finite number in [0, maximum].

    Examples
    --------
    >>> check_noise_level(3)
    3.0
    >>> check_noise_level(-1)
    Traceback (most recent call last):
    ...
    ValueError: `noise` must be a number in [0, 1e+09]; got -1.0. Pass the largest error of an answer, e.g. noise=5 (0 answers exactly).
    """
    fix = fix or f"Pass the largest error of an answer, e.g. {name}=5 (0 answers exactly)."
    rule = f"a number in [0, {maximum:g}]"
    value = check_real(value, name, rule=rule, fix=fix)
    if not 0 <= value <= maximum:
        raise fail(name, rule, value, fix)
    return value


def check_power_of_two(value: Any, name: str, *, fix: str = "") -> float:
    """Check a grid step: a power of two (``2.0**k``) in the normal double range.

    A power of two keeps ``x / step`` and ``m * step`` exact in floating point.

    Examples
    --------
    >>> check_power_of_two(2**-10, "grid")
    0.0009765625
    >>> check_power_of_two(0.001, "grid")
    Traceback (most recent call last):
    ...
    ValueError: `grid` must be a power of two such as 2**-10; got 0.001. Pass e.g. grid=2**-10 (or leave it out for the default).
    """
    fix = fix or f"Pass e.g. {name}=2**-10 (or leave it out for the default)."
    rule = "a power of two such as 2**-10"
    value = check_real(value, name, rule=rule, fix=fix)
    if not (value > 0 and math.frexp(value)[0] == 0.5 and 2.0**-1022 <= value <= 2.0**1023):
        raise fail(name, rule, value, fix)
    return value


def check_indices(value: Any, name: str, n: int, *, what: str = "client",
                  fix: str = "") -> tuple[int, ...]:
    """Check a collection of distinct indices into ``range(n)`` (e.g. dropped clients).

    Accepts a list, tuple, set, range, iterator or 1-D integer array; returns
    the indices sorted. Booleans and floats are not indices.

    Examples
    --------
    >>> check_indices([3, 1], "dropped", 5)
    (1, 3)
    >>> check_indices([1, 1], "dropped", 5)
    Traceback (most recent call last):
    ...
    ValueError: `dropped` must be free of duplicates; got client(s) [1] more than once. Name each client once.
    """
    fix = fix or f"Pass a list of {what} indices from 0 to {n - 1}, e.g. {name}=[0]."
    if isinstance(value, (set, frozenset, range)) or (
            hasattr(value, "__next__") and hasattr(value, "__iter__")):
        value = list(value)
    if isinstance(value, (str, bytes)) or not (
            np.ndim(value) == 1 or isinstance(value, (list, tuple)) and len(value) == 0):
        raise fail(name, f"a sequence of {what} indices", value, fix, kind=TypeError)
    out = []
    for i in value:
        if isinstance(i, (bool, np.bool_)) or not isinstance(i, numbers.Integral):
            raise fail(name, f"a sequence of {what} indices (integers)", value, fix,
                       kind=TypeError, show=f"an entry {i!r}")
        if not 0 <= int(i) < n:
            raise fail(name, f"indices of known {what}s, 0 to {n - 1}", value, fix,
                       show=f"{what} {int(i)}")
        out.append(int(i))
    if len(set(out)) != len(out):
        twice = sorted({i for i in out if out.count(i) > 1})
        raise fail(name, "free of duplicates", value, f"Name each {what} once.",
                   show=f"{what}(s) {twice} more than once")
    return tuple(sorted(out))
