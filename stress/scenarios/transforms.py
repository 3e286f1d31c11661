"""One pure function per shock kind: (worlds, compiled company, shock) -> new worlds.

Each transform returns a copy with only the arrays its shock names changed,
for every world in the input. The registry ``TRANSFORMS`` maps a shock's
``kind`` to its function.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np

from stress.engine.compiled import CompiledCompany
from stress.engine.depreciation import life_quarters
from stress.engine.timeline import NEVER
from stress.engine.worlds import Worlds, widen
from stress.model import scenario as s

#: One shock kind's transform; its third argument is that kind's shock class (``apply`` dispatches by ``kind``),
#: which a Callable over the whole union cannot say, so it is typed Any here.
Transform = Callable[[Worlds, CompiledCompany, Any], Worlds]


def ramp(shock: s._Shock, n_quarters: int) -> np.ndarray:
    """Share of the shock in force each quarter (Q,): 0 before start, rising linearly to 1 at start + ramp."""
    q = np.arange(n_quarters)
    return np.clip((q - shock.start + 1) / (shock.ramp_quarters + 1), 0.0, 1.0)


def largest_customer(cc: CompiledCompany) -> int:
    """Index of the customer with the most contracted revenue over the horizon."""
    hours = cc.timeline.hours
    value = cc.contract_gpus * cc.contract_price * (cc.contract_coverage * hours).sum(axis=1)
    per_customer = np.bincount(cc.contract_customer, weights=value, minlength=len(cc.customers))
    return int(np.argmax(per_customer))


def rate(w: Worlds, cc: CompiledCompany, shock: s.RateShock) -> Worlds:
    base = w.base_rate + shock.shift * ramp(shock, cc.n_quarters)
    if shock.path:
        tail = np.arange(cc.n_quarters - shock.start)
        path = np.asarray(shock.path)[np.minimum(tail, len(shock.path) - 1)]
        base = base.copy()
        base[:, shock.start:] = path + shock.shift
    return dataclasses.replace(w, base_rate=base)


def spread(w: Worlds, cc: CompiledCompany, shock: s.SpreadShock) -> Worlds:
    return dataclasses.replace(w, spread_add=w.spread_add + shock.shift * ramp(shock, cc.n_quarters))


def gpu_price(w: Worlds, cc: CompiledCompany, shock: s.GpuPriceShock) -> Worlds:
    q = np.arange(cc.n_quarters)
    years_since = np.maximum(q - shock.start + 1, 0) / 4.0
    factor = (1.0 + shock.level * ramp(shock, cc.n_quarters)) * (1.0 + shock.annual_change) ** years_since
    models = np.array([g in shock.models for g in cc.gpu_models]) if shock.models else cc.model_is_gpu
    price = w.gpu_price * np.where(models[:, None], factor[None, :], 1.0)[None, :, :]
    return dataclasses.replace(w, gpu_price=price)


def utilisation(w: Worlds, cc: CompiledCompany, shock: s.UtilisationShock) -> Worlds:
    f = ramp(shock, cc.n_quarters)
    target = w.utilisation + shock.change if shock.level is None else np.full_like(w.utilisation, shock.level)
    return dataclasses.replace(w, utilisation=np.clip(w.utilisation + (target - w.utilisation) * f, 0.0, 1.0))


def useful_life(w: Worlds, cc: CompiledCompany, shock: s.UsefulLifeShock) -> Worlds:
    chosen = np.array([(k in shock.cohorts) if shock.cohorts else (a in shock.assets)
                       for k, a in zip(cc.cohort_names, cc.cohort_asset, strict=True)], dtype=bool)
    new = life_quarters(shock.years)
    life_q = np.where(chosen & (shock.basis != "economic"), new, w.life_q)
    econ_q = np.where(chosen & (shock.basis != "accounting"), new, w.econ_q)
    change_q = np.where(chosen, shock.start, widen(w.life_change_q, len(cc.cohort_names)))
    return dataclasses.replace(w, life_q=life_q, econ_q=econ_q, life_change_q=change_q)


def residual(w: Worlds, cc: CompiledCompany, shock: s.ResidualShock) -> Worlds:
    factor = 1.0 + shock.change * ramp(shock, cc.n_quarters)
    return dataclasses.replace(w, resale_factor=widen(w.resale_factor, cc.n_quarters) * factor)


def _due_from(cc: CompiledCompany, shock: s._Shock) -> np.ndarray:
    """(K,) capex cohorts due in service at or after the shock's start."""
    return cc.cohort_is_capex & (cc.cohort_in_q >= shock.start)


def customer_default(w: Worlds, cc: CompiledCompany, shock: s.CustomerDefaultShock) -> Worlds:
    if not cc.customers:
        return w
    u = largest_customer(cc) if shock.customer == "largest" else cc.customers.index(shock.customer)
    default_q = w.default_q.copy()
    start = shock.start if shock.start < cc.n_quarters else NEVER  # from after the horizon: never, within it
    default_q[:, u] = np.minimum(default_q[:, u], start)
    return dataclasses.replace(w, default_q=default_q)


def refinancing(w: Worlds, cc: CompiledCompany, shock: s.RefinancingShock) -> Worlds:
    q = np.arange(cc.n_quarters)
    end = cc.n_quarters if shock.quarters is None else shock.start + shock.quarters
    closed = (q >= shock.start) & (q < end)
    return dataclasses.replace(w, refi_open=w.refi_open & ~closed)


def power_price(w: Worlds, cc: CompiledCompany, shock: s.PowerPriceShock) -> Worlds:
    return dataclasses.replace(w, power_price=w.power_price * (1.0 + shock.change * ramp(shock, cc.n_quarters)))


def capex_overrun(w: Worlds, cc: CompiledCompany, shock: s.CapexOverrunShock) -> Worlds:
    """Cohorts due from ``start`` cost more, by the ramp's share at their due quarter."""
    at_due = ramp(shock, cc.n_quarters)[np.clip(cc.cohort_in_q, 0, cc.n_quarters - 1)]
    factor = np.where(_due_from(cc, shock), 1.0 + shock.change * at_due, 1.0)
    return dataclasses.replace(w, capex_factor=widen(w.capex_factor, len(cc.cohort_names)) * factor)


def delay(w: Worlds, cc: CompiledCompany, shock: s.DelayShock) -> Worlds:
    """Cohorts due from ``start`` arrive ``quarters`` late."""
    return dataclasses.replace(w, delay_q=widen(w.delay_q, len(cc.cohort_names)) + np.where(_due_from(cc, shock), shock.quarters, 0))


TRANSFORMS: dict[str, Transform] = {
    "rate": rate, "spread": spread, "gpu_price": gpu_price, "utilisation": utilisation,
    "useful_life": useful_life, "residual": residual, "customer_default": customer_default,
    "refinancing": refinancing, "power_price": power_price, "capex_overrun": capex_overrun, "delay": delay,
}


def apply(w: Worlds, cc: CompiledCompany, shock: s.Shock) -> Worlds:
    """Apply one shock to every world in ``w``."""
    return TRANSFORMS[shock.kind](w, cc, shock)
