r"""A privacy budget ledger that refuses: who spent how much, on what, and when.

A :class:`BudgetAccountant` holds a total budget ``(epsilon, delta)`` for one
dataset. Every private release is recorded with :meth:`~BudgetAccountant.spend`
*before* its noise is drawn; a spend that would take the ledger over its
budget raises :class:`~ppml_lab.exceptions.BudgetExceededError` and changes
nothing, so the release never happens. There is no global default ledger:
pass one explicitly, e.g. ``dp_mean(x, epsilon=0.5, bounds=(0, 100),
accountant=ledger)``.

Composition rules
-----------------
*Sequential (basic) composition* [DR14]_ (Theorem 3.16): mechanisms that are
``(epsilon_i, delta_i)``-DP, run one after another (even adaptively) on the same
data, are together ``(sum epsilon_i, sum delta_i)``-DP. Each
:meth:`~BudgetAccountant.spend` is charged that way.

*Parallel composition* [McS09]_: mechanisms run on *disjoint* parts of the
data are together ``(max epsilon_i, max delta_i)``-DP, because adding or
removing one example changes one part only. Inside
``with ledger.parallel(label=...) as block:`` each spend names the part of
the data it reads, ``block.spend(..., partition="north")`` or
``accountant=block.partition("north")`` for the queries, mechanisms and
estimators. Spends on the same partition add up, and the ledger is charged the
largest partition, once. A spend that names no partition may read any row, so
it is charged on top of every partition: two unnamed queries in a block cost
their sum, exactly as outside it. Disjointness is a claim the analyst makes;
the ledger gives the discount only where it is made. The parts must be fixed
without looking at the data (e.g. by a public attribute such as a region); the
ledger cannot check that.

Units of privacy
----------------
A ledger counts one unit: add/remove-one neighbouring datasets by default
(``neighbouring="add_remove"``), as Opacus and dp-accounting, or replace-one
(``neighbouring="replace_one"``), as diffprivlib. A spend states the unit of
its guarantee. An add/remove ``(epsilon, delta)`` guarantee implies a
replace-one ``(2 epsilon, (1 + e^epsilon) delta)`` guarantee (a replacement is
a removal and an addition: group privacy for two), so a replace-one ledger
converts it and says so in the entry. The other way has no such rule (e.g.
output perturbation, whose noise scale depends on ``n``, bounds a replacement
but not a removal), so an add/remove ledger refuses a replace-one spend with a
``ValueError``.

One ledger, never copied
------------------------
A ledger is a record of one dataset's budget, so it is shared, never copied:
``copy.copy`` and ``copy.deepcopy`` return the ledger itself. scikit-learn's
``clone`` (used by ``cross_val_score`` and ``GridSearchCV``) therefore gives
every clone of an estimator the same ledger, and every fit of a search is
charged to it: a 5-fold ``cross_val_score`` at ``epsilon=1`` spends 5, and a
search over 4 settings with 5 folds and a refit spends 21 times the fit's
epsilon. That is the honest price of tuning on the private data (notebook
05); to pay less, tune on public data, or with a DP selection such as the
exponential mechanism. A ledger refuses to be pickled (e.g. sent to a worker
process with ``n_jobs=2``), because spends made there would never reach it;
save it with :meth:`~BudgetAccountant.to_json` instead.

Tighter accounting for *many* mechanisms (advanced composition, Rényi DP,
privacy loss distributions) does not belong in the ledger: compute the epsilon
of a whole training run with :mod:`~ppml_lab.dp.rdp` or :mod:`~ppml_lab.dp.pld`
and spend it here once.

Exact sums
----------
Amounts are read as the shortest decimal that gives back the float
(``repr``), which is the number as it was typed, and added as exact fractions
(:class:`fractions.Fraction`). So ``0.1 + 0.2 + 0.7`` of a budget of ``1.0``
fits exactly, ``0.1 + 0.2 + 0.7 + 1e-12`` does not, and no float drift goes
either way. (The float ``0.1`` is ``0.1000000000000000055...`` in binary: the
difference, below 1e-16 relative, is far below the rounding of the noise scale
itself.)

Zero and refused spends
-----------------------
A spend must have ``epsilon > 0``, like every mechanism of ppml_lab: an entry
that costs nothing is either a mistake (an epsilon rounded to 0) or
post-processing, which needs no entry. ``delta`` may be 0 (pure DP), but a
spend with ``delta > 0`` only fits a ledger with a delta budget. A refused
spend raises :class:`~ppml_lab.exceptions.BudgetExceededError` (a
``ValueError``) with the amounts, and leaves the ledger exactly as it was.

The unit of privacy is one example, with add/remove-one neighbouring datasets
unless the ledger says otherwise.

Introduced in notebook 04.

References
----------
.. [DR14] C. Dwork, A. Roth. The algorithmic foundations of differential
   privacy. 2014. (Theorem 3.16: basic composition.)
.. [McS09] F. McSherry. Privacy integrated queries: an extensible platform for
   privacy-preserving data analysis. SIGMOD 2009. (Parallel composition.)
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from fractions import Fraction
import math
from typing import Any, Callable, Iterable, NoReturn, Protocol

from .._validation import (check_callable, check_choice, check_delta_or_zero, check_epsilon,
                           check_label, check_string, fail)
from ..exceptions import BudgetExceededError
from .composition import PrivacyGuarantee

__all__ = ["BlockPartition", "BudgetAccountant", "LedgerEntry", "ParallelBlock", "SupportsSpend"]

NEIGHBOURING = ("add_remove", "replace_one")
UNITS_OF_PRIVACY = {
    "add_remove": "one example (neighbouring datasets differ by adding or removing one example)",
    "replace_one": "one example (neighbouring datasets differ by replacing one example)",
}
UNIT_OF_PRIVACY = UNITS_OF_PRIVACY["add_remove"]
COMPOSITION = ("basic sequential composition: the epsilons add up, and so do the deltas;",
               "a parallel block charges its largest named partition, plus spends naming none")
#: What ledgers exported before spends without a partition were charged on every row said.
_COMPOSITION_V1 = ("basic sequential composition: the epsilons add up, and so do the deltas; "
                   "a parallel block over disjoint partitions charges only its largest partition")
_NEIGHBOURING_FIX = ("Pass neighbouring='add_remove' (the kit's unit, as Opacus and "
                     "dp-accounting) or 'replace_one' (as diffprivlib).")
ARITHMETIC = "exact: amounts are added as the decimals they were written as"
_FORMAT = "ppml_lab.BudgetAccountant"
_VERSION = 1
_ZERO = Fraction(0)
_BY_FIX = 'Name who spends it, e.g. by="analyst A", or leave it out.'
_CLOCK_FIX = "Pass e.g. clock=lambda: datetime.now(timezone.utc)."

Amount = tuple[Fraction, Fraction]


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _exact(value: float) -> Fraction:
    """``value`` as the decimal it was written as (the shortest ``repr``), exactly."""
    return Fraction(repr(value))


def _plain_decimal(amount: Fraction) -> str:
    """Exact decimal digits of a fraction whose denominator is 2**a * 5**b."""
    den, twos, fives = amount.denominator, 0, 0
    while den % 2 == 0:
        den, twos = den // 2, twos + 1
    while den % 5 == 0:
        den, fives = den // 5, fives + 1
    if den != 1:  # not a finite decimal (cannot happen for sums of decimals)
        return repr(float(amount))
    places = max(twos, fives)
    digits = str(abs(amount.numerator) * 10**places // amount.denominator).rjust(places + 1, "0")
    whole, frac = digits[:len(digits) - places], digits[len(digits) - places:].rstrip("0")
    return ("-" if amount < 0 else "") + whole + "." + (frac or "0")


def _show(amount: Fraction) -> str:
    """An exact amount as Python would print its float (``0.3``, ``1e-05``) when that is exact,
    otherwise all its decimal digits."""
    text = repr(float(amount))
    return text if Fraction(text) == amount else _plain_decimal(amount)


class SupportsSpend(Protocol):
    """What ``accountant=`` accepts: a :class:`BudgetAccountant` or a :class:`ParallelBlock`."""

    def spend(self, epsilon: float, delta: float = 0.0, *, label: str,
              by: str | None = None, neighbouring: str = "add_remove") -> LedgerEntry: ...


class _Shared:
    """A record that is shared, never copied (see "One ledger, never copied" above)."""

    def __copy__(self) -> Any:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return self

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise TypeError(
            f"a {type(self).__name__} cannot be pickled or sent to another process (e.g. a "
            f"worker of n_jobs=2): spends made there would never reach this ledger. Run the "
            f"fits in this process (n_jobs=None or 1), or save the ledger with to_json().")


@dataclass(frozen=True, repr=False)
class LedgerEntry:
    """One line of the ledger: who spent what, for what, and when.

    Introduced in notebook 04.

    Attributes
    ----------
    label : str
        What the budget was spent on (e.g. ``"dp_mean"``, ``"salary survey"``).
    epsilon, delta : float
        The amounts, as given. For a parallel block, the charge: its largest
        partition (shown as a float; the ledger keeps the exact value).
    time : datetime.datetime
        When it was recorded (timezone-aware, from the ledger's ``clock``).
        For a parallel block, the time of its last spend.
    by : str or None
        Who spent it, if given.
    partition : str or None
        Inside a parallel block, the named partition the spend was on (None:
        a partition of its own).
    parts : tuple of LedgerEntry
        The spends of a parallel block; empty for a sequential spend.
    """

    label: str
    epsilon: float
    delta: float
    time: datetime
    by: str | None = None
    partition: str | None = None
    parts: tuple[LedgerEntry, ...] = ()

    @property
    def composition(self) -> str:
        """``"parallel"`` for a parallel block, ``"sequential"`` for a single spend."""
        return "parallel" if self.parts else "sequential"

    def __repr__(self) -> str:
        fields = [f"label={self.label!r}", f"epsilon={self.epsilon!r}", f"delta={self.delta!r}",
                  f"time={self.time.isoformat()!r}"]
        if self.by is not None:
            fields.append(f"by={self.by!r}")
        if self.partition is not None:
            fields.append(f"partition={self.partition!r}")
        if self.parts:
            fields.append(f"parts={self.parts!r}")
        return f"LedgerEntry({', '.join(fields)})"


def _amount(entry: LedgerEntry) -> Amount:
    """Exact charge of an entry: its own amounts, or the largest partition of a block."""
    return _block_amount(entry.parts) if entry.parts else (_exact(entry.epsilon),
                                                           _exact(entry.delta))


def _block_amount(parts: Iterable[LedgerEntry]) -> Amount:
    """Parallel composition: sum within each named partition, take the max over partitions,
    and add the spends that name no partition (they may read any row, so every partition)."""
    anywhere = [_ZERO, _ZERO]
    sums: dict[str, list[Fraction]] = {}
    for part in parts:
        total = anywhere if part.partition is None else sums.setdefault(part.partition,
                                                                        [_ZERO, _ZERO])
        total[0] += _exact(part.epsilon)
        total[1] += _exact(part.delta)
    largest = (max((t[0] for t in sums.values()), default=_ZERO),
               max((t[1] for t in sums.values()), default=_ZERO))
    return anywhere[0] + largest[0], anywhere[1] + largest[1]


def _in_unit(epsilon: float, delta: float, label: str, neighbouring: Any,
             unit: str) -> tuple[float, float, str]:
    """A spend's ``(epsilon, delta, label)`` in the ledger's unit ``unit``, or a ValueError.

    Add/remove ``(eps, delta)`` implies replace-one ``(2 eps, (1 + e^eps) delta)``
    (group privacy for the removal and the addition); the converse has no such rule.
    """
    neighbouring = check_choice(neighbouring, "neighbouring", NEIGHBOURING,
                                fix=_NEIGHBOURING_FIX)
    if neighbouring == unit:
        return epsilon, delta, label
    if neighbouring == "add_remove":
        charged = (2.0 * epsilon, (1.0 + math.exp(epsilon)) * delta if delta else 0.0)
        return (*charged, f"{label} [add/remove epsilon={epsilon!r}, delta={delta!r}, charged "
                          f"as replace-one]")
    raise ValueError(
        f"`neighbouring` of a spend must be the ledger's unit 'add_remove' (or convertible to "
        f"it); got 'replace_one' for {label!r}. A replace-one guarantee bounds replacing one "
        f"example, not adding or removing one (e.g. output perturbation, whose noise depends "
        f"on n), so it cannot be charged to an add/remove ledger. Use an add/remove method "
        f"(e.g. DPLogisticRegression(method='gd')), or keep a separate "
        f"BudgetAccountant(..., neighbouring='replace_one'), which accepts add/remove spends "
        f"as (2 epsilon, (1 + e^epsilon) delta).")


def _check_spend(epsilon: Any, delta: Any, label: Any, by: Any, neighbouring: Any,
                 unit: str) -> tuple[float, float, str, str | None]:
    """A spend's checked ``(epsilon, delta, label, by)``, converted to the ledger's unit."""
    epsilon, delta = check_epsilon(epsilon, bounded=False), check_delta_or_zero(delta)
    label = check_label(label)
    by = check_label(by, "by", optional=True, fix=_BY_FIX)
    return (*_in_unit(epsilon, delta, label, neighbouring, unit), by)


class BudgetAccountant(_Shared):
    r"""A privacy budget that records every spend and refuses to be overspent.

    Parameters
    ----------
    epsilon : float
        Total epsilon budget, > 0.
    delta : float, default 0.0
        Total delta budget, in [0, 1). With 0 (pure DP) only spends with
        ``delta=0`` fit, so e.g. the Gaussian mechanism is refused.
    clock : callable, optional
        Called with no arguments for the time of each entry; must return a
        timezone-aware :class:`~datetime.datetime`. Default: the current UTC
        time. Pass a fixed clock for reproducible notebooks and tests.
    neighbouring : {"add_remove", "replace_one"}, default "add_remove"
        The unit of privacy the budget is counted in. An add/remove ledger
        refuses replace-one spends; a replace-one ledger converts add/remove
        spends to ``(2 epsilon, (1 + e^epsilon) delta)`` (see the module
        docstring).

    Attributes
    ----------
    total, spent, remaining : PrivacyGuarantee
        ``(epsilon, delta)`` of the budget, of what was spent and of what is
        left (floats; the ledger adds exactly, see the module docstring).
    history : tuple of LedgerEntry
        Every charged entry, oldest first.

    See Also
    --------
    ppml_lab.dp.basic_composition, ppml_lab.dp.parallel_composition

    Notes
    -----
    Introduced in notebook 04. Sequential spends add up (basic composition);
    spends inside :meth:`parallel` are charged their largest partition
    (parallel composition). The sums are exact. A refused spend raises
    :class:`~ppml_lab.exceptions.BudgetExceededError` and leaves the ledger
    unchanged.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> clock = lambda: datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)
    >>> ledger = BudgetAccountant(epsilon=1.0, clock=clock)
    >>> for epsilon in (0.1, 0.2, 0.7):
    ...     _ = ledger.spend(epsilon, label="a query")
    >>> ledger
    BudgetAccountant(epsilon=1.0, delta=0.0, spent=1.0)
    >>> ledger.remaining
    PrivacyGuarantee(epsilon=0.0, delta=0.0)

    A fresh ledger refuses what does not fit, and stays as it was:

    >>> ledger = BudgetAccountant(epsilon=1.0, clock=clock)
    >>> ledger.spend(0.7, label="mean salary", by="analyst A")
    LedgerEntry(label='mean salary', epsilon=0.7, delta=0.0, time='2024-05-01T09:00:00+00:00', by='analyst A')
    >>> ledger.spend(0.5, label="median salary")
    Traceback (most recent call last):
    ...
    ppml_lab.exceptions.BudgetExceededError: spending epsilon=0.5 would exceed the remaining budget (0.3 of 1.0); use a smaller epsilon or a new BudgetAccountant.
    >>> ledger.spent
    PrivacyGuarantee(epsilon=0.7, delta=0.0)

    Counts per region, on disjoint parts of the data, cost the largest one:

    >>> with ledger.parallel(label="head count per region") as block:
    ...     for region in ("north", "south", "east"):
    ...         _ = block.spend(0.3, label=f"count {region}", partition=region)
    >>> ledger.remaining
    PrivacyGuarantee(epsilon=0.0, delta=0.0)

    A ledger is shared, never copied, so every clone of an estimator charges it:

    >>> import copy
    >>> copy.deepcopy(ledger) is ledger
    True
    """

    def __init__(self, epsilon: float, delta: float = 0.0, *,
                 clock: Callable[[], datetime] | None = None,
                 neighbouring: str = "add_remove") -> None:
        self._epsilon = check_epsilon(epsilon, bounded=False)
        self._delta = check_delta_or_zero(delta)
        self._neighbouring: str = check_choice(neighbouring, "neighbouring", NEIGHBOURING,
                                               fix=_NEIGHBOURING_FIX)
        self._clock = _utc_now if clock is None else check_callable(clock, "clock",
                                                                   fix=_CLOCK_FIX)
        self._budget: Amount = (_exact(self._epsilon), _exact(self._delta))
        self._spent: Amount = (_ZERO, _ZERO)
        self._entries: list[LedgerEntry] = []
        self._open_block: ParallelBlock | None = None

    # --- the budget ------------------------------------------------------------------------

    @property
    def epsilon(self) -> float:
        """The total epsilon budget."""
        return self._epsilon

    @property
    def delta(self) -> float:
        """The total delta budget."""
        return self._delta

    @property
    def neighbouring(self) -> str:
        """The unit of privacy: ``"add_remove"`` or ``"replace_one"``."""
        return self._neighbouring

    @property
    def total(self) -> PrivacyGuarantee:
        """The total budget ``(epsilon, delta)``."""
        return PrivacyGuarantee(self._epsilon, self._delta)

    @property
    def spent(self) -> PrivacyGuarantee:
        """What the charged entries cost together ``(epsilon, delta)``."""
        return PrivacyGuarantee(float(self._spent[0]), float(self._spent[1]))

    @property
    def remaining(self) -> PrivacyGuarantee:
        """What is left ``(epsilon, delta)``: total minus spent, computed exactly."""
        left = self._left()
        return PrivacyGuarantee(float(left[0]), float(left[1]))

    @property
    def history(self) -> tuple[LedgerEntry, ...]:
        """Every charged entry, oldest first (a parallel block is one entry with its parts)."""
        return tuple(self._entries)

    def _left(self) -> Amount:
        return self._budget[0] - self._spent[0], self._budget[1] - self._spent[1]

    # --- spending --------------------------------------------------------------------------

    def spend(self, epsilon: float, delta: float = 0.0, *, label: str,
              by: str | None = None, neighbouring: str = "add_remove") -> LedgerEntry:
        """Record a spend of ``(epsilon, delta)``, or refuse it if it does not fit.

        Call it *before* releasing anything: a refused spend raises and the
        release must not happen (the queries of :mod:`ppml_lab.dp` do this
        when given ``accountant=``).

        Parameters
        ----------
        epsilon : float
            Epsilon of the release, > 0.
        delta : float, default 0.0
            Delta of the release, in [0, 1).
        label : str
            What it is spent on: one line, kept in the record (never put data
            values in it).
        by : str, optional
            Who spends it.
        neighbouring : {"add_remove", "replace_one"}, default "add_remove"
            The unit of the release's guarantee; converted to the ledger's
            unit or refused (see the module docstring).

        Returns
        -------
        LedgerEntry
            With the amounts charged, in the ledger's unit.

        Raises
        ------
        BudgetExceededError
            If the spend would exceed the remaining budget; nothing changes.
        ValueError
            If a replace-one spend is made on an add/remove ledger.
        RuntimeError
            If a :meth:`parallel` block is open: spend on the block instead.
        """
        self._require_no_block("spend on the ledger")
        epsilon, delta, label, by = _check_spend(epsilon, delta, label, by, neighbouring,
                                                 self._neighbouring)
        self._refuse_if_over((_exact(epsilon), _exact(delta)), epsilon, delta)
        entry = LedgerEntry(label=label, epsilon=epsilon, delta=delta, time=self._now(), by=by)
        self._charge(entry, (_exact(epsilon), _exact(delta)))
        return entry

    def can_spend(self, epsilon: float, delta: float = 0.0) -> bool:
        """Whether a spend of ``(epsilon, delta)`` would fit (nothing is recorded).

        Examples
        --------
        >>> ledger = BudgetAccountant(1.0)
        >>> ledger.can_spend(1.0), ledger.can_spend(1.0 + 1e-12), ledger.can_spend(0.1, 1e-6)
        (True, False, False)
        """
        self._require_no_block("ask the ledger")
        epsilon, delta = check_epsilon(epsilon, bounded=False), check_delta_or_zero(delta)
        left = self._left()
        return _exact(epsilon) <= left[0] and _exact(delta) <= left[1]

    def parallel(self, *, label: str, by: str | None = None) -> ParallelBlock:
        """A block for parallel composition over disjoint partitions of the data.

        Use it in a ``with`` statement and spend on one partition of the
        block at a time: ``block.spend(..., partition="north")``, or pass
        ``accountant=block.partition("north")`` to a query, a mechanism or an
        estimator. Spends on the same partition add up. When the block
        closes, the ledger is charged once: the largest partition's
        ``epsilon`` and, separately, the largest ``delta``, plus whatever was
        spent without naming a partition (such a spend may read any row, so
        it counts on every partition; two unnamed spends cost their sum).

        Refusal is checked up front, at every spend in the block: a spend
        that would raise the block's charge beyond the remaining budget raises
        :class:`~ppml_lab.exceptions.BudgetExceededError` and is not recorded,
        so closing the block can never fail. While the block is open the
        ledger itself accepts no spend. If the body of the ``with`` raises, the
        spends made so far are still charged (their results were released)
        and the exception goes on. An empty block charges nothing and adds no
        entry. Blocks do not nest.

        Parameters
        ----------
        label : str
            What the block is for, e.g. ``"head count per region"``.
        by : str, optional
            Who spends it.

        Returns
        -------
        ParallelBlock

        Examples
        --------
        >>> from datetime import datetime, timezone
        >>> ledger = BudgetAccountant(1.0, clock=lambda: datetime(2024, 5, 1, tzinfo=timezone.utc))
        >>> with ledger.parallel(label="per region") as block:
        ...     _ = block.spend(0.5, label="count", partition="north")
        ...     _ = block.spend(0.25, label="mean", partition="north")
        ...     _ = block.spend(0.5, label="count", partition="south")
        ...     block.charge
        PrivacyGuarantee(epsilon=0.75, delta=0.0)
        >>> ledger.spent
        PrivacyGuarantee(epsilon=0.75, delta=0.0)

        Two queries on the same rows cost their sum, in a block or not:

        >>> ledger = BudgetAccountant(1.0)
        >>> with ledger.parallel(label="no partition named") as block:
        ...     _ = block.spend(0.25, label="count")
        ...     _ = block.spend(0.25, label="mean")
        >>> ledger.spent
        PrivacyGuarantee(epsilon=0.5, delta=0.0)
        """
        label = check_label(label)
        by = check_label(by, "by", optional=True, fix=_BY_FIX)
        self._require_no_block("open another parallel block")
        return ParallelBlock(self, label, by)

    # --- internals -------------------------------------------------------------------------

    def _now(self) -> datetime:
        time = self._clock()
        if not isinstance(time, datetime):
            raise fail("clock", "a function returning a datetime", time, _CLOCK_FIX,
                       kind=TypeError)
        if time.utcoffset() is None:
            raise fail("clock", "a function returning a timezone-aware datetime", time,
                       "A record needs an unambiguous time; " + _CLOCK_FIX)
        return time

    def _require_no_block(self, action: str) -> None:
        if self._open_block is not None:
            raise RuntimeError(
                f"cannot {action} while the parallel block {self._open_block.label!r} is open; "
                f"spend on the block (accountant=block) or close it first.")

    def _refuse_if_over(self, amount: Amount, epsilon: float, delta: float,
                        block: ParallelBlock | None = None) -> None:
        """Raise BudgetExceededError if charging ``amount`` would exceed the budget."""
        left = self._left()
        over_eps, over_delta = amount[0] > left[0], amount[1] > left[1]
        if not (over_eps or over_delta):
            return
        would = " would"
        if block is not None:
            would = f" in the parallel block {block.label!r} would"
            if amount != (_exact(epsilon), _exact(delta)):  # other spends in its partition
                would += (f" raise its charge to epsilon={_show(amount[0])}, "
                          f"delta={_show(amount[1])} and")
        budget_eps, budget_delta = repr(self._epsilon), repr(self._delta)
        if over_eps and over_delta:
            message = (f"spending epsilon={epsilon!r}, delta={delta!r}{would} exceed the "
                       f"remaining budget (epsilon {_show(left[0])} of {budget_eps}, delta "
                       f"{_show(left[1])} of {budget_delta}); use a smaller epsilon and delta "
                       f"or a new BudgetAccountant.")
        elif over_eps:
            message = (f"spending epsilon={epsilon!r}{would} exceed the remaining budget "
                       f"({_show(left[0])} of {budget_eps}); use a smaller epsilon or a new "
                       f"BudgetAccountant.")
        elif self._delta == 0.0:
            message = (f"spending delta={delta!r}{would} exceed the remaining delta budget "
                       f"(0.0 of 0.0): this ledger is for pure epsilon-DP; use a mechanism "
                       f"with delta=0 (e.g. Laplace) or a new BudgetAccountant with a delta "
                       f"budget, e.g. BudgetAccountant({budget_eps}, delta=1e-05).")
        else:
            message = (f"spending delta={delta!r}{would} exceed the remaining delta budget "
                       f"({_show(left[1])} of {budget_delta}); use a smaller delta or a new "
                       f"BudgetAccountant.")
        raise BudgetExceededError(message)

    def _charge(self, entry: LedgerEntry, amount: Amount) -> None:
        self._entries.append(entry)
        self._spent = (self._spent[0] + amount[0], self._spent[1] + amount[1])

    def _close(self, block: ParallelBlock) -> LedgerEntry | None:
        """Charge a closing block (its refusals were checked at each spend)."""
        self._open_block = None
        if not block.parts:
            return None
        amount = _block_amount(block.parts)
        entry = LedgerEntry(label=block.label, epsilon=float(amount[0]),
                            delta=float(amount[1]), time=block.parts[-1].time, by=block.by,
                            parts=block.parts)
        self._charge(entry, amount)
        return entry

    # --- records ---------------------------------------------------------------------------

    def to_json(self, *, indent: int | None = 2) -> str:
        """The ledger as JSON: budget, every entry, and the rules used.

        :meth:`from_json` reads it back exactly (same entries, same times,
        same amounts). ``spent`` and ``remaining`` are included for readers,
        as floats (the exact sums follow from the entries, and :meth:`report`
        prints them), and are checked against the entries on import.

        Examples
        --------
        >>> from datetime import datetime, timezone
        >>> ledger = BudgetAccountant(1.0, clock=lambda: datetime(2024, 5, 1, tzinfo=timezone.utc))
        >>> _ = ledger.spend(0.25, label="count")
        >>> copy = BudgetAccountant.from_json(ledger.to_json())
        >>> copy.history == ledger.history, copy.to_json() == ledger.to_json()
        (True, True)
        """
        self._require_no_block("export the ledger")
        spent, left = self.spent, self.remaining
        document = {
            "format": _FORMAT,
            "version": _VERSION,
            "unit_of_privacy": UNITS_OF_PRIVACY[self._neighbouring],
            "composition": " ".join(COMPOSITION),
            "arithmetic": ARITHMETIC,
            "budget": {"epsilon": self._epsilon, "delta": self._delta,
                       "neighbouring": self._neighbouring},
            "spent": {"epsilon": spent.epsilon, "delta": spent.delta},
            "remaining": {"epsilon": left.epsilon, "delta": left.delta},
            "entries": [_entry_to_dict(entry) for entry in self._entries],
        }
        return json.dumps(document, indent=indent, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str, *, clock: Callable[[], datetime] | None = None
                  ) -> BudgetAccountant:
        """Rebuild a ledger from :meth:`to_json`, checking every entry against the budget.

        Parameters
        ----------
        text : str
            The JSON text.
        clock : callable, optional
            The clock for new entries (clocks are not exported).

        Raises
        ------
        ValueError
            If ``text`` is not such a ledger, an entry is invalid, the
            entries exceed the budget, or ``spent``/``remaining`` disagree
            with the entries.
        """
        text = check_string(text, "text", fix="Pass the text returned by to_json().")
        rule = "a ledger exported by BudgetAccountant.to_json()"
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise fail("text", rule, text, show=f"text that is not JSON ({exc})") from None
        except RecursionError:
            raise fail("text", rule, text, show="JSON nested too deeply to read") from None
        if not isinstance(document, dict) or document.get("format") != _FORMAT:
            raise fail("text", rule, text, show=f"JSON without \"format\": \"{_FORMAT}\"")
        if document.get("version") != _VERSION:
            raise fail("text", f"{rule} in version {_VERSION}", document.get("version"),
                       show=f"version {document.get('version')!r}")
        try:
            budget, entries = document["budget"], document["entries"]
            if not isinstance(budget, dict) or not {"epsilon", "delta"} <= set(budget) \
                    or not set(budget) <= {"epsilon", "delta", "neighbouring"}:
                raise fail("budget", "an object with keys epsilon, delta and neighbouring",
                           budget)
            ledger = cls(budget["epsilon"], budget["delta"], clock=clock,
                         neighbouring=budget.get("neighbouring", "add_remove"))
            if not isinstance(entries, list):
                raise fail("entries", "a list", entries, kind=TypeError)
            for i, raw in enumerate(entries):
                entry = _entry_from_dict(raw, f"entries[{i}]")
                amount = _amount(entry)
                try:
                    ledger._refuse_if_over(amount, float(amount[0]), float(amount[1]))
                except BudgetExceededError as exc:
                    raise ValueError(f"at entries[{i}], {exc}") from None
                ledger._charge(entry, amount)
            for key, value in (("spent", ledger.spent), ("remaining", ledger.remaining)):
                summary = {"epsilon": value.epsilon, "delta": value.delta}
                if key in document and not _same_summary(document[key], summary):
                    raise fail(key, f"{summary}, as the entries add up to", document[key])
            stated = {"unit_of_privacy": UNITS_OF_PRIVACY[ledger.neighbouring],
                      "composition": " ".join(COMPOSITION), "arithmetic": ARITHMETIC}
            if document.get("composition") == _COMPOSITION_V1:  # same rule for named parts
                document["composition"] = stated["composition"]
            for key, value in stated.items():
                if key in document and document[key] != value:
                    raise fail(key, f"{value!r}, the rule this ledger follows", document[key])
            unknown = set(document) - {"format", "version", "budget", "entries", "spent",
                                       "remaining", *stated}
            if unknown:
                raise fail("text", "a ledger with only the keys to_json() writes",
                           sorted(unknown), show=f"unknown keys {sorted(unknown)}")
        except (KeyError, TypeError, ValueError, RecursionError) as exc:
            detail = f"missing key {exc}" if isinstance(exc, KeyError) else str(exc).rstrip(".")
            raise fail("text", rule, text, show=f"a ledger that does not check out: {detail}"
                       ) from None
        return ledger

    def report(self) -> str:
        """A plain-text record for a data-protection file.

        It states the unit of privacy, the composition rule, the total budget,
        what was spent and what remains, then every entry with its time,
        epsilon, delta, who spent it and its label (parts of a parallel block
        indented below it).

        Examples
        --------
        >>> from datetime import datetime, timezone
        >>> ledger = BudgetAccountant(1.0, clock=lambda: datetime(2024, 5, 1, tzinfo=timezone.utc))
        >>> _ = ledger.spend(0.25, label="count of patients", by="analyst A")
        >>> with ledger.parallel(label="count per ward") as block:
        ...     _ = block.spend(0.5, label="ward 1", partition="ward 1")
        ...     _ = block.spend(0.5, label="ward 2", partition="ward 2")
        >>> print(ledger.report())
        Privacy budget ledger
        Unit of privacy:  one example (neighbouring datasets differ by adding or removing one example)
        Composition:      basic sequential composition: the epsilons add up, and so do the deltas;
                          a parallel block charges its largest named partition, plus spends naming none
        Arithmetic:       exact: amounts are added as the decimals they were written as
        Total budget:     epsilon=1.0, delta=0.0
        Spent:            epsilon=0.75, delta=0.0
        Remaining:        epsilon=0.25, delta=0.0
        Entries:          2
        <BLANKLINE>
        #    time                       epsilon  delta  by         label
        1    2024-05-01T00:00:00+00:00  0.25     0.0    analyst A  count of patients
        2    2024-05-01T00:00:00+00:00  0.5      0.0    -          count per ward (parallel: largest of 2 partitions)
        2.1  2024-05-01T00:00:00+00:00  0.5      0.0    -            ward 1 [partition ward 1]
        2.2  2024-05-01T00:00:00+00:00  0.5      0.0    -            ward 2 [partition ward 2]
        """
        self._require_no_block("report")
        spent, left = self._spent, self._left()
        lines = [
            "Privacy budget ledger",
            f"Unit of privacy:  {UNITS_OF_PRIVACY[self._neighbouring]}",
            f"Composition:      {COMPOSITION[0]}",
            f"                  {COMPOSITION[1]}",
            f"Arithmetic:       {ARITHMETIC}",
            f"Total budget:     epsilon={self._epsilon!r}, delta={self._delta!r}",
            f"Spent:            epsilon={_show(spent[0])}, delta={_show(spent[1])}",
            f"Remaining:        epsilon={_show(left[0])}, delta={_show(left[1])}",
            f"Entries:          {len(self._entries)}",
        ]
        if self._entries:
            lines.append("")
            lines.extend(_table(["#", "time", "epsilon", "delta", "by", "label"],
                                list(_rows(self._entries))))
        return "\n".join(lines)

    # --- display ---------------------------------------------------------------------------

    def __repr__(self) -> str:
        text = (f"BudgetAccountant(epsilon={self._epsilon!r}, delta={self._delta!r}, "
                + (f"neighbouring={self._neighbouring!r}, "
                   if self._neighbouring != "add_remove" else "")
                + f"spent={_show(self._spent[0])}")
        if self._delta > 0 or self._spent[1] > 0:
            text += f", spent_delta={_show(self._spent[1])}"
        if self._open_block is not None:
            text += f", open_block={self._open_block.label!r}"
        return text + ")"

    def _repr_html_(self) -> str:
        spent, left = self._spent, self._left()
        summary = (f"<p><b>Privacy budget ledger</b>: epsilon={self._epsilon!r}, "
                   f"delta={self._delta!r}; spent epsilon={_show(spent[0])}, "
                   f"delta={_show(spent[1])}; remaining epsilon={_show(left[0])}, "
                   f"delta={_show(left[1])}.</p>")
        if self._open_block is not None:
            summary += (f"<p>Parallel block {html.escape(repr(self._open_block.label))} is "
                        f"open (not yet charged).</p>")
        if not self._entries:
            return summary
        header = "".join(f"<th>{h}</th>" for h in ("#", "time", "epsilon", "delta", "by",
                                                   "label"))
        body = "".join("<tr>" + "".join(f"<td>{html.escape(cell.strip())}</td>" for cell in row)
                       + "</tr>" for row in _rows(self._entries))
        return f"{summary}<table><tr>{header}</tr>{body}</table>"


class ParallelBlock(_Shared):
    """Spends on disjoint partitions of the data, charged to the ledger as the largest one.

    Made by :meth:`BudgetAccountant.parallel` and used in a ``with``
    statement; ``accountant=block.partition(name)`` is accepted wherever a
    ledger is (``accountant=block`` too, for a spend on every row).
    Introduced in notebook 04.

    Attributes
    ----------
    label : str
        What the block is for.
    by : str or None
        Who spends it.
    entry : LedgerEntry or None
        The ledger's entry for the block once it is closed (None while open,
        or if nothing was spent).
    """

    def __init__(self, ledger: BudgetAccountant, label: str, by: str | None) -> None:
        self._ledger = ledger
        self.label = label
        self.by = by
        self._parts: list[LedgerEntry] = []
        self._state = "new"
        self.entry: LedgerEntry | None = None

    @property
    def neighbouring(self) -> str:
        """The ledger's unit of privacy."""
        return self._ledger.neighbouring

    @property
    def parts(self) -> tuple[LedgerEntry, ...]:
        """The spends so far, oldest first."""
        return tuple(self._parts)

    @property
    def charge(self) -> PrivacyGuarantee:
        """What the block will charge the ledger: its largest partition ``(epsilon, delta)``."""
        amount = _block_amount(self._parts)
        return PrivacyGuarantee(float(amount[0]), float(amount[1]))

    def __enter__(self) -> ParallelBlock:
        if self._state != "new":
            raise RuntimeError(f"the parallel block {self.label!r} was already used; open a "
                               f"new one with ledger.parallel(label=...).")
        self._ledger._require_no_block("open another parallel block")
        self._ledger._open_block = self
        self._state = "open"
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._state = "closed"
        self.entry = self._ledger._close(self)

    def partition(self, name: str) -> BlockPartition:
        """The part of the block for one partition, to pass as ``accountant=``.

        Examples
        --------
        >>> import numpy as np
        >>> from ppml_lab.dp import dp_count, dp_mean
        >>> ages = {"north": np.array([34.0, 51, 29]), "south": np.array([62.0, 45])}
        >>> ledger = BudgetAccountant(1.0)
        >>> with ledger.parallel(label="per region") as block:
        ...     for region, x in ages.items():
        ...         part = block.partition(region)
        ...         _ = dp_count(x, epsilon=0.25, rng=0, accountant=part)
        ...         _ = dp_mean(x, epsilon=0.5, bounds=(0, 100), rng=0, accountant=part)
        >>> ledger.spent
        PrivacyGuarantee(epsilon=0.75, delta=0.0)
        """
        name = check_label(name, "name", fix='Name the part of the data, e.g. "north".')
        return BlockPartition(self, name)

    def spend(self, epsilon: float, delta: float = 0.0, *, label: str, by: str | None = None,
              partition: str | None = None, neighbouring: str = "add_remove") -> LedgerEntry:
        """Record a spend on one partition, or refuse it if the block's charge would not fit.

        Parameters
        ----------
        epsilon, delta, label, by, neighbouring
            As in :meth:`BudgetAccountant.spend`; ``by`` defaults to the block's.
        partition : str, optional
            Name of the partition the spend is on. Spends on the same partition
            add up. Without a name the spend may read any row: it is charged on
            top of every partition.

        Returns
        -------
        LedgerEntry
            The part (the ledger's own entry is made when the block closes).

        Raises
        ------
        BudgetExceededError
            If the block's charge (its largest partition) would exceed what
            the ledger has left; nothing changes.
        RuntimeError
            If the block is not open (outside its ``with`` statement).
        """
        if self._state != "open":
            raise RuntimeError(f"the parallel block {self.label!r} is "
                               f"{'closed' if self._state == 'closed' else 'not open yet'}; "
                               f"spend inside `with ledger.parallel(label=...) as block:`.")
        epsilon, delta, label, by = _check_spend(epsilon, delta, label, by, neighbouring,
                                                 self._ledger.neighbouring)
        partition = check_label(partition, "partition", optional=True,
                                fix='Name the part of the data, e.g. partition="north".')
        draft = LedgerEntry(label=label, epsilon=epsilon, delta=delta, time=_EPOCH,
                            partition=partition)
        amount = _block_amount(self._parts + [draft])
        self._ledger._refuse_if_over(amount, epsilon, delta, block=self)
        part = LedgerEntry(label=label, epsilon=epsilon, delta=delta, time=self._ledger._now(),
                           by=self.by if by is None else by, partition=partition)
        self._parts.append(part)
        return part

    def __repr__(self) -> str:
        charge = self.charge
        return (f"ParallelBlock(label={self.label!r}, parts={len(self._parts)}, "
                f"charge=({charge.epsilon!r}, {charge.delta!r}), state={self._state!r})")


class BlockPartition(_Shared):
    """One partition of a parallel block, accepted as ``accountant=`` everywhere.

    Made by :meth:`ParallelBlock.partition`; its :meth:`spend` is the block's
    with ``partition=`` filled in. Introduced in notebook 04.
    """

    def __init__(self, block: ParallelBlock, name: str) -> None:
        self.block = block
        self.name = name

    @property
    def neighbouring(self) -> str:
        """The ledger's unit of privacy."""
        return self.block.neighbouring

    def spend(self, epsilon: float, delta: float = 0.0, *, label: str, by: str | None = None,
              neighbouring: str = "add_remove") -> LedgerEntry:
        """Spend on this partition of the block (see :meth:`ParallelBlock.spend`)."""
        return self.block.spend(epsilon, delta, label=label, by=by, partition=self.name,
                                neighbouring=neighbouring)

    def __repr__(self) -> str:
        return f"BlockPartition(block={self.block.label!r}, name={self.name!r})"


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


# --- JSON and table helpers ----------------------------------------------------------------------

def _entry_to_dict(entry: LedgerEntry) -> dict[str, Any]:
    out: dict[str, Any] = {"time": entry.time.isoformat(), "label": entry.label, "by": entry.by,
                           "epsilon": entry.epsilon, "delta": entry.delta}
    if entry.partition is not None:
        out["partition"] = entry.partition
    if entry.parts:
        out["parts"] = [_entry_to_dict(part) for part in entry.parts]
    return out


def _entry_from_dict(raw: Any, where: str, *, in_block: bool = False) -> LedgerEntry:
    allowed = {"time", "label", "by", "epsilon", "delta"} | ({"partition"} if in_block
                                                             else {"parts"})
    if not isinstance(raw, dict) or not {"time", "label", "epsilon", "delta"} <= set(raw) \
            or not set(raw) <= allowed:
        raise fail(where, "an entry with keys " + ", ".join(sorted(allowed)), raw)
    time_text = check_string(raw["time"], f"{where}.time")
    try:
        time = datetime.fromisoformat(time_text)
    except ValueError:
        raise fail(f"{where}.time", "an ISO 8601 time", time_text) from None
    if time.utcoffset() is None:
        raise fail(f"{where}.time", "an ISO 8601 time with a UTC offset", time_text)
    parts: tuple[LedgerEntry, ...] = ()
    if "parts" in raw:
        if not isinstance(raw["parts"], list) or not raw["parts"]:
            raise fail(f"{where}.parts", "a non-empty list of entries", raw["parts"])
        parts = tuple(_entry_from_dict(part, f"{where}.parts[{j}]", in_block=True)
                      for j, part in enumerate(raw["parts"]))
    epsilon = check_epsilon(raw["epsilon"], f"{where}.epsilon", bounded=False)
    delta = check_delta_or_zero(raw["delta"], f"{where}.delta")
    entry = LedgerEntry(label=check_label(raw["label"], f"{where}.label"), epsilon=epsilon,
                        delta=delta, time=time,
                        by=check_label(raw.get("by"), f"{where}.by", optional=True),
                        partition=check_label(raw.get("partition"), f"{where}.partition",
                                              optional=True),
                        parts=parts)
    if parts:
        amount = _block_amount(parts)
        if (float(amount[0]), float(amount[1])) != (epsilon, delta):
            raise fail(f"{where}.epsilon", "the largest partition of its parts "
                       f"(epsilon={_show(amount[0])}, delta={_show(amount[1])})",
                       (epsilon, delta))
    return entry


def _same_summary(stated: Any, computed: dict[str, float]) -> bool:
    """Whether a summary read from JSON states exactly the computed numbers (no bools)."""
    return (isinstance(stated, dict) and set(stated) == set(computed)
            and all(type(stated[k]) in (int, float) and stated[k] == v
                    for k, v in computed.items()))


def _rows(entries: Iterable[LedgerEntry]) -> Iterable[list[str]]:
    for i, entry in enumerate(entries, start=1):
        amount = _amount(entry)
        label = entry.label
        if entry.parts:
            n = len({p.partition for p in entry.parts if p.partition is not None})
            anywhere = sum(p.partition is None for p in entry.parts)
            what = [f"largest of {n} partition{'s' if n != 1 else ''}"] if n else []
            if anywhere:
                what.append(f"{'plus ' if n else ''}{anywhere} spend{'s' if anywhere != 1 else ''}"
                            f" on every row")
            label += f" (parallel: {', '.join(what)})"
        yield [str(i), entry.time.isoformat(), _show(amount[0]), _show(amount[1]),
               entry.by or "-", label]
        for j, part in enumerate(entry.parts, start=1):
            where = f" [partition {part.partition}]" if part.partition is not None else ""
            yield [f"{i}.{j}", part.time.isoformat(), repr(part.epsilon), repr(part.delta),
                   part.by or "-", "  " + part.label + where]


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[k]) for row in [header, *rows]) for k in range(len(header))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
            for row in [header, *rows]]


def _spend_on(accountant: Any, epsilon: float, delta: float = 0.0, *, label: str,
              neighbouring: str = "add_remove") -> None:
    """Charge ``accountant`` (if given) before a release; used by the queries and mechanisms.

    Raises TypeError for an object that cannot be spent on, and lets
    BudgetExceededError through, so that a refused spend releases nothing.
    """
    if accountant is None:
        return
    if not callable(getattr(accountant, "spend", None)):
        raise fail("accountant", "a BudgetAccountant, a parallel block of one, or None",
                   accountant, "Create a ledger with ledger = BudgetAccountant(epsilon=1.0) and "
                   "pass accountant=ledger (RDP and PLD accountants compute an epsilon; they "
                   "keep no budget).", kind=TypeError)
    if neighbouring == "add_remove":
        accountant.spend(epsilon, delta, label=label)
    else:
        accountant.spend(epsilon, delta, label=label, neighbouring=neighbouring)
