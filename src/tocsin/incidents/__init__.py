"""Incidents: signals grouped per watch and story (``grouping``, pure), the monitor that runs
the detectors over stored buckets and writes incidents and alerts (``monitor``), explanations
read from the store (``explain``) and replays of a stream through it all (``backtest``).

    monitor = Monitor(store, MonitorConfig(bucket=timedelta(hours=1)))
    report = monitor.run(now)            # one tick: signals, incident updates, alerts queued
    explain(store, incident, timedelta(hours=1)).lines()
"""

from tocsin.incidents.explain import Explanation, explain
from tocsin.incidents.grouping import (
    GroupingConfig,
    IncidentTracker,
    IncidentUpdate,
    severity_of,
)
from tocsin.incidents.monitor import Monitor, MonitorConfig, TickReport

__all__ = [
    "Explanation",
    "GroupingConfig",
    "IncidentTracker",
    "IncidentUpdate",
    "Monitor",
    "MonitorConfig",
    "TickReport",
    "explain",
    "severity_of",
]
