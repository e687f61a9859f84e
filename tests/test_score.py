from __future__ import annotations

import numpy as np
import pytest

from matcher import score as sc


def test_clause_features_reduce_over_views():
    dense = np.array([[0.9, 0.8], [0.7, 0.95], [0.5, 0.6]], dtype=np.float32)  # 3 views x 2 clauses
    lex = np.array([[0.1, 0.0], [0.3, 0.2], [0.0, 0.4]], dtype=np.float32)
    mu = np.array([0.8, 0.8, 0.5], dtype=np.float32)
    sigma = np.array([0.05, 0.1, 0.1], dtype=np.float32)
    f = sc.clause_features(dense, mu, sigma, lex, np.array([0, 2]))  # item 0: views 0-1, item 1: view 2
    assert f.shape == (2, 2, 3)
    np.testing.assert_allclose(f[0, :, 0], [2.0, 1.5], atol=1e-5)  # max(z0, z1) per clause
    np.testing.assert_allclose(f[0, :, 1], [0.3, 0.2], atol=1e-6)
    np.testing.assert_allclose(f[1, :, 2], [0.5, 0.6], atol=1e-6)


def test_item_probabilities_and_status():
    cal = sc.Calibration("m", weights=(1.0, 2.0, 0.0) + (0.0,) * 5 + (-1.0,), bias=-1.0, covered=0.7, partial=0.4)
    feats = np.array([[1.0, 0.5, 0.9], [1.0, 0.5, 0.9]])
    p = sc.item_probabilities(feats, np.array([0, 5]), cal)
    np.testing.assert_allclose(p, [1 / (1 + np.exp(-1.0)), 0.5])
    assert [sc.status_of(x, cal) for x in (0.8, 0.7, 0.5, 0.4, 0.39)] == ["covered", "covered", "partial", "partial", "missing"]


def test_item_features_mask_and_empty():
    f = np.array([[[1.0, 0.1, 0.5], [3.0, 0.2, 0.6]]])
    assert sc.item_features(f).tolist() == [[3.0, 0.2, 0.6]]
    np.testing.assert_allclose(sc.item_features(f, np.array([[True, False]])), [[1.0, 0.1, 0.5]])
    assert sc.item_features(np.zeros((2, 0, 3))).tolist() == [[-10.0] * 3] * 2


def test_propagate_tasks():
    probs = np.array([0.2, 0.9, 0.1, 0.3])  # task, indicator, indicator, other
    assert sc.propagate_tasks(probs, [(0, [1, 2])]).tolist() == [0.9, 0.9, 0.1, 0.3]
    batch = np.array([[0.5, 0.1, 0.2, 0.0]])
    assert sc.propagate_tasks(batch, [(0, [1, 2])]).tolist() == [[0.5, 0.1, 0.2, 0.0]]


def test_coverage_and_fit():
    assert sc.coverage(["covered", "partial", "missing", "missing"]) == pytest.approx(0.375)
    assert sc.coverage([]) == 0.0
    x = sc.fit_features(np.array([0.9, 0.8, 0.1, 0.2]), ["covered", "covered", "missing", "missing"],
                        np.array([True, True, True, False]))
    np.testing.assert_allclose(x, [0.6, 2 / 3, 0.6])
    cal = sc.Calibration("m", (0,) * 9, 0, 0.5, 0.3, fit_weights=(1.0, 1.0, 1.0), fit_bias=-1.0)
    assert sc.fit_score(x, cal) == pytest.approx(1 / (1 + np.exp(-(0.6 + 2 / 3 + 0.6 - 1))))


def test_calibration_json_round_trip(tmp_path):
    cal = sc.Calibration("m@1", (1.0, 2.0, 3.0) + (0.5,) * 6, -2.0, 0.8, 0.4, metrics={"f1": 0.5})
    assert sc.Calibration.from_json(cal.to_json()) == cal
    path = sc.calibration_path("m@1", tmp_path)
    path.write_text(cal.to_json())
    assert sc.load_calibration("m@1", tmp_path) == cal
    prior = sc.load_calibration("other", tmp_path)
    assert prior.calibrated is False and prior.model == "other"
