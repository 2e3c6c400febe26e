"""One attempt at one delivery: the signed POST, and what came of it.

The body is the one recorded before the first attempt; the timestamp is the attempt's own and
is signed with it (`harmonia.signing`), so a receiver can refuse stale requests while a retry an
hour later still verifies. A 2xx answer delivers; anything else (another status, a refused
connection, a timeout) is an attempt that failed, retried with the shared backoff formula.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio

from harmonia import __version__
from harmonia.errors import Problem
from harmonia.model.notify import NotifyTarget
from harmonia.protocol import backoff_delay
from harmonia.signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign,
)
from harmoniad.webhooks.settings import WebhookSettings
from harmoniad.webhooks.store import DELIVERED, FAILED, PENDING, Delivery

if TYPE_CHECKING:
    import httpx

__all__ = ["AttemptSender", "Outcome"]

ANSWER_EXCERPT = 200
"""Characters of a receiver's answer kept with an attempt (what it said, not all of it)."""


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to: applied to its delivery once the log has it on disk."""

    record: dict[str, Any]
    status: str
    next_at: float

    def line(self, delivery_id: str) -> dict[str, Any]:
        """The log's `try` line of this attempt."""
        return {
            "k": "try",
            "id": delivery_id,
            "attempt": self.record,
            "status": self.status,
            "next": self.next_at,
        }

    def apply(self, delivery: Delivery) -> None:
        delivery.attempts.append(self.record)
        delivery.status = self.status
        delivery.next_at = self.next_at


class AttemptSender:
    """Sends attempts with one shared HTTP client; `settings` say how long and how often."""

    def __init__(
        self,
        settings: WebhookSettings,
        *,
        environ: dict[str, str] | None = None,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.environ = os.environ if environ is None else environ
        self.clock = clock
        self.rng = rng or random.Random()
        self._transport = transport
        self._http: httpx.AsyncClient | None = None
        self._opening = anyio.Lock()

    async def open(self) -> None:
        """Make the HTTP client, once, in a worker thread: importing httpx and loading the CA
        certificates for https take a while the event loop (the engine's) should not wait.
        `attempt` calls it, so a daemon that never sends a webhook never pays for either."""
        async with self._opening:
            if self._http is None:
                self._http = await anyio.to_thread.run_sync(self._new_client)

    def _new_client(self) -> httpx.AsyncClient:
        import httpx

        return httpx.AsyncClient(
            transport=self._transport,
            timeout=self.settings.timeout,
            follow_redirects=False,
            headers={"User-Agent": f"harmoniad/{__version__}"},
        )

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    def unset_secrets(self, notify: Sequence[NotifyTarget]) -> list[Problem]:
        """The targets whose `secret_env` this daemon's environment does not set: each of
        their deliveries would fail, attempt after attempt, until the attempts ran out. The
        variable is read from the daemon's own environment, so nothing a client sends can
        set it: it is set where harmoniad starts, then the workflow stored or started."""
        return [
            Problem(
                f"${target.secret_env} is not set in the daemon's environment, so its "
                "deliveries could not be signed: set it where harmoniad starts (and restart "
                "harmoniad), or drop secret_env",
                field=f"notify[{index}].secret_env",
            )
            for index, target in enumerate(notify)
            if target.secret_env is not None and not self.environ.get(target.secret_env)
        ]

    def secret_for(self, delivery: Delivery) -> bytes | None:
        """The signing key of its target; KeyError naming the variable when it is not set."""
        if delivery.source == "daemon":
            secret = self.settings.secret
            return None if secret is None else secret.reveal()
        if delivery.secret_env is None:
            return None
        value = self.environ.get(delivery.secret_env)
        if not value:
            raise KeyError(delivery.secret_env)
        return value.encode()

    async def attempt(self, delivery: Delivery, body: bytes) -> Outcome:
        """POST it once: the attempt, the delivery's status after it, and when the next one
        is due (`delivery` itself is left as it was)."""
        if self._http is None:
            await self.open()
        started = self.clock()
        number = len(delivery.attempts) + 1
        code: int | None = None
        error: str | None = None
        answer = ""
        try:
            secret = self.secret_for(delivery)
        except KeyError as exc:
            secret, error = None, f"the daemon's environment has no ${exc.args[0]} (secret_env)"
        if error is None:
            timestamp = str(int(started))
            headers = {
                "Content-Type": "application/json",
                EVENT_HEADER: delivery.event,
                DELIVERY_HEADER: delivery.id,
                TIMESTAMP_HEADER: timestamp,
            }
            if secret is not None:
                headers[SIGNATURE_HEADER] = sign(secret, timestamp, body)
            code, answer, error = await self._post(delivery.url, body, headers)
        delivered = code is not None and 200 <= code < 300
        record = {
            "attempt": number,
            "at": started,
            "status_code": code,
            "error": None if delivered else error or f"answered HTTP {code}",
            "duration": round(self.clock() - started, 3),
            "answer": answer,
        }
        if delivered:
            return Outcome(record, DELIVERED, 0.0)
        if number >= self.settings.attempts:
            return Outcome(record, FAILED, 0.0)
        delay = backoff_delay(
            number,
            initial=self.settings.retry_delay,
            maximum=self.settings.max_retry_delay,
            multiplier=2.0,
            jitter=0.1,
            rng=self.rng,
        )
        return Outcome(record, PENDING, self.clock() + delay)

    async def _post(
        self, url: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int | None, str, str | None]:
        """(status code, answer excerpt, error) of one POST, within the attempt timeout."""
        assert self._http is not None, "open() first"
        import httpx  # loaded by `open`: a dictionary look-up

        try:
            with anyio.fail_after(self.settings.timeout):
                async with self._http.stream("POST", url, content=body, headers=headers) as answer:
                    excerpt = b""
                    async for chunk in answer.aiter_bytes():
                        excerpt += chunk
                        if len(excerpt) >= ANSWER_EXCERPT:
                            break
                    text = excerpt[:ANSWER_EXCERPT].decode("utf-8", "replace")
                    return answer.status_code, text, None
        except TimeoutError:
            return None, "", f"no answer within {self.settings.timeout:g}s"
        except httpx.HTTPError as exc:
            return None, "", f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
