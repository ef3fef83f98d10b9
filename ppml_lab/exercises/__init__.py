"""Auto-checked exercises for the notebooks: checks, hints and solutions.

A notebook shows a starter (a function whose body is ``...``, or a variable set
to ``...``) and a check cell. Until the learner fills in the starter, the check
says "not attempted yet" and how to ask for a hint (none is shown unasked), so
the notebook still runs top to bottom. Then it says "passed" or "not yet", with
a hint aimed at the mistake it found. :func:`hint` gives hints in tiers
(``hint("02.1", level=2)`` is more specific than level 1). Exercises that ask
for what the library already has refuse an answer that calls it.

=================  ==========================================  ====================================
id                 check                                       the learner writes
=================  ==========================================  ====================================
00.1               :func:`check_warmup`                        a number: the Laplace scale at 0.5
01.1               :func:`check_unique_share`                  ``fn(zip_codes, birth_dates, sexes)``
01.2               :func:`check_reconstruct_bits`              ``fn(queries, answers)``
02.1               :func:`check_randomized_response`           ``fn(true_answer, epsilon, rng)``
02.2               :func:`check_rr_estimate`                   ``fn(reports, epsilon)``
03.1               :func:`check_laplace_mechanism`             ``fn(true_value, sensitivity,
                                                               epsilon, rng)``
03.2               :func:`check_posterior_bound`               a probability
03.3               :func:`check_gaussian_sigma`                a sigma, from an L2 sensitivity
03.4               :func:`check_epsilon_for_posterior`         an epsilon
04.1               :func:`check_advanced_pays_off`             ``fn(epsilon, delta_prime)``
04.2               :func:`check_noise_for_target`              ``fn(target_epsilon, delta,
                                                               sample_rate, steps)``
05.1               :func:`check_dpsgd_step`                    ``fn(per_example_grads, clip_norm,
                                                               noise_multiplier, rng)``
05.2               :func:`check_tuning_cost`                   a number of tuning candidates
06.1               :func:`check_loss_scores`                   ``fn(proba, y)``
06.2               :func:`check_advantage_bound`               an advantage
06.3               :func:`check_empirical_epsilon`             ``fn(tpr, fpr, delta)``
07.1               :func:`check_fedavg_aggregate`              ``fn(client_weights, n_examples)``
07.2               :func:`check_dirichlet_split`               ``fn(y, n_clients, alpha, rng)``
07.3               :func:`check_worst_alpha`                   an alpha (predict, then check)
08.1               :func:`check_dp_fedavg_round`               ``fn(global_weights, client_weights,
                                                               clip_norm, noise_multiplier, rng)``
08.2               :func:`check_fedavg_epsilon`                an epsilon of a DP-FedAvg deployment
08.3               :func:`check_read_batch`                    ``fn(update, n_classes)``
09.1               :func:`check_additive_shares`               ``fn(secret, n_shares, rng)``
09.2               :func:`check_lagrange_at_zero`              ``fn(xs, ys, p)``
10.1               :func:`check_mask_updates`                  ``fn(updates, pair_masks)``
10.2               :func:`check_round_bytes`                   ``fn(n_clients, n_dropped,
                                                               dimension)``
11.1               :func:`check_paillier_decrypt`              ``fn(c, n, lam, mu)``
11.2               :func:`check_upload_bytes`                  bytes of an encrypted update
12.1               :func:`check_hospitals_needed`              a number of hospitals (3, 5, 10 or 0)
12.2               :func:`check_record_epsilon`                the epsilon a record of processing states
13.1               :func:`check_client_rows`                   ``fn(n_rows, n_clients, partition_id)``
13.2               :func:`check_break_even_params`             a model size (millions of parameters)
=================  ==========================================  ====================================

:func:`progress` shows, per notebook, which exercises the learner has passed,
attempted or not tried yet in this kernel (the checks note every verdict;
:func:`reset_progress` forgets them). :func:`hint` and :func:`show_solution`
take an exercise id; the solutions are
the functions of :mod:`ppml_lab.exercises.solutions`, and each exercise's
starter (:attr:`Exercise.starter`) is generated from its solution, so the
three never drift apart. :func:`list_exercises` shows them all.

Introduced in notebook 00.

Examples
--------
>>> from ppml_lab.exercises import check_warmup, show_solution
>>> check_warmup(0.5)
❌ Exercise 00.1 not yet: you answered 0.5; the noise scale at epsilon = 0.5 is larger.
💡 Hint: 0.5 is epsilon itself (or `epsilon / sensitivity`, upside down). The scale is `sensitivity / epsilon`.
>>> "return sensitivity / epsilon" in show_solution("00.1").source
True
"""

from __future__ import annotations

from . import solutions
from ._catalog import get_exercise, hint, list_exercises, show_solution
from ._core import CheckResult, Exercise, ExerciseList, Hint, Solution
from ._progress import Progress, progress, reset_progress
from ._record import ProgressRecord
from .composition_budgets import check_advanced_pays_off, check_noise_for_target
from .dp_training import check_dpsgd_step, check_tuning_cost
from .anonymisation import check_reconstruct_bits, check_unique_share
from .homomorphic import check_paillier_decrypt, check_upload_bytes
from .secret_sharing import check_additive_shares, check_lagrange_at_zero
from .secure_aggregation import check_mask_updates, check_round_bytes
from .federated import check_dirichlet_split, check_fedavg_aggregate, check_worst_alpha
from .laplace_gaussian import (check_epsilon_for_posterior, check_gaussian_sigma,
                               check_laplace_mechanism, check_posterior_bound)
from .membership import check_advantage_bound, check_empirical_epsilon, check_loss_scores
from .private_federated import (check_dp_fedavg_round, check_fedavg_epsilon,
                                check_read_batch)
from .randomized_response import check_randomized_response, check_rr_estimate
from .start_here import check_warmup
from .privacy_by_design import check_hospitals_needed, check_record_epsilon
from .scaling_out import check_break_even_params, check_client_rows

__all__ = [
    "CheckResult",
    "Exercise",
    "ExerciseList",
    "Hint",
    "Solution",
    "check_warmup",
    "check_randomized_response",
    "check_rr_estimate",
    "check_laplace_mechanism",
    "check_posterior_bound",
    "check_gaussian_sigma",
    "check_epsilon_for_posterior",
    "check_advanced_pays_off",
    "check_noise_for_target",
    "check_dpsgd_step",
    "check_tuning_cost",
    "check_loss_scores",
    "check_advantage_bound",
    "check_empirical_epsilon",
    "check_fedavg_aggregate", "check_dirichlet_split", "check_worst_alpha",
    "check_paillier_decrypt", "check_upload_bytes",
    "check_additive_shares", "check_lagrange_at_zero",
    "check_mask_updates", "check_round_bytes",
    "check_unique_share", "check_reconstruct_bits",
    "check_dp_fedavg_round", "check_fedavg_epsilon", "check_read_batch",
    "check_hospitals_needed", "check_record_epsilon",
    "check_client_rows", "check_break_even_params",
    "get_exercise",
    "hint",
    "list_exercises",
    "progress",
    "reset_progress",
    "Progress",
    "ProgressRecord",
    "show_solution",
    "solutions",
]
