from __future__ import annotations

import numpy as np
import pytest

from matcher import score as sc


def test_clause_features_reduce_over_views():
    dense = np.array([[0.9, 0.8], [0.7, 0.95], [0.5, 0.6]], dtype=np.float32)  # 3 views x 2 clauses
    lex = np.array([[0.1, 0.0], [0.3, 0.2], [0.0, 0.4]], dtype=np.float32)
    mu = np.array([0.8, 0.8, 0.5], dtype=np.float32)
    sigma = np.array([0.05, 0.1, 0.1], dtype=np.float32)
    terms = np.array([[0, 1], [1, 0]], dtype=np.float32)  # per item, not per view
    f = sc.clause_features(dense, mu, sigma, lex, np.array([0, 2]), terms)  # item 0: views 0-1, item 1: view 2
    assert f.shape == (2, 2, 4)
    np.testing.assert_allclose(f[0, :, 0], [2.0, 1.5], atol=1e-5)  # max(z0, z1) per clause
    np.testing.assert_allclose(f[0, :, 1], [0.3, 0.2], atol=1e-6)
    np.testing.assert_allclose(f[1, :, 2], [0.5, 0.6], atol=1e-6)
    assert f[:, :, 3].tolist() == [[0, 1], [1, 0]]
    assert sc.clause_features(dense, mu, sigma, lex, np.array([0, 2]))[:, :, 3].tolist() == [[0, 0], [0, 0]]


def test_item_probabilities_and_status():
    cal = sc.Calibration("m", weights=(1.0, 2.0, 0.0, 0.5) + (0.0,) * 5 + (-1.0,), bias=-1.0, covered=0.7, partial=0.4)
    feats = np.array([[1.0, 0.5, 0.9, 0.0], [1.0, 0.5, 0.9, 0.0]])
    p = sc.item_probabilities(feats, np.array([0, 5]), cal)
    np.testing.assert_allclose(p, [1 / (1 + np.exp(-1.0)), 0.5])
    assert [sc.status_of(x, cal) for x in (0.8, 0.7, 0.5, 0.4, 0.39)] == ["covered", "covered", "partial", "partial", "missing"]


def test_item_features_mask_and_empty():
    f = np.array([[[1.0, 0.1, 0.5, 1.0], [3.0, 0.2, 0.6, 0.0]]])
    assert sc.item_features(f).tolist() == [[3.0, 0.2, 0.6, 1.0]]
    np.testing.assert_allclose(sc.item_features(f, np.array([[True, False]])), [[1.0, 0.1, 0.5, 1.0]])
    assert sc.item_features(np.zeros((2, 0, 4))).tolist() == [[-10.0] * 4] * 2


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
    cal = sc.Calibration("m", (0,) * 10, 0, 0.5, 0.3, fit_weights=(1.0, 1.0, 1.0), fit_bias=-1.0)
    assert sc.fit_score(x, cal) == pytest.approx(1 / (1 + np.exp(-(0.6 + 2 / 3 + 0.6 - 1))))


def test_calibration_json_round_trip(tmp_path):
    cal = sc.Calibration("m@1", (1.0, 2.0, 3.0, 4.0) + (0.5,) * 6, -2.0, 0.8, 0.4, metrics={"f1": 0.5})
    assert sc.Calibration.from_json(cal.to_json()) == cal
    path = sc.calibration_path("m@1", tmp_path)
    path.write_text(cal.to_json())
    assert sc.load_calibration("m@1", tmp_path) == cal
    prior = sc.load_calibration("other", tmp_path)
    assert prior.calibrated is False and prior.model == "other"


def test_calibration_of_another_feature_set_falls_back_to_the_prior(tmp_path):
    import json

    with pytest.raises(ValueError, match="weights"):
        sc.Calibration("m", (1.0, 2.0, 3.0) + (0.5,) * 6, 0.0, 0.8, 0.4)
    old = json.loads(sc.Calibration("m@1", (1.0,) * 10, 0.0, 0.8, 0.4).to_json())
    old["features"], old["weights"] = ["z", "lex", "cos"], [1.0] * 9  # written by an older version
    sc.calibration_path("m@1", tmp_path).write_text(json.dumps(old))
    with pytest.raises(ValueError, match="features"):
        sc.Calibration.from_json(json.dumps(old))
    assert sc.load_calibration("m@1", tmp_path).calibrated is False
