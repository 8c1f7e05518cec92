"""``nudge serve``: run the HTTP sidecar (`nudge_sdk.server`) under uvicorn."""

from __future__ import annotations

import ipaddress
import logging
import os

import click

from nudge_sdk._errors import InvalidInput, MissingExtra
from nudge_sdk.cli._commands import _catalog, _reporting, main

__all__ = ["serve"]

TOKENS = "NUDGE_TOKENS"
"""The environment variable holding the bearer tokens clients send, comma-separated."""


def tokens_from(environ: dict[str, str] | os._Environ[str]) -> list[str] | None:
    """The tokens in `environ`'s ``NUDGE_TOKENS``, or `None` if there are none.

    >>> tokens_from({"NUDGE_TOKENS": " a1, b2 ,,"})
    ['a1', 'b2']
    """
    found = [token.strip() for token in environ.get(TOKENS, "").split(",") if token.strip()]
    return found or None


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@main.command()
@click.argument("plans", type=click.Path(dir_okay=False))
@click.option(
    "--store", envvar="NUDGE_STORE", required=True, help="State store URL ($NUDGE_STORE)."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8787,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on.",
)
@click.option(
    "--reload-every",
    default=2.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Seconds between checks of PLANS for changes (0: only on SIGHUP).",
)
@click.option(
    "--insecure-no-auth",
    is_flag=True,
    help=f"Serve without ${TOKENS}: no authentication, loopback only.",
)
@_reporting
def serve(
    plans: str, store: str, host: str, port: int, reload_every: float, insecure_no_auth: bool
) -> None:
    """Serve the catalog PLANS over HTTP for backends not written in Python.

    \b
    Clients authenticate with a bearer token from $NUDGE_TOKENS (comma-separated).
    PLANS is reloaded when it changes (or on SIGHUP); a catalog with errors is
    refused and logged, and the one loaded before keeps serving.

    \b
    Example:
      NUDGE_TOKENS=s3cret nudge serve plans.yaml --store sqlite:///nudge-state.db
    """
    try:
        import uvicorn
    except ImportError:
        raise MissingExtra("the sidecar", "server") from None
    from nudge_sdk.server import create_app

    tokens = tokens_from(os.environ)
    if tokens is None and not insecure_no_auth:
        raise InvalidInput(
            f"${TOKENS} is not set: set it to the bearer tokens clients send "
            "(comma-separated), or pass --insecure-no-auth to serve on loopback without them"
        )
    if tokens is None and not _loopback(host):
        raise InvalidInput(f"--insecure-no-auth serves on loopback only, not on {host}")
    if plans == "-":
        raise InvalidInput("PLANS: serve reloads the catalog from its file; it cannot be stdin (-)")
    _catalog(plans)  # unreadable: exit 2, with errors: exit 1, as every command says it
    sdk = logging.getLogger("nudge_sdk")
    if sdk.level > logging.INFO:  # a server says what it does: reloads, failures
        sdk.setLevel(logging.INFO)
    app = create_app(plans, store, tokens=tokens, reload_every=reload_every, sighup=True)
    if tokens is None:
        click.echo("nudge: warning: serving without authentication (--insecure-no-auth)", err=True)
    uvicorn.run(app, host=host, port=port, server_header=False, proxy_headers=False)
