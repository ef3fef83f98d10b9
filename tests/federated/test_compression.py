"""Update compression: unbiased quantisation, top-k with error feedback, bytes counted."""

import math

import numpy as np
import pytest

from ppml_lab.federated import StochasticQuantizer, TopK, dirichlet_partition, run_federated
from ppml_lab.federated.compression import check_compression


def test_quantiser_is_unbiased_with_the_variance_of_a_bernoulli_rounding():
    """Each coordinate decodes to one of its two neighbouring levels, the upper one with
    probability equal to the remainder: mean = the value, variance = step^2 r (1 - r)."""
    value = np.array([[0.0, 0.3, 1.0, 0.77]])
    q = StochasticQuantizer(bits=2)                                   # step 1/3: levels 0, 1/3, 2/3, 1
    n = 20_000
    decoded = q.compress(np.repeat(value, n, axis=0), rng=0)
    step = 1 / 3
    for j, v in enumerate(value[0]):
        r = v / step - math.floor(v / step)
        sd = step * math.sqrt(r * (1 - r))
        assert set(np.round(decoded[:, j] / step, 9)) <= {math.floor(v / step), math.ceil(v / step)}
        if sd:
            z = (decoded[:, j].mean() - v) / (sd / math.sqrt(n))
            assert abs(z) < 4.5, (j, z)
        else:
            assert np.all(decoded[:, j] == v)


def test_quantiser_keeps_the_extremes_and_constant_rows_exactly():
    rng = np.random.default_rng(1)
    updates = rng.standard_normal((5, 50))
    updates[2] = 0.25
    decoded = StochasticQuantizer(8).compress(updates, rng=2)
    np.testing.assert_array_equal(decoded.min(axis=1), updates.min(axis=1))
    np.testing.assert_allclose(decoded.max(axis=1), updates.max(axis=1), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(decoded[2], updates[2])
    step = (updates.max(axis=1) - updates.min(axis=1)) / 255
    assert np.all(np.abs(decoded - updates) <= step[:, None] * (1 + 1e-9))


def test_topk_keeps_the_largest_magnitudes():
    rng = np.random.default_rng(0)
    updates = rng.standard_normal((4, 30))
    sent = TopK(fraction=0.2).compress(updates)
    for row, out in zip(updates, sent):
        kept = np.flatnonzero(out)
        assert len(kept) == 6
        assert set(kept) == set(np.argsort(-np.abs(row))[:6])
        np.testing.assert_array_equal(out[kept], row[kept])
    np.testing.assert_array_equal(TopK(fraction=1.0).compress(updates), updates)


def test_bytes_per_update():
    assert StochasticQuantizer(8).bytes_per_update(650) == 650 + 16
    assert StochasticQuantizer(4).bytes_per_update(651) == 326 + 16
    assert TopK(0.1).bytes_per_update(650) == 65 * 12
    assert TopK(0.001).bytes_per_update(650) == 12                      # at least one coordinate


@pytest.fixture(scope="module")
def digits_run():
    from sklearn.datasets import load_digits
    from sklearn.preprocessing import StandardScaler
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    order = np.random.default_rng(0).permutation(len(y))
    X, y = X[order], y[order]
    parts = dirichlet_partition(y[:1200], 20, 1.0, rng=0)
    return X[:1200], y[:1200], parts, X[1200:], y[1200:]


def test_compressed_runs_count_the_bytes_they_send(digits_run):
    X, y, parts, X_test, y_test = digits_run
    plain = run_federated(X, y, parts, X_test, y_test, rounds=5, rng=0)
    p = plain.model.n_params
    np.testing.assert_array_equal(plain.bytes_up, plain.bytes_up_uncompressed)
    for compressor, per_update in [(StochasticQuantizer(8), p + 16), (TopK(0.1), 65 * 12)]:
        h = run_federated(X, y, parts, X_test, y_test, rounds=5, compression=compressor, rng=0)
        np.testing.assert_array_equal(h.bytes_up, h.n_participants * per_update)
        np.testing.assert_array_equal(h.bytes_up_uncompressed, plain.bytes_up)
        np.testing.assert_array_equal(h.bytes_down, plain.bytes_down)   # the model goes down whole
        assert "saved by compression" in h.summary()


def test_eight_bit_quantisation_costs_almost_no_accuracy(digits_run):
    X, y, parts, X_test, y_test = digits_run
    plain = run_federated(X, y, parts, X_test, y_test, rounds=10, rng=0)
    quantised = run_federated(X, y, parts, X_test, y_test, rounds=10,
                              compression=StochasticQuantizer(8), rng=0)
    assert abs(quantised.accuracy[-1] - plain.accuracy[-1]) <= 0.01
    assert np.abs(quantised.weights - plain.weights).max() > 0      # it did change something


def test_error_feedback_rescues_aggressive_topk(digits_run):
    """1% of the coordinates per round: without memory the small coordinates are never
    learned; with error feedback they arrive later. Measured: 0.951 with, 0.889 without."""
    X, y, parts, X_test, y_test = digits_run
    kwargs = dict(rounds=30, rng=0)
    feedback = run_federated(X, y, parts, X_test, y_test, compression=TopK(0.01), **kwargs)
    memoryless = run_federated(X, y, parts, X_test, y_test,
                               compression=TopK(0.01, error_feedback=False), **kwargs)
    assert feedback.accuracy[-1] > memoryless.accuracy[-1] + 0.05


def test_compression_bad_input():
    with pytest.raises(ValueError, match="`bits`"):
        StochasticQuantizer(bits=64)
    with pytest.raises(TypeError, match="`bits`"):
        StochasticQuantizer(bits=2.5)
    with pytest.raises(ValueError, match="`fraction`"):
        TopK(fraction=1.5)
    with pytest.raises(TypeError, match="`error_feedback`"):
        TopK(error_feedback="yes")
    with pytest.raises(TypeError, match="`compression`"):
        check_compression("int8")
    X = np.random.default_rng(0).standard_normal((20, 2))
    y = (X[:, 0] > 0).astype(int)
    with pytest.raises(TypeError, match="`compression`"):
        run_federated(X, y, [np.arange(20)], X, y, compression=8)
