"""The execution screen's widgets: the task graph, the event log, the task detail pane."""

from harmonia_tui.widgets.banner import ConnectionBanner
from harmonia_tui.widgets.event_log import EventLog
from harmonia_tui.widgets.graph import TaskGraph
from harmonia_tui.widgets.task_detail import TaskDetail

__all__ = ["ConnectionBanner", "EventLog", "TaskDetail", "TaskGraph"]
