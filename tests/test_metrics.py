from __future__ import annotations

import numpy as np
import pytest

from evaluation.metrics import auc, average_precision, bootstrap_ci, micro_prf, prf, r_precision, ranked, reliability


def test_prf_by_hand():
    assert prf(3, 1, 2) == pytest.approx((0.75, 0.6, 2 * 0.75 * 0.6 / 1.35))
    assert prf(0, 0, 0) == (0.0, 0.0, 0.0)
    y = np.array([1, 1, 0, 0, 1], bool)
    p = np.array([1, 0, 1, 0, 1], bool)
    assert micro_prf(y, p) == pytest.approx((2 / 3, 2 / 3, 2 / 3))


def test_average_precision_by_hand():
    # relevant at ranks 1, 3: AP = (1/1 + 2/3) / 2
    assert average_precision([True, False, True, False]) == pytest.approx((1 + 2 / 3) / 2)
    assert average_precision([False, False]) == 0.0
    assert r_precision([True, False, True, False]) == 0.5
    assert ranked(np.array([0.1, 0.9, 0.5]), np.array([1, 2, 3])).tolist() == [2, 3, 1]


def test_auc_by_hand():
    assert auc([0.9, 0.8], [0.1, 0.85]) == 0.75
    assert auc([0.5], [0.5]) == 0.5
    assert np.isnan(auc([], [0.1]))


def test_bootstrap_ci_brackets_the_statistic():
    values = np.arange(100, dtype=float)
    lo, hi = bootstrap_ci(100, lambda i: values[i].mean(), rounds=500, seed=1)
    assert lo < 49.5 < hi and hi - lo < 20


def test_reliability_bins():
    rows = reliability(np.array([0.05, 0.15, 0.95, 1.0]), np.array([0, 1, 1, 1]), bins=10)
    assert rows[0][2:] == (1, 0.0)
    assert rows[1][2:] == (1, 1.0)
    assert rows[9][2:] == (2, 1.0)
