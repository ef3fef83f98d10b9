"""Exercises 05.1 and 05.2 (one DP-SGD step, the privacy cost of tuning): checks and hints."""

from __future__ import annotations

import numpy as np
import pytest

from ppml_lab.exercises import (check_dpsgd_step, check_tuning_cost, get_exercise, hint,
                                show_solution, solutions)

# --- 05.1: correct answers written differently pass -----------------------------------------------


def step_loop(per_example_grads, clip_norm, noise_multiplier, rng):
    total = np.zeros(per_example_grads.shape[1])
    for row in per_example_grads:
        norm = np.linalg.norm(row)
        total += row / max(1.0, norm / clip_norm)
    total += noise_multiplier * clip_norm * rng.standard_normal(per_example_grads.shape[1])
    return total / len(per_example_grads)


def step_list(per_example_grads, clip_norm, noise_multiplier, rng):  # returns a list
    out = solutions.dpsgd_step(per_example_grads, clip_norm, noise_multiplier, rng)
    return [float(v) for v in out]


@pytest.mark.parametrize("fn", [solutions.dpsgd_step, step_loop, step_list])
def test_correct_dpsgd_step_passes(fn):
    result = check_dpsgd_step(fn)
    assert result.passed, result
    assert "expected 0.0600 = 1.5 x 2 / 50" in result.message


def test_the_solution_clips_rows_and_leaves_short_rows_alone():
    g = np.array([[3.0, 4.0], [0.3, 0.4]])
    out = solutions.dpsgd_step(g, 1.0, 0.0, np.random.default_rng(0))
    np.testing.assert_allclose(out, [(0.6 + 0.3) / 2, (0.8 + 0.4) / 2])


# --- 05.1: typical mistakes get their hint --------------------------------------------------------

def _clip_rows(g, c):
    return g * np.minimum(1.0, c / np.linalg.norm(g, axis=1, keepdims=True))


def _noise(rng, std, d):
    return rng.normal(0.0, std, size=d)


MISTAKES_05_1 = {
    "no clipping": (lambda g, c, s, rng: (g.sum(0) + _noise(rng, s * c, g.shape[1])) / len(g),
                    "The rows were not clipped"),
    "clip the sum": (lambda g, c, s, rng: (_clip_rows(g.sum(0)[None], c)[0]
                                           + _noise(rng, s * c, g.shape[1])) / len(g),
                     "You clipped the sum"),
    "normalise every row": (lambda g, c, s, rng: ((g * c / np.linalg.norm(g, axis=1,
                                                                            keepdims=True)).sum(0)
                                                  + _noise(rng, s * c, g.shape[1])) / len(g),
                            "Rows shorter than `clip_norm` must stay as they are"),
    "no averaging": (lambda g, c, s, rng: _clip_rows(g, c).sum(0) + _noise(rng, s * c, g.shape[1]),
                     "Divide the noisy sum by the number of examples"),
    "noise without clip_norm": (lambda g, c, s, rng: (_clip_rows(g, c).sum(0)
                                                      + _noise(rng, s, g.shape[1])) / len(g),
                                "the clipping norm is the sensitivity"),
    "noise divided twice": (lambda g, c, s, rng: (_clip_rows(g, c).sum(0)
                                                  + _noise(rng, s * c, g.shape[1]) / len(g))
                            / len(g), "divided the noise by the number of examples twice"),
    "noise not divided": (lambda g, c, s, rng: _clip_rows(g, c).mean(0)
                          + _noise(rng, s * c, g.shape[1]),
                          "The noise must be divided by the number of examples too"),
    "variance for std": (lambda g, c, s, rng: (_clip_rows(g, c).sum(0)
                                               + _noise(rng, (s * c) ** 2, g.shape[1])) / len(g),
                         "not a variance"),
    "noise per example": (lambda g, c, s, rng: (_clip_rows(g, c)
                                                + rng.normal(0.0, s * c, size=g.shape)).sum(0)
                          / len(g), "per-example noise averages out"),
    "one noise number": (lambda g, c, s, rng: (_clip_rows(g, c).sum(0)
                                               + rng.normal(0.0, s * c)) / len(g),
                         "one noise number per coordinate"),
    "no noise": (lambda g, c, s, rng: _clip_rows(g, c).mean(0), "Add `rng.normal"),
    "global random": (lambda g, c, s, rng: (_clip_rows(g, c).sum(0) + np.random.normal(
        0.0, s * c, size=g.shape[1])) / len(g), "never with `np.random.normal`"),
    "per-row result": (lambda g, c, s, rng: _clip_rows(g, c), "Sum the clipped rows"),
}


@pytest.mark.parametrize("name", sorted(MISTAKES_05_1))
def test_dpsgd_step_mistakes_get_their_hint(name):
    fn, hint = MISTAKES_05_1[name]
    result = check_dpsgd_step(fn)
    assert result.status == "failed", result
    assert hint in result.hint, result


def test_biased_noise_is_refused():
    def biased(per_example_grads, clip_norm, noise_multiplier, rng):
        d = per_example_grads.shape[1]
        noisy = _clip_rows(per_example_grads, clip_norm).sum(0) + rng.normal(
            noise_multiplier * clip_norm, noise_multiplier * clip_norm, size=d)
        return noisy / len(per_example_grads)

    result = check_dpsgd_step(biased)
    assert result.status == "failed" and "should average zero" in result.message


def test_dpsgd_step_unknown_mistake_gets_the_general_hint():
    result = check_dpsgd_step(lambda g, c, s, rng: np.zeros(g.shape[1]))
    assert result.status == "failed"
    assert result.hint == get_exercise("05.1").hint
    assert "the clipped mean is" in result.message


def test_dpsgd_step_learner_errors_are_reported_not_raised():
    def broken(per_example_grads, clip_norm, noise_multiplier, rng):
        return per_example_grads @ np.ones(7)

    result = check_dpsgd_step(broken)
    assert result.status == "failed" and "raised ValueError" in result.message


def test_dpsgd_step_starter_is_not_attempted(starter_namespace):
    namespace = starter_namespace("05.1")
    result = check_dpsgd_step(namespace["dpsgd_step"])
    assert result.status == "not attempted"
    assert "not attempted yet" in repr(result)


def test_dpsgd_step_check_is_deterministic():
    assert repr(check_dpsgd_step(step_loop)) == repr(check_dpsgd_step(step_loop))
    wrong = MISTAKES_05_1["noise without clip_norm"][0]
    assert repr(check_dpsgd_step(wrong)) == repr(check_dpsgd_step(wrong))


# --- 05.1: hints come in tiers and do not give the code away ----------------------------------

def test_dpsgd_step_hints_are_tiers_from_a_nudge_to_the_method():
    exercise = get_exercise("05.1")
    assert len(exercise.hints) == 3
    nudge, *more = exercise.hints
    for code in ("np.minimum", "np.linalg.norm", "rng.normal", "axis=", "noise_multiplier *"):
        assert code not in nudge, code  # tier 1 is a nudge, not the answer
    assert "np.minimum" in more[-1] and "rng.normal" in more[-1]  # the last names the methods
    body = [line.strip() for line in show_solution("05.1").source.splitlines()[-4:]]
    assert not any(line in hint for line in body for hint in exercise.hints)  # never the code


def test_dpsgd_step_tier_hints_are_reachable():
    text = repr(hint("05.1", level=1))
    assert 'exercises.hint("05.1", level=2)' in text
    assert "Hint 3 of 3" in repr(hint("05.1", level=3))


def test_dpsgd_step_unrecognised_failure_shows_the_nudge_only():
    result = check_dpsgd_step(lambda g, c, s, rng: np.ones(g.shape[1]))
    assert result.hint == get_exercise("05.1").hints[0]


# --- 05.2 how many candidates a budget buys -----------------------------------------------------

def test_candidates_within_budget_solution_matches_exact_gaussian_composition():
    from ppml_lab.dp import dpsgd_epsilon
    from ppml_lab.dp.composition_experiments import step_epsilon

    k = solutions.candidates_within_budget()
    assert k == 7
    # k full-batch runs of 60 steps at sigma: one Gaussian with noise multiplier sigma / sqrt(60 k)
    assert step_epsilon(28.9 / np.sqrt(60 * k), 1.0, 1e-5) <= 3.0
    assert step_epsilon(28.9 / np.sqrt(60 * (k + 1)), 1.0, 1e-5) > 3.0
    # the RDP accountant is looser: it allows one candidate less
    assert dpsgd_epsilon(28.9, 1.0, 60 * k, 1e-5) > 3.0
    # one candidate is the defaults at epsilon 1
    assert abs(dpsgd_epsilon(28.9, 1.0, 60, 1e-5, accountant="pld") - 1.0) < 1e-3


def test_tuning_cost_right_answer_passes():
    result = check_tuning_cost(7)
    assert result.passed, result
    assert "7 candidates at epsilon 1 each cost epsilon 2.95" in result.message
    assert "8 would cost 3.19" in result.message
    assert check_tuning_cost(7.0).passed and check_tuning_cost(np.int64(7)).passed


@pytest.mark.parametrize("answer, hint_text", [(3, "basic composition of the epsilons"),
                                               (1, "deltas included, fits only one run"),
                                               (6, "RDP accountant"),
                                               (8, "not the first one over it"),
                                               (9, "square root of k"),
                                               (7.4, "rounded down"),
                                               (2.5, "whole number of training runs")])
def test_tuning_cost_mistakes_get_their_hint(answer, hint_text):
    result = check_tuning_cost(answer)
    assert result.status == "failed"
    assert hint_text in result.hint, result


@pytest.mark.parametrize("answer", [5, 0, -2, 30])
def test_tuning_cost_unknown_answer_gets_the_nudge(answer):
    result = check_tuning_cost(answer)
    assert result.status == "failed" and result.hint == get_exercise("05.2").hints[0]


def test_tuning_cost_hints_are_tiers_and_the_nudge_hides_the_answer():
    exercise = get_exercise("05.2")
    assert len(exercise.hints) == 3
    assert "7" not in exercise.hints[0] and "dpsgd_epsilon" not in exercise.hints[0]
    assert "dpsgd_epsilon" in exercise.hints[-1]
    assert all("7" not in h for h in exercise.hints)  # no tier states the answer


def test_tuning_cost_starter_is_not_attempted(starter_namespace):
    namespace = starter_namespace("05.2")
    assert namespace["n_candidates"] is Ellipsis
    result = check_tuning_cost(namespace["n_candidates"])
    assert result.status == "not attempted"
    assert "Hint" not in repr(result) and 'exercises.hint("05.2")' in repr(result)


def test_tuning_cost_solution_renders_with_its_value():
    assert "n_candidates = candidates_within_budget()  # = 7" in show_solution("05.2").code


def test_tuning_cost_refuses_text():
    with pytest.raises(TypeError, match="`answer` must be"):
        check_tuning_cost("5")
