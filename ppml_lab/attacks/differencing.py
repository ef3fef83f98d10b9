"""The differencing attack: two innocent-looking aggregate queries isolate one person.

A database that answers only counts over many people ("how many patients in
ZIP 02138 have HIV?") seems safe: no single record is shown, and a rule that
refuses queries about fewer than ``min_query_size`` people seems to close the
last gap. It does not. Ask the same count twice, once over everyone and once
over everyone *except the target* (described by her birth date and sex, known
from the voter list): both queries cover many people, and their difference is
the target's own value (Denning and Schloerer 1983, the *tracker*; Dwork and
Roth 2014, section 1).

Differential privacy stops it: each answer gets Laplace noise of scale
``1 / epsilon`` (:class:`~ppml_lab.dp.LaplaceMechanism`, a count has
sensitivity 1), the difference of two answers is then as noisy as the signal,
and guessing "1 if the difference exceeds 1/2" succeeds with probability
``1 - (2 + epsilon / 2) * exp(-epsilon / 2) / 4``: 62% at epsilon 1 per query,
51% at epsilon 0.1, against 50% for a coin.

Introduced in notebook 01.
"""

from __future__ import annotations

import dataclasses
import math
import numpy as np

from .._random import SeedLike, as_generator
from .._validation import check_choice, check_epsilon, check_integer, check_size, fail
from ..datasets import DIAGNOSES, Population

__all__ = ["DifferencingResult", "differencing_attack", "differencing_success_probability"]


@dataclasses.dataclass(frozen=True, eq=False)
class DifferencingResult:
    """Two count queries and what their difference reveals about one target.

    Attributes
    ----------
    diagnosis : str
        The value counted.
    query_all, query_without_target : str
        The two queries, in words.
    size_all, size_without_target : int
        How many records each query covers (both pass a minimum-size rule).
    answered : bool
        Whether both queries pass the rule of ``min_query_size``.
    true_all, true_without_target : int
        The exact counts.
    target_has_it : bool
        The truth the attack is after.
    epsilon : float or None
        Privacy parameter of each answer (None: exact answers).
    noisy_all, noisy_without_target : float
        The answers of the first trial.
    differences : ndarray of float
        Answer 1 minus answer 2 in each trial.
    guesses : ndarray of bool
        The attacker's guess ("the target has it": a difference above 1/2) in each trial.
    success_rate : float
        Share of trials in which the guess is right.
    """

    diagnosis: str
    query_all: str
    query_without_target: str
    size_all: int
    size_without_target: int
    answered: bool
    true_all: int
    true_without_target: int
    target_has_it: bool
    epsilon: float | None
    noisy_all: float
    noisy_without_target: float
    differences: np.ndarray
    guesses: np.ndarray
    success_rate: float

    @property
    def n_trials(self) -> int:
        """How many times the pair of queries was answered."""
        return int(self.guesses.size)

    def summary(self) -> str:
        """The result in plain words."""
        how = "exact answers" if self.epsilon is None else f"Laplace noise, epsilon = {self.epsilon:g} per answer"
        return (f"{self.query_all} -> {self.noisy_all:.2f}; {self.query_without_target} -> "
                f"{self.noisy_without_target:.2f} ({how}). The difference says the target "
                f"{'has' if self.guesses[0] else 'does not have'} {self.diagnosis} (truth: "
                f"{'has' if self.target_has_it else 'does not have'}); over {self.n_trials:,} "
                f"trials the guess is right {self.success_rate:.1%} of the time.")


def differencing_success_probability(epsilon: float) -> float:
    """Probability that the differencing guess is right when both counts get Laplace(1/epsilon).

    The difference of two independent Laplace draws of scale ``b`` has
    ``P[D < -t] = (2 + t / b) * exp(-t / b) / 4`` for ``t >= 0``; the guess
    (threshold 1/2) is wrong when the noise moves the difference by more
    than 1/2 the wrong way.

    Examples
    --------
    >>> round(differencing_success_probability(1.0), 4)
    0.6209
    >>> round(differencing_success_probability(0.1), 4)
    0.5125
    """
    epsilon = check_epsilon(epsilon)
    a = 0.5 * epsilon
    return 1.0 - 0.25 * (2.0 + a) * math.exp(-a)


def differencing_attack(table: Population, target: int, *, diagnosis: str = "HIV",
                        epsilon: float | None = None, n_trials: int = 1,
                        min_query_size: int = 10, rng: SeedLike = None) -> DifferencingResult:
    """Learn whether record ``target`` has ``diagnosis`` from two counts over its ZIP code.

    Query 1 counts the records in the target's ZIP code with the diagnosis;
    query 2 counts the same among records that do *not* share the target's
    birth date and sex. If the target is the only one in her ZIP code with her
    birth date and sex (most people are: see :func:`~ppml_lab.attacks.uniqueness`),
    the difference is her value. Both queries cover hundreds of records, so a
    minimum query-set size does not refuse them.

    Parameters
    ----------
    table : Population
    target : int
        Row of the target in ``table``.
    diagnosis : str, default "HIV"
        One of :data:`~ppml_lab.datasets.DIAGNOSES`.
    epsilon : float, optional
        If given, each answer is released by a
        :class:`~ppml_lab.dp.LaplaceMechanism` with this epsilon (the pair
        costs ``2 * epsilon``); if None, answers are exact.
    n_trials : int, default 1
        How many times the pair is answered with fresh noise (to measure the
        success rate), 1 to 10**6.
    min_query_size : int, default 10
        The database refuses counts over fewer records than this.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    DifferencingResult

    Notes
    -----
    Introduced in notebook 01.

    Examples
    --------
    >>> from ppml_lab.datasets import synthetic_population
    >>> people = synthetic_population()
    >>> target = int(np.flatnonzero(people.diagnosis == "HIV")[0])
    >>> exact = differencing_attack(people, target)
    >>> exact.size_all, exact.true_all - exact.true_without_target, exact.success_rate
    (7251, 1, 1.0)
    >>> noisy = differencing_attack(people, target, epsilon=1.0, n_trials=10_000, rng=0)
    >>> round(noisy.success_rate, 2)
    0.62
    """
    from ..dp import LaplaceMechanism

    if not isinstance(table, Population):
        raise fail("table", "a Population", table, "Pass e.g. synthetic_population().",
                   kind=TypeError)
    target = check_integer(target, "target", minimum=0, maximum=len(table) - 1,
                           fix="Pass the row number of the target in the table.")
    diagnosis = check_choice(diagnosis, "diagnosis", DIAGNOSES, fix='Pass e.g. diagnosis="HIV".')
    n_trials = check_size(n_trials, "n_trials", fix="Pass e.g. n_trials=1000.")
    min_query_size = check_integer(min_query_size, "min_query_size", minimum=1,
                                   maximum=len(table), fix="Pass e.g. min_query_size=10.")
    if epsilon is not None:
        epsilon = check_epsilon(epsilon)
    zip_code = int(table.zip[target])
    same_zip = table.zip == zip_code
    twin = (table.birth_date == table.birth_date[target]) & (table.sex == table.sex[target])
    has = table.diagnosis == diagnosis
    in_all, in_rest = same_zip, same_zip & ~twin
    true_all, true_rest = int(np.sum(has & in_all)), int(np.sum(has & in_rest))
    answered = bool(in_all.sum() >= min_query_size and in_rest.sum() >= min_query_size)
    if not answered:
        answers = np.full((n_trials, 2), np.nan)
        guesses = np.zeros(n_trials, dtype=bool)
    elif epsilon is None:
        answers = np.tile([float(true_all), float(true_rest)], (n_trials, 1))
        guesses = answers[:, 0] - answers[:, 1] > 0.5
    else:
        mechanism = LaplaceMechanism(epsilon)
        answers = mechanism.release(np.tile([float(true_all), float(true_rest)], (n_trials, 1)),
                                    rng=as_generator(rng))
        guesses = answers[:, 0] - answers[:, 1] > 0.5
    truth = bool(table.diagnosis[target] == diagnosis)
    when = str(table.birth_date[target])
    sex = str(table.sex[target])
    return DifferencingResult(
        diagnosis=diagnosis,
        query_all=f"COUNT(zip = {zip_code:05d} AND diagnosis = {diagnosis!r})",
        query_without_target=(f"COUNT(zip = {zip_code:05d} AND diagnosis = {diagnosis!r} AND NOT "
                              f"(birth_date = {when} AND sex = {sex!r}))"),
        size_all=int(in_all.sum()), size_without_target=int(in_rest.sum()), answered=answered,
        true_all=true_all, true_without_target=true_rest, target_has_it=truth,
        epsilon=epsilon, noisy_all=float(answers[0, 0]), noisy_without_target=float(answers[0, 1]),
        differences=answers[:, 0] - answers[:, 1], guesses=guesses, success_rate=float(np.mean(guesses == truth)) if answered else 0.5)
