"""The HTTP sidecar under load: requests per second of ``POST /v1/evaluate`` next to a bare
endpoint on the same server that reads the same request and answers a fixed payload of
the same size, so the ratio is what evaluating (parse, account, store, payload, JSON)
adds to the HTTP path that every request pays anyway.

Beside it, the host's own endpoint as the issue measured it: a Starlette route in the
same server that evaluates in process (no store, no token), with and without
``compare``, and answers `to_json_bytes`.

The server is `nudge serve`'s app under uvicorn in a subprocess, on a free port of
127.0.0.1 only, with a ``memory://`` store; the client keeps several HTTP/1.1 keep-alive
connections busy over raw asyncio sockets (a light client, so the server is what is
measured). Rounds alternate bare and evaluate, each bounded in count and time; the
median of each is reported. 200 distinct accounts with their own usage are evaluated in
turn, so some evaluations show a nudge (and write to the store) and most are held back.

Usage: python benchmarks/server.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PLANS = ROOT / "examples" / "plans.yaml"
TOKEN = "benchmark-token"
HOST = "127.0.0.1"
BARE = "/bench/bare"
HOST_EVALUATE = "/bench/host"
HOST_COMPARE = "/bench/host-compare"
ACCOUNTS = 200

Row = tuple[str, str, float, float, float | None]
"""As `run.py` prints them: name, baseline, baseline seconds, measured seconds, target."""


# -- the server side (in the subprocess) ------------------------------------------------


def _serve(port: int) -> None:
    """Run the sidecar with one extra route, the bare endpoint, until killed."""
    import logging

    import uvicorn
    from starlette.requests import Request
    from starlette.responses import Response

    from nudge_sdk import Evaluator, account_from_json, load_catalog, to_json_bytes
    from nudge_sdk.billing._periods import parse_instant
    from nudge_sdk.server import create_app

    logging.getLogger("nudge_sdk").setLevel(logging.ERROR)
    app = create_app(PLANS, "memory://", tokens=[TOKEN], reload_every=0)
    fixed = json.dumps(_payload(), separators=(",", ":")).encode()
    evaluator = Evaluator(load_catalog(PLANS))

    async def bare(request: Request) -> Response:
        await request.body()  # read the same request the evaluation reads
        return Response(fixed, media_type="application/json")

    def host(compare: bool) -> Any:
        async def endpoint(request: Request) -> Response:
            body = await request.json()
            result = evaluator.evaluate(
                account_from_json(body["account"]),
                body["usage"],
                now=parse_instant(body["now"]),
                placement=body["placement"],
                compare=compare,
            )
            return Response(to_json_bytes(result), media_type="application/json")

        return endpoint

    app.add_route(BARE, bare, methods=["POST"])
    app.add_route(HOST_EVALUATE, host(False), methods=["POST"])
    app.add_route(HOST_COMPARE, host(True), methods=["POST"])
    uvicorn.run(app, host=HOST, port=port, log_level="warning", access_log=False)


def _payload() -> Any:
    """A typical evaluation payload: the example account's storage nudge."""
    from datetime import UTC, datetime

    from nudge_sdk import Evaluator, account_from_json, load_catalog, to_json

    body = _bodies(1)[0]
    result = Evaluator(load_catalog(PLANS)).evaluate(
        account_from_json(body["account"]),
        body["usage"],
        now=datetime(2025, 6, 16, tzinfo=UTC),
    )
    return to_json(result)


# -- the client side ---------------------------------------------------------------------


def _bodies(count: int) -> list[dict[str, Any]]:
    """Distinct evaluate requests: accounts, seats, usage and instants vary."""
    account = json.loads((ROOT / "examples" / "accounts" / "storage_full.json").read_text())
    bodies = []
    for i in range(count):
        day = 1 + i % 28
        bodies.append(
            {
                "account": {**account, "id": f"acct_{i}", "seats": 1 + i % 5},
                "usage": {"storage_gb": 60 + (i * 7) % 45, "seats": 1 + i % 5},
                "now": f"2025-06-{day:02d}T{i % 24:02d}:00:00Z",
                "placement": "banner",
            }
        )
    return bodies


def _request(path: str, body: dict[str, Any]) -> bytes:
    data = json.dumps(body).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer {TOKEN}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
    )
    return head.encode() + data


async def _connection(
    port: int, requests: list[bytes], left: list[int], deadline: float
) -> tuple[int, int]:
    """Send requests one after another on one keep-alive connection; (ok, failed)."""
    reader, writer = await asyncio.open_connection(HOST, port)
    ok = failed = 0
    try:
        while left[0] > 0 and time.monotonic() < deadline:
            left[0] -= 1
            writer.write(requests[left[0] % len(requests)])
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            ok, failed = (ok + 1, failed) if status == 200 else (ok, failed + 1)
    finally:
        writer.close()
        await writer.wait_closed()
    return ok, failed


async def _round(
    port: int, requests: list[bytes], count: int, connections: int, seconds: float
) -> tuple[float, int]:
    """Requests per second over one bounded round, and how many failed."""
    left = [count]
    start = time.monotonic()
    done = await asyncio.gather(
        *(_connection(port, requests, left, start + seconds) for _ in range(connections))
    )
    elapsed = time.monotonic() - start
    ok = sum(d[0] for d in done)
    return ok / elapsed, sum(d[1] for d in done)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_ready(port: int, server: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}")
        try:
            with socket.create_connection((HOST, port), timeout=1) as conn:
                conn.sendall(f"GET /readyz HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
                if conn.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the server did not become ready")


def measure(quick: bool) -> tuple[dict[str, float], int]:
    """Median requests per second of each endpoint (``bare``, ``evaluate``, ``host``,
    ``host_compare``), and failures."""
    count = 300 if quick else 2000
    repeats = 2 if quick else 5
    connections = 4 if quick else 8
    seconds = 15.0
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port)], env=env, stdout=subprocess.DEVNULL
    )
    try:
        _wait_ready(port, server)
        bodies = _bodies(ACCOUNTS)
        paths = {
            "bare": BARE,
            "evaluate": "/v1/evaluate",
            "host": HOST_EVALUATE,
            "host_compare": HOST_COMPARE,
        }
        requests = {name: [_request(path, body) for body in bodies] for name, path in paths.items()}
        for batch in requests.values():  # warm up
            asyncio.run(_round(port, batch, 100, connections, seconds))
        rates: dict[str, list[float]] = {name: [] for name in paths}
        failed = 0
        for _ in range(repeats):
            for name, batch in requests.items():
                rate, bad = asyncio.run(_round(port, batch, count, connections, seconds))
                rates[name].append(rate)
                failed += bad
    finally:
        server.terminate()
        server.wait(10)
    return {name: statistics.median(found) for name, found in rates.items()}, failed


def rows(quick: bool) -> list[Row]:
    """The row `run.py` prints: seconds per request of each, as throughput inverted."""
    rates, failed = measure(quick)
    if failed:
        raise RuntimeError(f"{failed} requests did not answer 200")
    bare = 1 / rates["bare"]
    return [
        (
            "sidecar POST /v1/evaluate",
            "bare endpoint, fixed payload",
            bare,
            1 / rates["evaluate"],
            None,
        ),
        # The targets are throughputs: at least 0.5x (0.4x with compare) the
        # fixed body's requests per second, so at most 2x (2.5x) its time per request.
        ("host endpoint, evaluate", "bare endpoint, fixed payload", bare, 1 / rates["host"], 2.0),
        (
            "host endpoint, compare=True",
            "bare endpoint, fixed payload",
            bare,
            1 / rates["host_compare"],
            2.5,
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="few requests, to check it runs")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve:
        _serve(options.serve)
        return 0
    rates, failed = measure(options.quick)
    print(f"{'endpoint':24} {'requests/s':>10} {'of the bare one':>16}")
    for name, rate in rates.items():
        print(f"{name:24} {rate:10.0f} {rate / rates['bare']:15.2f}x")
    if failed:
        print(f"{failed} requests did not answer 200", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
