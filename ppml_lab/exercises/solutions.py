"""Reference solutions of the exercises: plain functions, written the way a learner would.

These functions are the single source of truth. The checks are tested against
them, :func:`ppml_lab.exercises.show_solution` renders their source with
:func:`inspect.getsource`, and each exercise's starter code is generated from
them (signature and docstring kept, body replaced by ``...``), so exercises and
solutions never drift apart.

They use only ``np`` (numpy), which every notebook imports, and, from notebook
03 on, :mod:`math` and functions of :mod:`ppml_lab.dp` imported inside the
function, so a learner can paste a solution into a notebook cell and run it.

Introduced in notebook 00 (warm-up), notebook 01 (why anonymisation fails: exercises 01.1
and 01.2), notebook 02 (randomized response: exercises
02.1 and 02.2), notebook 03 (Laplace and Gaussian: exercises 03.1 to 03.4),
notebook 04 (composition and budgets: exercises 04.1 and 04.2), notebook 05
(DP machine learning: exercises 05.1 and 05.2) and notebook 06 (membership
inference and auditing: exercises 06.1 to 06.3).

Examples
--------
>>> import numpy as np
>>> round(laplace_scale(), 4)
2.0
>>> randomized_response(1, epsilon=100.0, rng=np.random.default_rng(0))
1
>>> print(round(posterior_bound(), 4))
0.75
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "laplace_scale",
    "randomized_response",
    "estimate_yes_rate",
    "laplace_mechanism",
    "posterior_bound",
    "gaussian_sigma",
    "epsilon_for_posterior",
    "advanced_pays_off_from",
    "noise_for_target",
    "dpsgd_step",
    "candidates_within_budget",
    "loss_scores",
    "max_advantage",
    "epsilon_from_rates",
    "fedavg_aggregate", "dirichlet_split", "worst_alpha",
    "dp_fedavg_round", "fedavg_epsilon", "read_batch",
]


# --- 00 start here ----------------------------------------------------------------------------

def laplace_scale(epsilon: float = 0.5, sensitivity: float = 1.0) -> float:
    """Scale of the Laplace noise added to a count (sensitivity 1) at epsilon = 0.5."""
    return sensitivity / epsilon


# --- 02 randomized response -------------------------------------------------------------------

def randomized_response(true_answer: int, epsilon: float, rng: np.random.Generator) -> int:
    """Answer a yes/no question (1 = yes, 0 = no) with randomized response.

    Report the true answer with probability ``e**epsilon / (1 + e**epsilon)``,
    otherwise report the other answer. Draw all randomness from ``rng``
    (for example ``rng.random()``, a uniform number in [0, 1)).
    """
    p_truth = np.exp(epsilon) / (1 + np.exp(epsilon))
    if rng.random() < p_truth:
        return true_answer
    return 1 - true_answer


def estimate_yes_rate(reports: np.ndarray, epsilon: float) -> float:
    """Estimate the share of true "yes" answers from randomized-response reports.

    ``reports`` holds the 0/1 reports of many people, each made with
    randomized response at ``epsilon``. Return an *unbiased* estimate of the
    share of people whose true answer is 1 (it may fall outside [0, 1]).
    """
    p = np.exp(epsilon) / (1 + np.exp(epsilon))  # probability of reporting the truth
    q = 1 - p                                     # probability of reporting the other answer
    share = np.mean(reports)                      # expected value: rate * p + (1 - rate) * q
    return (share - q) / (p - q)


# --- 03 Laplace and Gaussian ------------------------------------------------------------------

def laplace_mechanism(true_value: float, sensitivity: float, epsilon: float,
                      rng: np.random.Generator) -> float:
    """Release ``true_value`` with epsilon-differential privacy (the Laplace mechanism).

    ``sensitivity`` is the most one person can change the true value. Add
    Laplace noise of the right scale, drawn from ``rng`` (numpy's
    ``rng.laplace(loc, scale)``), and return the noisy value.
    """
    scale = sensitivity / epsilon
    return true_value + rng.laplace(0.0, scale)


def posterior_bound(epsilon: float = np.log(3), prior: float = 0.5) -> float:
    """Most an attacker can believe "Alice is in the data" after an epsilon-DP release.

    epsilon-DP bounds the likelihood ratio of any output by ``e**epsilon``, so
    Bayes' rule in odds form bounds the attacker's posterior odds.
    """
    prior_odds = prior / (1 - prior)
    posterior_odds = np.exp(epsilon) * prior_odds
    return posterior_odds / (1 + posterior_odds)


def gaussian_sigma(epsilon: float = 1.0, delta: float = 1e-5, max_symptoms: int = 3) -> float:
    """Gaussian noise for a histogram of symptoms, each patient reporting at most 3 of them.

    Adding or removing one patient (the kit's neighbours) moves at most
    ``max_symptoms`` of the counts, each by 1; the other bins do not move. The
    Gaussian mechanism is calibrated to the L2 sensitivity, the length of that
    change: ``sqrt(1**2 + 1**2 + 1**2) = sqrt(3)``, not the L1 sum 3.
    """
    from ppml_lab.dp import GaussianMechanism

    l2_sensitivity = np.sqrt(max_symptoms)
    return GaussianMechanism(epsilon, delta, sensitivity=l2_sensitivity).sigma


def epsilon_for_posterior(certainty: float = 0.9, prior: float = 0.5) -> float:
    """Largest epsilon that keeps a 50/50 attacker's certainty at or below 90 %."""
    prior_odds = prior / (1 - prior)
    posterior_odds = certainty / (1 - certainty)
    return np.log(posterior_odds / prior_odds)


# --- 04 composition and budgets ---------------------------------------------------------------

def advanced_pays_off_from(epsilon: float, delta_prime: float) -> float:
    """Smallest number of releases from which advanced composition beats basic composition.

    ``k`` releases, each epsilon-DP, on the same data. Basic composition:
    ``k * epsilon``. Advanced composition (Dwork, Rothblum and Vadhan 2010),
    paying an extra ``delta_prime``:

        sqrt(2 * k * ln(1 / delta_prime)) * epsilon + k * epsilon * (e**epsilon - 1)

    Return the smallest whole ``k`` for which the advanced total is strictly
    smaller than the basic one, or ``math.inf`` if it never is.
    """
    import math

    # advanced < basic  <=>  sqrt(2 k ln(1/d)) < k (2 - e**epsilon)
    gain = 2 - np.exp(epsilon)
    if gain <= 0:  # the second term alone is at least k * epsilon
        return math.inf
    return math.floor(2 * np.log(1 / delta_prime) / gain**2) + 1


def noise_for_target(target_epsilon: float, delta: float, sample_rate: float,
                     steps: int) -> float:
    """Smallest noise multiplier whose DP-SGD run has epsilon <= ``target_epsilon``.

    ``dpsgd_epsilon(noise_multiplier, sample_rate, steps, delta)`` (RDP accountant)
    gives the epsilon of a run, and it falls as the noise grows. Search for the
    smallest noise that meets the target, to within 0.1%, and return a value
    that meets it. Write the search yourself (not ``calibrate_noise_multiplier``).
    """
    from ppml_lab.dp import dpsgd_epsilon

    low, high = 0.1, 100.0  # too little noise, and enough noise
    while high / low > 1.001:  # bisection on a log scale
        middle = np.sqrt(low * high)
        if dpsgd_epsilon(middle, sample_rate, steps, delta) <= target_epsilon:
            high = middle
        else:
            low = middle
    return high


# --- 05 DP machine learning -------------------------------------------------------------------

def dpsgd_step(per_example_grads: np.ndarray, clip_norm: float, noise_multiplier: float,
               rng: np.random.Generator) -> np.ndarray:
    """The noisy mean gradient of one DP-SGD step.

    ``per_example_grads`` has one row per example. Clip each row to L2 norm at
    most ``clip_norm`` (rows already shorter stay as they are), sum the rows,
    add Gaussian noise of standard deviation ``noise_multiplier * clip_norm`` to
    each coordinate (drawn from ``rng``), and divide by the number of examples.
    """
    norms = np.linalg.norm(per_example_grads, axis=1, keepdims=True)
    clipped = per_example_grads * np.minimum(1.0, clip_norm / np.maximum(norms, 1e-12))
    noise = rng.normal(0.0, noise_multiplier * clip_norm, size=per_example_grads.shape[1])
    return (clipped.sum(axis=0) + noise) / len(per_example_grads)


def candidates_within_budget(budget: float = 3.0, delta: float = 1e-5,
                             noise_multiplier: float = 28.9, steps: int = 60) -> int:
    """How many candidates, each ``steps`` full-batch steps at ``noise_multiplier``, fit a budget.

    For the data, ``k`` full-batch runs with the same noise, one after another, are
    exactly one run of ``steps * k`` Gaussian steps, and delta stays ``delta``: the
    PLD accountant gives the epsilon of the whole search.
    """
    from ppml_lab.dp import dpsgd_epsilon

    k = 0
    while dpsgd_epsilon(noise_multiplier, 1.0, steps * (k + 1), delta,
                        accountant="pld") <= budget:
        k += 1  # one more candidate still fits
    return k


# --- 06 membership inference and auditing -----------------------------------------------------

def loss_scores(proba: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Loss-threshold membership scores: ``log p(y_i | x_i)`` for each example.

    ``proba[i, c]`` is the probability the model gives class ``c`` for example
    ``i`` (what ``model.predict_proba(X)`` returns); ``y[i]`` is the true class
    of example ``i`` (a column index). The score is the log-probability of the
    true class, minus the cross-entropy loss: higher means "more likely a member".
    """
    p_true = proba[np.arange(len(y)), y]  # the true class's column, row by row
    return np.log(p_true)


def max_advantage(epsilon: float = 1.0) -> float:
    """The largest membership advantage (TPR - FPR) that an epsilon-DP model allows at epsilon = 1."""
    return (np.exp(epsilon) - 1) / (np.exp(epsilon) + 1)


def epsilon_from_rates(tpr: float, fpr: float, delta: float) -> float:
    """The epsilon an attack's rates prove: (epsilon, delta)-DP needs TPR <= e**epsilon * FPR + delta.

    Solve that inequality for epsilon (natural logarithm).
    """
    return np.log((tpr - delta) / fpr)


# --- 07 federated learning --------------------------------------------------------------------

def fedavg_aggregate(client_weights: np.ndarray, n_examples: np.ndarray) -> np.ndarray:
    """FedAvg's new global weights: the clients' weights averaged, each counted by its examples.

    ``client_weights[c]`` is client ``c``'s flat weight vector after its local
    training (one row per client); ``n_examples[c]`` is how many examples it
    trained on. Return one weight vector: sum_c n_c * w_c / sum_c n_c.
    """
    n = np.asarray(n_examples, dtype=float)
    return n @ client_weights / n.sum()  # (clients,) @ (clients, params) -> (params,)


def dirichlet_split(y: np.ndarray, n_clients: int, alpha: float,
                    rng: np.random.Generator) -> list:
    """Split example indices over clients with Dirichlet(alpha) label skew.

    For each class on its own: shuffle that class's indices (with ``rng``),
    draw the clients' shares from Dirichlet(alpha, ..., alpha) (one number per
    client, summing to 1), and cut the shuffled indices at those shares.
    Return a list of ``n_clients`` integer index arrays that together hold
    every index of ``y`` exactly once (a client may get none).
    """
    parts = [[] for _ in range(n_clients)]
    for label in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == label))
        shares = rng.dirichlet(alpha * np.ones(n_clients))
        cuts = np.round(np.cumsum(shares)[:-1] * len(idx)).astype(int)
        for client, piece in enumerate(np.split(idx, cuts)):
            parts[client].extend(piece.tolist())
    return [np.sort(np.array(p, dtype=int)) for p in parts]


def worst_alpha() -> float:
    """The label skew, among alpha = 0.05, 0.5, 5 and 100, with FedAvg's lowest mean accuracy."""
    from ppml_lab.federated.experiments import federated_curves

    alphas = [0.05, 0.5, 5.0, 100.0]
    means = [federated_curves(100, alpha, 5, 0.1, strategies=["FedAvg"], rng=2026)
             .curve("FedAvg").mean() for alpha in alphas]
    return alphas[int(np.argmin(means))]


# --- 08 private federated learning ------------------------------------------------------------

def dp_fedavg_round(global_weights: np.ndarray, client_weights: np.ndarray, clip_norm: float,
                    noise_multiplier: float, rng: np.random.Generator) -> np.ndarray:
    """The server's side of one DP-FedAvg round: the new global weights.

    ``client_weights`` has one row per client, its weights after local training;
    its update is that row minus ``global_weights``. Clip each update to L2 norm
    at most ``clip_norm`` (shorter updates stay as they are), sum the updates, add
    Gaussian noise of standard deviation ``noise_multiplier * clip_norm`` to each
    coordinate (drawn from ``rng``), divide by the number of clients, and return
    ``global_weights`` plus that noisy average update.
    """
    updates = client_weights - global_weights
    norms = np.linalg.norm(updates, axis=1, keepdims=True)
    clipped = updates * np.minimum(1.0, clip_norm / np.maximum(norms, 1e-12))
    noise = rng.normal(0.0, noise_multiplier * clip_norm, size=updates.shape[1])
    return global_weights + (clipped.sum(axis=0) + noise) / len(client_weights)


def fedavg_epsilon(n_clients: int = 100_000, clients_per_round: int = 1_000,
                   noise_multiplier: float = 1.0, rounds: int = 1_000,
                   delta: float = 1e-6) -> float:
    """Epsilon of DP-FedAvg: 100,000 phones, 1,000 per round, noise 1.0, 1,000 rounds.

    Each round is a subsampled Gaussian mechanism: a phone takes part with
    probability ``clients_per_round / n_clients``. The RDP accountant composes
    the rounds (one step each) and converts at ``delta``.
    """
    from ppml_lab.dp import dpsgd_epsilon

    sample_rate = clients_per_round / n_clients  # 0.01
    return dpsgd_epsilon(noise_multiplier, sample_rate, rounds, delta)


def read_batch(update: np.ndarray, n_classes: int) -> tuple:
    """Read the examples of a batch off one client's softmax-regression update.

    ``update`` is the client's flat weight change after one full-batch step:
    ``n_classes`` rows, each the class's weights followed by its bias. Keep the
    rows whose bias went *up* (their class is in the batch), divide each row's
    weights by its bias change, and return ``(digits, labels)``: one recovered
    example per row and the rows' class numbers, in increasing order.
    """
    rows = update.reshape(n_classes, -1)          # one row per class: weights, then the bias
    labels = np.flatnonzero(rows[:, -1] > 0)      # bias update > 0 <=> bias gradient < 0
    digits = rows[labels, :-1] / rows[labels, -1:]
    return digits, labels


# --- notebook 11 (homomorphic encryption) ---------------------------------------------------------

def paillier_decrypt(c: int, n: int, lam: int, mu: int) -> int:
    """Decrypt a Paillier ciphertext ``c`` with the textbook formula.

    With ``L(x) = (x - 1) // n``, the plaintext is ``L(c**lam mod n**2) * mu
    mod n``, a whole number in ``[0, n)``. Use Python integers: ``pow`` with
    three arguments, ``//`` and ``%`` (a float cannot hold these numbers).
    """
    x = pow(c, lam, n * n)        # c**lam mod n**2: 1 + m * lam * n (mod n**2)
    return (x - 1) // n * mu % n  # L(x) = m * lam mod n, and mu = lam**-1 mod n


def upload_bytes(n_weights: int = 1_000, bits: int = 2048) -> int:
    """Bytes one client uploads: ``n_weights`` Paillier ciphertexts under a ``bits``-bit key."""
    ciphertext_bytes = 2 * bits // 8  # a ciphertext is a number modulo n**2: 4096 bits
    return n_weights * ciphertext_bytes


__all__ += ["paillier_decrypt", "upload_bytes"]


# --- 09 secret sharing -------------------------------------------------------------------------

def additive_shares(secret: int, n_shares: int, rng: np.random.Generator) -> np.ndarray:
    """Split ``secret`` (an integer in [0, 2**64)) into ``n_shares`` additive shares.

    Return a uint64 array of ``n_shares`` ring elements whose sum modulo 2**64 is
    ``secret``; all but the last are uniform over the ring, drawn from ``rng``.
    """
    shares = rng.integers(0, 2**64, size=n_shares, dtype=np.uint64)
    shares[-1] = (secret - sum(int(s) for s in shares[:-1])) % 2**64
    return shares


def lagrange_at_zero(xs: list, ys: list, p: int) -> int:
    """The secret ``f(0) mod p`` from the points ``(xs[i], ys[i])`` of a Shamir polynomial.

    ``f`` has degree ``len(xs) - 1``; Lagrange: ``f(0) = sum_i ys[i] * L_i(0)`` with
    ``L_i(0) = prod_{j != i} (0 - xs[j]) / (xs[i] - xs[j])``, divisions modulo ``p``.
    """
    secret = 0
    for i, (xi, yi) in enumerate(zip(xs, ys)):
        num, den = 1, 1
        for j, xj in enumerate(xs):
            if j != i:
                num = num * (-xj) % p
                den = den * (xi - xj) % p
        secret = (secret + yi * num * pow(den, -1, p)) % p
    return secret


__all__ += ["additive_shares", "lagrange_at_zero"]


# --- 01 why anonymisation fails ---------------------------------------------------------------

def unique_share(zip_codes: np.ndarray, birth_dates: np.ndarray, sexes: np.ndarray) -> float:
    """Share of people whose combination (ZIP code, birth date, sex) nobody else has.

    The three arrays have one entry per person. Count how many people share
    each combination, then return the fraction of people whose count is 1.
    """
    people = list(zip(zip_codes.tolist(), birth_dates.tolist(), sexes.tolist()))
    counts: dict = {}
    for combination in people:
        counts[combination] = counts.get(combination, 0) + 1  # how many share it
    return sum(counts[combination] == 1 for combination in people) / len(people)


def reconstruct_bits(queries: np.ndarray, answers: np.ndarray) -> np.ndarray:
    """Guess the secret bits from subset-sum queries and their noisy answers.

    ``queries`` is a 0/1 matrix, one row per query (``queries[j, i] == 1`` if
    person ``i`` is in subset ``j``); ``answers[j]`` is the noisy count of
    secret 1s in subset ``j``. Solve ``queries @ x = answers`` by least
    squares and round each entry of ``x`` to 0 or 1 (at 1/2).
    """
    x = np.linalg.lstsq(queries, answers, rcond=None)[0]  # the best fit to every answer
    return (x >= 0.5).astype(int)


__all__ += ["unique_share", "reconstruct_bits"]


# --- 10 secure aggregation --------------------------------------------------------------------

def mask_updates(updates: np.ndarray, pair_masks: np.ndarray) -> np.ndarray:
    """Each client's masked input: its update plus its pairwise masks, modulo 2**64.

    ``updates`` is a uint64 array ``(n_clients, dimension)`` (fixed point);
    ``pair_masks[u, v]`` (uint64, shape ``(n_clients, n_clients, dimension)``,
    the same for ``[u, v]`` and ``[v, u]``) is the mask clients ``u`` and ``v``
    agreed. Client ``u`` adds the masks it shares with every client after it
    and subtracts those it shares with every client before it:
    ``y_u = x_u + sum_{v > u} m_uv - sum_{v < u} m_uv (mod 2**64)``.
    Return the uint64 array of the ``y_u``.
    """
    n = updates.shape[0]
    masked = updates.copy()
    for u in range(n):
        for v in range(n):
            if v > u:
                masked[u] += pair_masks[u, v]  # uint64 arithmetic wraps around: mod 2**64
            elif v < u:
                masked[u] -= pair_masks[u, v]
    return masked


def round_bytes(n_clients: int, n_dropped: int, dimension: int) -> int:
    """Bytes (up and down) of one round of secure aggregation, from the cost table.

    ``k = n_clients - n_dropped`` clients survive; keys are K = 32 bytes, a
    sealed share bundle is E = 104 bytes, a masked word 8 bytes.
    """
    n, k, m = n_clients, n_clients - n_dropped, dimension
    advertise = 2 * 32 * n + 2 * 32 * n**2          # two public keys up; the list to everyone
    share_keys = 2 * 104 * n * (n - 1)              # every bundle goes up once and down once
    masked_input = 8 * m * k                        # the survivors' masked vectors
    unmasking = 8 * 5 * n * k + 4 * k**2            # shares of 5 elements up; survivor lists down
    return advertise + share_keys + masked_input + unmasking


__all__ += ["mask_updates", "round_bytes"]


# --- 12 privacy by design -----------------------------------------------------------------------

def hospitals_needed() -> int:
    """Fewest hospitals (3, 5 or 10) for the design that hides each update and is DP, at 80%.

    Only federated learning with secure aggregation and DP-FedAvg keeps every
    update from the server and bounds the released model; read its measured
    accuracy at epsilon 2 in the kit's table (seed 12). 0 if no count reaches 80%.
    """
    from ppml_lab.design import design, evaluate_design

    for n_hospitals in (3, 5, 10):
        result = evaluate_design(design("federated + secure aggregation + DP", epsilon=2.0,
                                        n_hospitals=n_hospitals), rng=12)
        if result.accuracy >= 0.80:
            return n_hospitals
    return 0


def record_epsilon() -> float:
    """The epsilon a record of processing states: built from the one ledger of every release."""
    from ppml_lab.design import design, evaluate_design
    from ppml_lab.dp import BudgetAccountant
    from ppml_lab.governance import processing_record

    run = evaluate_design(design("federated + secure aggregation + DP", epsilon=2.0,
                                 n_hospitals=5), rng=12)
    ledger = BudgetAccountant(4.0, 1e-5)
    ledger.spend(run.epsilon, run.delta, label="DP-FedAvg training, 5 hospitals")
    with ledger.parallel(label="patients per hospital") as block:
        for h in range(5):
            block.spend(0.5, label=f"DP count, hospital {h}", partition=f"hospital {h}")
    ledger.spend(0.25, label="DP mean tumour radius, every patient")
    record = processing_record(ledger, purpose="predict tumour malignancy",
                               data_categories=["tumour measurements", "diagnosis"],
                               recipients=["participating hospitals"], retention="2 years",
                               techniques={"DP-FedAvg": {"epsilon": 2.0}})
    return record.epsilon_spent


__all__ += ["hospitals_needed", "record_epsilon"]


# --- 13 scaling out with Flower -------------------------------------------------------------------

def client_rows(n_rows: int, n_clients: int, partition_id: int) -> np.ndarray:
    """The training rows SuperNode ``partition_id`` loads: its part of the reference split.

    Every process computes the split itself, from the same seed, so no row is
    sent: shuffle the row numbers 0 .. n_rows - 1 with a generator seeded with 0,
    cut the shuffled rows into ``n_clients`` nearly equal consecutive parts
    (``np.array_split``) and return part ``partition_id`` (ids start at 0).
    """
    order = np.random.default_rng(0).permutation(n_rows)
    return np.array_split(order, n_clients)[partition_id]


def break_even_params() -> float:
    """Millions of parameters from which moving the model takes longer than the engine's overhead.

    6.0 s of engine overhead per round; float32 down and up (4 bytes each way) over
    a 20 Mbit/s link; latency and training ignored.
    """
    overhead = 6.0                      # seconds per round (DEFAULT_ROUND_OVERHEAD_SECONDS)
    bytes_per_second = 20e6 / 8         # 20 Mbit/s
    bytes_per_parameter = 2 * 4         # down and up, float32
    return overhead * bytes_per_second / bytes_per_parameter / 1e6


__all__ += ["client_rows", "break_even_params"]
