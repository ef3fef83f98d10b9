r"""Epsilon against the number of steps, under five accountants: notebook 04's explorer.

This is the *compute* layer of a visual (see DESIGN.md, "Every visual has three
layers"): :func:`composition_curves` is pure and returns a small frozen record
that :func:`ppml_lab.viz.plots.plot_composition` draws. Nothing here is random
(there is no ``rng``), and nothing imports matplotlib or ipywidgets.

The question: a training run takes ``steps`` steps of DP-SGD, each the
Poisson-subsampled Gaussian mechanism (noise ``noise_multiplier``, each
example in a batch with probability ``sample_rate``). What is its epsilon at
``delta``? Five accountants answer, from the loosest to the tightest:

1. **basic**, 2. **advanced** and 3. **optimal** composition see each step as a
   black box that is (eps0, delta0)-DP and nothing more;
4. **RDP** and 5. **PLD** know that each step is a subsampled Gaussian and
   compose its whole privacy curve.

**The per-step guarantee** (what the first three compose). One step's exact
privacy curve :math:`\delta_1(\varepsilon)` is known in closed form
(:func:`step_epsilon`). For ``k`` steps each step is given the guarantee

.. math:: \delta_0 = \frac{\delta}{2k}, \qquad \varepsilon_0 = \text{the smallest }
          \varepsilon \text{ with } \delta_1(\varepsilon) \le \delta_0,

the *same* box for all three theorems, so that they are compared on equal terms:

* basic: :math:`(k\varepsilon_0,\; k\delta_0 = \delta/2)`, which is also
  :math:`(k\varepsilon_0, \delta)`-DP (basic composition could spend all of
  delta on the steps, :math:`\delta_0 = \delta/k`, and save a few percent of
  epsilon: the picture does not change);
* advanced (Dwork, Rothblum and Vadhan):
  :func:`~ppml_lab.dp.advanced_composition` with :math:`\delta' = \delta/2`, so
  the total delta is :math:`k\delta_0 + \delta' = \delta`;
* optimal (Kairouz, Oh and Viswanath): :func:`~ppml_lab.dp.optimal_composition`
  with the same split (total delta :math:`1 - (1-\delta_0)^k(1-\delta/2) \le \delta`).
  It is the best any theorem can do knowing only (eps0, delta0) per step.

RDP (:func:`~ppml_lab.dp.rdp_to_epsilon` of ``k`` times one step's RDP curve,
:func:`~ppml_lab.dp.subsampled_gaussian_rdp`) and PLD
(:class:`~ppml_lab.dp.PLDAccountant`) account for the full ``delta``.

**Speed.** The explorer redraws on every slider move, so: one step's RDP
curve is computed once and multiplied by ``k`` (RDP composes by addition);
the optimal composition uses a one-pass form of the same sum as
:func:`~ppml_lab.dp.optimal_composition`; results are cached; and the PLD
curve uses a *coarse* loss grid, chosen per point (:func:`pld_interval`): at
most 1% of a reference epsilon, and fine enough for the loss of one step. On
the settings tested (the explorer's sliders) it stays within a few percent of
the fine-grid value for epsilons above 0.1 (more, relatively, for tiny ones),
and it is never below the true epsilon (the discretisation is pessimistic).
Pass ``pld_interval=1e-4`` for the accountant's default grid. Where every other
accountant already says epsilon > :data:`PLD_LIMIT`, the PLD point is left out
(``nan``): nothing private is left to measure there.

Introduced in notebook 04.

References
----------
.. [DRV10] C. Dwork, G. N. Rothblum, S. Vadhan. Boosting and differential
   privacy. FOCS 2010.
.. [KOV15] P. Kairouz, S. Oh, P. Viswanath. The composition theorem for
   differential privacy. ICML 2015.
.. [MTZ19] I. Mironov, K. Talwar, L. Zhang. Rényi differential privacy of the
   sampled Gaussian mechanism. arXiv:1908.10530, 2019.
.. [DGKKM22] V. Doroshenko, B. Ghazi, P. Kamath, R. Kumar, P. Manurangsi. Connect
   the dots: tighter discrete approximations of privacy loss distributions.
   PoPETs 2022.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any

import numpy as np

from .._validation import (check_delta, check_grid, check_noise_multiplier, check_nonnegative,
                           check_positive, check_sample_rate, check_steps, fail)
from .composition import advanced_composition, optimal_composition
from .experiments import _frozen, _Record
from .pld import PLDAccountant, subsampled_gaussian_hockey_stick
from .rdp import DEFAULT_ORDERS, rdp_to_epsilon, subsampled_gaussian_rdp

__all__ = [
    "COMPOSITION_ACCOUNTANTS",
    "DEFAULT_STEPS",
    "PLD_LIMIT",
    "CompositionCurves",
    "composition_curves",
    "step_delta",
    "step_epsilon",
    "pld_interval",
]

#: The five accountants of the composition curves, from the loosest to the tightest (the
#: accountants :func:`~ppml_lab.dp.dpsgd_epsilon` accepts are
#: :data:`ppml_lab.dp.dpsgd.DPSGD_ACCOUNTANTS`).
COMPOSITION_ACCOUNTANTS: tuple[str, ...] = ("basic", "advanced", "optimal", "rdp", "pld")

#: The step counts of the curves: 1, 3, 10, 30, ..., 100,000 (the explorer's slider too).
DEFAULT_STEPS: np.ndarray = np.array([1, 3, 10, 30, 100, 300, 1_000, 3_000, 10_000, 30_000,
                                      100_000])
DEFAULT_STEPS.setflags(write=False)

#: Above this epsilon (by every other accountant) the PLD point is not computed.
PLD_LIMIT = 500.0

_RHO = 0.01        # the PLD grid spacing is at most this share of a reference epsilon ...
_RHO_SPREAD = 0.1  # ... and small enough for the per-step losses (see pld_interval)
_PLD_INTERVAL_RANGE = (1e-4, 0.05)


# --- one step: the exact privacy curve of the Poisson-subsampled Gaussian -----------------------

def _step_delta(epsilon: Any, sigma: float, q: float) -> np.ndarray:
    """Delta of one step at each epsilon: the worse of the remove and add directions."""
    eps = np.asarray(epsilon, dtype=float)
    return np.maximum(subsampled_gaussian_hockey_stick(eps, sigma, q, "remove"),
                      subsampled_gaussian_hockey_stick(eps, sigma, q, "add"))


def step_delta(noise_multiplier: float, sample_rate: float, epsilon: float) -> float:
    r"""Exact delta of one step of the Poisson-subsampled Gaussian mechanism at ``epsilon``.

    With it the output is :math:`M = (1-q)N(0,\sigma^2) + qN(1,\sigma^2)`, without
    it :math:`N(0,\sigma^2)`; delta is the larger hockey-stick divergence of the
    two directions (add/remove one example), in closed form
    (:func:`~ppml_lab.dp.pld.subsampled_gaussian_hockey_stick`). With
    ``sample_rate=1`` it is :func:`~ppml_lab.dp.gaussian_delta`.

    Examples
    --------
    >>> f"{step_delta(1.1, 0.01, epsilon=0.5):.4g}"
    '2.749e-08'
    >>> from ppml_lab.dp import gaussian_delta
    >>> round(step_delta(2.0, 1.0, 1.0), 12) == round(gaussian_delta(2.0, 1.0), 12)
    True
    """
    sigma = check_noise_multiplier(noise_multiplier)
    q = check_sample_rate(sample_rate)
    epsilon = check_nonnegative(epsilon, "epsilon", fix="Pass e.g. epsilon=1.0.")
    return float(_step_delta(epsilon, sigma, q))


def _step_epsilons(deltas: np.ndarray, sigma: float, q: float) -> np.ndarray:
    """Smallest epsilon >= 0 with ``step_delta <= delta``, for each delta (vectorised bisection).

    The answer is on the safe side: delta at the returned epsilon is <= the target.
    """
    deltas = np.asarray(deltas, dtype=float)
    lo = np.zeros_like(deltas)
    hi = np.ones_like(deltas)
    for _ in range(64):  # the bracket: delta falls to 0 as epsilon grows
        short = _step_delta(hi, sigma, q) > deltas
        if not short.any():
            break
        hi[short] *= 4.0
    done = _step_delta(lo, sigma, q) <= deltas  # epsilon = 0 is enough
    hi[done] = 0.0
    for _ in range(200):
        if np.all(hi - lo <= 1e-12 * np.maximum(hi, 1e-300)):
            break
        mid = 0.5 * (lo + hi)
        meets = _step_delta(mid, sigma, q) <= deltas
        hi = np.where(meets, mid, hi)
        lo = np.where(meets, lo, mid)
    return hi


def step_epsilon(noise_multiplier: float, sample_rate: float, delta: float) -> float:
    r"""Exact epsilon of one step of the Poisson-subsampled Gaussian mechanism at ``delta``.

    The smallest :math:`\varepsilon \ge 0` with :func:`step_delta` at most
    ``delta``, found by bisection (relative precision 1e-12, on the safe side).
    This is the per-step guarantee :math:`\varepsilon_0` that basic, advanced
    and optimal composition start from.

    Examples
    --------
    >>> round(step_epsilon(1.1, 0.01, 1e-5), 4)  # one DP-SGD step
    0.1423
    >>> from ppml_lab.dp import GaussianMechanism  # no sampling: the analytic Gaussian
    >>> round(GaussianMechanism(step_epsilon(2.0, 1.0, 1e-5), 1e-5).sigma, 6)
    2.0
    """
    sigma = check_noise_multiplier(noise_multiplier)
    q = check_sample_rate(sample_rate)
    delta = check_delta(delta)
    return float(_step_epsilons(np.array([delta]), sigma, q)[0])


# --- optimal composition in one pass ----------------------------------------------------------

# --- PLD on a coarse grid ----------------------------------------------------------------------

def pld_interval(reference_epsilon: float, steps: int, noise_multiplier: float,
                 sample_rate: float) -> float:
    r"""Grid spacing of the live PLD curve: coarse, but fine enough for ``steps`` steps.

    Connecting the dots [DGKKM22]_ is exact at the grid points and pessimistic
    in between; what it adds, step after step, is spread: a loss that falls
    between two grid points is split between them. Three rules keep that
    small, the finest wins (:math:`k` steps, spacing :math:`h`, and
    :math:`m = q\sqrt{e^{1/\sigma^2}-1}` the typical size of one step's
    loss, its chi-square bound):

    * :math:`h \le 0.01\,\varepsilon_{ref}`, with ``reference_epsilon`` an
      upper bound of the answer (the smaller of the RDP and the optimal
      composition epsilon, then the coarse PLD answer itself);
    * :math:`h \le m / 4`: a loss spread over many grid points gains a variance
      of about :math:`h^2/6` per step, small against :math:`m^2`;
    * :math:`h \le (0.1\,\varepsilon_{ref})^2 / (k m)`: a loss smaller than
      :math:`h` gains a variance of about :math:`h m`, and over :math:`k` steps
      that must stay small against :math:`\varepsilon^2`.

    The result is kept between 1e-4 and 0.05 (the explorer's budget of time).

    Examples
    --------
    >>> round(pld_interval(1.7, 1000, 1.1, 0.01), 5)  # DP-SGD: 1,000 steps
    0.00255
    """
    reference = check_positive(reference_epsilon, "reference_epsilon")
    k = check_steps(steps)
    sigma = check_noise_multiplier(noise_multiplier)
    q = check_sample_rate(sample_rate)
    with np.errstate(over="ignore"):
        size = q * math.sqrt(math.expm1(min(1.0 / sigma**2, 700.0)))
    h = min(_RHO * reference, size / 4, (_RHO_SPREAD * reference) ** 2 / (k * size))
    low, high = _PLD_INTERVAL_RANGE
    return float(min(max(h, low), high))


# --- the record ---------------------------------------------------------------------------------

def _eps_text(value: float) -> str:
    """An epsilon for a sentence: 3 significant digits, thousands separated."""
    if not math.isfinite(value):
        return f"more than {PLD_LIMIT:g}"
    if value >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _times(ratio: float) -> str:
    return f"{ratio:,.0f}" if ratio >= 10 else f"{ratio:.1f}"


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class CompositionCurves(_Record):
    r"""Epsilon against the number of steps under five accountants (see :func:`composition_curves`).

    Attributes
    ----------
    noise_multiplier, sample_rate, delta : float
        The DP-SGD setting: noise / clipping norm, Poisson sampling rate, target delta.
    steps : int
        The current number of steps (the marked point).
    step_delta : float
        The per-step delta0 = delta / (2 * steps) that basic, advanced and
        optimal composition use at ``steps``.
    step_epsilon : float
        One step's exact epsilon at ``step_delta``: the per-step guarantee eps0.
    basic, advanced, optimal, rdp, pld : float
        Epsilon after ``steps`` steps by each accountant (``pld`` is ``nan``
        above :data:`PLD_LIMIT`).
    pld_interval : float
        Grid spacing of the PLD value at ``steps``.
    basic_steps : int
        How many steps basic composition allows within the PLD epsilon (0 if
        not even one).
    steps_grid : numpy.ndarray
        The step counts of the curves.
    basic_curve, advanced_curve, optimal_curve, rdp_curve, pld_curve : numpy.ndarray
        Epsilon along ``steps_grid``.
    pld_intervals : numpy.ndarray
        Grid spacing of each PLD point (0 where it is exact: one step).
    """

    noise_multiplier: float
    sample_rate: float
    delta: float
    steps: int
    step_delta: float
    step_epsilon: float
    basic: float
    advanced: float
    optimal: float
    rdp: float
    pld: float
    pld_interval: float
    basic_steps: int
    steps_grid: np.ndarray = dataclasses.field(repr=False)
    basic_curve: np.ndarray = dataclasses.field(repr=False)
    advanced_curve: np.ndarray = dataclasses.field(repr=False)
    optimal_curve: np.ndarray = dataclasses.field(repr=False)
    rdp_curve: np.ndarray = dataclasses.field(repr=False)
    pld_curve: np.ndarray = dataclasses.field(repr=False)
    pld_intervals: np.ndarray = dataclasses.field(repr=False)

    @property
    def epsilons(self) -> dict[str, float]:
        """Epsilon at ``steps`` by accountant, from the loosest to the tightest."""
        return {name: getattr(self, name) for name in COMPOSITION_ACCOUNTANTS}

    def curve(self, accountant: str) -> np.ndarray:
        """Epsilon along ``steps_grid`` for one of :data:`COMPOSITION_ACCOUNTANTS`."""
        if accountant not in COMPOSITION_ACCOUNTANTS:
            raise fail("accountant", "one of " + ", ".join(map(repr, COMPOSITION_ACCOUNTANTS)),
                       accountant)
        return getattr(self, f"{accountant}_curve")

    @property
    def longer(self) -> float:
        """How many times more steps PLD allows than basic composition, for the same epsilon."""
        return self.steps / self.basic_steps if self.basic_steps else math.inf

    def summary(self) -> str:
        """Plain-words sentences about this result."""
        e = {name: _eps_text(v) for name, v in self.epsilons.items()}
        head = (f"After {self.steps:,} step{'s' if self.steps != 1 else ''} at noise "
                f"{self.noise_multiplier:.3g} and sampling rate {self.sample_rate:.3g} "
                f"(delta = {self.delta:.0e}), basic composition says epsilon = {e['basic']}, "
                f"advanced {e['advanced']}, optimal {e['optimal']}, RDP {e['rdp']} and "
                f"PLD {e['pld']}.")
        if not math.isfinite(self.pld):
            return head + " That is no meaningful privacy, whichever accountant you ask."
        if self.pld == 0.0:
            tail = ("At this sampling rate the whole run is (0, delta)-DP: delta alone covers "
                    "every way the run can leak, and the tight accountants charge no epsilon. "
                    "Basic and advanced composition, which must split delta over the steps, "
                    "do not see it.")
        elif self.basic_steps == 0:
            tail = ("For that epsilon, basic composition (which only knows each step's "
                    "(eps0, delta0)) would not allow even one step.")
        elif self.basic_steps >= self.steps:
            tail = "Here basic composition is as good as PLD: with few steps, it is tight."
        else:
            tail = (f"For the same epsilon of {e['pld']}, basic composition would stop you "
                    f"after {self.basic_steps:,} step{'s' if self.basic_steps != 1 else ''}: "
                    f"the tight accountant (PLD) lets you train {_times(self.longer)} times "
                    "longer for the same budget.")
        return f"{head} {tail}"


# --- the curves ----------------------------------------------------------------------------------

def _pld_point(sigma: float, q: float, delta: float, n: int, reference: float,
               fixed_interval: float | None) -> tuple[float, float]:
    """PLD epsilon of ``n`` steps and the grid spacing used.

    With the coarse grid, the first answer (never below the true epsilon) becomes
    the reference for a finer grid, as long as that halves the spacing (at most
    twice): a loose reference (RDP can be 10 times the answer) would leave the
    grid too coarse for a small epsilon.
    """
    if fixed_interval is not None:
        return _pld_epsilon(sigma, q, delta, n, fixed_interval)
    h = pld_interval(reference, n, sigma, q) if reference > 0 else _PLD_INTERVAL_RANGE[0]
    epsilon, h = _pld_epsilon(sigma, q, delta, n, h)
    for _ in range(2):
        finer = pld_interval(epsilon, n, sigma, q) if 0 < epsilon < math.inf else h
        if finer > h / 2:
            break
        better, used = _pld_epsilon(sigma, q, delta, n, finer)
        if better > epsilon:  # the finer grid did not fit: keep the first answer
            break
        epsilon, h = better, used
    return epsilon, h


def _pld_epsilon(sigma: float, q: float, delta: float, n: int,
                 h: float) -> tuple[float, float]:
    """PLD epsilon at spacing ``h``, or at a 4, 16 ... times coarser one if the grid is too big."""
    for _ in range(6):
        try:
            return PLDAccountant(h).compose_gaussian(sigma, q, n).get_epsilon(delta), h
        except ValueError:  # the composed distribution needs more grid points than allowed
            h *= 4.0
    return math.nan, h


@functools.lru_cache(maxsize=256)
def _curves(sigma: float, q: float, delta: float, grid: tuple[int, ...],
            fixed_interval: float | None) -> dict[str, np.ndarray]:
    """All five curves along ``grid`` (cached: the explorer asks again and again)."""
    k = np.array(grid, dtype=float)
    delta0 = delta / (2.0 * k)
    eps0 = _step_epsilons(delta0, sigma, q)
    basic = k * eps0
    advanced = np.array([advanced_composition(e, d, int(n), delta / 2.0).epsilon if e > 0 else 0.0
                         for e, d, n in zip(eps0, delta0, grid)])
    # a step can be (0, delta0)-DP outright (tiny sampling rate, many steps): then so is the
    # run, by every theorem, and the tight accountants cannot do better than 0 either
    optimal = np.array([optimal_composition(float(e), 0.0, int(n), delta / 2.0).epsilon
                        if e > 0 else 0.0 for e, n in zip(eps0, grid)])
    one_step = subsampled_gaussian_rdp(sigma, q)  # RDP composes by addition: k times one step
    rdp = np.array([rdp_to_epsilon(DEFAULT_ORDERS, n * one_step, delta)[0] for n in grid])
    pld = np.full(k.shape, np.nan)
    intervals = np.zeros(k.shape)
    exact_one = float(_step_epsilons(np.array([delta]), sigma, q)[0])
    for i, n in enumerate(grid):
        reference = min(rdp[i], optimal[i])
        if n == 1:  # one step: its exact curve, no grid needed
            pld[i] = exact_one
        elif reference == 0.0:
            pld[i] = 0.0
        elif reference <= PLD_LIMIT:
            pld[i], intervals[i] = _pld_point(sigma, q, delta, n, reference, fixed_interval)
    return {"eps0": _frozen(eps0), "basic": _frozen(basic), "advanced": _frozen(advanced),
            "optimal": _frozen(optimal), "rdp": _frozen(rdp), "pld": _frozen(pld),
            "intervals": _frozen(intervals)}


def _basic_at(ks: np.ndarray, sigma: float, q: float, delta: float) -> np.ndarray:
    ks = np.asarray(ks, dtype=float)
    return ks * _step_epsilons(delta / (2.0 * ks), sigma, q)


@functools.lru_cache(maxsize=256)
def _basic_steps(budget: float, sigma: float, q: float, delta: float, k_max: int) -> int:
    """Largest k <= k_max whose basic composition stays within ``budget`` (0 if none).

    Basic composition grows with k, so the answer is bracketed on a geometric
    grid of candidates and then narrowed down, a vector of candidates at a time.
    """
    lo, hi = 0, k_max + 1  # basic(lo) <= budget (or lo = 0); basic(hi) > budget (or k_max + 1)
    while hi - lo > 1:
        if hi - lo <= 65:
            candidates = np.arange(lo + 1, hi)
        else:
            candidates = np.unique(np.round(np.geomspace(lo + 1, hi - 1, 48)).astype(int))
        within = _basic_at(candidates, sigma, q, delta) <= budget
        n_in = int(np.argmin(within)) if not within.all() else within.size  # leading Trues
        if n_in:
            lo = int(candidates[n_in - 1])
        if n_in < candidates.size:
            hi = int(candidates[n_in])
        elif candidates[-1] == hi - 1:
            break
    return lo


def composition_curves(noise_multiplier: float, sample_rate: float, delta: float, *,
                       steps: int = 1000, steps_grid: Any = None,
                       pld_interval: float | None = None) -> CompositionCurves:
    r"""Epsilon of ``steps`` DP-SGD steps by five accountants, and their curves against steps.

    Each step is the Poisson-subsampled Gaussian mechanism with noise
    ``noise_multiplier`` and sampling rate ``sample_rate``. The five
    accountants, and the per-step guarantee the first three start from,
    are described in the module docstring: basic, advanced (Dwork, Rothblum and
    Vadhan) and optimal (Kairouz, Oh and Viswanath) composition of
    :math:`k` copies of :math:`(\varepsilon_0, \delta_0 = \delta/2k)`, with
    :math:`\varepsilon_0` from one step's exact privacy curve
    (:func:`step_epsilon`); Rényi DP; and privacy loss distributions.

    Deterministic (no randomness) and cached, so calling it again with the
    same arguments costs nothing.

    Parameters
    ----------
    noise_multiplier : float
        Noise standard deviation / clipping norm, > 0.
    sample_rate : float
        Probability that an example is in a batch, in (0, 1].
    delta : float
        Target delta of the whole run, in (0, 1).
    steps : int, default 1000
        The current number of steps, >= 1 (the point marked on the curves).
    steps_grid : array-like of int, optional
        Step counts of the curves; default :data:`DEFAULT_STEPS` (1 to 100,000).
    pld_interval : float, optional
        Grid spacing of every PLD point; by default a coarse spacing chosen per
        point (:func:`pld_interval`), for speed.

    Returns
    -------
    CompositionCurves

    Examples
    --------
    >>> r = composition_curves(1.1, 0.01, 1e-5, steps=1000)
    >>> {name: round(eps, 2) for name, eps in r.epsilons.items()}
    {'basic': 644.64, 'advanced': 684.32, 'optimal': 284.24, 'rdp': 1.71, 'pld': 1.52}
    >>> r.basic_steps, round(r.longer)  # basic composition: 5 steps for the same epsilon
    (5, 200)

    Black-box composition is hopeless here: each step is only (0.64, 5e-9)-DP
    at the tiny per-step delta, although one step's epsilon at delta = 1e-5 is 0.14.

    >>> round(r.step_epsilon, 2), round(step_epsilon(1.1, 0.01, 1e-5), 2)
    (0.64, 0.14)
    """
    sigma = check_noise_multiplier(noise_multiplier)
    q = check_sample_rate(sample_rate)
    delta = check_delta(delta)
    steps = check_steps(steps)
    if steps_grid is None:
        grid = tuple(int(n) for n in DEFAULT_STEPS)
    else:
        fix = "Pass whole numbers of steps in increasing order, e.g. steps_grid=[1, 10, 100]."
        raw = check_grid(steps_grid, "steps_grid", fix=fix)
        if np.any(raw != np.round(raw)):
            raise fail("steps_grid", "whole numbers of steps", steps_grid, fix)
        grid = tuple(int(n) for n in raw)
    fixed = None
    if pld_interval is not None:
        fixed = check_positive(pld_interval, "pld_interval",
                               fix="Pass e.g. pld_interval=1e-4, or None for a coarse grid.")

    curves = _curves(sigma, q, delta, grid, fixed)
    names = ("eps0", "intervals") + COMPOSITION_ACCOUNTANTS
    if steps in grid:
        i = grid.index(steps)
        now = {name: float(curves[name][i]) for name in names}
    else:
        point = _curves(sigma, q, delta, (steps,), fixed)
        now = {name: float(point[name][0]) for name in names}
    basic_steps = 0
    if math.isfinite(now["pld"]):
        basic_steps = _basic_steps(now["pld"], sigma, q, delta, steps)
    return CompositionCurves(
        noise_multiplier=sigma, sample_rate=q, delta=delta, steps=steps,
        step_delta=delta / (2.0 * steps), step_epsilon=now["eps0"],
        basic=now["basic"], advanced=now["advanced"], optimal=now["optimal"], rdp=now["rdp"],
        pld=now["pld"], pld_interval=now["intervals"], basic_steps=basic_steps,
        steps_grid=_frozen(grid), basic_curve=curves["basic"],
        advanced_curve=curves["advanced"], optimal_curve=curves["optimal"],
        rdp_curve=curves["rdp"], pld_curve=curves["pld"], pld_intervals=curves["intervals"])
