"""Executor: applies actions and remembers them."""

from __future__ import annotations

from mape_k.knowledge import Knowledge
from mape_k.planner import Action


class Executor:
    def __init__(self, knowledge: Knowledge) -> None:
        self._knowledge = knowledge

    def execute(self, action: Action | None) -> str:
        if action is None:
            return "noop"
        self._knowledge.record_action(action.name)
        return action.name
