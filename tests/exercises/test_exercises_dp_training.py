"""Exercises 05.1 and 05.2 (one DP-SGD step, the privacy cost of tuning): checks and hints."""

from __future__ import annotations

import numpy as np
import pytest

from ppml_lab.exercises import check_dpsgd_step, check_tuning_cost, get_exercise, solutions

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


# --- 05.2 ----------------------------------------------------------------------------------------

def test_tuning_cost_right_answer_passes():
    assert solutions.tuning_total_epsilon() == 5.0
    result = check_tuning_cost(5)
    assert result.passed and "ten times the budget" in result.message


@pytest.mark.parametrize("answer, hint", [(0.5, "their epsilons add up"),
                                          (0.05, "split ten ways"),
                                          (0.5 * np.sqrt(10), "square-root growth"),
                                          (1e-5, "total delta"),
                                          (7.0, "basic composition adds their epsilons")])
def test_tuning_cost_mistakes_get_their_hint(answer, hint):
    result = check_tuning_cost(answer)
    assert result.status == "failed"
    assert hint in result.hint


def test_tuning_cost_starter_is_not_attempted(starter_namespace):
    namespace = starter_namespace("05.2")
    assert namespace["total_epsilon"] is Ellipsis
    result = check_tuning_cost(namespace["total_epsilon"])
    assert result.status == "not attempted"


def test_tuning_cost_refuses_text():
    with pytest.raises(TypeError, match="`answer` must be"):
        check_tuning_cost("5")
