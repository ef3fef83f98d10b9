"""Plots (matplotlib) and live explorers (ipywidgets) for the notebooks.

Every visual has three layers: a pure, seeded computation in
:mod:`ppml_lab.dp.experiments` (layer 1), a ``plot_*`` function here that
draws its result (layer 2), and an explorer that wires sliders to both
(layer 3). Importing this module imports matplotlib and ipywidgets;
``import ppml_lab`` alone does not.

Introduced in notebook 00.
"""

from __future__ import annotations

from ._explorer import Explorer
from .attacks import MembershipExplorer, plot_membership
from .explorers import (CompositionExplorer, LaplaceGaussianExplorer, NoisyCountExplorer,
                        RandomizedResponseExplorer)
from .plots import (plot_composition, plot_noise_comparison, plot_noisy_count,
                    plot_privacy_loss, plot_randomized_response)
from .federated import plot_label_distribution
from .federated_explorer import FederatedExplorer, plot_client_views, plot_federated_curves
from .private_federated import (DPFedAvgExplorer, plot_dp_fedavg_curve, plot_inversion_quality,
                               plot_noise_at_epsilon, plot_recovered_digits)
from .training import DPTrainingExplorer, plot_accuracy_curve
from .secret_sharing import ThresholdExplorer, plot_coalition_view, plot_coalitions
from .secure_aggregation import SecureAggregationExplorer, plot_learned_sum, plot_phase_costs, plot_recovery, plot_secure_federated, plot_server_view  # noqa: E501
from .homomorphic import KeySizeExplorer, plot_aggregation_cost, plot_key_size_costs
from .design import DesignExplorer, plot_design_comparison
from .anonymisation import LinkageExplorer, ReconstructionExplorer, plot_differencing, plot_disclosure, plot_linkage, plot_reconstruction, plot_uniqueness  # noqa: E501
from .deployment import DeploymentCostExplorer, plot_deployment_time, plot_round_parts

__all__ = [
    "ThresholdExplorer", "plot_coalitions", "plot_coalition_view",
    "SecureAggregationExplorer", "plot_recovery", "plot_server_view", "plot_learned_sum", "plot_phase_costs", "plot_secure_federated",  # noqa: E501
    "Explorer",
    "NoisyCountExplorer",
    "RandomizedResponseExplorer",
    "LaplaceGaussianExplorer",
    "CompositionExplorer",
    "DPTrainingExplorer",
    "MembershipExplorer",
    "plot_noisy_count",
    "plot_randomized_response",
    "plot_noise_comparison",
    "plot_composition",
    "plot_accuracy_curve",
    "plot_membership",
    "plot_privacy_loss",
    "plot_label_distribution",
    "FederatedExplorer", "plot_federated_curves", "plot_client_views",
    "DPFedAvgExplorer", "plot_dp_fedavg_curve", "plot_noise_at_epsilon", "plot_recovered_digits",
    "plot_inversion_quality",
    "KeySizeExplorer", "plot_key_size_costs", "plot_aggregation_cost",
    "DesignExplorer", "plot_design_comparison",
    "LinkageExplorer", "ReconstructionExplorer", "plot_differencing", "plot_disclosure", "plot_linkage", "plot_reconstruction", "plot_uniqueness",  # noqa: E501
    "DeploymentCostExplorer", "plot_deployment_time", "plot_round_parts",
]
