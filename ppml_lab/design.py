r"""Privacy by design: the same hospitals' model trained in several designs, measured side by side.

The capstone's compute layer (notebook 12). Several hospitals each hold part of
the breast-cancer data set (:func:`hospital_scenario`: the training rows dealt
out at random). A :class:`Design` says how a shared logistic model is trained:

* **centralised**: every hospital sends its records to one server, which trains
  by gradient descent (the same model, rounds and steps as the federated runs);
* **centralised + DP**: the same server trains
  :class:`~ppml_lab.dp.DPLogisticRegression` at ``epsilon`` (unit of privacy: one
  patient);
* **federated**: FedAvg over the hospitals (:func:`~ppml_lab.federated.run_federated`);
* **+ secure aggregation**: the server learns only the sum of the hospitals' updates;
* **+ DP**: :class:`~ppml_lab.federated.DPFedAvg`, its noise multiplier calibrated
  so that the whole run costs at most ``epsilon`` (unit of privacy: one hospital,
  all of its patients; with so few hospitals, a strong and costly guarantee);
* **HE inference** (any design): the released model scores encrypted patient
  records with Paillier (:func:`~ppml_lab.he.vectors.private_linear_inference`).

:func:`evaluate_design` trains the design and measures, in the run: test
accuracy; the epsilon and delta that the run's
:class:`~ppml_lab.dp.BudgetAccountant` was charged; the bytes that crossed the
network (the raw records for a centralised design); the training seconds; and
the attacks of earlier notebooks against it:

* **membership inference** (notebook 06): the loss-threshold attack against the
  released model, training rows against test rows, with its chance floor
  (:func:`~ppml_lab.attacks.advantage_noise_floor`) and the most that the DP
  guarantee allows (:func:`~ppml_lab.attacks.advantage_bound`, for changing one
  patient: ``(2 epsilon, (1 + e^epsilon) delta)`` from an add/remove guarantee,
  whether the unit is a patient or a hospital);
* **gradient inversion** (notebook 08): each hospital's update from one new
  patient (the worst case of notebook 08), as the server would see it, inverted
  by :func:`~ppml_lab.attacks.invert_gradient`; the quality is the best
  correlation with any probed patient (1 is a perfect copy). A centralised server
  holds the records themselves (1 by definition). Plain federated updates
  invert exactly; so do central DP-FedAvg's, because the server itself clips
  and adds the noise *after* seeing them; secure aggregation leaves only the sum
  (a mix of the patients); secure aggregation with DP, a noisy sum. Patients
  resemble each other (the nearest other patient of the data correlates about
  0.8 with a probed one: ``inversion_baseline``), so only a quality above that
  baseline reveals more than a lookalike would.

Reconstruction attacks (notebook 01) target released statistics, not a model's
weights, and do not apply here.

Results are cached per (design, seed): the same design and seed give the same
numbers (the seconds are those of the first run). Introduced in notebook 12.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import time
from typing import Any

import numpy as np

from ._random import SeedLike, as_generator
from ._validation import check_bool, check_choice, check_epsilon, check_integer, fail
from .attacks import (advantage_bound, advantage_noise_floor, auc, gradient_from_update,
                      invert_gradient, loss_threshold_attack, membership_advantage,
                      recovery_quality)
from .datasets import load_classification
from .dp import BudgetAccountant, DPLogisticRegression
from .dp.experiments import _Record
from .federated import DPFedAvg, FedAvg, iid_partition, run_federated
from .federated.private_experiments import _calibrate, _Setting

__all__ = ["DESIGNS", "HOSPITAL_COUNTS", "DESIGN_EPSILONS", "Design", "DesignResult",
           "HospitalScenario", "design", "evaluate_design", "hospital_scenario"]

DATA_NAME = "breast_cancer"
#: Training of every design: rounds, local steps per round, learning rate (as notebook 07).
ROUNDS, LOCAL_STEPS, LEARNING_RATE = 20, 5, 0.5
#: DP-FedAvg's clipping norm, and the delta of every DP design.
CLIP_NORM, DELTA = 1.0, 1e-5
#: Paillier key size and the test rows scored under encryption (each costs about 0.3 s).
HE_BITS, HE_ROWS = 1024, 1
#: The hospital counts and epsilons of notebook 12's explorer.
HOSPITAL_COUNTS: tuple[int, ...] = (3, 5, 10)
DESIGN_EPSILONS: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0, 8.0)
#: The training designs by name: (federated, secure_aggregation, dp).
DESIGNS: dict[str, tuple[bool, bool, bool]] = {
    "centralised": (False, False, False),
    "centralised + DP": (False, False, True),
    "federated": (True, False, False),
    "federated + secure aggregation": (True, True, False),
    "federated + DP": (True, False, True),
    "federated + secure aggregation + DP": (True, True, True),
}


@dataclasses.dataclass(frozen=True)
class Design:
    """How the hospitals' model is trained and served.

    Parameters
    ----------
    federated : bool, default True
        Train with FedAvg at the hospitals (else: records sent to one server).
    secure_aggregation : bool, default False
        The server learns only the sum of the updates (needs ``federated``).
    dp : bool, default False
        Differential privacy: DPLogisticRegression when centralised (one patient),
        DP-FedAvg when federated (one hospital).
    he_inference : bool, default False
        Serve the model on Paillier-encrypted records.
    epsilon : float, default 1.0
        The budget of a DP design (ignored without ``dp``).
    n_hospitals : int, default 5
        From 2 to 20.

    Examples
    --------
    >>> Design(secure_aggregation=True, dp=True, epsilon=2.0).name
    'federated + secure aggregation + DP'
    >>> Design(federated=False, secure_aggregation=True)
    Traceback (most recent call last):
    ...
    ValueError: `secure_aggregation` must be False when federated=False (there are no updates to aggregate); got True. Pass federated=True, or secure_aggregation=False.
    """

    federated: bool = True
    secure_aggregation: bool = False
    dp: bool = False
    he_inference: bool = False
    epsilon: float = 1.0
    n_hospitals: int = 5

    def __post_init__(self) -> None:
        for name in ("federated", "secure_aggregation", "dp", "he_inference"):
            object.__setattr__(self, name, check_bool(getattr(self, name), name))
        object.__setattr__(self, "epsilon", check_epsilon(self.epsilon))
        object.__setattr__(self, "n_hospitals", check_integer(
            self.n_hospitals, "n_hospitals", minimum=2, maximum=20,
            fix="Pass e.g. n_hospitals=5."))
        if self.secure_aggregation and not self.federated:
            raise fail("secure_aggregation", "False when federated=False (there are no updates "
                       "to aggregate)", True, "Pass federated=True, or secure_aggregation=False.")

    @property
    def name(self) -> str:
        """The training design's name, a key of :data:`DESIGNS`."""
        key = (self.federated, self.secure_aggregation, self.dp)
        return next(name for name, flags in DESIGNS.items() if flags == key)

    @property
    def label(self) -> str:
        """Name, epsilon (for DP) and HE inference, in a few words."""
        text = self.name + (f" (epsilon {self.epsilon:g})" if self.dp else "")
        return text + (", HE inference" if self.he_inference else "")


def design(name: str, *, epsilon: float = 1.0, n_hospitals: int = 5,
           he_inference: bool = False) -> Design:
    """The :class:`Design` called ``name`` (a key of :data:`DESIGNS`).

    Examples
    --------
    >>> design("federated + DP", epsilon=4.0).dp
    True
    """
    name = check_choice(name, "name", tuple(DESIGNS), fix='Pass e.g. name="federated".')
    federated, secure, dp = DESIGNS[name]
    return Design(federated=federated, secure_aggregation=secure, dp=dp,
                  he_inference=he_inference, epsilon=epsilon, n_hospitals=n_hospitals)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class HospitalScenario(_Record):
    """The hospitals' data: the training rows dealt out, the shared test set.

    ``partitions[h]`` are the training rows of hospital ``h``; ``probe[h]`` is
    one of them, the "new patient" whose update notebook 12's server inverts.
    """

    n_hospitals: int
    n_train: int
    n_test: int
    n_features: int
    seed: int = dataclasses.field(repr=False)
    partitions: tuple[np.ndarray, ...] = dataclasses.field(repr=False)
    probe: np.ndarray = dataclasses.field(repr=False)

    @property
    def data(self) -> Any:
        """The :class:`~ppml_lab.datasets.ClassificationData` (read-only arrays)."""
        return load_classification(DATA_NAME)


def _seed(rng: SeedLike) -> int:
    return int(as_generator(rng).integers(0, 2**32))


@functools.lru_cache(maxsize=64)
def _scenario(n_hospitals: int, seed: int) -> HospitalScenario:
    data = load_classification(DATA_NAME)
    parts = iid_partition(data.y_train, n_hospitals, rng=np.random.default_rng([seed, 0]))
    parts = tuple(np.sort(p) for p in parts)
    for p in parts:
        p.flags.writeable = False
    probe = np.array([p[0] for p in parts])
    probe.flags.writeable = False
    return HospitalScenario(n_hospitals, len(data.y_train), len(data.y_test),
                            data.X_train.shape[1], seed, parts, probe)


def hospital_scenario(n_hospitals: int = 5, *, rng: SeedLike = None) -> HospitalScenario:
    """Deal the breast-cancer training rows out to ``n_hospitals`` hospitals at random.

    Examples
    --------
    >>> s = hospital_scenario(5, rng=0)
    >>> s
    HospitalScenario(n_hospitals=5, n_train=398, n_test=171, n_features=30)
    >>> sorted(len(p) for p in s.partitions)
    [79, 79, 80, 80, 80]
    """
    n_hospitals = check_integer(n_hospitals, "n_hospitals", minimum=2, maximum=20,
                                fix="Pass e.g. n_hospitals=5.")
    return _scenario(n_hospitals, _seed(rng))


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class DesignResult(_Record):
    """What one design cost and what the attacks of earlier notebooks got from it.

    Attributes
    ----------
    design : Design
    name : str
        ``design.label``.
    accuracy : float
        Test accuracy of the released model.
    epsilon, delta : float
        What the run's ledger was charged (``inf`` and 0 without DP: no guarantee).
    unit_of_privacy : str
        ``"one patient"``, ``"one hospital"`` or ``"none"``.
    bytes : int
        Bytes over the network for training: the records sent to the server
        (centralised), or every round's model downloads and update uploads.
    seconds : float
        Training wall time, measured in the run (machine dependent).
    membership_advantage, membership_auc : float
        Loss-threshold attack on the released model, training rows against test rows.
    advantage_floor : float
        What guessing reaches on as many rows (95%): below it, the attack found nothing.
    advantage_bound : float
        The most any attack may reach under the guarantee (1 without DP).
    inversion_quality : float
        Gradient inversion of what the server sees (1: a perfect copy of a record).
    inversion_baseline : float
        How well the nearest *other* patient of the data matches the probed patients
        (mean): a recovery no better than this reveals no more than a lookalike.
    server_sees : str
        What the server sees, in words.
    he_seconds, he_bytes : float, int
        Per encrypted query (0 without HE inference), measured.
    he_max_abs_error : float
        Largest difference of the decrypted scores from the plaintext ones.
    noise_multiplier : float
        DP noise standard deviation / clipping norm (0 without DP).
    ledger_json : str
        The run's ledger (:meth:`~ppml_lab.dp.BudgetAccountant.to_json`); :attr:`ledger`
        rebuilds it.
    """

    name: str
    accuracy: float
    epsilon: float
    delta: float
    unit_of_privacy: str
    bytes: int
    seconds: float
    membership_advantage: float
    membership_auc: float
    advantage_floor: float
    advantage_bound: float
    inversion_quality: float
    inversion_baseline: float
    server_sees: str = dataclasses.field(repr=False)
    he_seconds: float = dataclasses.field(repr=False)
    he_bytes: int = dataclasses.field(repr=False)
    he_max_abs_error: float = dataclasses.field(repr=False)
    design: Design = dataclasses.field(repr=False)
    noise_multiplier: float = dataclasses.field(repr=False)
    ledger_json: str = dataclasses.field(repr=False)

    @property
    def ledger(self) -> BudgetAccountant:
        """A fresh copy of the run's ledger (spending on it leaves this result unchanged)."""
        return BudgetAccountant.from_json(self.ledger_json)

    def summary(self) -> str:
        """One plain sentence: accuracy, privacy and what the attacks got (no timings)."""
        privacy = ("no formal guarantee" if math.isinf(self.epsilon) else
                   f"epsilon {self.epsilon:.2f} per {self.unit_of_privacy.removeprefix('one ')}")
        return (f"{self.name}: {100 * self.accuracy:.1f}% accurate, {privacy}; membership "
                f"advantage {self.membership_advantage:.2f} (chance up to "
                f"{self.advantage_floor:.2f}, allowed up to {self.advantage_bound:.2f}); "
                f"gradient inversion {self.inversion_quality:.2f} (a lookalike patient: "
                f"{self.inversion_baseline:.2f}).")


class _Released:
    """A trained federated model as a scikit-learn style classifier (for the attacks)."""

    def __init__(self, model: Any, weights: np.ndarray, classes: np.ndarray) -> None:
        self.model, self.weights, self.classes_ = model, weights, classes

    def predict_proba(self, X: Any) -> np.ndarray:
        return self.model.predict_proba(self.weights, np.asarray(X, dtype=float))

    def linear(self) -> tuple[np.ndarray, float]:
        """Coefficients and intercept of the binary score (logit of class 1 minus class 0)."""
        W = self.weights.reshape(len(self.classes_), -1)
        diff = W[1] - W[0]
        return diff[:-1], float(diff[-1])


def _train_federated(design: Design, s: HospitalScenario, run_rng: np.random.Generator,
                     ledger: BudgetAccountant | None) -> tuple[Any, int, DPFedAvg | None]:
    data = s.data
    strategy: Any = FedAvg()
    dp = None
    if design.dp:
        setting = _Setting(DATA_NAME, s.n_hospitals, ROUNDS, CLIP_NORM, LOCAL_STEPS,
                           LEARNING_RATE, DELTA)
        sigma = _calibrate(setting, s.n_hospitals, design.epsilon, False)
        strategy = dp = DPFedAvg(FedAvg(), clip_norm=CLIP_NORM, noise_multiplier=sigma,
                                 delta=DELTA)
    history = run_federated(data.X_train, data.y_train, list(s.partitions), data.X_test,
                            data.y_test, strategy=strategy, rounds=ROUNDS,
                            local_steps=LOCAL_STEPS, learning_rate=LEARNING_RATE,
                            accountant=ledger, secure_aggregation=design.secure_aggregation,
                            rng=run_rng)
    released = _Released(history.model, history.weights, history.classes)
    return released, int(history.bytes_up.sum() + history.bytes_down.sum()), dp


def _inversion(design: Design, s: HospitalScenario, released: Any, dp: DPFedAvg | None,
               noise_rng: np.random.Generator) -> tuple[float, str]:
    """What the server can invert from the hospitals' one-new-patient updates."""
    if not design.federated:
        return 1.0, "every hospital's records"
    data = s.data
    model = released.model
    X = data.X_train[s.probe]
    Y = np.eye(len(released.classes_))[np.searchsorted(released.classes_, data.y_train[s.probe])]
    k = len(s.probe)
    W = np.repeat(released.weights[None], k, axis=0)
    _, grads = model.loss_and_grad(W, X[:, None, :], Y[:, None, :], np.ones((k, 1)))
    updates = -LEARNING_RATE * grads                     # one local step on one new patient
    if dp is not None:
        norms = np.linalg.norm(updates, axis=1, keepdims=True)
        updates = updates * np.minimum(1.0, dp.clip_norm / np.maximum(norms, 1e-300))
    if not design.secure_aggregation:                    # the server sees each update
        quality = [recovery_quality(invert_gradient(gradient_from_update(u, LEARNING_RATE),
                                                    model), x)[0] for u, x in zip(updates, X)]
        seen = "each hospital's update" + (" (clipped; the server adds the noise after)"
                                           if dp is not None else "")
        return float(np.mean(quality)), seen
    total = updates.sum(axis=0)
    if dp is not None:
        total = total + noise_rng.normal(0.0, dp.noise_multiplier * dp.clip_norm, total.shape)
    recovered = invert_gradient(gradient_from_update(total, LEARNING_RATE), model)
    seen = "only the sum of the updates" + (", with noise" if dp is not None else "")
    return float(recovery_quality(recovered, X)[0]), seen


def _he_inference(released: Any, X: np.ndarray, rng: np.random.Generator
                  ) -> tuple[float, int, float]:
    from .he import paillier_keygen
    from .he.vectors import private_linear_inference

    key_rng, run_rng = rng.spawn(2)
    pk, sk = paillier_keygen(HE_BITS, rng=key_rng)
    if isinstance(released, _Released):
        coef, intercept = released.linear()
    else:
        coef, intercept = released.coef_[0], float(released.intercept_[0])
    result = private_linear_inference(X[:HE_ROWS], coef, intercept, pk, sk, rng=run_rng)
    seconds = sum(t for _, t in result.seconds) / HE_ROWS
    return seconds, (result.bytes_to_server + result.bytes_to_client) // HE_ROWS, \
        result.max_abs_error


@functools.lru_cache(maxsize=512)
def _evaluate(design: Design, seed: int) -> DesignResult:
    s = _scenario(design.n_hospitals, seed)
    data = s.data
    run_rng, noise_rng, he_rng = np.random.default_rng([seed, 1]).spawn(3)
    ledger = BudgetAccountant(design.epsilon, DELTA) if design.dp else BudgetAccountant(1.0)
    dp = None
    start = time.perf_counter()
    if design.federated:
        released, n_bytes, dp = _train_federated(design, s, run_rng,
                                                 ledger if design.dp else None)
    elif design.dp:
        released = DPLogisticRegression(epsilon=design.epsilon, delta=DELTA, accountant=ledger,
                                        rng=run_rng).fit(data.X_train, data.y_train)
        n_bytes = int(data.X_train.nbytes + data.y_train.nbytes)
    else:  # one "client" holding every record: plain gradient descent at the server
        history = run_federated(data.X_train, data.y_train, [np.arange(len(data.y_train))],
                                data.X_test, data.y_test, rounds=ROUNDS,
                                local_steps=LOCAL_STEPS, learning_rate=LEARNING_RATE,
                                rng=run_rng)
        released = _Released(history.model, history.weights, history.classes)
        n_bytes = int(data.X_train.nbytes + data.y_train.nbytes)
    seconds = time.perf_counter() - start
    accuracy = float(np.mean(released.classes_[released.predict_proba(data.X_test)
                                               .argmax(axis=1)] == data.y_test))
    scores = np.r_[loss_threshold_attack(released, data.X_train, data.y_train),
                   loss_threshold_attack(released, data.X_test, data.y_test)]
    labels = np.r_[np.ones(s.n_train), np.zeros(s.n_test)]
    spent = ledger.spent if design.dp else None
    if spent is None:
        epsilon, delta, bound, unit = math.inf, 0.0, 1.0, "none"
    else:
        epsilon, delta = spent.epsilon, spent.delta
        # changing one patient: replace-one = remove + add, (2 eps, (1 + e^eps) delta)
        bound = advantage_bound(2 * epsilon, min(1.0, (1 + math.exp(epsilon)) * delta))
        unit = "one hospital" if design.federated else "one patient"
    quality, seen = _inversion(design, s, released, dp, noise_rng)
    others = np.delete(data.X_train, s.probe, axis=0)
    baseline = float(np.mean(recovery_quality(data.X_train[s.probe], others)))
    he = (0.0, 0, 0.0)
    if design.he_inference:
        he = _he_inference(released, data.X_test, he_rng)
    return DesignResult(
        name=design.label, accuracy=accuracy, epsilon=epsilon, delta=delta,
        unit_of_privacy=unit, bytes=n_bytes, seconds=seconds,
        membership_advantage=membership_advantage(scores, labels),
        membership_auc=auc(scores, labels),
        advantage_floor=advantage_noise_floor(s.n_train, s.n_test), advantage_bound=bound,
        inversion_quality=quality, inversion_baseline=baseline,
        server_sees=seen, he_seconds=he[0], he_bytes=he[1],
        he_max_abs_error=he[2], design=design, ledger_json=ledger.to_json(),
        noise_multiplier=(dp.noise_multiplier if dp is not None else
                          float(getattr(released, "noise_multiplier_", 0.0))))


def evaluate_design(design: Design, *, rng: SeedLike = None) -> DesignResult:
    """Train the hospitals' model in ``design``; measure accuracy, privacy, cost and attacks.

    See the module docstring for what is measured and how. The same ``rng``
    gives every design the same hospitals, probes and training streams (common
    random numbers), so two designs differ only by their techniques.

    Parameters
    ----------
    design : Design
    rng : None, int or numpy.random.Generator
        Seeds the hospitals' data, the training, the DP noise and the keys
        (a seeded key is for lessons only, never secure).

    Returns
    -------
    DesignResult

    Examples
    --------
    >>> plain = evaluate_design(design("federated", n_hospitals=5), rng=0)
    >>> round(plain.accuracy, 3), plain.epsilon, round(plain.inversion_quality, 6)
    (0.936, inf, 1.0)
    >>> secure = evaluate_design(design("federated + secure aggregation"), rng=0)
    >>> abs(secure.accuracy - plain.accuracy) < 1e-3, secure.inversion_quality < 1
    (True, True)
    >>> dp = evaluate_design(design("centralised + DP", epsilon=1.0), rng=0)
    >>> dp.epsilon, dp.unit_of_privacy, dp.ledger.spent.epsilon
    (1.0, 'one patient', 1.0)
    """
    if not isinstance(design, Design):
        raise fail("design", "a Design", design, 'Pass e.g. design("federated") or '
                   "Design(federated=True, dp=True, epsilon=1.0).", kind=TypeError)
    return _evaluate(design, _seed(rng))
