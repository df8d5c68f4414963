"""Planner: chooses a remediation for an anomaly."""

from __future__ import annotations

from dataclasses import dataclass

from mape_k.analyzer import Anomaly


@dataclass(frozen=True)
class Action:
    name: str
    expected_recovery_seconds: int


class Planner:
    def plan(self, anomaly: Anomaly | None) -> Action | None:
        if anomaly is None:
            return None
        if anomaly.sustained:
            return Action("restart", expected_recovery_seconds=30)
        return Action("throttle", expected_recovery_seconds=5)
