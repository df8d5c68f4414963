"""MAPE-K: monitor, analyze, plan, execute over shared knowledge."""

from mape_k.analyzer import Analyzer, Anomaly
from mape_k.executor import Executor
from mape_k.knowledge import Knowledge
from mape_k.loop import ControlLoop
from mape_k.monitor import Monitor
from mape_k.planner import Action, Planner

__version__ = "3.2.0"

__all__ = [
    "Action",
    "Analyzer",
    "Anomaly",
    "ControlLoop",
    "Executor",
    "Knowledge",
    "Monitor",
    "Planner",
    "__version__",
]
