"""Tests of ppml_lab.dp.budget: the privacy budget ledger that refuses."""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import datetime, timedelta, timezone
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ppml_lab.dp import (BudgetAccountant, DPLogisticRegression, GaussianMechanism,
                         LaplaceMechanism, LedgerEntry, ParallelBlock, RandomizedResponse,
                         dp_count, dp_mean)
from ppml_lab.dp.composition import PrivacyGuarantee, basic_composition, parallel_composition
from ppml_lab.exceptions import BudgetExceededError

# hypothesis draws the same examples on every run (no flakiness) and has no deadline
FIXED = settings(derandomize=True, deadline=None)

START = datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)


class Clock:
    """A deterministic clock: START, then one minute later on every call."""

    def __init__(self, start: datetime = START) -> None:
        self.calls = 0
        self.start = start

    def __call__(self) -> datetime:
        self.calls += 1
        return self.start + timedelta(minutes=self.calls - 1)


def ledger(epsilon=1.0, delta=0.0) -> BudgetAccountant:
    return BudgetAccountant(epsilon, delta, clock=Clock())


def snapshot(acc: BudgetAccountant) -> str:
    return acc.to_json()


# decimals with at most 3 places, as people type them: 0.001 .. 2.0
amounts = st.integers(1, 2000).map(lambda k: float(Fraction(k, 1000)))


# --------------------------------------------------------------------------------------------
# the budget and sequential spends
# --------------------------------------------------------------------------------------------

def test_new_ledger_is_empty():
    acc = BudgetAccountant(2.0, delta=1e-5)
    assert acc.total == PrivacyGuarantee(2.0, 1e-5)
    assert acc.spent == PrivacyGuarantee(0.0, 0.0)
    assert acc.remaining == PrivacyGuarantee(2.0, 1e-5)
    assert acc.history == ()
    assert (acc.epsilon, acc.delta) == (2.0, 1e-5)


def test_spend_records_who_what_when_and_returns_the_entry():
    clock = Clock()
    acc = BudgetAccountant(1.0, delta=1e-5, clock=clock)
    entry = acc.spend(0.25, 1e-6, label="mean salary", by="analyst A")
    assert entry == LedgerEntry(label="mean salary", epsilon=0.25, delta=1e-6, time=START,
                                by="analyst A")
    assert acc.history == (entry,)
    assert entry.composition == "sequential" and entry.parts == () and entry.partition is None
    second = acc.spend(0.5, label="count")
    assert second.time == START + timedelta(minutes=1) and second.by is None
    assert acc.spent == PrivacyGuarantee(0.75, 1e-6)
    assert acc.remaining == PrivacyGuarantee(0.25, 9e-6)
    assert clock.calls == 2


def test_spend_accepts_ints_and_numpy_numbers():
    acc = ledger(3)
    acc.spend(1, label="a")
    acc.spend(np.float64(0.5), np.float32(0.0), label="b")
    assert acc.spent.epsilon == 1.5 and isinstance(acc.history[0].epsilon, float)


def test_entries_are_frozen_with_a_readable_repr():
    entry = ledger().spend(0.5, label="count", by="ann")
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.epsilon = 0.1
    assert repr(entry) == ("LedgerEntry(label='count', epsilon=0.5, delta=0.0, "
                           "time='2024-05-01T09:00:00+00:00', by='ann')")


def test_default_clock_is_the_current_utc_time():
    before = datetime.now(timezone.utc)
    entry = BudgetAccountant(1.0).spend(0.1, label="x")
    assert before <= entry.time <= datetime.now(timezone.utc)
    assert entry.time.utcoffset() == timedelta(0)


def test_history_is_a_snapshot():
    acc = ledger()
    history = acc.history
    acc.spend(0.1, label="x")
    assert history == () and len(acc.history) == 1


# --------------------------------------------------------------------------------------------
# exact sums: no float drift either way
# --------------------------------------------------------------------------------------------

def test_point_one_two_seven_fill_a_budget_of_one_exactly():
    acc = ledger(1.0)
    for epsilon in (0.1, 0.2, 0.7):
        acc.spend(epsilon, label="q")
    assert acc.remaining == PrivacyGuarantee(0.0, 0.0)
    assert acc.spent == PrivacyGuarantee(1.0, 0.0)


def test_a_tiny_excess_is_refused():
    acc = ledger(1.0)
    for epsilon in (0.1, 0.2, 0.7):
        acc.spend(epsilon, label="q")
    with pytest.raises(BudgetExceededError, match=r"spending epsilon=1e-12 would exceed the "
                                                  r"remaining budget \(0\.0 of 1\.0\)"):
        acc.spend(1e-12, label="one more")
    acc2 = ledger(1.0)
    acc2.spend(0.1, label="q")
    acc2.spend(0.2, label="q")
    with pytest.raises(BudgetExceededError, match=r"epsilon=0\.700000000001 would exceed the "
                                                  r"remaining budget \(0\.7 of 1\.0\)"):
        acc2.spend(0.700000000001, label="q")


def test_float_drift_would_refuse_what_fits():
    # in floats 0.1 + 0.2 = 0.30000000000000004 > 0.3
    assert 0.1 + 0.2 > 0.3
    acc = ledger(0.3)
    acc.spend(0.1, label="a")
    acc.spend(0.2, label="b")
    assert acc.remaining.epsilon == 0.0


def test_float_drift_would_allow_an_overspend():
    # in floats ten times 0.1 is 0.9999999999999999 < 1, leaving room for 1e-16 more
    assert sum([0.1] * 10) < 1.0
    acc = ledger(1.0)
    for _ in range(10):
        acc.spend(0.1, label="q")
    assert not acc.can_spend(1e-16)
    with pytest.raises(BudgetExceededError):
        acc.spend(1e-16, label="sliver")


def test_deltas_add_up_exactly():
    acc = ledger(10.0, delta=3e-6)
    for _ in range(3):
        acc.spend(1.0, 1e-6, label="gaussian")
    assert acc.remaining == PrivacyGuarantee(7.0, 0.0)
    with pytest.raises(BudgetExceededError, match=r"spending delta=1e-20 would exceed the "
                                                  r"remaining delta budget \(0\.0 of 3e-06\)"):
        acc.spend(1.0, 1e-20, label="more")


def test_amounts_with_more_digits_than_a_float_are_shown_exactly():
    acc = ledger(1.0)
    acc.spend(0.1, label="a")
    acc.spend(1e-20, label="b")
    assert acc.spent.epsilon == 0.1  # the float rounds ...
    assert "epsilon=0.10000000000000000001" in acc.report()  # ... the record does not
    assert "epsilon=0.89999999999999999999" in acc.report()
    assert repr(acc) == "BudgetAccountant(epsilon=1.0, delta=0.0, spent=0.10000000000000000001)"


@FIXED
@given(st.lists(amounts, min_size=1, max_size=30))
def test_a_budget_equal_to_the_exact_sum_is_filled_and_not_exceeded(spends):
    exact_total = sum(Fraction(repr(e)) for e in spends)
    acc = ledger(float(exact_total))
    assert Fraction(repr(acc.epsilon)) == exact_total  # 3 decimals survive the float
    for epsilon in spends:
        acc.spend(epsilon, label="q")
    assert acc.remaining.epsilon == 0.0 and acc.spent.epsilon == float(exact_total)
    before = snapshot(acc)
    with pytest.raises(BudgetExceededError):
        acc.spend(1e-12, label="extra")
    assert snapshot(acc) == before


@FIXED
@given(st.lists(amounts, min_size=2, max_size=30))
def test_a_budget_one_thousandth_short_refuses_the_last_spend(spends):
    exact_total = sum(Fraction(repr(e)) for e in spends)
    acc = ledger(float(exact_total - Fraction(1, 1000)))
    for epsilon in spends[:-1]:
        acc.spend(epsilon, label="q")
    with pytest.raises(BudgetExceededError):
        acc.spend(spends[-1], label="last")
    assert len(acc.history) == len(spends) - 1


@FIXED
@given(st.lists(st.tuples(amounts, st.integers(0, 5).map(lambda k: k * 1e-7)), max_size=25),
       st.integers(1, 10_000).map(lambda k: float(Fraction(k, 1000))))
def test_the_ledger_never_exceeds_and_refusals_change_nothing(spends, budget):
    acc = ledger(budget, delta=1e-6)
    accepted = []
    for epsilon, delta in spends:
        before = snapshot(acc)
        if acc.can_spend(epsilon, delta):
            accepted.append(acc.spend(epsilon, delta, label="q"))
        else:
            with pytest.raises(BudgetExceededError):
                acc.spend(epsilon, delta, label="q")
            assert snapshot(acc) == before
        # spent + remaining = total, exactly
        spent_eps = sum((Fraction(repr(e.epsilon)) for e in accepted), Fraction(0))
        spent_delta = sum((Fraction(repr(e.delta)) for e in accepted), Fraction(0))
        assert spent_eps <= Fraction(repr(budget)) and spent_delta <= Fraction(1, 10**6)
        assert Fraction(repr(acc.remaining.epsilon)) == Fraction(repr(budget)) - spent_eps
    assert acc.history == tuple(accepted)
    if accepted:  # agrees with basic composition (which sums in floats, exactly rounded)
        expected = basic_composition([e.epsilon for e in accepted], [e.delta for e in accepted])
        assert acc.spent.epsilon == pytest.approx(expected.epsilon, rel=1e-15)
        assert acc.spent.delta == pytest.approx(expected.delta, rel=1e-15, abs=1e-30)


# --------------------------------------------------------------------------------------------
# refusals: the message and an unchanged ledger
# --------------------------------------------------------------------------------------------

def test_refusal_message_in_the_house_style_and_nothing_changes():
    clock = Clock()
    acc = BudgetAccountant(1.0, clock=clock)
    acc.spend(0.7, label="first")
    before, calls = snapshot(acc), clock.calls
    with pytest.raises(BudgetExceededError) as info:
        acc.spend(0.5, label="second")
    assert str(info.value) == ("spending epsilon=0.5 would exceed the remaining budget (0.3 of "
                               "1.0); use a smaller epsilon or a new BudgetAccountant.")
    assert isinstance(info.value, ValueError)
    assert snapshot(acc) == before and clock.calls == calls  # not even the clock was read
    assert acc.spend(0.3, label="what is left").epsilon == 0.3


def test_a_pure_ledger_refuses_any_delta_and_says_why():
    acc = ledger(1.0)
    with pytest.raises(BudgetExceededError, match=r"spending delta=1e-05 would exceed the "
                                                  r"remaining delta budget \(0\.0 of 0\.0\): "
                                                  r"this ledger is for pure epsilon-DP; .*"
                                                  r"BudgetAccountant\(1\.0, delta=1e-05\)"):
        acc.spend(0.1, 1e-5, label="gaussian")
    assert acc.history == ()


def test_refusal_of_both_amounts_names_both():
    acc = ledger(1.0, delta=1e-6)
    acc.spend(0.5, 5e-7, label="a")
    with pytest.raises(BudgetExceededError) as info:
        acc.spend(0.6, 6e-7, label="b")
    assert str(info.value) == ("spending epsilon=0.6, delta=6e-07 would exceed the remaining "
                               "budget (epsilon 0.5 of 1.0, delta 5e-07 of 1e-06); use a smaller "
                               "epsilon and delta or a new BudgetAccountant.")


def test_a_spend_larger_than_the_whole_budget_is_refused_on_a_fresh_ledger():
    with pytest.raises(BudgetExceededError, match=r"\(1\.0 of 1\.0\)"):
        ledger(1.0).spend(2.0, label="too much")


def test_can_spend_records_nothing():
    acc = ledger(1.0, delta=1e-6)
    assert acc.can_spend(1.0, 1e-6) and not acc.can_spend(1.0, 2e-6)
    assert acc.history == ()


# --------------------------------------------------------------------------------------------
# parallel composition
# --------------------------------------------------------------------------------------------

def test_a_parallel_block_charges_the_max_not_the_sum():
    acc = ledger(1.0)
    with acc.parallel(label="count per region", by="ann") as block:
        assert isinstance(block, ParallelBlock)
        for epsilon, region in [(0.3, "north"), (0.5, "south"), (0.2, "east")]:
            block.spend(epsilon, label=f"count {region}", partition=region)
        assert block.charge == PrivacyGuarantee(0.5, 0.0)
        assert acc.spent.epsilon == 0.0  # charged on exit
    assert acc.spent == PrivacyGuarantee(0.5, 0.0)
    (entry,) = acc.history
    assert entry is block.entry
    assert entry.composition == "parallel" and entry.label == "count per region"
    assert [p.label for p in entry.parts] == ["count north", "count south", "count east"]
    assert all(p.by == "ann" for p in entry.parts) and entry.by == "ann"
    assert entry.time == entry.parts[-1].time
    assert (entry.epsilon, entry.delta) == (0.5, 0.0)


def test_named_partitions_add_up_inside_and_the_largest_is_charged():
    acc = ledger(2.0, delta=1e-5)
    with acc.parallel(label="per ward") as block:
        block.spend(0.5, 1e-6, label="count", partition="ward 1")
        block.spend(0.25, 2e-6, label="mean", partition="ward 1")   # ward 1: 0.75, 3e-6
        block.spend(0.7, label="count", partition="ward 2")         # ward 2: 0.7, 0
        block.spend(0.1, 4e-6, label="count", partition="ward 3")   # ward 3: 0.1, 4e-6
    assert acc.spent == PrivacyGuarantee(0.75, 4e-6)  # max epsilon and max delta, separately
    assert [p.partition for p in acc.history[0].parts] == ["ward 1", "ward 1", "ward 2", "ward 3"]


def test_two_queries_on_the_same_rows_cost_the_sum_inside_a_block():
    """Issue 13's reproducer: spends that name no partition may read the same rows."""
    x = np.array([12.0, 40.0, 77.0, 51.0])
    acc = ledger(10.0)
    with acc.parallel(label="n") as block:
        dp_mean(x, epsilon=1.0, bounds=(0, 100), accountant=block, rng=0)
        dp_count(x, epsilon=1.0, accountant=block, rng=0)
    assert acc.spent.epsilon == 2.0
    assert acc.history[0].label == "n" and acc.history[0].epsilon == 2.0


def test_an_unnamed_spend_counts_on_every_partition():
    acc = ledger(10.0, delta=1e-5)
    with acc.parallel(label="regions") as block:
        block.spend(0.5, 1e-6, label="count", partition="north")
        block.spend(0.25, label="count", partition="south")
        block.spend(0.125, 2e-6, label="total over all regions")
        assert block.charge == PrivacyGuarantee(0.625, 3e-6)
    assert acc.spent == PrivacyGuarantee(0.625, 3e-6)
    row = acc.report().splitlines()[-4]
    assert row.endswith("regions (parallel: largest of 2 partitions, plus 1 spend on every row)")


def test_queries_mechanisms_and_estimators_name_their_partition():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 2)) / 3
    X /= np.maximum(1.0, np.linalg.norm(X, axis=1, keepdims=True))
    y = (X[:, 0] > 0).astype(int)
    acc = ledger(10.0, delta=1e-5)
    with acc.parallel(label="per half") as block:
        for name, rows in (("first", slice(0, 100)), ("second", slice(100, 200))):
            part = block.partition(name)
            dp_count(X[rows], epsilon=0.5, accountant=part, rng=0)
            LaplaceMechanism(0.25).release(1.0, accountant=part, rng=0)
            DPLogisticRegression(epsilon=1.0, accountant=part, rng=0).fit(X[rows], y[rows])
    assert acc.spent == PrivacyGuarantee(1.75, 1e-5)
    assert [p.partition for p in acc.history[0].parts] == ["first"] * 3 + ["second"] * 3
    assert repr(part) == "BlockPartition(block='per half', name='second')"
    with pytest.raises(ValueError, match=r"`name` must be"):
        acc.parallel(label="x").partition("")


@FIXED
@given(st.lists(amounts, min_size=1, max_size=12))
def test_block_charge_agrees_with_parallel_composition(epsilons):
    acc = ledger(10.0)
    with acc.parallel(label="parts") as block:
        for i, epsilon in enumerate(epsilons):
            block.spend(epsilon, label="part", partition=f"part {i}")
    assert acc.spent.epsilon == parallel_composition(epsilons).epsilon == max(epsilons)


def test_a_block_spend_that_does_not_raise_the_max_is_never_refused():
    acc = ledger(1.0)
    acc.spend(0.5, label="before")
    with acc.parallel(label="regions") as block:
        for i in range(10):
            block.spend(0.5, label="region", partition=str(i))
    assert acc.remaining.epsilon == 0.0


def test_refusal_in_a_block_is_up_front_and_changes_nothing():
    acc = ledger(1.0)
    acc.spend(0.7, label="before")
    ledger_before = snapshot(acc)
    with acc.parallel(label="regions") as block:
        block.spend(0.2, label="north", partition="north")
        with pytest.raises(BudgetExceededError) as info:
            block.spend(0.5, label="south", partition="south")
        assert str(info.value) == ("spending epsilon=0.5 in the parallel block 'regions' would "
                                   "exceed the remaining budget (0.3 of 1.0); use a smaller "
                                   "epsilon or a new BudgetAccountant.")
        assert [p.label for p in block.parts] == ["north"]
        block.spend(0.3, label="south", partition="south")
    assert acc.spent.epsilon == 1.0
    assert json.loads(snapshot(acc))["entries"][:1] == json.loads(ledger_before)["entries"]


def test_refusal_in_a_named_partition_explains_the_new_charge():
    acc = ledger(1.0)
    with acc.parallel(label="regions") as block:
        block.spend(0.6, label="count", partition="north")
        with pytest.raises(BudgetExceededError, match=r"spending epsilon=0\.5 in the parallel "
                                                      r"block 'regions' would raise its charge "
                                                      r"to epsilon=1\.1, delta=0\.0 and exceed "
                                                      r"the remaining budget \(1\.0 of 1\.0\)"):
            block.spend(0.5, label="mean", partition="north")
        block.spend(0.4, label="mean", partition="north")
    assert acc.spent.epsilon == 1.0


def test_an_exception_in_the_block_still_charges_what_was_released():
    acc = ledger(1.0)
    with pytest.raises(ZeroDivisionError):
        with acc.parallel(label="regions") as block:
            block.spend(0.4, label="north")
            1 / 0
    assert acc.spent.epsilon == 0.4 and len(acc.history) == 1
    acc.spend(0.6, label="after")  # the ledger is usable again


def test_an_uncaught_refusal_in_the_block_charges_the_earlier_spends():
    acc = ledger(1.0)
    with pytest.raises(BudgetExceededError):
        with acc.parallel(label="regions") as block:
            block.spend(0.4, label="north")
            block.spend(1.5, label="south")
    assert acc.spent.epsilon == 0.4 and [p.label for p in acc.history[0].parts] == ["north"]


def test_an_empty_block_charges_nothing_and_adds_no_entry():
    acc = ledger(1.0)
    with acc.parallel(label="nothing") as block:
        pass
    assert acc.history == () and block.entry is None


def test_the_ledger_refuses_direct_use_while_a_block_is_open():
    acc = ledger(1.0)
    with acc.parallel(label="regions") as block:
        block.spend(0.1, label="north")
        for action in (lambda: acc.spend(0.1, label="x"), lambda: acc.can_spend(0.1),
                       lambda: acc.parallel(label="inner"), acc.to_json, acc.report):
            with pytest.raises(RuntimeError, match=r"while the parallel block 'regions' is open; "
                                                   r"spend on the block"):
                action()
        assert repr(acc) == ("BudgetAccountant(epsilon=1.0, delta=0.0, spent=0.0, "
                             "open_block='regions')")
        assert "open (not yet charged)" in acc._repr_html_()
    assert acc.spent.epsilon == 0.1


def test_blocks_do_not_nest_or_get_reused():
    acc = ledger(1.0)
    first, second = acc.parallel(label="a"), acc.parallel(label="b")
    with first:
        with pytest.raises(RuntimeError, match=r"cannot open another parallel block"):
            with second:
                pass
    with pytest.raises(RuntimeError, match=r"already used"):
        with first:
            pass
    with second:  # never entered, so still usable
        second.spend(0.1, label="x")
    assert acc.spent.epsilon == 0.1


def test_a_block_only_spends_inside_its_with_statement():
    acc = ledger(1.0)
    block = acc.parallel(label="regions")
    with pytest.raises(RuntimeError, match=r"'regions' is not open yet; spend inside `with"):
        block.spend(0.1, label="x")
    with block:
        block.spend(0.1, label="x")
    with pytest.raises(RuntimeError, match=r"'regions' is closed"):
        block.spend(0.1, label="x")
    assert acc.spent.epsilon == 0.1
    assert repr(block) == "ParallelBlock(label='regions', parts=1, charge=(0.1, 0.0), state='closed')"


# --------------------------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------------------------

def busy_ledger() -> BudgetAccountant:
    acc = BudgetAccountant(3.0, delta=1e-5,
                           clock=Clock(datetime(2024, 5, 1, 9, 0, 0, 123456,
                                                tzinfo=timezone(timedelta(hours=2)))))
    acc.spend(0.1, label="count", by="ann")
    acc.spend(0.2, 1e-6, label="gaussian sum")
    with acc.parallel(label="per region", by="bob") as block:
        block.spend(0.7, label="count", partition="north")
        block.spend(0.3, 1e-7, label="mean", partition="north")
        block.spend(0.9, label="count", by="carl", partition="south")
    acc.spend(1e-20, label="sliver")
    return acc


def test_json_round_trip_is_exact():
    acc = busy_ledger()
    text = acc.to_json()
    copy = BudgetAccountant.from_json(text)
    assert copy.history == acc.history
    assert copy.to_json() == text
    assert copy.report() == acc.report()
    assert (copy.total, copy.spent, copy.remaining) == (acc.total, acc.spent, acc.remaining)
    assert copy.history[0].time.microsecond == 123456
    assert copy.history[0].time.utcoffset() == timedelta(hours=2)


def test_json_states_the_rules_and_the_totals():
    document = json.loads(busy_ledger().to_json())
    assert document["format"] == "ppml_lab.BudgetAccountant" and document["version"] == 1
    assert "adding or removing one example" in document["unit_of_privacy"]
    assert "sequential" in document["composition"] and "parallel" in document["composition"]
    assert document["budget"] == {"epsilon": 3.0, "delta": 1e-5, "neighbouring": "add_remove"}
    assert document["spent"] == {"epsilon": 1.3, "delta": 1.1e-6}
    assert document["entries"][2]["parts"][0] == {
        "time": "2024-05-01T09:02:00.123456+02:00", "label": "count", "by": "bob",
        "epsilon": 0.7, "delta": 0.0, "partition": "north"}


def test_an_imported_ledger_keeps_refusing_and_uses_the_new_clock():
    acc = ledger(1.0)
    acc.spend(0.7, label="a")
    later = datetime(2025, 1, 1, tzinfo=timezone.utc)
    copy = BudgetAccountant.from_json(acc.to_json(), clock=lambda: later)
    with pytest.raises(BudgetExceededError, match=r"\(0\.3 of 1\.0\)"):
        copy.spend(0.5, label="b")
    assert copy.spend(0.3, label="b").time == later


def test_json_without_indent_is_one_line():
    assert "\n" not in busy_ledger().to_json(indent=None)


@FIXED
@given(st.lists(st.tuples(amounts, st.sampled_from([0.0, 1e-7, 3e-7]),
                          st.sampled_from([None, "ann", "bob"]), st.booleans()), max_size=15))
def test_json_round_trip_property(spends):
    acc = ledger(100.0, delta=1e-5)
    for i, (epsilon, delta, by, in_block) in enumerate(spends):
        if in_block:
            with acc.parallel(label=f"block {i}") as block:
                block.spend(epsilon, delta, label="a", by=by, partition="p")
                block.spend(epsilon / 2, label="b")
        else:
            acc.spend(epsilon, delta, label=f"spend {i}", by=by)
    text = acc.to_json()
    copy = BudgetAccountant.from_json(text)
    assert copy.to_json() == text and copy.history == acc.history


def tampered(change) -> str:
    document = json.loads(busy_ledger().to_json())
    change(document)
    return json.dumps(document)


@pytest.mark.parametrize("change, match", [
    (lambda d: d["entries"][0].update(epsilon=2.5),
     r"does not check out: at entries\[2\], spending epsilon=1\.0 would exceed the "
     r"remaining budget \(0\.3 of 3\.0\); use a smaller epsilon or a new BudgetAccountant\.$"),
    (lambda d: d["spent"].update(epsilon=1.0), r"`spent` must be .*as the entries add up to"),
    (lambda d: d["remaining"].update(delta=0.0), r"`remaining` must be"),
    (lambda d: d["entries"][0].update(epsilon=-0.1),
     r"`entries\[0\]\.epsilon` must be a positive finite number"),
    (lambda d: d["entries"][0].update(epsilon=True), r"`entries\[0\]\.epsilon` must be"),
    (lambda d: d["entries"][1].update(delta=1.5), r"`entries\[1\]\.delta` must be a number in "
                                                  r"\[0, 1\)"),
    (lambda d: d["entries"][0].update(time="2024-05-01T09:00:00"), r"with a UTC offset"),
    (lambda d: d["entries"][0].update(time="yesterday"), r"`entries\[0\]\.time` must be an ISO"),
    (lambda d: d["entries"][0].update(label="a\nforged line"), r"`entries\[0\]\.label` must be"),
    (lambda d: d["entries"][0].pop("epsilon"), r"`entries\[0\]` must be an entry with keys"),
    (lambda d: d["entries"][0].update(extra=1), r"`entries\[0\]` must be an entry with keys"),
    (lambda d: d["entries"][2].update(epsilon=0.5),
     r"`entries\[2\]\.epsilon` must be the largest partition of its parts \(epsilon=1\.0, "),
    (lambda d: d["entries"][2].update(parts=[]), r"`entries\[2\]\.parts` must be a non-empty"),
    (lambda d: d["entries"][2]["parts"][0].update(parts=[]), r"`entries\[2\]\.parts\[0\]` must"),
    (lambda d: d["budget"].update(delta=1.0), r"`delta` must be a number in \[0, 1\)"),
    (lambda d: d.pop("budget"), r"missing key 'budget'"),
    (lambda d: d.update(entries={}), r"`entries` must be a list"),
    (lambda d: d.update(version=2), r"must be a ledger exported by .* in version 1; got "
                                    r"version 2"),
    (lambda d: d.update(format="other"), r"got JSON without \"format\""),
])
def test_from_json_refuses_a_ledger_that_does_not_check_out(change, match):
    with pytest.raises(ValueError, match=r"`text` must be a ledger exported by "
                                         r"BudgetAccountant\.to_json\(\)"):
        BudgetAccountant.from_json(tampered(change))
    with pytest.raises(ValueError, match=match):
        BudgetAccountant.from_json(tampered(change))


@pytest.mark.parametrize("change, match", [
    (lambda d: d.update(unit_of_privacy="one user"), r"`unit_of_privacy` must be 'one example "
                                                     r"\(neighbouring datasets differ by adding"),
    (lambda d: d.update(composition="advanced"), r"`composition` must be"),
    (lambda d: d.update(arithmetic="floats"), r"`arithmetic` must be"),
    (lambda d: d.update(comment="hi"), r"unknown keys \['comment'\]"),
    (lambda d: d["spent"].update(note=1), r"`spent` must be"),
    (lambda d: d["spent"].update(delta=str(d["spent"]["delta"])), r"`spent` must be"),
    (lambda d: d["budget"].update(neighbouring="replace_one"), r"`unit_of_privacy` must be 'one "
                                                              r"example \(.*by replacing"),
    (lambda d: d["budget"].update(neighbouring="swap"), r"`neighbouring` must be one of"),
    (lambda d: d["budget"].update(currency="eps"), r"`budget` must be an object with keys"),
])
def test_from_json_refuses_summaries_and_rules_that_disagree_with_the_ledger(change, match):
    with pytest.raises(ValueError, match=match):
        BudgetAccountant.from_json(tampered(change))


def test_from_json_reads_a_ledger_written_before_units_were_recorded():
    document = json.loads(busy_ledger().to_json())
    del document["budget"]["neighbouring"]
    document["composition"] = ("basic sequential composition: the epsilons add up, and so do "
                               "the deltas; a parallel block over disjoint partitions charges "
                               "only its largest partition")
    assert BudgetAccountant.from_json(json.dumps(document)).neighbouring == "add_remove"


@pytest.mark.parametrize("depth", [10_000, 200_000])
def test_from_json_refuses_deeply_nested_input_with_a_clear_error(depth):
    for text in ("[" * depth + "]" * depth,
                 '{"format": "ppml_lab.BudgetAccountant", "version": 1, "entries": '
                 + "[" * depth + "]" * depth + "}"):
        with pytest.raises(ValueError, match=r"`text` must be a ledger exported by "):
            BudgetAccountant.from_json(text)


def test_from_json_refuses_what_is_not_json_or_not_text():
    with pytest.raises(ValueError, match=r"`text` must be .*; got text that is not JSON"):
        BudgetAccountant.from_json("{not json")
    with pytest.raises(ValueError, match=r"got JSON without"):
        BudgetAccountant.from_json("[1, 2]")
    with pytest.raises(TypeError, match=r"`text` must be a string; got b'\{\}'"):
        BudgetAccountant.from_json(b"{}")


# --------------------------------------------------------------------------------------------
# the report, repr and HTML
# --------------------------------------------------------------------------------------------

def test_report_is_fit_for_a_data_protection_record():
    text = busy_ledger().report()
    for needed in ["Unit of privacy:  one example (neighbouring datasets differ by adding or "
                   "removing one example)",
                   "Composition:      basic sequential composition",
                   "charges its largest named partition, plus spends naming none",
                   "Total budget:     epsilon=3.0, delta=1e-05",
                   "Spent:            epsilon=1.30000000000000000001, delta=1.1e-06",
                   "Remaining:        epsilon=1.69999999999999999999, delta=8.9e-06",
                   "Entries:          4"]:
        assert needed in text, needed
    rows = text.splitlines()[text.splitlines().index("") + 1:]
    assert rows[0].split() == ["#", "time", "epsilon", "delta", "by", "label"]
    assert rows[1].split() == ["1", "2024-05-01T09:00:00.123456+02:00", "0.1", "0.0", "ann",
                               "count"]
    assert rows[2].split() == ["2", "2024-05-01T09:01:00.123456+02:00", "0.2", "1e-06", "-",
                               "gaussian", "sum"]
    assert rows[3].split()[:5] == ["3", "2024-05-01T09:04:00.123456+02:00", "1.0", "1e-07",
                                   "bob"]
    assert rows[3].endswith("per region (parallel: largest of 2 partitions)")
    assert rows[4].split() == ["3.1", "2024-05-01T09:02:00.123456+02:00", "0.7", "0.0", "bob",
                               "count", "[partition", "north]"]
    assert rows[6].split()[4:] == ["carl", "count", "[partition", "south]"]
    assert rows[7].split()[:3] == ["4", "2024-05-01T09:05:00.123456+02:00", "1e-20"]
    assert len(rows) == 8


def test_report_of_an_empty_ledger():
    text = BudgetAccountant(1.0).report()
    assert text.endswith("Entries:          0")
    assert "Remaining:        epsilon=1.0, delta=0.0" in text


def test_repr():
    acc = ledger(1.0)
    assert repr(acc) == "BudgetAccountant(epsilon=1.0, delta=0.0, spent=0.0)"
    acc.spend(0.3, label="x")
    assert repr(acc) == "BudgetAccountant(epsilon=1.0, delta=0.0, spent=0.3)"
    acc2 = ledger(1.0, delta=1e-5)
    acc2.spend(0.5, 1e-6, label="x")
    assert repr(acc2) == ("BudgetAccountant(epsilon=1.0, delta=1e-05, spent=0.5, "
                          "spent_delta=1e-06)")


def test_html_is_deterministic_and_escaped():
    acc = ledger(1.0)
    acc.spend(0.5, label="<script>alert(1)</script>", by="a & b")
    html = acc._repr_html_()
    assert html == clone(acc)._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html and "a &amp; b" in html
    assert "<table>" in html and "remaining epsilon=0.5" in html
    assert "<table>" not in ledger()._repr_html_()


def clone(acc: BudgetAccountant) -> BudgetAccountant:
    return BudgetAccountant.from_json(acc.to_json())


# --------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("epsilon, kind", [(0, ValueError), (-1.0, ValueError),
                                           (math.nan, ValueError), (math.inf, ValueError),
                                           (True, TypeError), ("1", TypeError),
                                           (None, TypeError)])
def test_bad_budget_epsilon(epsilon, kind):
    with pytest.raises(kind, match=r"^`epsilon` must be a positive finite number; got "):
        BudgetAccountant(epsilon)


@pytest.mark.parametrize("delta, kind", [(-1e-9, ValueError), (1.0, ValueError),
                                         (2.0, ValueError), (math.nan, ValueError),
                                         (math.inf, ValueError), (False, TypeError),
                                         ("0", TypeError)])
def test_bad_budget_delta(delta, kind):
    with pytest.raises(kind, match=r"^`delta` must be a number in \[0, 1\); got "):
        BudgetAccountant(1.0, delta)


def test_negative_zero_delta_is_zero():
    assert repr(BudgetAccountant(1.0, -0.0)) == "BudgetAccountant(epsilon=1.0, delta=0.0, spent=0.0)"


@pytest.mark.parametrize("kwargs, kind, match", [
    (dict(epsilon=0.0), ValueError, r"`epsilon` must be a positive finite number; got 0\.0"),
    (dict(epsilon=-0.1), ValueError, r"`epsilon` must be a positive finite number"),
    (dict(epsilon=math.nan), ValueError, r"`epsilon` must be a positive finite number"),
    (dict(epsilon=math.inf), ValueError, r"`epsilon` must be a positive finite number"),
    (dict(epsilon=True), TypeError, r"`epsilon` must be .*Booleans are not numbers"),
    (dict(delta=-1e-6), ValueError, r"`delta` must be a number in \[0, 1\)"),
    (dict(delta=1.0), ValueError, r"`delta` must be a number in \[0, 1\)"),
    (dict(delta=math.nan), ValueError, r"`delta` must be a number in \[0, 1\)"),
    (dict(delta=True), TypeError, r"`delta` must be a number in \[0, 1\)"),
    (dict(label=""), ValueError, r"`label` must be a non-empty line of text"),
    (dict(label="   "), ValueError, r"`label` must be a non-empty line of text"),
    (dict(label="a\nb"), ValueError, r"`label` must be .*without control characters"),
    (dict(label="a\u2028b"), ValueError, r"`label` must be .*without control characters"),
    (dict(label=3), TypeError, r"`label` must be a non-empty line of text .*; got 3"),
    (dict(by=""), ValueError, r"`by` must be a non-empty line of text .* or None; got ''\. "
                              r"Name who spends it"),
    (dict(by=7), TypeError, r"`by` must be"),
])
def test_bad_spends_are_rejected_and_change_nothing(kwargs, kind, match):
    acc = ledger(1.0, delta=1e-5)
    acc.spend(0.1, label="first")
    before = snapshot(acc)
    args = {"epsilon": 0.1, "delta": 0.0, "label": "q"} | kwargs
    with pytest.raises(kind, match=match):
        acc.spend(**args)
    assert snapshot(acc) == before
    if not kwargs.keys() & {"label", "by"}:
        with pytest.raises(kind, match=match):
            acc.can_spend(args["epsilon"], args["delta"])
    with acc.parallel(label="block") as block:
        with pytest.raises(kind, match=match):
            block.spend(**args)
        assert block.parts == ()


def test_label_is_required_and_keyword_only():
    acc = ledger()
    with pytest.raises(TypeError):
        acc.spend(0.1)
    with pytest.raises(TypeError):
        acc.spend(0.1, 0.0, "label")
    with pytest.raises(TypeError):
        acc.parallel()


@pytest.mark.parametrize("kwargs, kind, match", [
    (dict(label=""), ValueError, r"`label` must be a non-empty line"),
    (dict(label="x", by=""), ValueError, r"`by` must be"),
])
def test_bad_block_labels(kwargs, kind, match):
    with pytest.raises(kind, match=match):
        ledger().parallel(**kwargs)


def test_bad_partition():
    acc = ledger()
    with acc.parallel(label="x") as block:
        with pytest.raises(TypeError, match=r"`partition` must be .*; got 3\. Name the part"):
            block.spend(0.1, label="q", partition=3)
    assert acc.history == ()


def test_bad_clocks():
    with pytest.raises(TypeError, match=r"`clock` must be a function; got 'now'"):
        BudgetAccountant(1.0, clock="now")
    acc = BudgetAccountant(1.0, clock=lambda: "2024-05-01")
    with pytest.raises(TypeError, match=r"`clock` must be a function returning a datetime; "
                                        r"got '2024-05-01'"):
        acc.spend(0.1, label="x")
    naive = BudgetAccountant(1.0, clock=lambda: datetime(2024, 5, 1))
    with pytest.raises(ValueError, match=r"`clock` must be a function returning a "
                                         r"timezone-aware datetime"):
        naive.spend(0.1, label="x")
    assert acc.history == () and naive.history == () and naive.spent.epsilon == 0.0


# --------------------------------------------------------------------------------------------
# mechanisms spend on the ledger before drawing noise
# --------------------------------------------------------------------------------------------

def test_mechanisms_spend_before_releasing():
    acc = ledger(2.0, delta=1e-5)
    assert LaplaceMechanism(0.5).release(3.0, rng=1, accountant=acc) == \
        LaplaceMechanism(0.5).release(3.0, rng=1)
    gauss = GaussianMechanism(0.5, 1e-6)
    assert gauss.release(3.0, rng=1, accountant=acc) == gauss.release(3.0, rng=1)
    rr = RandomizedResponse(0.25)
    np.testing.assert_array_equal(rr.release([0, 1, 1], rng=1, accountant=acc),
                                  rr.release([0, 1, 1], rng=1))
    assert [(e.label, e.epsilon, e.delta) for e in acc.history] == [
        ("LaplaceMechanism", 0.5, 0.0), ("GaussianMechanism", 0.5, 1e-6),
        ("RandomizedResponse", 0.25, 0.0)]


@pytest.mark.parametrize("release", [
    lambda acc, gen: LaplaceMechanism(0.5).release(3.0, rng=gen, accountant=acc),
    lambda acc, gen: GaussianMechanism(0.5, 1e-6).release(3.0, rng=gen, accountant=acc),
    lambda acc, gen: RandomizedResponse(0.5).release([0, 1], rng=gen, accountant=acc),
], ids=["laplace", "gaussian", "randomized_response"])
def test_a_refused_mechanism_draws_no_noise(release):
    acc = ledger(0.4, delta=1e-5)
    gen = np.random.default_rng(0)
    state = gen.bit_generator.state
    with pytest.raises(BudgetExceededError):
        release(acc, gen)
    assert gen.bit_generator.state == state and acc.history == ()


def test_the_gaussian_mechanism_is_refused_by_a_pure_ledger():
    gen = np.random.default_rng(0)
    state = gen.bit_generator.state
    with pytest.raises(BudgetExceededError, match=r"this ledger is for pure epsilon-DP"):
        GaussianMechanism(0.5, 1e-6).release(1.0, rng=gen, accountant=ledger(10.0))
    assert gen.bit_generator.state == state


def test_bad_values_are_rejected_before_spending():
    acc = ledger(1.0)
    with pytest.raises(ValueError, match=r"`value`"):
        LaplaceMechanism(0.5).release([np.nan], accountant=acc)
    with pytest.raises(ValueError, match=r"`values`"):
        RandomizedResponse(0.5).release([3], accountant=acc)
    assert acc.history == ()
