"""Analyzer: turns observations into anomalies."""

from __future__ import annotations

from dataclasses import dataclass

from mape_k.knowledge import Knowledge


@dataclass(frozen=True)
class Anomaly:
    value: float
    sustained: bool


class Analyzer:
    def __init__(self, knowledge: Knowledge, threshold: float, window: int = 3) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        if window < 1:
            raise ValueError("window must be at least 1")
        self._knowledge = knowledge
        self._threshold = threshold
        self._window = window

    def analyze(self) -> Anomaly | None:
        recent = self._knowledge.recent(self._window)
        if not recent or recent[-1] < self._threshold:
            return None
        sustained = len(recent) == self._window and all(v >= self._threshold for v in recent)
        return Anomaly(value=recent[-1], sustained=sustained)
