"""Reference solutions of the exercises: plain functions, written the way a learner would.

These functions are the single source of truth. The checks are tested against
them, :func:`ppml_lab.exercises.show_solution` renders their source with
:func:`inspect.getsource`, and each exercise's starter code is generated from
them (signature and docstring kept, body replaced by ``...``), so exercises and
solutions never drift apart.

They use only ``np`` (numpy), which every notebook imports, so a learner can
paste a solution into a notebook cell and run it.

Introduced in notebook 00 (warm-up), notebook 02 (randomized response: exercises
02.1 and 02.2) and notebook 03 (Laplace and Gaussian: exercises 03.1 to 03.4).

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


def gaussian_sigma(sensitivity: float, epsilon: float, delta: float) -> float:
    """Noise standard deviation of the classic Gaussian mechanism.

    For epsilon < 1, adding normal noise of standard deviation
    ``sigma = sensitivity * sqrt(2 * ln(1.25 / delta)) / epsilon`` gives
    (epsilon, delta)-differential privacy (Dwork and Roth, Theorem A.1).
    Return that sigma.
    """
    return sensitivity * np.sqrt(2 * np.log(1.25 / delta)) / epsilon


def epsilon_for_posterior(certainty: float = 0.9, prior: float = 0.5) -> float:
    """Largest epsilon that keeps a 50/50 attacker's certainty at or below 90 %."""
    prior_odds = prior / (1 - prior)
    posterior_odds = certainty / (1 - certainty)
    return np.log(posterior_odds / prior_odds)
