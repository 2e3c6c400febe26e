"""The loop that keeps Harmonia's entry in Hermes true, from the daemon's start to its stop."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import anyio
import anyio.to_thread

from harmonia.protocol import backoff_delay
from harmoniad.hermes.registration import (
    DEFAULT_INTERVAL,
    TOKEN_HEADER,
    TOKEN_LIFETIME,
    LinkState,
    LinkStatus,
    Registration,
)

if TYPE_CHECKING:
    import httpx

__all__ = ["HermesLink"]

logger = logging.getLogger("harmoniad.hermes")

REQUEST_TIMEOUT = 5.0
STOP_GRACE = 1.0
"""How long a stop lets an exchange in flight finish: a registration Hermes has recorded but
not yet answered would otherwise leave an entry behind, with no token to remove it."""
UNREGISTER_TIMEOUT = 2.0
"""The longest the unregistration may take: a hung Hermes must not hold the daemon's exit."""
PREFIXES = ("/api", "")
"""Hermes serves its registry under `/api`, or at the root on newer FastAPI (TEKTON.md §2)."""


_LEVELS = {
    LinkState.UNREACHABLE: logging.WARNING,
    LinkState.REFUSED: logging.WARNING,
    LinkState.DISPLACED: logging.WARNING,
}


class HermesProblem(Exception):
    """One failed exchange with Hermes, and the state it puts the link in."""

    def __init__(self, state: LinkState, message: str) -> None:
        super().__init__(message)
        self.state = state


class HermesLink:
    """Keeps Harmonia registered with the Hermes at `url` from `run()` until `stop()`.

    `interval` is the heartbeat and check period and the longest wait between retries;
    `token_lifetime` is how long Hermes' tokens last (renewed a few periods before). `clock`
    (monotonic seconds), `transport` and `rng` are there for tests to control.
    """

    def __init__(
        self,
        url: str,
        registration: Registration,
        *,
        interval: float = DEFAULT_INTERVAL,
        token_lifetime: float = TOKEN_LIFETIME,
        health: Callable[[], Mapping[str, Any]] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        self.url = url.rstrip("/")
        self.registration = registration
        self.interval = interval
        self.renew_after = token_lifetime - min(3 * interval, token_lifetime / 2)
        """Token age at which the link registers again, a few periods before expiry."""
        self._health = health or (lambda: {"health": "healthy"})
        self._transport = transport
        self._clock = clock
        self._rng = rng or random.Random()
        self._timeout = timeout
        self._status = LinkStatus(
            LinkState.REGISTERING,
            url=self.url,
            component_id=registration.component_id,
            endpoint=registration.endpoint,
        )
        self._prefix = PREFIXES[0]
        self._token: str | None = None
        self._component_id = registration.component_id
        self._registered_at = 0.0
        self._client: httpx.AsyncClient | None = None
        self._scope: anyio.CancelScope | None = None
        self._stop_requested = False
        self._busy = False
        """An exchange with Hermes is under way (a stop lets it finish)."""
        self.registrations = 0
        """Successful registrations so far (renewals included)."""

    @property
    def status(self) -> LinkStatus:
        return self._status

    def stop(self) -> None:
        """End the loop (an exchange in flight gets STOP_GRACE to finish); `run()` then
        unregisters, within UNREGISTER_TIMEOUT, and returns. Call it from the event loop."""
        self._stop_requested = True
        if self._scope is None:
            return
        if self._busy:
            grace = anyio.current_time() + STOP_GRACE
            self._scope.deadline = min(self._scope.deadline, grace)
        else:
            self._scope.cancel()

    async def run(self) -> None:
        async with await anyio.to_thread.run_sync(self._new_client) as client:
            self._client = client
            try:
                with anyio.CancelScope() as scope:
                    self._scope = scope
                    if not self._stop_requested:
                        await self._keep_registered()
            finally:
                with anyio.CancelScope(shield=True), anyio.move_on_after(UNREGISTER_TIMEOUT):
                    await self._unregister()

    def _new_client(self) -> httpx.AsyncClient:
        """The client, made in a worker thread: a process's first one costs 0.1-0.2 s (lazy
        imports, certificates), which the event loop must not spend while the daemon starts.
        A plain-http Hermes needs no certificates (no redirect is followed, so no request can
        turn into https). httpx is imported here too: a daemon that joins no Hermes never
        pays for it."""
        import httpx

        return httpx.AsyncClient(
            base_url=self.url,
            timeout=self._timeout,
            transport=self._transport,
            headers={"User-Agent": f"harmonia/{self.registration.version}"},
            verify=self.url.startswith("https:"),
        )

    # ---- the loop ------------------------------------------------------------------------
    async def _keep_registered(self) -> None:
        failures = 0
        while not self._stop_requested:
            self._busy = True
            try:
                await self._tick()
            except HermesProblem as problem:
                failures += 1
                self._set(problem.state, str(problem))
                delay = backoff_delay(
                    failures,
                    initial=min(1.0, self.interval),
                    maximum=self.interval,
                    jitter=0.1,
                    rng=self._rng,
                )
            else:
                failures = 0
                delay = self.interval
            finally:
                self._busy = False
            if not self._stop_requested:
                await anyio.sleep(delay)

    async def _tick(self) -> None:
        if self._token is None or self._clock() - self._registered_at >= self.renew_after:
            await self._register()
            return
        if self._status.state is not LinkState.DISPLACED and not await self._heartbeat():
            self._registering_again("Hermes refused the token; registering again")
            await self._register()
            return
        entry = await self._entry()
        if entry is None:
            self._registering_again(
                f"the entry {self.registration.component_id!r} is gone from Hermes "
                "(restarted, or removed); registering again"
            )
            await self._register()
            return
        theirs = str(entry.get("endpoint") or "").rstrip("/")
        if theirs != self.registration.endpoint.rstrip("/"):
            self._set(
                LinkState.DISPLACED,
                f"the entry {self.registration.component_id!r} points at {theirs or 'nothing'} "
                "(another Harmonia?); registering again once it is gone",
            )
            return
        self._set(LinkState.REGISTERED)

    def _registering_again(self, why: str) -> None:
        """Say why a registration that stood is made again; from any other state the outcome
        of the registration is the one change worth a line."""
        if self._status.state is LinkState.REGISTERED:
            self._set(LinkState.REGISTERING, why)
        else:
            logger.debug("%s", why)

    # ---- the calls -----------------------------------------------------------------------
    async def _register(self) -> None:
        response = await self._post("register", json=self.registration.body())
        if response.status_code == 404:
            raise HermesProblem(
                LinkState.REFUSED,
                f"no registry at {self.url}: POST /api/register and /register answered 404",
            )
        if response.status_code != 200:
            raise HermesProblem(LinkState.REFUSED, _refusal(response))
        answer = _json_object(response)
        token = answer.get("token")
        if answer.get("success") is False or not isinstance(token, str) or not token:
            raise HermesProblem(
                LinkState.REFUSED,
                f"POST {response.request.url.path} answered without a token: {response.text[:200]}",
            )
        component_id = answer.get("componentId") or answer.get("component_id")
        self._component_id = str(component_id or self.registration.component_id)
        self._token = token
        self._registered_at = self._clock()
        self.registrations += 1
        renewal = self._status.state is LinkState.REGISTERED
        # a register resets the entry's last heartbeat: beat at once so it is alive right away
        if not await self._heartbeat():
            raise HermesProblem(LinkState.REFUSED, "Hermes refused the token it had just issued")
        if renewal:
            logger.debug("registered again with %s before the token expires", self.url)
        self._set(LinkState.REGISTERED)

    async def _heartbeat(self) -> bool:
        """True when Hermes took the heartbeat; False when it refused the token (or no longer
        serves the path), which calls for a new registration."""
        assert self._token is not None
        response = await self._post(
            "heartbeat",
            json={"component_id": self._component_id, "status": dict(self._health())},
            headers={TOKEN_HEADER: self._token},
        )
        if response.status_code == 200:
            return True
        if response.status_code in (401, 403, 404, 422):
            return False
        raise HermesProblem(LinkState.REFUSED, _refusal(response))

    async def _entry(self) -> dict[str, Any] | None:
        """Harmonia's entry in the registry, or None when Hermes does not list it (a 404 for an
        unknown path too: the registration that follows finds the paths again)."""
        response = await self._request(
            "GET", f"{self._prefix}/components/{self.registration.component_id}"
        )
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise HermesProblem(LinkState.REFUSED, _refusal(response))
        return _json_object(response)

    async def _unregister(self) -> None:
        if self._token is None or self._client is None:
            return
        try:
            response = await self._post(
                "unregister",
                params={"component_id": self._component_id},
                headers={TOKEN_HEADER: self._token},
            )
        except HermesProblem as problem:
            logger.warning("could not unregister from %s: %s", self.url, problem)
            return
        if response.status_code in (200, 401):  # 401: the entry was already gone
            self._token = None
            self._set(LinkState.UNREGISTERED)
        else:
            logger.warning("could not unregister from %s: %s", self.url, _refusal(response))

    async def _post(self, name: str, **kwargs: Any) -> httpx.Response:
        """POST `/api/<name>`, or `/<name>` when that answers 404; the prefix that answered
        is kept for the next calls (the one known to work is tried first)."""
        order = sorted(PREFIXES, key=lambda p: p != self._prefix)
        response: httpx.Response | None = None
        for prefix in order:
            response = await self._request("POST", f"{prefix}/{name}", **kwargs)
            if response.status_code != 404:
                self._prefix = prefix
                return response
        assert response is not None
        return response

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        assert self._client is not None
        import httpx  # already loaded by `_new_client`: a dictionary look-up

        try:
            return await self._client.request(method, path, **kwargs)
        except httpx.TimeoutException:
            raise HermesProblem(
                LinkState.UNREACHABLE, f"no answer from {self.url} within {self._timeout:g} s"
            ) from None
        except httpx.TransportError as exc:
            reason = str(exc) or type(exc).__name__
            raise HermesProblem(LinkState.UNREACHABLE, f"{self.url}: {reason}") from None

    # ---- state ---------------------------------------------------------------------------
    def _set(self, state: LinkState, error: str | None = None) -> None:
        """Record the state; log one line when it changes (never one per attempt)."""
        previous = self._status.state
        self._status.error = error
        if state is previous:
            return
        self._status.state = state
        self._status.since = time.time()
        if state is LinkState.REGISTERED:
            logger.info(
                "registered with Hermes at %s as %s (endpoint %s)",
                self.url,
                self._component_id,
                self.registration.endpoint,
            )
        elif state is LinkState.UNREGISTERED:
            logger.info("unregistered from Hermes at %s", self.url)
        elif state in (LinkState.UNREACHABLE, LinkState.REFUSED):
            logger.log(
                _LEVELS[state],
                "Hermes %s (%s); retrying with backoff, up to every %g s",
                state,
                error,
                self.interval,
            )
        else:
            logger.log(_LEVELS.get(state, logging.INFO), "%s", error)


def _refusal(response: httpx.Response) -> str:
    return (
        f"{response.request.method} {response.request.url.path} answered "
        f"{response.status_code}: {response.text[:200]}"
    )


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise HermesProblem(
            LinkState.REFUSED,
            f"{response.request.method} {response.request.url.path} answered something other "
            f"than a JSON object: {response.text[:200]}",
        )
    return data
