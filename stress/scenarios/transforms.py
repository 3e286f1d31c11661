"""One pure function per shock kind: (worlds, compiled company, shock) -> new worlds.

Each transform returns a copy with only the arrays its shock names changed,
for every world in the input. The registry ``TRANSFORMS`` maps a shock's
``kind`` to its function.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from stress.engine.compiled import CompiledCompany
from stress.engine.depreciation import life_quarters
from stress.engine.worlds import Worlds
from stress.model import scenario as s

Transform = Callable[[Worlds, CompiledCompany, "s.Shock"], Worlds]


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
    base = w.base_rate + shock.bp * ramp(shock, cc.n_quarters)
    if shock.path:
        tail = np.arange(cc.n_quarters - shock.start)
        path = np.asarray(shock.path)[np.minimum(tail, len(shock.path) - 1)]
        base = base.copy()
        base[:, shock.start:] = path + shock.bp
    return dataclasses.replace(w, base_rate=base)


def spread(w: Worlds, cc: CompiledCompany, shock: s.SpreadShock) -> Worlds:
    return dataclasses.replace(w, spread_add=w.spread_add + shock.bp * ramp(shock, cc.n_quarters))


def gpu_price(w: Worlds, cc: CompiledCompany, shock: s.GpuPriceShock) -> Worlds:
    q = np.arange(cc.n_quarters)
    years_since = np.maximum(q - shock.start + 1, 0) / 4.0
    factor = (1.0 + shock.level * ramp(shock, cc.n_quarters)) * (1.0 + shock.annual_change) ** years_since
    models = np.array([not shock.models or g in shock.models for g in cc.gpu_models])
    price = w.gpu_price * np.where(models[:, None], factor[None, :], 1.0)[None, :, :]
    return dataclasses.replace(w, gpu_price=price)


def utilisation(w: Worlds, cc: CompiledCompany, shock: s.UtilisationShock) -> Worlds:
    f = ramp(shock, cc.n_quarters)
    target = w.utilisation + shock.change if shock.level is None else np.full_like(w.utilisation, shock.level)
    return dataclasses.replace(w, utilisation=np.clip(w.utilisation + (target - w.utilisation) * f, 0.0, 1.0))


def useful_life(w: Worlds, cc: CompiledCompany, shock: s.UsefulLifeShock) -> Worlds:
    chosen = np.array([not shock.cohorts or k in shock.cohorts for k in cc.cohort_names])
    new = life_quarters(shock.years)
    life_q = np.where(chosen & (shock.basis != "economic"), new, w.life_q)
    econ_q = np.where(chosen & (shock.basis != "accounting"), new, w.econ_q)
    return dataclasses.replace(w, life_q=life_q, econ_q=econ_q, life_change_q=np.full_like(w.life_change_q, shock.start))


def residual(w: Worlds, cc: CompiledCompany, shock: s.ResidualShock) -> Worlds:
    return dataclasses.replace(w, resale_factor=w.resale_factor * (1.0 + shock.change))


def customer_default(w: Worlds, cc: CompiledCompany, shock: s.CustomerDefaultShock) -> Worlds:
    if not cc.customers:
        return w
    u = largest_customer(cc) if shock.customer == "largest" else cc.customers.index(shock.customer)
    default_q = w.default_q.copy()
    default_q[:, u] = np.minimum(default_q[:, u], shock.start)
    return dataclasses.replace(w, default_q=default_q)


def refinancing(w: Worlds, cc: CompiledCompany, shock: s.RefinancingShock) -> Worlds:
    q = np.arange(cc.n_quarters)
    end = cc.n_quarters if shock.quarters is None else shock.start + shock.quarters
    closed = (q >= shock.start) & (q < end)
    return dataclasses.replace(w, refi_open=w.refi_open & ~closed)


def power_price(w: Worlds, cc: CompiledCompany, shock: s.PowerPriceShock) -> Worlds:
    return dataclasses.replace(w, power_price=w.power_price * (1.0 + shock.change * ramp(shock, cc.n_quarters)))


def capex_overrun(w: Worlds, cc: CompiledCompany, shock: s.CapexOverrunShock) -> Worlds:
    return dataclasses.replace(w, capex_factor=w.capex_factor * (1.0 + shock.change))


def delay(w: Worlds, cc: CompiledCompany, shock: s.DelayShock) -> Worlds:
    return dataclasses.replace(w, delay_q=w.delay_q + shock.quarters)


TRANSFORMS: dict[str, Transform] = {
    "rate": rate, "spread": spread, "gpu_price": gpu_price, "utilisation": utilisation,
    "useful_life": useful_life, "residual": residual, "customer_default": customer_default,
    "refinancing": refinancing, "power_price": power_price, "capex_overrun": capex_overrun, "delay": delay,
}  # type: ignore[dict-item]


def apply(w: Worlds, cc: CompiledCompany, shock: s.Shock) -> Worlds:
    """Apply one shock to every world in ``w``."""
    return TRANSFORMS[shock.kind](w, cc, shock)
