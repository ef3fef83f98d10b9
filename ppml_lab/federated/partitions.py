"""Split a data set among simulated clients: IID, label skew and quantity skew.

A federated simulation starts by deciding which client holds which examples.
Each function here takes the labels ``y`` and returns a list of ``n_clients``
index arrays into ``y`` (dtype ``int64``, each **sorted ascending**; the
randomness is in which indices a client gets, not in their order), which
together cover every example exactly once::

    parts = dirichlet_partition(y, n_clients=10, alpha=0.5, rng=0)
    X_client, y_client = X[parts[3]], y[parts[3]]

=============================  ====================================================
function                       what differs between clients
=============================  ====================================================
:func:`iid_partition`          nothing: a shuffled split, sizes differ by <= 1
:func:`dirichlet_partition`    label shares, controlled by ``alpha`` (small = skewed)
:func:`shard_partition`        labels: a few label-sorted shards each (McMahan et al.)
:func:`quantity_skew_partition`  sizes, controlled by ``alpha``; labels stay IID
=============================  ====================================================

:func:`label_counts` counts each client's examples per class, for tests and
for :func:`ppml_lab.viz.federated.plot_label_distribution`.

Every random function takes a keyword-only ``rng`` (None, an int seed or a
numpy ``Generator``); the same seed gives the same partition.

Introduced in notebook 07.

References
----------
McMahan, Moore, Ramage, Hampson and Aguera y Arcas (2017), "Communication-Efficient
Learning of Deep Networks from Decentralized Data", AISTATS.
Yurochkin, Agarwal, Ghosh, Greenewald, Hoang and Khazaeni (2019), "Bayesian
Nonparametric Federated Learning of Neural Networks", ICML.
Hsu, Qi and Brown (2019), "Measuring the Effects of Non-Identical Data Distribution
for Federated Visual Classification", arXiv:1909.06335.
Li, Diao, Chen and He (2022), "Federated Learning on Non-IID Data Silos: An
Experimental Study", ICDE (NIID-Bench).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

# absolute imports: this module is importable (and doctested) before
# ppml_lab/federated/__init__.py exists
from .._random import SeedLike, as_generator
from .._validation import check_array, check_integer, check_positive, fail

__all__ = [
    "iid_partition",
    "dirichlet_partition",
    "shard_partition",
    "quantity_skew_partition",
    "label_counts",
]

#: Largest concentration accepted: beyond it the draws are equal shares to double
#: precision, and numpy's Dirichlet sampler returns zeros near 1e308.
ALPHA_MAX = 1e9
#: How many times :func:`dirichlet_partition` re-draws before giving up on ``min_size``.
MAX_TRIES = 1000

Y_FIX = "Pass a 1-D array with one class label per example, e.g. y=[0, 1, 1, 0]."
ALPHA_FIX = ("Pass a concentration such as alpha=0.5 (small alpha: skewed clients; "
             "large alpha, e.g. 100: nearly IID).")


# --- checks ----------------------------------------------------------------------------------


def _check_y(y: Any) -> np.ndarray:
    """``y`` as a 1-D, non-empty array (numbers, booleans or strings; no NaN)."""
    if isinstance(y, (str, bytes)):
        raise fail("y", "a 1-D array of labels", y, Y_FIX, kind=TypeError)
    try:
        kind = np.asarray(y).dtype.kind
    except Exception:  # ragged input: check_array explains
        kind = "f"
    arr = check_array(y, "y", ndim=1, dtype=object if kind in "USO" else bool if kind == "b"
                      else None, fix=Y_FIX)
    if arr.dtype == object:
        arr = np.asarray(arr.tolist())
    return arr


def _class_codes(y: np.ndarray) -> tuple[int, np.ndarray]:
    """Number of classes and each example's class index (0 .. n_classes - 1)."""
    if y.dtype.kind == "f" and not np.all(y == np.round(y)):
        bad = y[y != np.round(y)]
        raise fail("y", "class labels, not continuous values (floats must be whole numbers)",
                   y, Y_FIX, show=f"{bad.size} non-whole value(s) such as {float(bad[0])!r}")
    classes, codes = np.unique(y, return_inverse=True)
    return len(classes), codes.reshape(-1)


def _check_n_clients(n_clients: Any, n: int) -> int:
    return check_integer(n_clients, "n_clients", minimum=1, maximum=n,
                         fix=f"Pass at least one client and at most one client per example "
                             f"(len(y) = {n}), e.g. n_clients=10.")


def _check_alpha(alpha: Any) -> float:
    return check_positive(alpha, "alpha", maximum=ALPHA_MAX, fix=ALPHA_FIX)


def _check_min_size(min_size: Any, n: int, n_clients: int) -> int:
    return check_integer(min_size, "min_size", minimum=0, maximum=n // n_clients,
                         fix=f"n_clients * min_size cannot exceed len(y) = {n}; pass a "
                             f"smaller min_size, e.g. min_size=0.")


def _cuts(proportions: np.ndarray, n: int) -> np.ndarray:
    """Where to cut ``n`` items so piece ``k`` has about ``proportions[k] * n`` of them.

    Cutting at the rounded cumulative proportions gives every item to exactly
    one piece (the cuts never decrease), whatever the rounding.
    """
    return np.clip(np.rint(np.cumsum(proportions)[:-1] * n), 0, n).astype(np.int64)


def _sizes(cuts: np.ndarray, n: int) -> np.ndarray:
    return np.diff(np.concatenate(([0], cuts, [n])))


def _finish(pieces: Sequence[Sequence[np.ndarray]]) -> list[np.ndarray]:
    """One sorted int64 index array per client from its list of pieces."""
    return [np.sort(np.concatenate([np.asarray(p, dtype=np.int64) for p in client]))
            if len(client) else np.empty(0, dtype=np.int64) for client in pieces]


# --- partitions ------------------------------------------------------------------------------


def iid_partition(y: Any, n_clients: int, *, rng: SeedLike = None) -> list[np.ndarray]:
    """Shuffle the examples and deal them out: every client is a random sample.

    Parameters
    ----------
    y : array-like of shape (n_examples,)
        Labels (only their number is used).
    n_clients : int
        Number of clients, from 1 to ``len(y)``.
    rng : None, int or numpy.random.Generator, optional
        Randomness (a seed makes the split reproducible).

    Returns
    -------
    list of numpy.ndarray
        ``n_clients`` sorted ``int64`` index arrays covering every example once;
        their sizes differ by at most one.

    Notes
    -----
    This is the IID baseline of McMahan et al. (2017): the data are shuffled
    and split into ``n_clients`` parts of ``len(y) // n_clients`` or one more
    examples (:func:`numpy.array_split` of a random permutation).

    Introduced in notebook 07.

    Examples
    --------
    >>> parts = iid_partition([0, 1] * 5, 3, rng=0)
    >>> [len(p) for p in parts]
    [4, 3, 3]
    >>> sorted(np.concatenate(parts).tolist()) == list(range(10))
    True
    """
    y = _check_y(y)
    n_clients = _check_n_clients(n_clients, len(y))
    order = as_generator(rng).permutation(len(y))
    return _finish([[piece] for piece in np.array_split(order, n_clients)])


def dirichlet_partition(y: Any, n_clients: int, alpha: float, *, min_size: int = 0,
                        rng: SeedLike = None) -> list[np.ndarray]:
    """Label skew: each class is split among the clients by Dirichlet(alpha) proportions.

    Parameters
    ----------
    y : array-like of shape (n_examples,)
        Class labels (integers, whole floats, booleans or strings).
    n_clients : int
        Number of clients, from 1 to ``len(y)``.
    alpha : float
        Concentration, a positive number up to 1e9. Small alpha (0.1): most
        clients hold few classes; large alpha (100): every client's label
        shares are close to the global ones.
    min_size : int, default 0
        Re-draw (at most :data:`MAX_TRIES` times) until every client holds at
        least this many examples. With the default 0 **a client may receive
        no data at all**, which is allowed and happens for small alpha.
    rng : None, int or numpy.random.Generator, optional
        Randomness (a seed makes the split reproducible).

    Returns
    -------
    list of numpy.ndarray
        ``n_clients`` sorted ``int64`` index arrays (possibly empty) covering
        every example exactly once.

    Raises
    ------
    ValueError
        For a bad parameter, or when no draw gives every client ``min_size``
        examples (the message names ``min_size``).

    Notes
    -----
    Convention (Yurochkin et al. 2019; also NIID-Bench, Li et al. 2022): for
    each class :math:`c`, draw proportions over the clients

    .. math:: p_c \\sim \\mathrm{Dir}(\\alpha \\mathbf{1}_{n\\_clients})

    shuffle the examples of class :math:`c` and cut them at the cumulative
    proportions (rounded) :math:`n_c \\sum_{j \\le k} p_{c,j}`, so
    client :math:`k` gets about :math:`p_{c,k} n_c` of them.

    Why this convention: every class is cut, not sampled, so every example is
    assigned to exactly one client by construction, whatever the proportions.
    As alpha grows, :math:`p_c` tends to equal shares, so every client's
    label shares tend to the global ones (IID labels, equal sizes); as alpha
    tends to 0, :math:`p_c` tends to a single 1, so each class goes whole to
    one client (with as many classes as clients, about one class per client;
    some clients may get none). Client sizes vary too, as in real data.

    The other convention (Hsu et al. 2019) draws a class mixture per client,
    :math:`q_k \\sim \\mathrm{Dir}(\\alpha\\, \\mathbf{p})`, and fills each client
    with a fixed number of examples by those shares. A common bug there is
    sampling each client's examples independently: a popular class runs out
    (examples duplicated across clients, drawn with replacement) or is left
    over (examples dropped), so the partition no longer covers the data once.

    Introduced in notebook 07.

    Examples
    --------
    >>> y = np.repeat([0, 1, 2], 20)
    >>> parts = dirichlet_partition(y, 4, alpha=0.5, rng=0)
    >>> len(parts), sum(len(p) for p in parts)
    (4, 60)
    >>> sorted(np.concatenate(parts).tolist()) == list(range(60))
    True
    >>> counts = label_counts(y, dirichlet_partition(y, 4, alpha=1e6, rng=0))
    >>> counts.tolist()  # a huge alpha: every client has a quarter of each class
    [[5, 5, 5], [5, 5, 5], [5, 5, 5], [5, 5, 5]]
    """
    y = _check_y(y)
    n = len(y)
    n_clients = _check_n_clients(n_clients, n)
    alpha = _check_alpha(alpha)
    min_size = _check_min_size(min_size, n, n_clients)
    n_classes, codes = _class_codes(y)
    gen = as_generator(rng)
    by_class = [gen.permutation(np.flatnonzero(codes == c)) for c in range(n_classes)]
    for _ in range(MAX_TRIES):
        proportions = gen.dirichlet(np.full(n_clients, alpha), size=n_classes)
        cuts = [_cuts(p, len(idx)) for p, idx in zip(proportions, by_class)]
        sizes = sum(_sizes(c, len(idx)) for c, idx in zip(cuts, by_class))
        if sizes.min() >= min_size:
            break
    else:
        raise fail("min_size", f"reachable by Dirichlet draws with alpha={alpha:g}", min_size,
                   f"No draw out of {MAX_TRIES} gave every one of the {n_clients} clients "
                   f"{min_size} examples; pass a smaller min_size (0 allows empty clients), "
                   "a larger alpha or fewer clients.")
    pieces: list[list[np.ndarray]] = [[] for _ in range(n_clients)]
    for idx, c in zip(by_class, cuts):
        for k, piece in enumerate(np.split(idx, c)):
            pieces[k].append(piece)
    return _finish(pieces)


def shard_partition(y: Any, n_clients: int, shards_per_client: int, *,
                    rng: SeedLike = None) -> list[np.ndarray]:
    """The pathological non-IID split of McMahan et al.: a few label-sorted shards per client.

    Parameters
    ----------
    y : array-like of shape (n_examples,)
        Class labels.
    n_clients : int
        Number of clients, from 1 to ``len(y)``.
    shards_per_client : int
        Shards each client receives (McMahan et al. use 2), such that
        ``n_clients * shards_per_client <= len(y)``.
    rng : None, int or numpy.random.Generator, optional
        Randomness (a seed makes the split reproducible).

    Returns
    -------
    list of numpy.ndarray
        ``n_clients`` sorted ``int64`` index arrays covering every example once.

    Notes
    -----
    The examples are sorted by label (in random order within a label), cut
    into ``n_clients * shards_per_client`` shards of equal size (sizes differ
    by at most one, :func:`numpy.array_split`), and each client gets
    ``shards_per_client`` shards at random. When every class's count is a
    multiple of the shard size, shards hold one class and a client sees at
    most ``shards_per_client`` classes; otherwise a shard may straddle two.
    McMahan et al. (2017) split MNIST's 60,000 examples into 200 shards of 300
    for 100 clients, so most clients see only two digits.

    Introduced in notebook 07.

    Examples
    --------
    >>> y = np.repeat([0, 1, 2, 3], 5)
    >>> parts = shard_partition(y, 2, 2, rng=0)
    >>> [len(p) for p in parts]
    [10, 10]
    >>> [sorted(set(y[p].tolist())) for p in parts]
    [[2, 3], [0, 1]]
    """
    y = _check_y(y)
    n = len(y)
    n_clients = _check_n_clients(n_clients, n)
    shards_per_client = check_integer(
        shards_per_client, "shards_per_client", minimum=1, maximum=n // n_clients,
        fix=f"n_clients * shards_per_client cannot exceed len(y) = {n} (no empty shards); "
            "pass e.g. shards_per_client=2.")
    _, codes = _class_codes(y)
    gen = as_generator(rng)
    shuffled = gen.permutation(n)
    by_label = shuffled[np.argsort(codes[shuffled], kind="stable")]
    shards = np.array_split(by_label, n_clients * shards_per_client)
    order = gen.permutation(len(shards)).reshape(n_clients, shards_per_client)
    return _finish([[shards[s] for s in row] for row in order])


def quantity_skew_partition(y: Any, n_clients: int, alpha: float, *, min_size: int = 1,
                            rng: SeedLike = None) -> list[np.ndarray]:
    """Quantity skew: client sizes drawn from Dirichlet(alpha); labels stay IID.

    Parameters
    ----------
    y : array-like of shape (n_examples,)
        Labels (only their number is used).
    n_clients : int
        Number of clients, from 1 to ``len(y)``.
    alpha : float
        Concentration, a positive number up to 1e9. Small alpha: a few clients
        hold most of the data; large alpha: nearly equal sizes.
    min_size : int, default 1
        Every client gets at least this many examples (0 allows empty clients);
        ``n_clients * min_size`` must not exceed ``len(y)``.
    rng : None, int or numpy.random.Generator, optional
        Randomness (a seed makes the split reproducible).

    Returns
    -------
    list of numpy.ndarray
        ``n_clients`` sorted ``int64`` index arrays covering every example once.

    Notes
    -----
    Each client first receives ``min_size`` examples; the remaining
    ``len(y) - n_clients * min_size`` are shared out by proportions
    :math:`q \\sim \\mathrm{Dir}(\\alpha \\mathbf{1}_{n\\_clients})` (cut at the
    rounded cumulative proportions, so sizes add up exactly). Which examples a
    client gets is a uniform random draw, so each client's label shares are
    those of the whole data set up to sampling noise: only the sizes differ.
    Reserving ``min_size`` first never needs a re-draw, so small alpha works
    for any number of clients (NIID-Bench, Li et al. 2022, re-draws instead).

    Introduced in notebook 07.

    Examples
    --------
    >>> parts = quantity_skew_partition(np.zeros(100), 4, alpha=1e6, rng=0)
    >>> [len(p) for p in parts]
    [25, 25, 25, 25]
    >>> sizes = [len(p) for p in quantity_skew_partition(np.zeros(100), 4, alpha=0.1, rng=0)]
    >>> sum(sizes), min(sizes) >= 1
    (100, True)
    """
    y = _check_y(y)
    n = len(y)
    n_clients = _check_n_clients(n_clients, n)
    alpha = _check_alpha(alpha)
    min_size = _check_min_size(min_size, n, n_clients)
    gen = as_generator(rng)
    order = gen.permutation(n)
    rest = n - n_clients * min_size
    extra = _sizes(_cuts(gen.dirichlet(np.full(n_clients, alpha)), rest), rest)
    sizes = min_size + extra
    return _finish([[piece] for piece in np.split(order, np.cumsum(sizes)[:-1])])


# --- summary ---------------------------------------------------------------------------------


def label_counts(y: Any, partitions: Sequence[Any], n_classes: int | None = None) -> np.ndarray:
    """Count each client's examples per class: an array of shape (n_clients, n_classes).

    Parameters
    ----------
    y : array-like of shape (n_examples,)
        Class labels. Non-negative integer labels are column indices (column
        ``c`` counts label ``c``, as :func:`numpy.bincount`); other labels
        (strings, negative numbers) get one column per distinct label, in
        sorted order.
    partitions : sequence of array-like of int
        One index array into ``y`` per client (empty arrays are allowed), as
        returned by the partition functions.
    n_classes : int, optional
        Number of columns for integer labels (default ``max(y) + 1``), so a
        class absent from ``y`` still gets its column.

    Returns
    -------
    numpy.ndarray of int64, shape (n_clients, n_classes)

    Introduced in notebook 07.

    Examples
    --------
    >>> label_counts([0, 1, 1, 2], [[0, 1], [2, 3], []])
    array([[1, 1, 0],
           [0, 1, 1],
           [0, 0, 0]])
    >>> label_counts([0, 1, 1], [[0], [1, 2]], n_classes=4)
    array([[1, 0, 0, 0],
           [0, 2, 0, 0]])
    """
    y = _check_y(y)
    fix = "Pass one array of indices into y per client, e.g. partitions=[[0, 2], [1, 3]]."
    if isinstance(partitions, (str, bytes, np.ndarray)) or not isinstance(partitions, Sequence):
        raise fail("partitions", "a list of index arrays, one per client", partitions, fix,
                   kind=TypeError)
    if len(partitions) == 0:
        raise fail("partitions", "a non-empty list of index arrays", partitions, fix)
    integer_labels = y.dtype.kind in "iub" or (y.dtype.kind == "f" and np.all(y == np.round(y)))
    if integer_labels and y.min() >= 0:
        codes = y.astype(np.int64)
        needed = int(codes.max()) + 1
        if n_classes is None:
            n_classes = needed
        else:
            n_classes = check_integer(n_classes, "n_classes", minimum=needed,
                                      fix=f"Pass n_classes > the largest label ({needed - 1}), "
                                          "or leave it out.")
    else:
        found, codes = _class_codes(y)
        if n_classes is not None and check_integer(n_classes, "n_classes") != found:
            raise fail("n_classes", f"the number of distinct labels ({found})", n_classes,
                       "Leave it out for labels that are not integers from 0.")
        n_classes = found
    counts = np.zeros((len(partitions), n_classes), dtype=np.int64)
    for k, part in enumerate(partitions):
        name = f"partitions[{k}]"
        idx = np.asarray(part)
        if idx.size == 0:
            continue
        idx = check_array(part, name, ndim=1, dtype=None, fix=fix)
        if idx.dtype.kind not in "iu" or idx.min() < 0 or idx.max() >= len(y):
            raise fail(name, f"integer indices in [0, {len(y) - 1}]", idx, fix)
        counts[k] = np.bincount(codes[idx], minlength=n_classes)
    return counts
