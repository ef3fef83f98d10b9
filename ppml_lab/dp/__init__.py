"""Differential privacy: mechanisms and private queries.

Introduced in notebooks 02 (randomized response) and 03 (Laplace and Gaussian).
The unit of privacy is one example, with add/remove-one neighbouring datasets.
"""

from __future__ import annotations

from .mechanisms import (ExponentialMechanism, GaussianMechanism, LaplaceMechanism,
                         RandomizedResponse, gaussian_delta, report_noisy_max)
from .experiments import (attacker_posterior_bound, noise_experiment, noisy_count_experiment,
                          randomized_response_experiment)
from .queries import DPHistogram, dp_count, dp_histogram, dp_mean, dp_sum

__all__ = [
    "LaplaceMechanism",
    "GaussianMechanism",
    "RandomizedResponse",
    "ExponentialMechanism",
    "report_noisy_max",
    "gaussian_delta",
    "dp_count",
    "dp_sum",
    "dp_mean",
    "dp_histogram",
    "DPHistogram",
    "attacker_posterior_bound",
    "noisy_count_experiment",
    "randomized_response_experiment",
    "noise_experiment",
]
