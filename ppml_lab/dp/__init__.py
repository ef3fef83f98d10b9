"""Differential privacy: mechanisms and private queries.

Introduced in notebooks 02 (randomized response) and 03 (Laplace and Gaussian).
The unit of privacy is one example, with add/remove-one neighbouring datasets.
"""

from __future__ import annotations

from .mechanisms import (ExponentialMechanism, GaussianMechanism, LaplaceMechanism,
                         RandomizedResponse, gaussian_delta, report_noisy_max)

__all__ = [
    "LaplaceMechanism",
    "GaussianMechanism",
    "RandomizedResponse",
    "ExponentialMechanism",
    "report_noisy_max",
    "gaussian_delta",
]
