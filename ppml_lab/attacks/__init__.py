"""Attacks that show what privacy protections are for: membership inference and auditing.

* :mod:`~ppml_lab.attacks.membership` -- the loss-threshold attack (Yeom et al.
  2018) and the likelihood-ratio attack with shadow models, LiRA (Carlini et
  al. 2022);
* :mod:`~ppml_lab.attacks.metrics` -- ROC curve, AUC, TPR at low FPR, membership
  advantage;
* :mod:`~ppml_lab.attacks.audit` -- an empirical lower bound on epsilon from an
  audit game with Clopper-Pearson intervals (Jagielski et al. 2020);
* :mod:`~ppml_lab.attacks.canary` -- a worst-case canary audit of a DP learner, and a
  deliberately broken learner for it to catch;
* :mod:`~ppml_lab.attacks.experiments` -- the attack against a DP and a
  non-private model beside what the guarantee allows (notebook 06's explorer);
* :mod:`~ppml_lab.attacks.gradient_inversion` and :mod:`~ppml_lab.attacks.dlg` --
  reading a federated client's examples out of its update: exactly by division,
  and by gradient matching (deep leakage from gradients) for batches (notebook 08).

Introduced in notebook 06. The unit of privacy is one example: an attack asks
whether one example was in the training set.
"""

from __future__ import annotations

from .audit import AuditResult, audit_epsilon_lower_bound, clopper_pearson, empirical_epsilon
from .canary import (CanaryAudit, UnderNoisedDPLogisticRegression, canary_datasets,
                     worst_case_canary_audit)
from .experiments import MembershipResult, advantage_bound, membership_experiment, roc_ceiling
from .dlg import DLGResult, deep_leakage
from .floating_point import FloatingPointResult, could_release, float_bits, floating_point_attack, floating_point_experiment, naive_laplace_noise  # noqa: E501
from .gradient_inversion import (InversionResult, gradient_from_update, inversion_experiment,
                                 invert_gradient, invert_softmax_batch, recovery_quality)
from .membership import likelihood_ratio_attack, loss_threshold_attack, true_class_probability
from .linkage import LinkageResult, UniquenessTable, linkage_attack, quasi_identifier_key, uniqueness, uniqueness_table  # noqa: E501
from .anonymity import AttributeDisclosure, KAnonymousRelease, background_knowledge_attack, homogeneity_attack, inference_confidence, k_anonymity, k_anonymize, l_diversity  # noqa: E501
from .differencing import DifferencingResult, differencing_attack, differencing_success_probability  # noqa: E501
from .reconstruction import ReconstructionCurve, ReconstructionResult, noisy_answers, reconstruct, reconstruction_attack, reconstruction_curve, subset_queries  # noqa: E501
from .metrics import (RocCurve, advantage_noise_floor, auc, membership_advantage, roc_curve,
                      tpr_at_fpr)

__all__ = [
    "loss_threshold_attack",
    "likelihood_ratio_attack",
    "true_class_probability",
    "RocCurve",
    "roc_curve",
    "auc",
    "tpr_at_fpr",
    "membership_advantage",
    "advantage_noise_floor",
    "clopper_pearson",
    "empirical_epsilon",
    "AuditResult",
    "audit_epsilon_lower_bound",
    "CanaryAudit",
    "UnderNoisedDPLogisticRegression",
    "canary_datasets",
    "worst_case_canary_audit",
    "MembershipResult",
    "membership_experiment",
    "advantage_bound",
    "roc_ceiling",
    "gradient_from_update",
    "invert_gradient",
    "invert_softmax_batch",
    "recovery_quality",
    "InversionResult",
    "inversion_experiment",
    "DLGResult",
    "deep_leakage",
    "FloatingPointResult", "could_release", "float_bits", "floating_point_attack", "floating_point_experiment", "naive_laplace_noise",  # noqa: E501
    "LinkageResult", "UniquenessTable", "linkage_attack", "quasi_identifier_key", "uniqueness", "uniqueness_table", "AttributeDisclosure", "KAnonymousRelease", "background_knowledge_attack", "homogeneity_attack", "inference_confidence", "k_anonymity", "k_anonymize", "l_diversity", "DifferencingResult", "differencing_attack", "differencing_success_probability", "ReconstructionCurve", "ReconstructionResult", "noisy_answers", "reconstruct", "reconstruction_attack", "reconstruction_curve", "subset_queries",  # noqa: E501
]
