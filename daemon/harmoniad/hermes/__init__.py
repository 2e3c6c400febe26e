"""Joining a Tekton installation: Harmonia's entry in Hermes, kept true for as long as it runs.

Hermes keeps its registry in memory and accepts a token for as long as its signature and expiry
hold, even after a restart emptied the registry (TEKTON.md §3): a heartbeat's 200 proves
nothing. So each period the link heartbeats, then looks its own entry up, and registers again
when the entry is gone, the token is refused or nears its expiry. Hermes being down never
delays or stops the daemon: the link retries with backoff and says so once per change of state,
in the log and in `/ready`.
"""

from harmoniad.hermes import registration
from harmoniad.hermes.link import HermesLink
from harmoniad.hermes.registration import *  # noqa: F403 (its __all__ is this package's too)

__all__ = ["HermesLink", *registration.__all__]
