"""Collateral shared by several tranches is split by balance, never counted twice."""

from __future__ import annotations

import numpy as np

from stress.engine.project import allocate_collateral


def test_shared_cohort_is_split_by_balance_and_counted_once():
    # cohort 0 (worth 100) secures tranches A and B; cohort 1 (worth 40) secures only A; tranche C is unsecured
    secured = np.array([[1.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    value = np.array([[100.0, 40.0]])
    got = allocate_collateral(value, secured, np.array([[30.0, 10.0, 50.0]]))
    np.testing.assert_allclose(got, [[100 * 30 / 40 + 40, 100 * 10 / 40, 0.0]])
    assert got.sum() == 140.0


def test_undrawn_tranches_share_equally_and_worlds_are_independent():
    secured = np.array([[1.0, 1.0]])
    value = np.array([[80.0], [80.0]])
    got = allocate_collateral(value, secured, np.array([[0.0, 0.0], [0.0, 5.0]]))
    np.testing.assert_allclose(got, [[40.0, 40.0], [0.0, 80.0]])
