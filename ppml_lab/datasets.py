"""Small classification data sets, bundled or generated: never a download.

:func:`load_classification` returns one of three data sets already split and
scaled the way the DP models of notebooks 05 and 06 (and
``benchmarks/dp_logistic_accuracy.py``) expect:

1. ``train_test_split(test_size=0.3, random_state=0, stratify=y)``;
2. ``StandardScaler`` fit on the training part, applied to both parts;
3. every row longer than 1 divided by its L2 norm (a per-row map that uses
   no statistic of the data), so that ``data_norm=1`` holds.

Step 2 reads means and standard deviations off the training data. That is
what the benchmark protocol of issue 4 (and diffprivlib's examples) do, and it
leaks a little: a strict deployment standardises with public constants (known
ranges of the measurements) or spends budget on DP estimates of them
(:func:`ppml_lab.dp.dp_mean`). The notebooks say so.

=================  ==========================================  ======  =====  =======
name               source                                      train   test   classes
=================  ==========================================  ======  =====  =======
``breast_cancer``  ``sklearn.datasets.load_breast_cancer``     398     171    2
``digits``         ``sklearn.datasets.load_digits`` (8x8)      1257    540    10
``synthetic``      ``make_classification(n_samples=5000,       3500    1500   2
                   n_features=20, n_informative=10,
                   random_state=1)``
=================  ==========================================  ======  =====  =======

Introduced in notebook 05.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import numpy as np

from ._validation import (check_array, check_choice, check_columns, check_positive,
                          check_probability, check_size, fail)

__all__ = ["ClassificationData", "load_classification", "DATASETS", "unit_rows",
           "Population", "VoterList", "synthetic_population", "voter_list", "hospital_records",
           "age_on", "DIAGNOSES", "POPULATION_ZIPS", "REFERENCE_DATE"]

DATASETS = ("breast_cancer", "digits", "synthetic")


@dataclasses.dataclass(frozen=True, eq=False)
class ClassificationData:
    """A split, scaled classification data set (arrays are read-only).

    Attributes
    ----------
    name : str
    X_train, X_test : ndarray of shape (n, d)
        Standardised rows with L2 norm <= 1.
    y_train, y_test : ndarray of shape (n,)
        Integer class labels.
    """

    name: str
    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray

    @property
    def n_features(self) -> int:
        """Number of columns of ``X_train``."""
        return int(self.X_train.shape[1])

    @property
    def n_classes(self) -> int:
        """Number of distinct labels in ``y_train``."""
        return int(np.unique(self.y_train).size)

    def __repr__(self) -> str:
        return (f"ClassificationData({self.name!r}: {len(self.X_train)} train / "
                f"{len(self.X_test)} test rows, {self.n_features} features, "
                f"{self.n_classes} classes)")


def unit_rows(X: np.ndarray, max_norm: float = 1.0) -> np.ndarray:
    """Divide every row longer than ``max_norm`` by its norm / ``max_norm``.

    A per-row map that uses no statistic of the data set, so a model trained on
    its output with ``data_norm=max_norm`` keeps its guarantee.

    Parameters
    ----------
    X : array-like of shape (n, d)
        Real, finite features, one row per example (any finite magnitude: the
        norms are computed without overflow).
    max_norm : float, default 1.0
        The largest L2 norm a row may keep, a positive finite number.

    Returns
    -------
    numpy.ndarray of shape (n, d)
        A new float array; rows no longer than ``max_norm`` are unchanged.

    Examples
    --------
    >>> unit_rows(np.array([[3.0, 4.0], [0.3, 0.4]]))
    array([[0.6, 0.8],
           [0.3, 0.4]])
    """
    X = check_array(X, "X", ndim=2, allow_empty=True,
                    fix="Pass a 2-D array of finite real numbers, one row per example.")
    max_norm = check_positive(max_norm, "max_norm", fix="Pass e.g. max_norm=1.0.")
    # scale each row by its largest entry first, so that e.g. 1e200 does not overflow when squared
    peak = np.max(np.abs(X), axis=1, keepdims=True) if X.size else np.zeros((len(X), 1))
    peak = np.where(peak > 0, peak, 1.0)
    norms = peak * np.linalg.norm(X / peak, axis=1, keepdims=True)
    with np.errstate(over="ignore"):  # max_norm / a tiny norm: inf, and min() picks 1
        factor = np.minimum(1.0, max_norm / np.maximum(norms, 1e-300))
    return X * factor


@functools.lru_cache(maxsize=8)
def _load(name: str) -> ClassificationData:
    from sklearn.datasets import load_breast_cancer, load_digits, make_classification
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    if name == "breast_cancer":
        X, y = load_breast_cancer(return_X_y=True)
    elif name == "digits":
        X, y = load_digits(return_X_y=True)
    else:
        X, y = make_classification(n_samples=5000, n_features=20, n_informative=10,
                                   random_state=1)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_tr)
    arrays = [unit_rows(scaler.transform(X_tr)), unit_rows(scaler.transform(X_te)),
              np.asarray(y_tr, dtype=np.int64), np.asarray(y_te, dtype=np.int64)]
    for a in arrays:
        a.setflags(write=False)
    return ClassificationData(name, *arrays)


def load_classification(name: str = "breast_cancer") -> ClassificationData:
    """Load a bundled or generated classification data set, split and scaled (see module).

    Parameters
    ----------
    name : {"breast_cancer", "digits", "synthetic"}, default "breast_cancer"

    Returns
    -------
    ClassificationData
        Read-only arrays; the same object on every call with the same name.

    Examples
    --------
    >>> data = load_classification("digits")
    >>> data
    ClassificationData('digits': 1257 train / 540 test rows, 64 features, 10 classes)
    >>> bool(np.linalg.norm(data.X_train, axis=1).max() <= 1.0 + 1e-12)
    True
    """
    return _load(check_choice(name, "name", DATASETS,
                              fix='Pass e.g. name="breast_cancer".'))


# --- a synthetic population for re-identification (notebook 01) -----------------------------

#: The day the synthetic population is counted (ages are measured on it).
REFERENCE_DATE = np.datetime64("2026-01-01")
#: Twenty five-digit ZIP codes in four three-digit areas (stored as integers: 02138 is 2138).
POPULATION_ZIPS = (2138, 2420, 1701, 1901, 2139, 2421, 1702, 1902, 2140, 2445, 1720, 1960,
                   2141, 2446, 1730, 1970, 2142, 2474, 1742, 1984)
#: The sensitive attribute's values, from the most to the least common.
DIAGNOSES = ("none", "hypertension", "asthma", "depression", "diabetes", "heart disease",
             "cancer", "HIV")
#: Zipf exponent of the ZIP populations: the largest ZIP is about 11 times the smallest.
_ZIP_EXPONENT = 0.8
_FIRST_NAMES = {
    "F": ("Mary", "Anna", "Emma", "Olivia", "Sofia", "Grace", "Alice", "Maria", "Julia", "Chloe",
          "Laura", "Sarah", "Nora", "Ruth", "Helen", "Lucy", "Amara", "Mei", "Priya", "Fatima"),
    "M": ("James", "John", "Liam", "Noah", "David", "Lucas", "Omar", "Daniel", "Peter", "Samuel",
          "Thomas", "Hugo", "Ravi", "Wei", "Carlos", "Adam", "Kofi", "Ivan", "Paul", "Felix"),
}
_SURNAMES = ("Smith", "Johnson", "Brown", "Garcia", "Miller", "Davis", "Wilson", "Moore",
             "Taylor", "Anderson", "Thomas", "Lee", "Martin", "Clark", "Lewis", "Walker", "Young",
             "King", "Wright", "Lopez", "Hill", "Scott", "Green", "Adams", "Baker", "Nelson",
             "Carter", "Mitchell", "Perez", "Roberts", "Turner", "Phillips", "Campbell", "Parker",
             "Evans", "Edwards", "Collins", "Stewart", "Morris", "Nguyen")


def _frozen(*arrays: np.ndarray) -> None:
    for a in arrays:
        a.setflags(write=False)


@dataclasses.dataclass(frozen=True, eq=False)
class Population:
    """People with quasi-identifiers and a sensitive attribute, one numpy column each.

    Names are *not* in it: it is what a "de-identified" release of health
    records looks like. Row ``i`` is person ``person_id[i]``; the ids are kept
    only to score attacks (an attacker never reads them). Arrays are read-only.

    Attributes
    ----------
    person_id : ndarray of int64
        Who each row is (ground truth for scoring).
    zip : ndarray of int64
        Five-digit ZIP code as an integer (02138 is stored as 2138).
    birth_date : ndarray of datetime64[D]
    sex : ndarray of str, "F" or "M"
    diagnosis : ndarray of str
        One of :data:`DIAGNOSES` (the sensitive attribute).
    """

    person_id: np.ndarray
    zip: np.ndarray
    birth_date: np.ndarray
    sex: np.ndarray
    diagnosis: np.ndarray

    #: the columns an attacker can read, in order
    columns = ("zip", "birth_date", "sex", "diagnosis")

    def __len__(self) -> int:
        return int(self.person_id.size)

    def __getitem__(self, column: str) -> np.ndarray:
        """One column by name, e.g. ``population["zip"]``."""
        return getattr(self, check_columns([column], self.columns, "column")[0])

    def take(self, index: np.ndarray) -> "Population":
        """The rows at ``index`` (integers or a boolean mask), as a new Population."""
        arrays = [np.asarray(getattr(self, f.name))[index] for f in dataclasses.fields(self)]
        _frozen(*arrays)
        return type(self)(*arrays)

    def __repr__(self) -> str:
        return f"Population({len(self):,} people; columns {', '.join(self.columns)})"


@dataclasses.dataclass(frozen=True, eq=False)
class VoterList:
    """A public list of voters: names beside the same quasi-identifiers (read-only arrays).

    Attributes
    ----------
    person_id : ndarray of int64
        Who each row is (ground truth for scoring, not read by attacks).
    name : ndarray of str
    zip, birth_date, sex : ndarray
        As in :class:`Population`.
    """

    person_id: np.ndarray
    name: np.ndarray
    zip: np.ndarray
    birth_date: np.ndarray
    sex: np.ndarray

    columns = ("name", "zip", "birth_date", "sex")

    def __len__(self) -> int:
        return int(self.person_id.size)

    def __getitem__(self, column: str) -> np.ndarray:
        """One column by name, e.g. ``voters["name"]``."""
        return getattr(self, check_columns([column], self.columns, "column")[0])

    def __repr__(self) -> str:
        return f"VoterList({len(self):,} voters; columns {', '.join(self.columns)})"


def _ages(g: np.random.Generator, n: int) -> np.ndarray:
    """Ages 0-99: flat to 60, then falling off like a life table."""
    ages = np.arange(100)
    weight = np.where(ages < 60, 1.0, np.exp(-((ages - 60) / 20.0) ** 2))
    return g.choice(100, size=n, p=weight / weight.sum())


#: Probability of each diagnosis (columns, as in DIAGNOSES) in four age bands (rows).
_DIAGNOSIS_BY_AGE = ((0, np.array([0.86, 0.00, 0.12, 0.01, 0.01, 0.00, 0.00, 0.00])),
                     (18, np.array([0.72, 0.03, 0.08, 0.12, 0.02, 0.005, 0.005, 0.02])),
                     (40, np.array([0.40, 0.28, 0.04, 0.10, 0.12, 0.03, 0.02, 0.01])),
                     (65, np.array([0.08, 0.55, 0.02, 0.04, 0.12, 0.12, 0.06, 0.01])))


def _diagnoses(g: np.random.Generator, age: np.ndarray) -> np.ndarray:
    """One diagnosis per person, from the table of its age band (chronic ones grow with age)."""
    starts = np.array([start for start, _ in _DIAGNOSIS_BY_AGE])
    table = np.stack([p / p.sum() for _, p in _DIAGNOSIS_BY_AGE])
    cumulative = np.cumsum(table, axis=1)[np.searchsorted(starts, age, side="right") - 1]
    pick = (g.random(len(age))[:, None] > cumulative).sum(axis=1)
    return np.asarray(DIAGNOSES)[np.minimum(pick, len(DIAGNOSES) - 1)]


def synthetic_population(n: int = 100_000, *, rng: Any = 0) -> Population:
    """A synthetic population in which ZIP code, birth date and sex single out most people.

    ``n`` people live in the 20 ZIP codes of :data:`POPULATION_ZIPS` (four
    three-digit areas), with heavy-tailed ZIP populations (Zipf, exponent 0.8:
    from about 21,000 down to 1,900 people at the default size); ages follow a
    flat-then-falling pyramid from 0 to 99 years on :data:`REFERENCE_DATE`,
    birthdays are spread over the year, sex is F or M with equal chance, and
    the diagnosis (:data:`DIAGNOSES`) depends on age. At ``n=100_000``, about
    87% of people are unique on (ZIP, birth date, sex), close to Sweeney's
    estimate for the 1990 US census (87%), about 65% on (three-digit ZIP area,
    birth date, sex) and 21% on (birth date, sex) alone.

    Deterministic for a given ``rng``; no download; about 30 ms.

    Parameters
    ----------
    n : int, default 100_000
        Number of people, 1 to 10**7. The uniqueness figures above hold at the
        default size; a larger population in the same ZIP codes is less unique.
    rng : None, int or numpy.random.Generator, default 0

    Returns
    -------
    Population

    References
    ----------
    L. Sweeney, "Simple demographics often identify people uniquely", Carnegie
    Mellon University, Data Privacy Working Paper 3, 2000.

    Notes
    -----
    Introduced in notebook 01.

    Examples
    --------
    >>> people = synthetic_population()
    >>> people
    Population(100,000 people; columns zip, birth_date, sex, diagnosis)
    >>> f"{people.zip[0]:05d}", str(people.birth_date[0]), str(people.sex[0])
    ('01702', '1978-09-23', 'M')
    """
    from ._random import as_generator

    n = check_size(n, "n", fix="Pass e.g. n=100_000.")
    g = as_generator(rng)
    ranks = np.arange(1, len(POPULATION_ZIPS) + 1, dtype=float)
    weight = ranks ** -_ZIP_EXPONENT
    zips = np.asarray(POPULATION_ZIPS, dtype=np.int64)[g.choice(len(ranks), size=n,
                                                                p=weight / weight.sum())]
    age = _ages(g, n)
    # born between age + 1 years and age years before the reference date
    days_before = np.floor((age + g.random(n)) * 365.2425).astype(np.int64) + 1
    birth = REFERENCE_DATE - days_before.astype("timedelta64[D]")
    sex = np.where(g.random(n) < 0.5, "F", "M")
    diagnosis = _diagnoses(g, age)
    person_id = np.arange(n, dtype=np.int64)
    _frozen(person_id, zips, birth, sex, diagnosis)
    return Population(person_id, zips, birth, sex, diagnosis)


def age_on(birth_date: np.ndarray, date: np.datetime64 = REFERENCE_DATE) -> np.ndarray:
    """Age in whole years on ``date`` (default :data:`REFERENCE_DATE`).

    Examples
    --------
    >>> age_on(np.array(["2000-01-01", "2000-01-02"], dtype="datetime64[D]")).tolist()
    [26, 25]
    """
    birth = np.asarray(birth_date, dtype="datetime64[D]")
    date = np.datetime64(date, "D")

    def month_day(d: np.ndarray) -> np.ndarray:  # 100 * month + day, comparable within a year
        months = (d.astype("datetime64[M]") - d.astype("datetime64[Y]")).astype(int)
        return 100 * months + (d - d.astype("datetime64[M]")).astype(int)

    years = date.astype("datetime64[Y]").astype(int) - birth.astype("datetime64[Y]").astype(int)
    return years - (month_day(birth) > month_day(date))


def voter_list(population: Population, fraction: float = 0.6, *, rng: Any = 0) -> VoterList:
    """The public voter list: names, ZIP code, birth date and sex of some adults.

    ``round(fraction * adults)`` of the people aged 18 or over on
    :data:`REFERENCE_DATE` are drawn at random, given a (not necessarily
    unique) name, and listed by ZIP code and name, as a town's voter roll
    would be: the row order carries nothing. Sweeney bought the Cambridge,
    Massachusetts list for 20 dollars.

    Parameters
    ----------
    population : Population
    fraction : float, default 0.6
        Share of adults registered, in (0, 1].
    rng : None, int or numpy.random.Generator, default 0

    Returns
    -------
    VoterList

    Notes
    -----
    Introduced in notebook 01.

    Examples
    --------
    >>> voters = voter_list(synthetic_population())
    >>> voters
    VoterList(46,202 voters; columns name, zip, birth_date, sex)
    >>> str(voters.name[0]), f"{voters.zip[0]:05d}"
    ('Adam Adams', '01701')
    """
    from ._random import as_generator

    if not isinstance(population, Population):
        raise fail("population", "a Population", population,
                   "Pass e.g. synthetic_population().", kind=TypeError)
    fraction = check_probability(fraction, "fraction", high_open=False,
                                 fix="Pass the share of adults registered, e.g. fraction=0.6.")
    g = as_generator(rng)
    adults = np.flatnonzero(age_on(population.birth_date) >= 18)
    chosen = np.sort(g.choice(adults, size=int(round(fraction * adults.size)), replace=False))
    sex = population.sex[chosen]
    first = np.where(sex == "F", np.asarray(_FIRST_NAMES["F"])[g.integers(0, 20, chosen.size)],
                     np.asarray(_FIRST_NAMES["M"])[g.integers(0, 20, chosen.size)])
    last = np.asarray(_SURNAMES)[g.integers(0, len(_SURNAMES), chosen.size)]
    name = np.char.add(np.char.add(first, " "), last)
    order = np.lexsort((name, population.zip[chosen]))
    rows = chosen[order]
    arrays = [population.person_id[rows], name[order], population.zip[rows],
              population.birth_date[rows], population.sex[rows]]
    _frozen(*arrays)
    return VoterList(*arrays)


def hospital_records(population: Population, fraction: float = 0.5, *,
                     rng: Any = 0) -> Population:
    """A "de-identified" release: the records of a random ``fraction`` of the population.

    Names are absent; ZIP code, birth date, sex and diagnosis are kept, as in
    the Massachusetts Group Insurance Commission release that Sweeney linked
    to the Cambridge voter list (1997). Not everyone on the voter list is in
    it, so a unique match can point at the wrong person.

    Parameters
    ----------
    population : Population
    fraction : float, default 0.5
        Share of people whose records are released, in (0, 1].
    rng : None, int or numpy.random.Generator, default 0

    Returns
    -------
    Population
        Rows in random order.

    Notes
    -----
    Introduced in notebook 01.

    Examples
    --------
    >>> hospital_records(synthetic_population())
    Population(50,000 people; columns zip, birth_date, sex, diagnosis)
    """
    from ._random import as_generator

    if not isinstance(population, Population):
        raise fail("population", "a Population", population,
                   "Pass e.g. synthetic_population().", kind=TypeError)
    fraction = check_probability(fraction, "fraction", high_open=False,
                                 fix="Pass the share of people released, e.g. fraction=0.5.")
    g = as_generator(rng)
    rows = g.choice(len(population), size=max(1, int(round(fraction * len(population)))),
                    replace=False)
    return population.take(rows)
