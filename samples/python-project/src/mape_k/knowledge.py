"""Shared knowledge: the history every phase reads and writes."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Knowledge:
    """Observations and actions taken, bounded to the most recent entries."""

    capacity: int = 100
    observations: list[float] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)

    def record_observation(self, value: float) -> None:
        self.observations.append(value)
        if len(self.observations) > self.capacity:
            del self.observations[0 : len(self.observations) - self.capacity]

    def record_action(self, name: str) -> None:
        self.actions.append(name)

    def recent(self, count: int) -> list[float]:
        if count <= 0:
            return []
        return self.observations[-count:]
