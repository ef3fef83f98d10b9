"""k-anonymity, l-diversity, and the attacks that get past them.

A release is *k-anonymous* (Samarati and Sweeney, 1998) when every record
shares its quasi-identifiers with at least ``k - 1`` others, so a linkage
attack never matches fewer than ``k`` records. :func:`k_anonymize` gets there
by *generalisation* (coarser ZIP codes and birth dates, withholding sex) and
*suppression* (dropping the few records still in too small a class), choosing
the least generalised release that suppresses at most ``max_suppression`` of
the records.

It does not protect the sensitive attribute (Machanavajjhala et al., 2007):

* **homogeneity** -- when everyone in a class has the same diagnosis, knowing
  someone's class reveals it (:func:`homogeneity_attack`);
* **background knowledge** -- ruling out a diagnosis or two for the target
  ("she is not diabetic") leaves one value in many classes
  (:func:`background_knowledge_attack`).

*l-diversity* patches both by requiring ``l`` distinct diagnoses in every class
(``k_anonymize(..., l=...)``), and has its own limit: distinct is not
balanced. A class of nine "none" and one "HIV" is 2-diverse, yet the attacker
is 90% sure (:func:`inference_confidence`; Li et al. 2007, t-closeness).

References
----------
P. Samarati and L. Sweeney, "Protecting privacy when disclosing information:
k-anonymity and its enforcement through generalization and suppression", 1998.
A. Machanavajjhala, D. Kifer, J. Gehrke and M. Venkitasubramaniam,
"l-diversity: privacy beyond k-anonymity", ACM TKDD 1(1), 2007.
N. Li, T. Li and S. Venkatasubramanian, "t-closeness: privacy beyond k-anonymity
and l-diversity", ICDE 2007.

Introduced in notebook 01.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any, Sequence

import numpy as np

from .._validation import check_columns, check_integer, check_k, check_probability, fail
from ..datasets import Population, VoterList
from .linkage import (BIRTH_LEVELS, QUASI_IDENTIFIERS, ZIP_LEVELS, quasi_identifier_key)

__all__ = ["KAnonymousRelease", "k_anonymize", "k_anonymity", "l_diversity",
           "AttributeDisclosure", "homogeneity_attack", "background_knowledge_attack",
           "inference_confidence"]


@dataclasses.dataclass(frozen=True, eq=False)
class KAnonymousRelease:
    """A generalised, partly suppressed release and what it achieves.

    Attributes
    ----------
    records : Population
        The records kept (suppressed ones removed; columns at full precision,
        released at the levels below).
    quasi_identifiers : tuple of str
        Quasi-identifiers released (``"sex"`` absent when withheld).
    zip_digits, birth
        Coarseness of the ZIP code and birth date.
    k, l : int
        What was asked (``l`` is 1 when no diversity was asked).
    n_suppressed : int
        Records dropped because their class stayed too small (or, with ``l``,
        not diverse enough).
    achieved_k : int
        Smallest class size of the release.
    achieved_l : int
        Smallest number of distinct diagnoses in a class.
    key : ndarray
        Each kept record's equivalence-class key.
    """

    records: Population
    quasi_identifiers: tuple[str, ...]
    zip_digits: int
    birth: str
    k: int
    l: int  # noqa: E741 (the name of the property)
    n_suppressed: int
    achieved_k: int
    achieved_l: int
    key: np.ndarray

    @property
    def n_classes(self) -> int:
        """Number of equivalence classes."""
        return int(np.unique(self.key).size)

    @property
    def released(self) -> str:
        """The generalisation in words."""
        parts = [f"ZIP {self.zip_digits} digits" if self.zip_digits else "ZIP withheld",
                 f"birth {self.birth}" if self.birth != "none" else "birth date withheld",
                 "sex" if "sex" in self.quasi_identifiers else "sex withheld"]
        return ", ".join(parts)

    def __repr__(self) -> str:
        return (f"KAnonymousRelease({self.released}: {len(self.records):,} records in "
                f"{self.n_classes:,} classes, k = {self.achieved_k}, l = {self.achieved_l}, "
                f"{self.n_suppressed:,} suppressed)")


def _distinct_per_row(key: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Class size and number of distinct ``values`` in the class, for each row."""
    _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1).astype(np.int64)
    _, code = np.unique(values, return_inverse=True)
    pairs = np.unique(inverse * 64 + code.reshape(-1))
    distinct = np.bincount(pairs // 64, minlength=counts.size)
    return counts[inverse], distinct[inverse]


def _check_population(table: Any, name: str = "table") -> Population:
    if not isinstance(table, Population):
        raise fail(name, "a Population", table, "Pass e.g. synthetic_population().",
                   kind=TypeError)
    return table


def k_anonymity(table: Population, quasi_identifiers: Sequence[str] = QUASI_IDENTIFIERS, *,
                zip_digits: int = 5, birth: str = "day") -> int:
    """The k a release achieves: the size of its smallest equivalence class.

    Examples
    --------
    >>> from ppml_lab.datasets import synthetic_population
    >>> people = synthetic_population()
    >>> k_anonymity(people), k_anonymity(people, ("zip", "sex"), birth="none")
    (1, 955)
    """
    _check_population(table)
    key = quasi_identifier_key(table, quasi_identifiers, zip_digits=zip_digits, birth=birth)
    if key.size == 0:
        return 0
    return int(np.unique(key, return_counts=True)[1].min())


def l_diversity(release: KAnonymousRelease) -> int:
    """The l a release achieves: the fewest distinct diagnoses in one of its classes."""
    if not isinstance(release, KAnonymousRelease):
        raise fail("release", "a KAnonymousRelease", release,
                   "Pass the result of k_anonymize(...).", kind=TypeError)
    return release.achieved_l


def k_anonymize(table: Population, k: int = 5, *, l: int | None = None,  # noqa: E741
                max_suppression: float = 0.02,
                quasi_identifiers: Sequence[str] = QUASI_IDENTIFIERS) -> KAnonymousRelease:
    """The least generalised k-anonymous (and optionally l-diverse) release of ``table``.

    Every combination of levels is tried (ZIP digits 5 to 0, birth day to
    none, sex kept or withheld: 72 releases). In each, the records of classes
    smaller than ``k`` (or with fewer than ``l`` distinct diagnoses) are
    suppressed; a release is acceptable if at most ``max_suppression`` of
    the records are. Among acceptable releases the most informative wins: the
    one with the smallest *discernibility* cost (Bayardo and Agrawal, 2005),
    where each kept record costs the size of its class and each suppressed
    record the size of the table.

    Parameters
    ----------
    table : Population
    k : int, default 5
        At least 2.
    l : int, optional
        If given (at least 2), every class must also hold ``l`` distinct diagnoses.
    max_suppression : float, default 0.02
        Largest share of records that may be dropped, in [0, 1).
    quasi_identifiers : sequence of str, default ("zip", "birth_date", "sex")

    Returns
    -------
    KAnonymousRelease

    Notes
    -----
    Introduced in notebook 01. About 0.3 s for 50,000 records.

    Examples
    --------
    >>> from ppml_lab.datasets import synthetic_population
    >>> k_anonymize(synthetic_population(20_000), k=5)
    KAnonymousRelease(ZIP 3 digits, birth year, sex withheld: 19,948 records in 373 classes, k = 5, l = 2, 52 suppressed)
    """
    table = _check_population(table)
    k = check_k(k, maximum=max(2, len(table)))
    # l at most the number of distinct diagnoses in the table (else no class can have l)
    l_wanted = 1 if l is None else check_k(l, "l", maximum=int(np.unique(table.diagnosis).size))
    max_suppression = check_probability(max_suppression, "max_suppression", low_open=False,
                                        fix="Pass the largest share of records that may be "
                                            "dropped, e.g. max_suppression=0.02.")
    qis = check_columns(quasi_identifiers, table.columns)
    best: tuple[Any, ...] | None = None
    for z, b, sex in itertools.product(range(len(ZIP_LEVELS)), range(len(BIRTH_LEVELS)),
                                       (0, 1)):
        if sex and "sex" not in qis:
            continue
        released = tuple(q for q in qis if not (q == "sex" and sex))
        key = quasi_identifier_key(table, released, zip_digits=ZIP_LEVELS[z],
                                   birth=BIRTH_LEVELS[b])
        sizes, distinct = _distinct_per_row(key, table.diagnosis)
        keep = (sizes >= k) & (distinct >= l_wanted)
        dropped = int(keep.size - keep.sum())
        if dropped > max_suppression * keep.size or not keep.any():
            continue
        # discernibility: each kept record costs its class size, each dropped one all records
        cost = float(np.sum(sizes[keep])) + float(dropped) * keep.size
        candidate = (cost, dropped, z, b, sex, released, key, keep)
        if best is None or candidate[:2] < best[:2]:
            best = candidate
    if best is None:
        raise fail("k", f"reachable with at most {max_suppression:.0%} of the records suppressed",
                   k, "Allow more suppression (max_suppression) or ask for a smaller k or l.")
    _, dropped, z, b, _, released, key, keep = best
    kept_key = key[keep]
    sizes, distinct = _distinct_per_row(kept_key, table.diagnosis[keep])
    return KAnonymousRelease(records=table.take(keep), quasi_identifiers=released,
                             zip_digits=ZIP_LEVELS[z], birth=BIRTH_LEVELS[b], k=k, l=l_wanted,
                             n_suppressed=dropped, achieved_k=int(sizes.min()),
                             achieved_l=int(distinct.min()), key=kept_key)


@dataclasses.dataclass(frozen=True)
class AttributeDisclosure:
    """How many targets' diagnoses an attack learns from a k-anonymous release.

    Attributes
    ----------
    attack : str
    n_targets : int
        Voters whose records are in the release (the attacker knows they are
        patients, as a neighbour might).
    n_learned : int
        Targets whose diagnosis the attacker names with certainty (always
        correctly: the target's own record is in the class).
    ruled_out : int
        Diagnoses the attacker can rule out for each target (background knowledge).
    """

    attack: str
    n_targets: int
    n_learned: int
    ruled_out: int = 0

    @property
    def share(self) -> float:
        """Share of targets whose diagnosis is learned."""
        return self.n_learned / self.n_targets if self.n_targets else 0.0

    def summary(self) -> str:
        """The result in one sentence."""
        return (f"{self.attack}: the diagnosis of {self.n_learned:,} of {self.n_targets:,} "
                f"targets ({self.share:.1%}) is learned with certainty.")


def _targets(release: KAnonymousRelease, voters: VoterList) -> np.ndarray:
    """Rows of the release that belong to a voter (the targets), via the voter's class."""
    if not isinstance(release, KAnonymousRelease):
        raise fail("release", "a KAnonymousRelease", release,
                   "Pass the result of k_anonymize(...).", kind=TypeError)
    if not isinstance(voters, VoterList):
        raise fail("voters", "a VoterList", voters, "Pass e.g. voter_list(population).",
                   kind=TypeError)
    return np.flatnonzero(np.isin(release.records.person_id, voters.person_id))


def homogeneity_attack(release: KAnonymousRelease, voters: VoterList) -> AttributeDisclosure:
    """Learn a target's diagnosis when everyone in the target's class shares it.

    The attacker finds the voter's class from the voter list's ZIP code,
    birth date and sex (generalised as the release is): k-anonymity hides
    which record is the target's, but if all ``k`` or more records of the
    class have the same diagnosis, it does not matter.

    Examples
    --------
    >>> from ppml_lab.datasets import hospital_records, synthetic_population, voter_list
    >>> people = synthetic_population()
    >>> release = k_anonymize(hospital_records(people, 0.01, rng=3), k=2)
    >>> homogeneity_attack(release, voter_list(people)).summary()
    'homogeneity: the diagnosis of 12 of 431 targets (2.8%) is learned with certainty.'
    """
    rows = _targets(release, voters)
    _, distinct = _distinct_per_row(release.key, release.records.diagnosis)
    return AttributeDisclosure("homogeneity", int(rows.size), int(np.sum(distinct[rows] == 1)))


def background_knowledge_attack(release: KAnonymousRelease, voters: VoterList, *,
                                ruled_out: int = 1) -> AttributeDisclosure:
    """Learn a target's diagnosis after ruling out ``ruled_out`` of the others in the class.

    The attacker knows something about the target ("she is not diabetic",
    "he has never had cancer"): modelled as knowing that ``ruled_out`` of the
    other diagnoses present in the target's class are not hers. The diagnosis
    is learned when the class holds at most ``1 + ruled_out`` distinct values.

    Examples
    --------
    >>> from ppml_lab.datasets import hospital_records, synthetic_population, voter_list
    >>> people = synthetic_population()
    >>> release = k_anonymize(hospital_records(people, 0.01, rng=3), k=5, l=2)
    >>> round(background_knowledge_attack(release, voter_list(people), ruled_out=2).share, 3)
    0.173
    """
    ruled_out = check_integer(ruled_out, "ruled_out", minimum=0, maximum=100,
                              fix="Pass how many diagnoses the attacker can rule out, e.g. "
                                  "ruled_out=1.")
    rows = _targets(release, voters)
    _, distinct = _distinct_per_row(release.key, release.records.diagnosis)
    return AttributeDisclosure("background knowledge", int(rows.size),
                               int(np.sum(distinct[rows] <= 1 + ruled_out)), ruled_out)


def inference_confidence(release: KAnonymousRelease, voters: VoterList, *,
                         threshold: float = 0.8) -> AttributeDisclosure:
    """Targets whose diagnosis the class's most common value gives with confidence >= threshold.

    The attacker guesses the most common diagnosis of the target's class; the
    guess is counted when it is right and that diagnosis makes up at least
    ``threshold`` of the class. l-diversity counts distinct values and does
    not stop this (the skewness attack that motivates t-closeness).

    Examples
    --------
    >>> from ppml_lab.datasets import hospital_records, synthetic_population, voter_list
    >>> people = synthetic_population()
    >>> release = k_anonymize(hospital_records(people, 0.01, rng=3), k=5, l=2)
    >>> round(inference_confidence(release, voter_list(people), threshold=0.6).share, 3)
    0.259
    """
    threshold = check_probability(threshold, "threshold", high_open=False,
                                  fix="Pass a confidence, e.g. threshold=0.8.")
    rows = _targets(release, voters)
    _, cls = np.unique(release.key, return_inverse=True)
    cls = cls.reshape(-1)
    values, code = np.unique(release.records.diagnosis, return_inverse=True)
    counts = np.zeros((int(cls.max()) + 1, values.size), dtype=np.int64)
    np.add.at(counts, (cls, code.reshape(-1)), 1)
    top = counts.argmax(axis=1)
    confidence = counts.max(axis=1) / counts.sum(axis=1)
    hit = (top[cls[rows]] == code.reshape(-1)[rows]) & (confidence[cls[rows]] >= threshold)
    return AttributeDisclosure(f"confidence >= {threshold:.0%}", int(rows.size), int(hit.sum()))
