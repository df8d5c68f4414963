"""Monitor: validates raw samples and stores them."""

from __future__ import annotations

import math

from mape_k.knowledge import Knowledge


class Monitor:
    def __init__(self, knowledge: Knowledge) -> None:
        self._knowledge = knowledge

    def observe(self, value: float) -> float:
        if math.isnan(value) or math.isinf(value):
            raise ValueError(f"sample must be finite, got {value!r}")
        clamped = min(max(value, 0.0), 1.0)
        self._knowledge.record_observation(clamped)
        return clamped
