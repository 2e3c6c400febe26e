"""Webhooks out: chosen events of executions POSTed to URLs, durably, signed, retried.

`settings` (the daemon's options), `store` (the deliveries log), `feed` (events to deliveries),
`sender` (one signed attempt) and `service` (the tasks that run them beside the engine).
Inbound hooks, which start workflows, are another feature ("hooks").
"""

from harmoniad.webhooks.service import Webhooks
from harmoniad.webhooks.settings import WebhookSettings

__all__ = ["WebhookSettings", "Webhooks"]
