"""The federated simulator against plain, one-client-at-a-time numpy references."""

import numpy as np
import pytest

from ppml_lab.federated.models import LogisticModel, MLPModel
from ppml_lab.federated.simulation import History, local_train, pad_clients, run_federated
from ppml_lab.federated.strategies import FedAvg, FedProx


# --- plain references: one client, no padding, formulas written out again ------------------

def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def logistic_grad(w, X, Y):
    """Gradient of the mean cross-entropy of softmax regression, weights (k, d + 1) flat."""
    k, d = Y.shape[1], X.shape[1]
    W = w.reshape(k, d + 1)
    Xb = np.hstack([X, np.ones((len(X), 1))])
    P = softmax(Xb @ W.T)
    return ((P - Y).T @ Xb / len(X)).ravel()


def mlp_grad(w, X, Y, hidden):
    d, k, h = X.shape[1], Y.shape[1], hidden
    W1 = w[:d * h].reshape(d, h)
    b1 = w[d * h:d * h + h]
    W2 = w[d * h + h:d * h + h + h * k].reshape(h, k)
    b2 = w[d * h + h + h * k:]
    H = np.tanh(X @ W1 + b1)
    G = (softmax(H @ W2 + b2) - Y) / len(X)
    dZ = (G @ W2.T) * (1 - H**2)
    return np.concatenate([(X.T @ dZ).ravel(), dZ.sum(0), (H.T @ G).ravel(), G.sum(0)])


def reference_run(grad, w0, X, Y, partitions, *, rounds, local_steps, learning_rate, mu=0.0):
    """FedAvg/FedProx with every client, one client at a time."""
    w = w0.copy()
    for _ in range(rounds):
        total, count = np.zeros_like(w), 0
        for part in partitions:
            if len(part) == 0:
                continue
            v = w.copy()
            for _ in range(local_steps):
                v = v - learning_rate * (grad(v, X[part], Y[part]) + mu * (v - w))
            total += len(part) * v
            count += len(part)
        w = total / count
    return w


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((3, 4)) * 2
    y = rng.integers(0, 3, 90)
    X = centres[y] + rng.standard_normal((90, 4))
    order = rng.permutation(90)
    sizes = [5, 30, 1, 14, 40]                                  # unequal client sizes
    partitions = np.split(order, np.cumsum(sizes)[:-1])
    return X[:60], y[:60], X, y, partitions, np.eye(3)[y]


# --- the batched path equals the reference loop ---------------------------------------------

@pytest.mark.parametrize("strategy, mu", [(FedAvg(), 0.0), (FedProx(0.3), 0.3)])
def test_batched_logistic_equals_one_client_at_a_time(data, strategy, mu):
    _, _, X, y, partitions, Y = data
    history = run_federated(X, y, partitions, X, y, strategy=strategy, rounds=4, local_steps=3,
                            learning_rate=0.4)
    expected = reference_run(logistic_grad, np.zeros(15), X, Y, partitions, rounds=4,
                             local_steps=3, learning_rate=0.4, mu=mu)
    np.testing.assert_allclose(history.weights, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("strategy, mu", [(FedAvg(), 0.0), (FedProx(0.3), 0.3)])
def test_batched_mlp_equals_one_client_at_a_time(data, strategy, mu):
    _, _, X, y, partitions, Y = data
    model = MLPModel(n_features=4, n_classes=3, hidden_units=6)
    w0 = model.init(rng=1)
    history = run_federated(X, y, partitions, X, y, strategy=strategy, rounds=4, local_steps=3,
                            learning_rate=0.4, model=model, initial_weights=w0)
    expected = reference_run(lambda w, Xc, Yc: mlp_grad(w, Xc, Yc, 6), w0, X, Y, partitions,
                             rounds=4, local_steps=3, learning_rate=0.4, mu=mu)
    assert np.abs(expected - w0).max() > 0.1                   # training did move the weights
    np.testing.assert_allclose(history.weights, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("model", [LogisticModel(4, 3), MLPModel(4, 3, hidden_units=5)])
def test_batched_gradient_equals_each_clients_own(data, model):
    _, _, X, _, partitions, Y = data
    X_pad, Y_pad, mask = pad_clients(X, Y, partitions)
    W = np.random.default_rng(2).standard_normal((len(partitions), model.n_params))
    _, grads = model.loss_and_grad(W, X_pad, Y_pad, mask)
    for c, part in enumerate(partitions):
        if isinstance(model, MLPModel):
            own = mlp_grad(W[c], X[part], Y[part], model.hidden_units)
        else:
            own = logistic_grad(W[c], X[part], Y[part])
        np.testing.assert_allclose(grads[c], own, rtol=0, atol=1e-12)


def test_one_client_fedavg_is_centralised_gradient_descent(data):
    _, _, X, y, _, Y = data
    history = run_federated(X, y, [np.random.default_rng(5).permutation(len(X))], X, y,
                            rounds=6, local_steps=5, learning_rate=0.5)
    w = np.zeros(15)
    for _ in range(6 * 5):
        w = w - 0.5 * logistic_grad(w, X, Y)
    np.testing.assert_allclose(history.weights, w, rtol=0, atol=1e-12)


def test_fedprox_with_mu_zero_is_fedavg_exactly(data):
    X, y, X_all, y_all, partitions, _ = data
    partitions = [p[p < 60] for p in partitions]
    kwargs = dict(rounds=3, clients_per_round=3, batch_size=4, model="mlp", rng=11)
    a = run_federated(X, y, partitions, X_all, y_all, strategy=FedAvg(), **kwargs)
    b = run_federated(X, y, partitions, X_all, y_all, strategy=FedProx(0.0), **kwargs)
    c = run_federated(X, y, partitions, X_all, y_all, strategy=FedProx(1.0), **kwargs)
    np.testing.assert_array_equal(a.weights, b.weights)
    np.testing.assert_array_equal(a.accuracy, b.accuracy)
    assert not np.allclose(a.weights, c.weights)               # mu does reach the clients


def test_large_batch_size_is_full_batch(data):
    _, _, X, y, partitions, _ = data
    full = run_federated(X, y, partitions, X, y, rounds=2, rng=0)
    big = run_federated(X, y, partitions, X, y, rounds=2, batch_size=40, rng=0)
    small = run_federated(X, y, partitions, X, y, rounds=2, batch_size=2, rng=0)
    np.testing.assert_array_equal(full.weights, big.weights)
    assert not np.allclose(full.weights, small.weights)


def test_minibatches_hold_batch_size_distinct_real_rows():
    model = LogisticModel(1, 2)
    # one client, 3 real rows of which each contributes a distinct power of two to the gradient
    X = np.array([[[1.0], [2.0], [4.0], [0.0]]])
    Y = np.eye(2)[[0, 0, 0, 0]][None]
    mask = np.array([[1.0, 1.0, 1.0, 0.0]])
    seen = set()
    for seed in range(30):
        w = local_train(model, model.init(), X, Y, mask, local_steps=1, learning_rate=1.0,
                        batch_size=2, rng=seed)
        seen.add(round(w[0, 0] * 4))                          # 2 * mean of the two x's
    assert seen == {3, 5, 6}                                  # {1,2}, {1,4}, {2,4}: never padding


# --- reproducibility and records ------------------------------------------------------------

def test_seeded_runs_are_reproducible(data):
    X, y, X_all, y_all, partitions, _ = data
    partitions = [p[p < 60] for p in partitions]
    kwargs = dict(rounds=3, clients_per_round=2, batch_size=3, model="mlp")
    a = run_federated(X, y, partitions, X_all, y_all, rng=4, **kwargs)
    b = run_federated(X, y, partitions, X_all, y_all, rng=np.random.default_rng(4), **kwargs)
    c = run_federated(X, y, partitions, X_all, y_all, rng=5, **kwargs)
    np.testing.assert_array_equal(a.weights, b.weights)
    np.testing.assert_array_equal(a.client_accuracy_mean, b.client_accuracy_mean)
    assert not np.array_equal(a.weights, c.weights)


def test_history_records_every_round(data):
    _, _, X, y, partitions, _ = data
    h = run_federated(X, y, partitions, X, y, rounds=5, clients_per_round=2, rng=0)
    assert isinstance(h, History) and h.rounds == 5 and h.epsilon is None
    for series in (h.accuracy, h.loss, h.client_accuracy_mean, h.client_accuracy_std,
                   h.bytes_down, h.bytes_up, h.wall_time, h.n_participants):
        assert series.shape == (5,) and np.all(np.isfinite(series))
    assert h.n_participants.tolist() == [2] * 5
    assert h.bytes_down.tolist() == h.bytes_up.tolist() == [2 * 15 * 8] * 5
    assert np.all((h.accuracy >= 0) & (h.accuracy <= 1)) and h.accuracy[-1] > 0.8
    proba = h.model.predict_proba(h.weights, X)
    assert np.mean(h.classes[proba.argmax(1)] == y) == h.accuracy[-1]
    with pytest.raises(ValueError):
        h.accuracy[0] = 0.0
    text = h.summary()
    assert "FedAvg()" in text and text.count("\n") >= 7 and "epsilon none" in text
    assert repr(h).startswith("History(rounds=5, model='logistic'")


def test_a_client_without_data_is_skipped_with_a_note(data):
    _, _, X, y, partitions, Y = data
    with_empty = [partitions[0], np.array([], dtype=int), *partitions[1:]]
    with np.errstate(all="raise"):
        h = run_federated(X, y, with_empty, X, y, rounds=3, local_steps=2)
    assert h.n_participants.tolist() == [5, 5, 5]
    assert len(h.notes) == 1 and "client 1 has no data" in h.notes[0]
    assert "client 1 has no data" in h.summary()
    expected = reference_run(logistic_grad, np.zeros(15), X, Y, partitions, rounds=3,
                             local_steps=2, learning_rate=0.5)
    np.testing.assert_allclose(h.weights, expected, rtol=0, atol=1e-12)


def test_a_round_of_only_empty_clients_keeps_the_model():
    X = np.array([[0.0], [1.0]])
    y = np.array([0, 1])
    parts = [np.array([0, 1]), np.array([], dtype=int)]
    with np.errstate(all="raise"):
        h = run_federated(X, y, parts, X, y, rounds=20, clients_per_round=1, rng=0)
    skipped = h.n_participants == 0
    assert skipped.any() and not skipped.all()
    assert np.all(np.isnan(h.client_accuracy_mean[skipped]))
    assert np.all(h.bytes_up[skipped] == 0)
    assert any("no sampled client had data" in note for note in h.notes)


# --- the reference setting (digits, issue 8): Flower reached 0.9574 with 10 clients ----------

def test_reference_setting_on_digits():
    pytest.importorskip("sklearn")
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler
    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_tr)
    X_tr, X_te = scaler.transform(X_tr), scaler.transform(X_te)
    order = np.random.default_rng(0).permutation(len(X_tr))
    X_tr, y_tr = X_tr[order], y_tr[order]
    accuracy = {}
    for n_clients in (10, 100):
        parts = np.array_split(np.arange(len(X_tr)), n_clients)
        accuracy[n_clients] = run_federated(X_tr, y_tr, parts, X_te, y_te).accuracy[-1]
    assert abs(accuracy[10] - 0.9574) < 0.002 and abs(accuracy[100] - 0.9407) < 0.002


# --- bad input ------------------------------------------------------------------------------

def _bad(data, **changes):
    X, y, X_all, y_all, partitions, _ = data
    kwargs = dict(partitions=[p[p < 60] for p in partitions], rounds=1)
    kwargs.update(changes)
    parts = kwargs.pop("partitions")
    return run_federated(X, y, parts, X_all, y_all, **kwargs)


@pytest.mark.parametrize("partitions, message", [
    ([], "`n_clients`"),
    ([np.array([i]) for i in range(60)] + [np.array([], dtype=int)], "`n_clients`"),
    ([np.arange(40), np.arange(30, 60)], "`partitions` must be disjoint"),
    ([np.arange(50)], "`partitions` must be a cover"),
    ([np.arange(61)], "`partitions` must be indices in"),
    ([np.arange(60.0)], "`partitions` must be a list of 1-D integer"),
])
def test_bad_partitions_are_refused(data, partitions, message):
    with pytest.raises(ValueError, match=message):
        _bad(data, partitions=partitions)


@pytest.mark.parametrize("changes, error, name", [
    (dict(clients_per_round=0), ValueError, "clients_per_round"),
    (dict(clients_per_round=6), ValueError, "clients_per_round"),
    (dict(rounds=0), ValueError, "rounds"),
    (dict(local_steps=0), ValueError, "local_steps"),
    (dict(learning_rate=-0.1), ValueError, "learning_rate"),
    (dict(batch_size=0), ValueError, "batch_size"),
    (dict(model="cnn"), ValueError, "model"),
    (dict(model=LogisticModel(3, 3)), ValueError, "model"),
    (dict(strategy="fedavg"), TypeError, "strategy"),
    (dict(initial_weights=np.zeros(3)), ValueError, "initial_weights"),
    (dict(partitions=np.arange(60)), TypeError, "partitions"),
])
def test_bad_parameters_are_refused_by_name(data, changes, error, name):
    with pytest.raises(error, match=f"`{name}`"):
        _bad(data, **changes)


def test_test_labels_must_be_known_classes(data):
    X, y, _, _, partitions, _ = data
    with pytest.raises(ValueError, match="`y_test`"):
        run_federated(X, y, [p[p < 60] for p in partitions], X[:3], np.array([0, 1, 7]))
    with pytest.raises(ValueError, match="`X_test`"):
        run_federated(X, y, [p[p < 60] for p in partitions], X[:3, :2], y[:3])


@pytest.mark.parametrize("model", [LogisticModel(4, 3), MLPModel(4, 3, hidden_units=5)])
@pytest.mark.parametrize("scale", [1.0, 1e4])
def test_gradient_fn_equals_gradient_also_where_the_fast_shift_would_underflow(data, model,
                                                                                 scale):
    """scale=1e4 makes logits of size ~1e4: the per-client shift underflows some rows and the
    logistic fast path must fall back to the row-wise softmax (and still agree)."""
    _, _, X, _, partitions, Y = data
    X_pad, Y_pad, mask = pad_clients(X, Y, partitions)
    W = np.random.default_rng(3).standard_normal((len(partitions), model.n_params)) * scale
    fast = model.gradient_fn(X_pad, Y_pad, mask)
    np.testing.assert_allclose(fast(W), model.loss_and_grad(W, X_pad, Y_pad, mask)[1],
                               rtol=1e-12, atol=1e-12)
    step = mask * (np.arange(mask.shape[1]) % 2 == 0)
    np.testing.assert_allclose(fast(W, step), model.loss_and_grad(W, X_pad, Y_pad, step)[1],
                               rtol=1e-12, atol=1e-12)
