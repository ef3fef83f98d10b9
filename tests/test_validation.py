"""Tests of ppml_lab._validation: every check, every branch, one message style."""

from __future__ import annotations

import fractions
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ppml_lab import _validation as v

# hypothesis draws the same examples on every run (no flakiness) and has no
# deadline (the machine is shared and timings are noisy)
FIXED = settings(derandomize=True, deadline=None)

# "`name` must be <rule>; got <value>.[ fix]"
MESSAGE = re.compile(r"^`[\w\[\]]+` must be .+; got .+\.( .+)?$", re.DOTALL)


def assert_house_style(exc: BaseException, name: str) -> None:
    text = str(exc)
    assert MESSAGE.match(text), text
    assert text.startswith(f"`{name}` must be "), text
    assert "; got " in text


# --------------------------------------------------------------------------------------------
# fail
# --------------------------------------------------------------------------------------------

def test_fail_builds_but_does_not_raise():
    exc = v.fail("epsilon", "a positive finite number", -0.5, "Pass e.g. epsilon=1.0.")
    assert isinstance(exc, ValueError)
    assert str(exc) == ("`epsilon` must be a positive finite number; got -0.5. "
                        "Pass e.g. epsilon=1.0.")


def test_fail_kind_show_and_no_fix():
    exc = v.fail("x", "a list", 3, kind=TypeError, show="three")
    assert isinstance(exc, TypeError) and str(exc) == "`x` must be a list; got three."


def test_fail_shortens_long_values_and_arrays():
    assert len(str(v.fail("x", "short", "a" * 500))) < 130
    text = str(v.fail("x", "small", np.arange(1000)))
    assert "array of shape (1000,)" in text and "..." in text


# --------------------------------------------------------------------------------------------
# check_real / check_positive
# --------------------------------------------------------------------------------------------

@FIXED
@given(st.floats(allow_nan=False, allow_infinity=False) | st.integers(-10**300, 10**300))
def test_check_real_accepts_finite_reals(value):
    assert v.check_real(value, "x") == float(value)


@settings(FIXED, max_examples=25)
@given(st.integers(min_value=10**309) | st.integers(max_value=-10**309))
def test_check_real_rejects_ints_beyond_the_float_range(value):
    # float(10**400) raises OverflowError; the check reports it in the house style
    with pytest.raises(ValueError, match=r"`x` must be a finite real number; got (-)?inf\.") as e:
        v.check_real(value, "x")
    assert_house_style(e.value, "x")


def test_check_real_inf_only_when_allowed():
    assert v.check_real(math.inf, "x", allow_inf=True) == math.inf
    assert v.check_real(10**400, "x", allow_inf=True) == math.inf
    with pytest.raises(ValueError, match="got inf"):
        v.check_real(math.inf, "x")
    with pytest.raises(ValueError, match="got nan"):
        v.check_real(math.nan, "x", allow_inf=True)


@pytest.mark.parametrize("value", [True, False, np.bool_(False)])
def test_check_real_rejects_booleans(value):
    with pytest.raises(TypeError, match="Booleans are not numbers here") as e:
        v.check_real(value, "x")
    assert_house_style(e.value, "x")


@pytest.mark.parametrize("value", ["1", b"1", None, [1.0], np.array([1.0]), 1j, object()])
def test_check_real_rejects_non_numbers(value):
    with pytest.raises(TypeError) as e:
        v.check_real(value, "x", fix="Pass a number.")
    assert_house_style(e.value, "x")
    assert str(e.value).endswith("Pass a number.")


@pytest.mark.parametrize("value", [np.float32(0.5), np.int64(3), np.float64(2.0),
                                   fractions.Fraction(1, 4)])
def test_check_real_accepts_numpy_and_fraction_numbers(value):
    assert v.check_real(value, "x") == float(value)
    assert type(v.check_real(value, "x")) is float


@FIXED
@given(st.floats(min_value=0, exclude_min=True, allow_infinity=False))
def test_check_positive_accepts_positive_finite(value):
    assert v.check_positive(value, "epsilon") == value


@FIXED
@given(st.floats(max_value=0) | st.just(math.nan) | st.just(math.inf))
def test_check_positive_rejects_the_rest(value):
    with pytest.raises(ValueError) as e:
        v.check_positive(value, "epsilon", fix="Pass e.g. epsilon=1.0.")
    assert_house_style(e.value, "epsilon")
    assert "a positive finite number" in str(e.value)


def test_check_positive_allow_inf():
    assert v.check_positive(math.inf, "x", allow_inf=True) == math.inf
    with pytest.raises(ValueError, match="`x` must be a positive number; got 0.0"):
        v.check_positive(0, "x", allow_inf=True)


# --------------------------------------------------------------------------------------------
# check_probability
# --------------------------------------------------------------------------------------------

@FIXED
@given(st.floats(min_value=0, max_value=1, exclude_min=True, exclude_max=True))
def test_check_probability_open_interval(value):
    assert v.check_probability(value, "delta") == value


@pytest.mark.parametrize("value", [0, 0.0, 1, 1.0, -0.1, 1.1, math.nan, math.inf])
def test_check_probability_rejects_outside(value):
    with pytest.raises(ValueError, match=r"`delta` must be a number in \(0, 1\); got ") as e:
        v.check_probability(value, "delta")
    assert_house_style(e.value, "delta")


def test_check_probability_closed_ends():
    assert v.check_probability(0, "p", low_open=False) == 0.0
    assert v.check_probability(1, "p", high_open=False) == 1.0
    with pytest.raises(ValueError, match=r"`p` must be a number in \[0, 1\]; got 1.5"):
        v.check_probability(1.5, "p", low_open=False, high_open=False)
    with pytest.raises(TypeError, match=r"`p` must be a number in \(0, 1\); got True"):
        v.check_probability(True, "p")


# --------------------------------------------------------------------------------------------
# check_integer
# --------------------------------------------------------------------------------------------

@FIXED
@given(st.integers(min_value=2, max_value=10**30))
def test_check_integer_accepts(value):
    assert v.check_integer(value, "n", minimum=2) == value


@pytest.mark.parametrize("kwargs, rule", [
    ({}, "an integer"), ({"minimum": 1}, "an integer >= 1"), ({"maximum": 5}, "an integer <= 5"),
    ({"minimum": 1, "maximum": 5}, r"an integer in \[1, 5\]"),
])
@pytest.mark.parametrize("value", [2.0, "2", True, np.bool_(True), None, 2.5])
def test_check_integer_type_errors(kwargs, rule, value):
    with pytest.raises(TypeError, match=f"`n` must be {rule}; got ") as e:
        v.check_integer(value, "n", **kwargs)
    assert_house_style(e.value, "n")


@pytest.mark.parametrize("value, kwargs", [(0, {"minimum": 1}), (6, {"maximum": 5}),
                                           (0, {"minimum": 1, "maximum": 5}),
                                           (6, {"minimum": 1, "maximum": 5})])
def test_check_integer_range_errors(value, kwargs):
    with pytest.raises(ValueError, match=f"; got {value}.") as e:
        v.check_integer(value, "n", **kwargs)
    assert_house_style(e.value, "n")


def test_check_integer_numpy_ints():
    result = v.check_integer(np.int32(4), "n")
    assert result == 4 and type(result) is int


# --------------------------------------------------------------------------------------------
# check_bounds
# --------------------------------------------------------------------------------------------

@FIXED
@given(st.floats(-1e6, 1e6), st.floats(1e-3, 1e6))
def test_check_bounds_accepts_ordered_pairs(lower, width):
    assert v.check_bounds((lower, lower + width)) == (lower, lower + width)
    assert v.check_bounds([lower, lower + width]) == (lower, lower + width)
    assert v.check_bounds(np.array([lower, lower + width])) == (lower, lower + width)


@FIXED
@given(st.floats(-1e6, 1e6), st.floats(0, 1e6))
def test_check_bounds_rejects_unordered_pairs(upper, gap):
    with pytest.raises(ValueError, match="lower < upper; got ") as e:
        v.check_bounds((upper + gap, upper))
    assert_house_style(e.value, "bounds")


@pytest.mark.parametrize("bounds, kind, name", [
    ((1,), ValueError, "bounds"), ((0, 1, 2), ValueError, "bounds"), ((), ValueError, "bounds"),
    ("01", TypeError, "bounds"), (5, TypeError, "bounds"), (None, TypeError, "bounds"),
    ({0, 1}, TypeError, "bounds"), ((math.nan, 1), ValueError, "bounds[0]"),
    ((0, math.inf), ValueError, "bounds[1]"), ((False, 1), TypeError, "bounds[0]"),
    (("0", 1), TypeError, "bounds[0]"),
])
def test_check_bounds_rejects(bounds, kind, name):
    with pytest.raises(kind) as e:
        v.check_bounds(bounds)
    assert_house_style(e.value, name)
    # the fix is shown, except for a boolean, which gets its own explanation
    text = str(e.value)
    assert "without looking at the data" in text or "Booleans are not numbers here" in text


def test_check_bounds_custom_name_and_fix():
    with pytest.raises(ValueError,
                       match=r"^`clip` must be .*; got \(2, 1\)\. Use clip=\(0, 1\)\.$"):
        v.check_bounds((2, 1), "clip", fix="Use clip=(0, 1).")


# --------------------------------------------------------------------------------------------
# check_array
# --------------------------------------------------------------------------------------------

def test_check_array_converts_without_copying_floats():
    x = np.arange(4, dtype=float)
    assert v.check_array(x, "x") is x
    ints = v.check_array([1, 2], "x")
    assert ints.dtype == np.float64
    assert v.check_array([1, 2], "x", dtype=None).dtype.kind == "i"


@pytest.mark.parametrize("x, kind, match", [
    ("abc", TypeError, r"`x` must be array-like of numbers; got 'abc'"),
    (b"abc", TypeError, r"`x` must be array-like of numbers; got b'abc'"),
    ([[1, 2], [3]], TypeError, r"`x` must be array-like of numbers; got "),
    ([True, False], TypeError, r"`x` must be array-like of numbers \(not booleans\); got .*astype"),
    (["a", "b"], TypeError, r"`x` must be array-like of numbers; got an array of dtype <U1"),
    ([1 + 2j], TypeError, r"`x` must be array-like of numbers; got an array of dtype complex"),
    ([None, 1], TypeError, r"`x` must be array-like of numbers; got an array of dtype object"),
    ([], ValueError, r"`x` must be non-empty; got an empty array\. Pass at least one value\."),
    ([1.0, math.nan, math.inf], ValueError, r"`x` must be free of NaN and infinite values; got 2 "
                                            r"non-finite value\(s\)\. Remove or impute"),
])
def test_check_array_rejects(x, kind, match):
    with pytest.raises(kind, match=match) as e:
        v.check_array(x, "x")
    assert_house_style(e.value, "x")


def test_check_array_options():
    assert v.check_array([], "x", allow_empty=True).shape == (0,)
    assert np.isnan(v.check_array([math.nan], "x", finite=False)[0])
    assert v.check_array([True], "x", dtype=bool).dtype == bool
    assert v.check_array(["a"], "x", dtype=object).dtype == object
    assert v.check_array([[1.0]], "x", ndim=(1, 2)).shape == (1, 1)
    with pytest.raises(ValueError, match=r"`x` must be a 1-dimensional array; got an array of "
                                         r"shape \(1, 1\)"):
        v.check_array([[1.0]], "x", ndim=1)
    with pytest.raises(ValueError, match=r"`x` must be a 1 or 2-dimensional array; got an array "
                                         r"of shape \(\)"):
        v.check_array(1.0, "x", ndim=(1, 2))
    with pytest.raises(ValueError, match=r"got an empty array\. My fix\.$"):
        v.check_array([], "x", fix="My fix.")


@FIXED
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=50))
def test_check_array_accepts_finite_lists(values):
    np.testing.assert_array_equal(v.check_array(values, "x"), np.array(values))


@FIXED
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=20),
       st.sampled_from([math.nan, math.inf, -math.inf]), st.integers(0, 20))
def test_check_array_rejects_any_non_finite_value(values, bad, where):
    values.insert(min(where, len(values)), bad)
    with pytest.raises(ValueError, match="free of NaN and infinite values"):
        v.check_array(values, "x")


# --------------------------------------------------------------------------------------------
# check_choice, check_bool, check_callable
# --------------------------------------------------------------------------------------------

def test_check_choice():
    assert v.check_choice("rdp", "accountant", ("rdp", "pld")) == "rdp"
    for bad in ("RDP", "", None, 1, ("rdp",)):
        with pytest.raises(ValueError,
                           match=r"`accountant` must be one of 'rdp', 'pld'; got ") as e:
            v.check_choice(bad, "accountant", ("rdp", "pld"))
        assert_house_style(e.value, "accountant")


def test_check_bool():
    assert v.check_bool(np.bool_(False), "flag") is False
    for bad in (1, 0, "True", None, 1.0):
        with pytest.raises(TypeError, match=r"`flag` must be True or False; got ") as e:
            v.check_bool(bad, "flag")
        assert_house_style(e.value, "flag")


def test_check_callable():
    assert v.check_callable(len, "f") is len
    with pytest.raises(TypeError, match=r"`f` must be a function; got 3\. Pass a function\.$"):
        v.check_callable(3, "f", fix="Pass a function.")


# --------------------------------------------------------------------------------------------
# the privacy vocabulary
# --------------------------------------------------------------------------------------------

@FIXED
@given(st.floats(min_value=1e-100, max_value=1e9))
def test_check_epsilon_accepts(value):
    assert v.check_epsilon(value) == value


@FIXED
@given(st.floats(min_value=0, exclude_min=True, allow_infinity=False))
def test_check_epsilon_unbounded_accepts_any_positive_finite_number(value):
    assert v.check_epsilon(value, bounded=False) == value
    if not 1e-100 <= value <= 1e9:
        with pytest.raises(ValueError, match=r"`epsilon` must be a number in \[1e-100, 1e\+09\]"):
            v.check_epsilon(value)


@pytest.mark.parametrize("value, kind", [(0, ValueError), (-0.5, ValueError),
                                         (math.nan, ValueError), (math.inf, ValueError),
                                         (True, TypeError), ("1", TypeError)])
def test_check_epsilon_rejects(value, kind):
    with pytest.raises(kind) as e:
        v.check_epsilon(value)
    assert_house_style(e.value, "epsilon")
    if kind is ValueError:
        assert str(e.value).endswith(v.EPSILON_FIX)


def test_check_epsilon_message_example():
    with pytest.raises(ValueError) as e:
        v.check_epsilon(-0.5)
    assert str(e.value) == ("`epsilon` must be a positive finite number; got -0.5. Pass e.g. "
                            "epsilon=1.0 (smaller epsilon means more privacy and more noise).")


@pytest.mark.parametrize("value, kind", [(0, ValueError), (1, ValueError), (2.0, ValueError),
                                         (math.nan, ValueError), (False, TypeError)])
def test_check_delta_rejects(value, kind):
    with pytest.raises(kind) as e:
        v.check_delta(value)
    assert_house_style(e.value, "delta")


@pytest.mark.parametrize("value, kind", [(0, ValueError), (-1, ValueError), (math.inf, ValueError),
                                         (True, TypeError)])
def test_check_sensitivity_rejects(value, kind):
    with pytest.raises(kind) as e:
        v.check_sensitivity(value, "clip_norm")
    assert_house_style(e.value, "clip_norm")


@FIXED
@given(st.integers(1, 10_000))
def test_check_bins_accepts_counts(bins):
    assert v.check_bins(bins) == bins


@FIXED
@given(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=30, unique=True))
def test_check_bins_accepts_increasing_edges_only(edges):
    increasing = sorted(edges)
    np.testing.assert_array_equal(v.check_bins(increasing), increasing)
    if edges != increasing:
        with pytest.raises(ValueError, match="strictly increasing"):
            v.check_bins(edges)


@pytest.mark.parametrize("bins, kind", [(0, ValueError), (2.0, TypeError), (True, TypeError),
                                        ([1.0], ValueError), ([[0, 1]], ValueError),
                                        ("10", TypeError), (None, TypeError)])
def test_check_bins_rejects(bins, kind):
    with pytest.raises(kind) as e:
        v.check_bins(bins)
    assert_house_style(e.value, "bins")


# --------------------------------------------------------------------------------------------
# issue 13: ranges for check_positive, continuous targets
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, kwargs", [(1e308, dict(maximum=1e4)),
                                           (5e-324, dict(minimum=1e-6)),
                                           (1e308, dict(minimum=1e-6, maximum=1e4)),
                                           (5e-324, dict(minimum=1e-6, maximum=1e4))])
def test_check_positive_enforces_a_range(value, kwargs):
    with pytest.raises(ValueError, match=r"^`epsilon` must be a .*number .*; got") as info:
        v.check_positive(value, "epsilon", **kwargs)
    assert_house_style(info.value, "epsilon")
    assert v.check_positive(1.0, "epsilon", **kwargs) == 1.0


@pytest.mark.parametrize("y", [[0.3, 1.7, 0.3, 1.7], np.array([0.5, 1.0, 0.0, 1.0])])
def test_check_targets_refuses_continuous_floats(y):
    # scikit-learn: "Unknown label type: continuous"; each float used to become its own class
    with pytest.raises(ValueError, match=r"^`y` must be class labels, not continuous") as info:
        v.check_targets(y, 4)
    assert_house_style(info.value, "y")


@pytest.mark.parametrize("y, classes", [([0.0, 1.0, 1.0, 0.0], [0.0, 1.0]),
                                        (["no", "yes", "yes", "no"], ["no", "yes"]),
                                        ([2, 5, 5, 2], [2, 5])])
def test_check_targets_keeps_whole_floats_strings_and_ints(y, classes):
    found, index = v.check_targets(y, 4)
    assert found.tolist() == classes and index.tolist() == [0, 1, 1, 0]
