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

import numpy as np

from ._validation import check_array, check_choice, check_positive

__all__ = ["ClassificationData", "load_classification", "DATASETS", "unit_rows"]

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
