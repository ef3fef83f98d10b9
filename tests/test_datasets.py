"""Tests of ppml_lab.datasets.unit_rows: the per-row norm cap and its input checks."""

from __future__ import annotations

import numpy as np
import pytest

from ppml_lab.datasets import unit_rows


def test_unit_rows_caps_long_rows_and_keeps_short_ones():
    out = unit_rows([[3.0, 4.0], [0.3, 0.4], [0.0, 0.0]], max_norm=2.0)
    np.testing.assert_allclose(out, [[1.2, 1.6], [0.3, 0.4], [0.0, 0.0]])


def test_unit_rows_does_not_overflow_on_huge_rows():
    # squaring 3e200 overflows: the norm used to be inf and the row came back as zeros
    out = unit_rows([[3e200, 4e200]])
    np.testing.assert_allclose(out, [[0.6, 0.8]])


@pytest.mark.parametrize("max_norm, kind", [(-1.0, ValueError), (0.0, ValueError),
                                            (float("nan"), ValueError),
                                            (float("inf"), ValueError),
                                            (True, TypeError), ("1", TypeError)])
def test_unit_rows_refuses_a_bad_max_norm(max_norm, kind):
    with pytest.raises(kind, match="^`max_norm` must be a positive finite number"):
        unit_rows([[3.0, 4.0]], max_norm=max_norm)


@pytest.mark.parametrize("X, kind", [([3.0, 4.0], ValueError),               # 1-D
                                     (np.ones((2, 2, 2)), ValueError),       # 3-D
                                     ([[1j, 2.0]], TypeError),               # complex
                                     ([[np.inf, 1.0]], ValueError),          # inf row
                                     ([[np.nan, 1.0]], ValueError),
                                     ("ab", TypeError)])
def test_unit_rows_refuses_bad_features(X, kind):
    with pytest.raises(kind, match="^`X` must be"):
        unit_rows(X)
