"""The ASGI app: routes, bearer authentication, body limits, and the catalog's reload.

Every answer is JSON. A request the sidecar refuses gets ``{"error", "field"}`` with its
status (400 not a JSON object, 401 no valid token, 413 too large, 415 not JSON, 422 a
field is wrong); evaluation itself never fails a request: it degrades, as the SDK does.
A handler that raises anyway is logged (``nudge.server.failed``) and answered with a
500, the last resort the fuzz test makes sure is never reached.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import os
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from nudge_sdk._errors import InvalidEvent, InvalidInput, NudgeError, UnknownItem
from nudge_sdk._log import log as _log
from nudge_sdk.payloads._json import to_json
from nudge_sdk.server._live import LiveCatalog
from nudge_sdk.server._openapi import openapi_text
from nudge_sdk.server._requests import (
    CLAIM,
    COMPARE,
    EVALUATE,
    EVENT,
    MAY,
    BadRequest,
    Body,
    T,
    field_of,
)
from nudge_sdk.server._responses import Health, Problem, Readiness, encode
from nudge_sdk.stores import DEFAULT_TIMEOUT, Store, open_store
from nudge_sdk.stores._base import bounded

__all__ = ["MAX_BODY", "PUBLIC_PATHS", "Sidecar", "create_app"]

MAX_BODY = 1024 * 1024
"""The largest request body taken, in bytes (1 MiB); larger is a 413."""
PUBLIC_PATHS = frozenset({"/healthz", "/readyz"})
"""What is served without a token: the probes an orchestrator sends."""
_MAX_LOCALE = 64
_RETRY_AFTER = "5"
"""Seconds a client waits before retrying a write the store refused (the breaker's pause)."""

Handler = Callable[[Request], Awaitable[Response]]


def _json(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(encode(value), status, headers, media_type="application/json")


def _problem(status: int, error: str, field: str | None, **headers: str) -> Response:
    return _json(to_json(Problem(error=error, field=field)), status, headers or None)


class _Guard:
    """Pure ASGI middleware: refuses every request without a valid bearer token (but the
    probes), comparing in constant time against each token the sidecar knows."""

    def __init__(self, app: ASGIApp, tokens: tuple[bytes, ...] | None) -> None:
        self.app = app
        self.tokens = tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.tokens is None or scope["path"] in PUBLIC_PATHS:
            await self.app(scope, receive, send)
            return
        given = _bearer(scope)
        if given is not None and self._known(given):
            await self.app(scope, receive, send)
            return
        challenge = 'Bearer realm="nudge"'
        if given is None:
            refusal = _problem(401, "missing bearer token", "Authorization")
        else:
            challenge += ', error="invalid_token"'
            refusal = _problem(401, "invalid bearer token", "Authorization")
        refusal.headers["WWW-Authenticate"] = challenge
        await refusal(scope, receive, send)

    def _known(self, given: bytes) -> bool:
        found = False
        for token in self.tokens or ():  # every token compared: the time says nothing
            found |= hmac.compare_digest(given, token)
        return found


def _bearer(scope: Scope) -> bytes | None:
    """The token of an ``Authorization: Bearer <token>`` header, if there is one."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = bytes(value).strip().partition(b" ")
            if scheme.lower() == b"bearer" and token.strip():
                return token.strip()
            return None
    return None


def _refusing(handler: Handler) -> Handler:
    """`handler`, with a `BadRequest` answered as its problem and anything unexpected
    logged and answered with a 500."""

    @wraps(handler)
    async def run(request: Request) -> Response:
        try:
            return await handler(request)
        except BadRequest as refused:
            return _problem(refused.status, refused.message, refused.field)
        except Exception:
            _log.exception("nudge.server.failed", path=request.url.path)
            return _problem(500, "internal error; the sidecar logged it", None)

    return run


def _constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


class Sidecar:
    """The sidecar's state and handlers; `app` is the ASGI app serving them."""

    def __init__(
        self,
        live: LiveCatalog,
        *,
        tokens: Iterable[str] | None,
        max_body: int = MAX_BODY,
        reload_every: float = 2.0,
        sighup: bool = False,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.live = live
        self.max_body = max_body
        self.reload_every = reload_every
        self.sighup = sighup
        self.clock = clock
        self._openapi = openapi_text().encode("utf-8")
        self._tasks: set[asyncio.Task[Any]] = set()
        keys = None if tokens is None else tuple(t.encode("utf-8") for t in tokens)
        routes = [
            Route("/v1/evaluate", _refusing(self.evaluate), methods=["POST"]),
            Route("/v1/compare", _refusing(self.compare), methods=["POST"]),
            Route("/v1/may", _refusing(self.may), methods=["POST"]),
            Route("/v1/events", _refusing(self.event), methods=["POST"]),
            Route("/v1/trial-extensions", _refusing(self.claim), methods=["POST"]),
            Route("/v1/catalog", _refusing(self.catalog), methods=["GET"]),
            Route("/healthz", _refusing(self.health), methods=["GET"]),
            Route("/readyz", _refusing(self.ready), methods=["GET"]),
            Route("/openapi.json", _refusing(self.openapi), methods=["GET"]),
        ]
        self.app = Starlette(
            routes=routes,
            exception_handlers={HTTPException: _http_problem},
            lifespan=self._lifespan,
        )
        self.app.add_middleware(_Guard, tokens=keys)
        self.app.state.sidecar = self

    # -- requests ---------------------------------------------------------------------

    async def _read(self, request: Request, body: Body[T]) -> T:
        """The request's body, checked: JSON, at most `max_body` bytes, of `body`'s shape."""
        _only(request)
        media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media != "application/json" and not (
            media.startswith("application/") and media.endswith("+json")
        ):
            raise BadRequest(415, "Content-Type", "expected Content-Type: application/json")
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body:
            raise BadRequest(413, "body", f"larger than {self.max_body} bytes")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body:
                raise BadRequest(413, "body", f"larger than {self.max_body} bytes")
            chunks.append(chunk)
        try:
            data = json.loads(b"".join(chunks), parse_constant=_constant)
        except RecursionError:
            raise BadRequest(400, "body", "nested too deeply") from None
        except ValueError as error:  # also bad UTF-8
            raise BadRequest(400, "body", f"not JSON: {error}") from None
        try:
            return body.read(data)
        except RecursionError:
            raise BadRequest(400, "body", "nested too deeply") from None

    async def evaluate(self, request: Request) -> Response:
        """``POST /v1/evaluate``: `Nudges.aevaluate`, as the payload JSON."""
        asked = await self._read(request, EVALUATE)
        result = await self.live.current.nudges.aevaluate(
            asked.account,
            asked.usage,
            now=asked.now or self.clock(),
            placement=asked.placement,
            explain=asked.explain,
            feature=asked.feature,
            events=asked.events,
            compare=asked.compare,
        )
        return _json(to_json(result))

    async def compare(self, request: Request) -> Response:
        """``POST /v1/compare``: `Evaluator.compare`, as the payload JSON."""
        asked = await self._read(request, COMPARE)
        evaluator = self.live.current.nudges.evaluator
        result = evaluator.compare(asked.account, asked.usage, now=asked.now or self.clock())
        return _json(to_json(result))

    async def may(self, request: Request) -> Response:
        """``POST /v1/may``: `Evaluator.may`."""
        asked = await self._read(request, MAY)
        try:
            access = self.live.current.nudges.evaluator.may(asked.account, asked.feature)
        except UnknownItem as error:
            field = "account.plan" if error.kind == "plan" else "account.addons"
            raise BadRequest(422, field, str(error)) from None
        except NudgeError as error:
            raise BadRequest(422, field_of(str(error), "account"), str(error)) from None
        return _json(to_json(access))

    async def event(self, request: Request) -> Response:
        """``POST /v1/events``: `Nudges.report`; a 503 when the store could not record."""
        asked = await self._read(request, EVENT)
        nudges = self.live.current.nudges
        try:
            reported = await run_in_threadpool(
                nudges.report,
                asked.account,
                asked.nudge,
                asked.kind,
                at=asked.at or self.clock(),
                event_id=asked.event_id,
                until=asked.until,
                plan=asked.plan,
                addon=asked.addon,
                amount_minor=asked.amount_minor,
            )
        except InvalidEvent as error:
            raise BadRequest(422, _event_field(error), str(error)) from None
        except InvalidInput as error:
            raise BadRequest(422, field_of(str(error), "body"), str(error)) from None
        if not reported.recorded:
            return _json(to_json(reported), 503, {"Retry-After": _RETRY_AFTER})
        return _json(to_json(reported))

    async def claim(self, request: Request) -> Response:
        """``POST /v1/trial-extensions``: `Nudges.claim_trial_extension`."""
        asked = await self._read(request, CLAIM)
        nudges = self.live.current.nudges
        try:
            claim = await run_in_threadpool(
                nudges.claim_trial_extension,
                asked.account,
                asked.nudge,
                at=asked.at or self.clock(),
                key=asked.key,
            )
        except InvalidEvent as error:
            raise BadRequest(422, _event_field(error), str(error)) from None
        except InvalidInput as error:
            raise BadRequest(422, field_of(str(error), "body"), str(error)) from None
        if claim.reason.startswith("store_unavailable"):
            return _json(to_json(claim), 503, {"Retry-After": _RETRY_AFTER})
        return _json(to_json(claim))

    async def catalog(self, request: Request) -> Response:
        """``GET /v1/catalog``: the catalog for a pricing page."""
        _only(request, "locale", "currency")
        served = self.live.current
        locale = request.query_params.get("locale") or served.catalog.default_locale
        if len(locale) > _MAX_LOCALE:
            raise BadRequest(422, "locale", f"longer than {_MAX_LOCALE} characters")
        currency = request.query_params.get("currency", "")
        if currency and currency.upper() not in served.catalog.sold_in:
            sold = ", ".join(served.catalog.sold_in)
            raise BadRequest(422, "currency", f"the catalog is not sold in it (sold in: {sold})")
        return _json(served.view(locale, currency))

    async def health(self, request: Request) -> Response:
        """``GET /healthz``: the process answers."""
        return _json(to_json(Health(status="ok")))

    async def ready(self, request: Request) -> Response:
        """``GET /readyz``: 200 once the catalog is loaded and the store answers."""
        served = self.live.current
        store = served.nudges.store
        problem = ""
        try:
            await bounded(store.aping(), served.nudges.timeout, store.name)
        except Exception as error:  # whatever the store says, it is not ready
            problem = f"store_unavailable: {getattr(error, 'reason', None) or error!r}"
        answer = Readiness(
            ready=not problem, catalog=served.version, store=store.name, problem=problem
        )
        return _json(to_json(answer), 503 if problem else 200)

    async def openapi(self, request: Request) -> Response:
        """``GET /openapi.json``: the checked-in OpenAPI document."""
        return Response(self._openapi, media_type="application/json")

    # -- the catalog's reload -----------------------------------------------------------

    async def reload(self, *, force: bool = False) -> bool:
        """Reload the catalog if its file changed (always with `force`), in a worker
        thread; True when a new catalog serves."""
        try:
            return await run_in_threadpool(self.live.reload, force=force)
        except Exception:  # the poller must outlive any surprise
            _log.exception("nudge.server.reload_failed", path=str(self.live.path))
            return False

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.reload_every)
            await self.reload()

    def _hangup(self) -> None:
        task = asyncio.get_running_loop().create_task(self.reload(force=True))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        if self.reload_every > 0:
            poller = loop.create_task(self._poll())
            self._tasks.add(poller)
        hangup = self.sighup and hasattr(signal, "SIGHUP")
        if hangup:
            loop.add_signal_handler(signal.SIGHUP, self._hangup)
        try:
            yield
        finally:
            if hangup:
                loop.remove_signal_handler(signal.SIGHUP)
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self.live.current.nudges.aclose()


async def _http_problem(request: Request, error: Exception) -> Response:
    """Starlette's own refusals (404, 405) as problems, keeping their headers (Allow)."""
    assert isinstance(error, HTTPException)
    answer = _problem(error.status_code, str(error.detail), None)
    answer.headers.update(error.headers or {})
    return answer


def _only(request: Request, *known: str) -> None:
    """Refuse query parameters the operation does not take (a typo must not pass)."""
    for name in request.query_params:
        if name not in known:
            raise BadRequest(422, name, "unknown query parameter")


def _event_field(error: InvalidEvent) -> str:
    return "until" if "until" in error.reason else "nudge"


def create_app(
    plans: str | os.PathLike[str],
    store: Store | str = "memory://",
    *,
    tokens: Iterable[str] | None,
    max_body: int = MAX_BODY,
    reload_every: float = 2.0,
    sighup: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    keep_for: timedelta | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Starlette:
    """The sidecar's ASGI app, serving the catalog at `plans` with `store`.

    `tokens` are the bearer tokens it accepts; `None` serves without authentication
    (``nudge serve --insecure-no-auth``, on loopback only). The catalog file is checked
    for changes every `reload_every` seconds (0: never) and, with `sighup`, on SIGHUP.
    Raises `InvalidCatalog` if the catalog does not load, `InvalidStoreURL` or
    `MissingExtra` for the store. The store is closed when the app shuts down.

        app = create_app("plans.yaml", "sqlite:///nudge-state.db", tokens=["s3cret"])
    """
    if isinstance(tokens, str):
        raise InvalidInput("tokens: expected a collection of tokens, got one text")
    if tokens is not None:
        tokens = [token for token in tokens if token]
        if not tokens:
            raise InvalidInput("tokens: none given; pass None to serve without authentication")
    opened = open_store(store, timeout=timeout) if isinstance(store, str) else store
    try:
        live = LiveCatalog(plans, opened, timeout=timeout, keep_for=keep_for)
    except BaseException:
        opened.close()
        raise
    sidecar = Sidecar(
        live,
        tokens=tokens,
        max_body=max_body,
        reload_every=reload_every,
        sighup=sighup,
        clock=clock,
    )
    return sidecar.app
