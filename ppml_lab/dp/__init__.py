"""Differential privacy: mechanisms and private queries.

Introduced in notebooks 02 (randomized response) and 03 (Laplace and Gaussian);
DP models in notebook 05.
The unit of privacy is one example, with add/remove-one neighbouring datasets.
"""

from __future__ import annotations

from .mechanisms import (ExponentialMechanism, GaussianMechanism, LaplaceMechanism,
                         RandomizedResponse, gaussian_delta, report_noisy_max)
from .experiments import (attacker_posterior_bound, noise_experiment, noisy_count_experiment,
                          randomized_response_experiment)
from .queries import DPHistogram, dp_count, dp_histogram, dp_mean, dp_sum
from .discrete import bernoulli_exp, discrete_laplace, discrete_laplace_pmf, discrete_laplace_variance, reference_discrete_laplace  # noqa: E501
from .estimates import EstimateCheck, compare_to_truth
from .gaussian_loss import GaussianPrivacyLoss, gaussian_privacy_loss
from .composition import (PrivacyGuarantee, advanced_composition, basic_composition,
                          optimal_composition, parallel_composition)
from .rdp import (RDPAccountant, gaussian_rdp, laplace_rdp, rdp_to_delta, rdp_to_epsilon,
                  subsampled_gaussian_rdp)
from .zcdp import gaussian_zcdp, zcdp_to_dp
from .dpsgd import calibrate_noise_multiplier, dpsgd_epsilon
from .pld import PLDAccountant
from .budget import BlockPartition, BudgetAccountant, LedgerEntry, ParallelBlock
from .composition_experiments import CompositionCurves, composition_curves
from .logistic import DPLogisticRegression
from .training_experiments import AccuracyCurve, AccuracyPoint, accuracy_at, accuracy_curve
from .tuning_experiments import TuningCost, tuning_cost_experiment

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
    "discrete_laplace", "discrete_laplace_pmf", "discrete_laplace_variance", "bernoulli_exp", "reference_discrete_laplace",  # noqa: E501
    "EstimateCheck",
    "compare_to_truth",
    "GaussianPrivacyLoss",
    "gaussian_privacy_loss",
    "attacker_posterior_bound",
    "noisy_count_experiment",
    "randomized_response_experiment",
    "noise_experiment",
    "PrivacyGuarantee",
    "basic_composition",
    "parallel_composition",
    "advanced_composition",
    "optimal_composition",
    "RDPAccountant",
    "PLDAccountant",
    "gaussian_rdp",
    "laplace_rdp",
    "subsampled_gaussian_rdp",
    "rdp_to_epsilon",
    "rdp_to_delta",
    "gaussian_zcdp",
    "zcdp_to_dp",
    "dpsgd_epsilon",
    "calibrate_noise_multiplier",
    "BudgetAccountant",
    "BlockPartition",
    "LedgerEntry",
    "ParallelBlock",
    "CompositionCurves",
    "composition_curves",
    "DPLogisticRegression",
    "AccuracyCurve",
    "AccuracyPoint",
    "TuningCost",
    "accuracy_curve",
    "accuracy_at",
    "tuning_cost_experiment",
]
