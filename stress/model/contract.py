"""Take-or-pay capacity contracts with named customers."""

from __future__ import annotations

from pydantic import Field

from stress.model.types import Count, Date, PosMoney, Spec


class Contract(Spec):
    """``gpus`` GPUs of model ``gpu`` reserved at a fixed price from ``start`` to ``end``.

    Checks across fields (``end`` after ``start``) are in ``stress.model.checks``.
    """

    customer: str = Field(min_length=1)
    gpu: str = Field(min_length=1)
    gpus: Count
    price_per_gpu_hour: PosMoney = Field(description="USD per GPU-hour")
    start: Date
    end: Date
    investment_grade: bool = False
