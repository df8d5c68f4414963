import math
import re
from pathlib import Path

import pytest

import mape_k
from mape_k import Action, Analyzer, ControlLoop, Executor, Knowledge, Monitor, Planner


def test_version_matches_pyproject() -> None:
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    declared = re.search(r'^version = "([^"]+)"$', pyproject.read_text(), re.MULTILINE)
    assert declared is not None
    assert mape_k.__version__ == declared.group(1)


def test_quiet_samples_do_nothing() -> None:
    assert ControlLoop(threshold=0.8).run([0.1, 0.2, 0.3]) == ["noop", "noop", "noop"]


def test_spike_is_throttled() -> None:
    assert ControlLoop(threshold=0.8).run([0.1, 0.9]) == ["noop", "throttle"]


def test_sustained_anomaly_restarts() -> None:
    loop = ControlLoop(threshold=0.8, window=3)
    assert loop.run([0.9, 0.9, 0.95]) == ["throttle", "throttle", "restart"]
    assert loop.knowledge.actions == ["throttle", "throttle", "restart"]


def test_monitor_clamps_and_rejects_non_finite() -> None:
    k = Knowledge()
    m = Monitor(k)
    assert m.observe(1.7) == 1.0
    assert m.observe(-2.0) == 0.0
    with pytest.raises(ValueError):
        m.observe(math.nan)


def test_knowledge_is_bounded() -> None:
    k = Knowledge(capacity=3)
    for v in [0.1, 0.2, 0.3, 0.4]:
        k.record_observation(v)
    assert k.observations == [0.2, 0.3, 0.4]
    assert k.recent(0) == []


@pytest.mark.parametrize("threshold", [0.0, 1.5])
def test_analyzer_validates_threshold(threshold: float) -> None:
    with pytest.raises(ValueError):
        Analyzer(Knowledge(), threshold)


def test_analyzer_validates_window() -> None:
    with pytest.raises(ValueError):
        Analyzer(Knowledge(), 0.5, window=0)


def test_planner_and_executor() -> None:
    k = Knowledge()
    assert Planner().plan(None) is None
    assert Executor(k).execute(None) == "noop"
    assert Executor(k).execute(Action("restart", 30)) == "restart"
