"""The control loop wiring the four phases over one knowledge base."""

from __future__ import annotations

from collections.abc import Iterable

from mape_k.analyzer import Analyzer
from mape_k.executor import Executor
from mape_k.knowledge import Knowledge
from mape_k.monitor import Monitor
from mape_k.planner import Planner


class ControlLoop:
    def __init__(self, threshold: float = 0.8, window: int = 3) -> None:
        self.knowledge = Knowledge()
        self._monitor = Monitor(self.knowledge)
        self._analyzer = Analyzer(self.knowledge, threshold, window)
        self._planner = Planner()
        self._executor = Executor(self.knowledge)

    def step(self, sample: float) -> str:
        self._monitor.observe(sample)
        return self._executor.execute(self._planner.plan(self._analyzer.analyze()))

    def run(self, samples: Iterable[float]) -> list[str]:
        return [self.step(s) for s in samples]
