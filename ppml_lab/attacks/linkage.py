"""Linkage attacks: removing names is not anonymisation (Sweeney 1997, 2000).

A "de-identified" release keeps *quasi-identifiers*, columns that are not names
but that together single people out: ZIP code, birth date and sex. Anyone who
holds a public list with names beside the same columns (a voter list) can join
the two and put names back on the records.

* :func:`quasi_identifier_key` -- one integer per row for its (generalised)
  quasi-identifiers: rows with equal keys are indistinguishable;
* :func:`uniqueness` and :func:`uniqueness_table` -- the share of people unique
  on a combination of quasi-identifiers, at chosen coarseness;
* :func:`linkage_attack` -- the join of a release with a voter list: how many
  voters are matched to exactly one record, how many of those correctly, and
  how many diagnoses leak even without a unique match.

Coarseness (generalisation) of each quasi-identifier:

==============  ===================================================================
``zip_digits``  5 (the whole ZIP code), 4, 3 (the area), 2, 1, 0 (withheld)
``birth``       "day", "month", "year", "5 years", "decade", "none" (withheld)
``sex``         leave ``"sex"`` out of ``quasi_identifiers`` to withhold it
==============  ===================================================================

References
----------
L. Sweeney, "Weaving technology and policy together to maintain
confidentiality", Journal of Law, Medicine and Ethics 25, 1997.
L. Sweeney, "Simple demographics often identify people uniquely", CMU Data
Privacy Working Paper 3, 2000.

Introduced in notebook 01.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

import numpy as np

from .._validation import check_columns, check_level, fail
from ..datasets import Population, VoterList

__all__ = ["QUASI_IDENTIFIERS", "ZIP_LEVELS", "BIRTH_LEVELS", "CLASS_SIZE_BINS",
           "quasi_identifier_key", "class_sizes", "uniqueness", "UniquenessRow",
           "UniquenessTable", "uniqueness_table", "LinkageResult", "linkage_attack"]

#: The quasi-identifiers of Sweeney's study, in the order used throughout.
QUASI_IDENTIFIERS = ("zip", "birth_date", "sex")
#: Digits of the ZIP code kept, from the whole code to none.
ZIP_LEVELS = (5, 4, 3, 2, 1, 0)
#: Coarseness of the birth date, from the day to none.
BIRTH_LEVELS = ("day", "month", "year", "5 years", "decade", "none")
#: Bins of equivalence-class sizes for plots: 1, 2-4, 5-9, 10-99, 100 and more.
CLASS_SIZE_BINS = ((1, 1), (2, 4), (5, 9), (10, 99), (100, None))

_BIRTH_SPAN = 1 << 20  # more than the number of days in 2,800 years: birth codes fit below it
_SEX_CODES = {"F": 0, "M": 1}


def _table_columns(table: Any, name: str) -> tuple[str, ...]:
    if not isinstance(table, (Population, VoterList)):
        raise fail(name, "a Population or a VoterList", table,
                   "Pass e.g. synthetic_population() or voter_list(population).", kind=TypeError)
    return table.columns


def _birth_code(birth: np.ndarray, level: str) -> np.ndarray:
    if level == "day":
        return birth.astype("datetime64[D]").astype(np.int64)
    if level == "month":
        return birth.astype("datetime64[M]").astype(np.int64)
    year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    return {"year": year, "5 years": year // 5}.get(level, year // 10)


def check_release_levels(zip_digits: Any, birth: Any) -> tuple[int, str]:
    """Check the generalisation levels of the ZIP code and the birth date."""
    zip_digits = check_level(zip_digits, "zip_digits", ZIP_LEVELS,
                             fix="Pass how many leading digits of the ZIP code are released, "
                                 "from 5 (all) to 0 (withheld), e.g. zip_digits=3.")
    birth = check_level(birth, "birth", BIRTH_LEVELS,
                        fix='Pass how coarsely the birth date is released, e.g. birth="year".')
    return zip_digits, birth


def quasi_identifier_key(table: Population | VoterList,
                         quasi_identifiers: Sequence[str] = QUASI_IDENTIFIERS, *,
                         zip_digits: int = 5, birth: str = "day") -> np.ndarray:
    """One integer per row for its generalised quasi-identifiers.

    Two rows have the same key exactly when they agree on every released
    quasi-identifier at the chosen coarseness: they are in the same
    *equivalence class*, and nobody can tell them apart from these columns.

    Parameters
    ----------
    table : Population or VoterList
    quasi_identifiers : sequence of str, default ("zip", "birth_date", "sex")
        Columns of ``table`` that are released; a column left out is withheld.
        Columns other than these three (e.g. ``"diagnosis"``) are compared
        exactly.
    zip_digits : int, default 5
        Leading digits of the ZIP code kept, 0 to 5.
    birth : {"day", "month", "year", "5 years", "decade", "none"}, default "day"

    Returns
    -------
    ndarray of int64, one key per row

    Examples
    --------
    >>> from ppml_lab.datasets import synthetic_population
    >>> people = synthetic_population(1000)
    >>> key = quasi_identifier_key(people, ("zip", "birth_date"), zip_digits=3, birth="year")
    >>> key.shape, int(np.unique(key).size)
    ((1000,), 328)
    """
    columns = _table_columns(table, "table")
    qis = check_columns(quasi_identifiers, columns, allow_empty=True)
    zip_digits, birth = check_release_levels(zip_digits, birth)
    key = np.zeros(len(table), dtype=np.int64)
    if "zip" in qis and zip_digits > 0:
        key = np.asarray(table.zip, dtype=np.int64) // 10 ** (5 - zip_digits)
    if "birth_date" in qis and birth != "none":
        key = key * _BIRTH_SPAN + (_birth_code(table.birth_date, birth) + _BIRTH_SPAN // 2)
    if "sex" in qis:
        key = key * 2 + (np.asarray(table.sex) == "M")
    for other in qis:
        if other not in QUASI_IDENTIFIERS:  # exact match on any other column
            values, codes = np.unique(np.asarray(getattr(table, other)), return_inverse=True)
            key = key * max(1, values.size) + codes.reshape(-1)
    return key


def class_sizes(key: np.ndarray) -> np.ndarray:
    """The size of each row's equivalence class (rows sharing its key).

    Examples
    --------
    >>> class_sizes(np.array([7, 3, 7, 9, 7])).tolist()
    [3, 1, 3, 1, 3]
    """
    _, inverse, counts = np.unique(np.asarray(key), return_inverse=True, return_counts=True)
    return counts[inverse.reshape(-1)]


def uniqueness(table: Population | VoterList,
               quasi_identifiers: Sequence[str] = QUASI_IDENTIFIERS, *, zip_digits: int = 5,
               birth: str = "day") -> float:
    """The share of rows that no other row matches on the released quasi-identifiers.

    Parameters
    ----------
    table, quasi_identifiers, zip_digits, birth
        As in :func:`quasi_identifier_key`.

    Returns
    -------
    float in [0, 1]

    Examples
    --------
    >>> from ppml_lab.datasets import synthetic_population
    >>> people = synthetic_population()
    >>> round(uniqueness(people), 3)
    0.867
    >>> round(uniqueness(people, ("birth_date", "sex")), 3)
    0.209
    """
    key = quasi_identifier_key(table, quasi_identifiers, zip_digits=zip_digits, birth=birth)
    return float(np.mean(class_sizes(key) == 1)) if key.size else 0.0


@dataclasses.dataclass(frozen=True)
class UniquenessRow:
    """One combination of quasi-identifiers and the share of people it singles out."""

    label: str
    quasi_identifiers: tuple[str, ...]
    zip_digits: int
    birth: str
    unique: float
    at_most_5: float  # share of people in classes of 5 or fewer


@dataclasses.dataclass(frozen=True)
class UniquenessTable:
    """Uniqueness of several combinations of quasi-identifiers (rows, most identifying first)."""

    rows: tuple[UniquenessRow, ...]
    n: int

    def __str__(self) -> str:
        width = max(len(r.label) for r in self.rows)
        lines = [f"{'released quasi-identifiers':<{width}}  unique  in a class of <= 5"]
        lines += [f"{r.label:<{width}}  {r.unique:>6.1%}  {r.at_most_5:>6.1%}" for r in self.rows]
        return "\n".join(lines)


#: Sweeney's combinations (2000): ZIP code, town or county (here: the 3-digit area), birth
#: date, birth year, sex.
DEFAULT_COMBINATIONS = (
    ("ZIP, birth date, sex", ("zip", "birth_date", "sex"), 5, "day"),
    ("ZIP area (3 digits), birth date, sex", ("zip", "birth_date", "sex"), 3, "day"),
    ("ZIP, birth month, sex", ("zip", "birth_date", "sex"), 5, "month"),
    ("birth date, sex", ("birth_date", "sex"), 5, "day"),
    ("ZIP, birth year, sex", ("zip", "birth_date", "sex"), 5, "year"),
    ("ZIP area, birth year, sex", ("zip", "birth_date", "sex"), 3, "year"),
    ("ZIP, sex", ("zip", "sex"), 5, "day"),
)


def uniqueness_table(table: Population | VoterList,
                     combinations: Sequence[tuple[str, Sequence[str], int, str]] | None = None
                     ) -> UniquenessTable:
    """The share of people unique on each combination of quasi-identifiers.

    Parameters
    ----------
    table : Population or VoterList
    combinations : sequence of (label, quasi_identifiers, zip_digits, birth), optional
        By default Sweeney's combinations (:data:`DEFAULT_COMBINATIONS`).

    Returns
    -------
    UniquenessTable
        Rows sorted from the most to the least identifying.

    Examples
    --------
    >>> from ppml_lab.datasets import synthetic_population
    >>> print(uniqueness_table(synthetic_population()))
    released quasi-identifiers            unique  in a class of <= 5
    ZIP, birth date, sex                   86.7%  100.0%
    ZIP area (3 digits), birth date, sex   65.3%  100.0%
    birth date, sex                        20.9%   97.2%
    ZIP, birth month, sex                  11.5%   62.0%
    ZIP, birth year, sex                    0.1%    1.4%
    ZIP area, birth year, sex               0.0%    0.1%
    ZIP, sex                                0.0%    0.0%
    """
    _table_columns(table, "table")
    if combinations is None:
        combinations = DEFAULT_COMBINATIONS
    rows = []
    for label, qis, zip_digits, birth in combinations:
        sizes = class_sizes(quasi_identifier_key(table, qis, zip_digits=zip_digits, birth=birth))
        rows.append(UniquenessRow(str(label), tuple(qis), zip_digits, birth,
                                  float(np.mean(sizes == 1)), float(np.mean(sizes <= 5))))
    rows.sort(key=lambda r: (-r.unique, -r.at_most_5))
    return UniquenessTable(tuple(rows), len(table))


@dataclasses.dataclass(frozen=True)
class LinkageResult:
    """The join of a "de-identified" release with a voter list.

    Attributes
    ----------
    quasi_identifiers : tuple of str
        The released quasi-identifiers.
    zip_digits, birth
        Their coarseness.
    n_records, n_voters : int
        Rows of the release and of the voter list.
    n_voters_in_release : int
        Voters whose record really is in the release (the attacker does not
        know which).
    unique_share : float
        Share of released records unique in the release.
    class_size_shares : tuple of float
        Share of released records in classes of each size of :data:`CLASS_SIZE_BINS`.
    n_unique_matches : int
        Voters whose quasi-identifiers match exactly one record: the attacker
        names that record.
    n_correct : int
        Of those, how many named the right person.
    n_ambiguous, n_unmatched : int
        Voters matching several records, and none.
    n_diagnosis_learned : int
        Voters whose matching records (one or more) all have the same
        diagnosis: the attacker learns it without knowing which record is theirs.
    n_diagnosis_correct : int
        Of those, voters who are in the release with that diagnosis.
    """

    quasi_identifiers: tuple[str, ...]
    zip_digits: int
    birth: str
    n_records: int
    n_voters: int
    n_voters_in_release: int
    unique_share: float
    class_size_shares: tuple[float, ...]
    n_unique_matches: int
    n_correct: int
    n_ambiguous: int
    n_unmatched: int
    n_diagnosis_learned: int
    n_diagnosis_correct: int

    @property
    def precision(self) -> float:
        """Share of named records that are the right person."""
        return self.n_correct / self.n_unique_matches if self.n_unique_matches else float("nan")

    @property
    def reidentified_share(self) -> float:
        """Share of the voters who are in the release that are correctly named."""
        return self.n_correct / self.n_voters_in_release if self.n_voters_in_release else 0.0

    @property
    def released(self) -> str:
        """The release in words, e.g. "ZIP (5 digits), birth day, sex"."""
        parts = []
        if "zip" in self.quasi_identifiers and self.zip_digits > 0:
            parts.append(f"ZIP ({self.zip_digits} digit{'s' if self.zip_digits > 1 else ''})")
        if "birth_date" in self.quasi_identifiers and self.birth != "none":
            parts.append(f"birth {self.birth}")
        parts += [q for q in self.quasi_identifiers if q not in ("zip", "birth_date")]
        return ", ".join(parts) if parts else "no quasi-identifier"

    def summary(self) -> str:
        """The result in one plain sentence."""
        precision = "" if not self.n_unique_matches else f" ({self.precision:.0%} of them right)"
        return (f"Releasing {self.released}: {self.unique_share:.0%} of the {self.n_records:,} "
                f"records are unique. Joined with {self.n_voters:,} voters, "
                f"{self.n_unique_matches:,} voters match exactly one record{precision}: "
                f"{self.n_correct:,} of the {self.n_voters_in_release:,} voters in the release "
                f"({self.reidentified_share:.0%}) are named correctly, and "
                f"{self.n_diagnosis_learned:,} voters' diagnoses are pinned down.")


def _shares_by_size(sizes: np.ndarray) -> tuple[float, ...]:
    total = max(1, sizes.size)
    return tuple(float(np.count_nonzero((sizes >= lo) & ((sizes <= hi) if hi else True))) / total
                 for lo, hi in CLASS_SIZE_BINS)


def linkage_attack(release: Population, voters: VoterList,
                   quasi_identifiers: Sequence[str] = QUASI_IDENTIFIERS, *, zip_digits: int = 5,
                   birth: str = "day") -> LinkageResult:
    """Join a "de-identified" release with a voter list on the quasi-identifiers.

    The attacker generalises the voter list's columns exactly as the release
    was generalised and looks up each voter's key among the records. A voter
    who matches exactly one record is *re-identified*: the attacker puts the
    voter's name on that record (right when the record is the voter's own;
    wrong when the voter is not in the release and someone else happens to
    share the quasi-identifiers). A voter whose matches all share one
    diagnosis has that diagnosis disclosed, unique or not. Ids are read only
    to score the attack.

    Parameters
    ----------
    release : Population
        The records, without names (e.g. :func:`~ppml_lab.datasets.hospital_records`).
    voters : VoterList
        Names beside the quasi-identifiers (:func:`~ppml_lab.datasets.voter_list`).
    quasi_identifiers : sequence of str, default ("zip", "birth_date", "sex")
        Released columns; each must be a column of both tables.
    zip_digits : int, default 5
    birth : {"day", "month", "year", "5 years", "decade", "none"}, default "day"

    Returns
    -------
    LinkageResult

    Notes
    -----
    Introduced in notebook 01. About 20 ms for 50,000 records and 46,000 voters.

    Examples
    --------
    >>> from ppml_lab.datasets import hospital_records, synthetic_population, voter_list
    >>> people = synthetic_population()
    >>> result = linkage_attack(hospital_records(people), voter_list(people))
    >>> result.n_unique_matches, result.n_correct, result.n_voters_in_release
    (23016, 21523, 23131)
    >>> round(result.precision, 3)
    0.935
    """
    if not isinstance(release, Population):
        raise fail("release", "a Population (records without names)", release,
                   "Pass e.g. hospital_records(population).", kind=TypeError)
    if not isinstance(voters, VoterList):
        raise fail("voters", "a VoterList", voters, "Pass e.g. voter_list(population).",
                   kind=TypeError)
    shared = tuple(c for c in release.columns if c in voters.columns)
    qis = check_columns(quasi_identifiers, shared, allow_empty=True,
                        fix="Use columns that both tables have, e.g. quasi_identifiers=(\"zip\", "
                            "\"birth_date\", \"sex\").")
    zip_digits, birth = check_release_levels(zip_digits, birth)
    record_key = quasi_identifier_key(release, qis, zip_digits=zip_digits, birth=birth)
    voter_key = quasi_identifier_key(voters, qis, zip_digits=zip_digits, birth=birth)

    keys, first, inverse, counts = np.unique(record_key, return_index=True, return_inverse=True,
                                             return_counts=True)
    # distinct diagnoses per class: count distinct (class, diagnosis) pairs
    _, diagnosis_code = np.unique(release.diagnosis, return_inverse=True)
    pairs = np.unique(inverse.reshape(-1).astype(np.int64) * 64 + diagnosis_code.reshape(-1))
    distinct = np.bincount(pairs // 64, minlength=keys.size)

    pos = np.minimum(np.searchsorted(keys, voter_key), keys.size - 1)
    found = keys[pos] == voter_key
    n_match = np.where(found, counts[pos], 0)
    unique = n_match == 1
    named = first[pos[unique]]
    correct = release.person_id[named] == voters.person_id[unique]

    in_release = np.isin(voters.person_id, release.person_id)
    homogeneous = found & (distinct[pos] == 1)
    # a learned diagnosis is right if the voter is in the release (then it is theirs)
    diagnosis_correct = homogeneous & in_release
    return LinkageResult(
        quasi_identifiers=qis, zip_digits=zip_digits, birth=birth, n_records=len(release),
        n_voters=len(voters), n_voters_in_release=int(in_release.sum()),
        unique_share=float(np.mean(counts[inverse] == 1)) if len(release) else 0.0,
        class_size_shares=_shares_by_size(counts[inverse.reshape(-1)]),
        n_unique_matches=int(unique.sum()), n_correct=int(correct.sum()),
        n_ambiguous=int(np.count_nonzero(n_match > 1)),
        n_unmatched=int(np.count_nonzero(n_match == 0)),
        n_diagnosis_learned=int(homogeneous.sum()),
        n_diagnosis_correct=int(diagnosis_correct.sum()))
