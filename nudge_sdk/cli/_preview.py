"""``nudge preview``: one static HTML page showing, for every sample account in a folder,
the nudges it would be shown now and the plan comparison, drawn by the reference
elements, with each rule's reason beside them. It records nothing: no store is opened
and the elements have no ``endpoint``, so nothing is reported either.

Every string from the catalog or an account reaches the page escaped: HTML text through
`html.escape`, the payloads as JSON in ``<script type="application/json">`` blocks whose
``</`` is written ``<\\/``, which the elements read as text (never as markup).
"""

from __future__ import annotations

import hashlib
import html
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from nudge_sdk._errors import InvalidInput, MissingExtra, NudgeError
from nudge_sdk._evaluator import Evaluator
from nudge_sdk.billing._periods import in_range
from nudge_sdk.catalog._spec import brief
from nudge_sdk.cli._commands import _catalog, _json_input, _reporting, _say, _when, main
from nudge_sdk.evaluation._account import Account, account_from_json
from nudge_sdk.payloads._json import to_json
from nudge_sdk.web import bundle_text

__all__ = ["preview"]

_USAGE_SUFFIX = ".usage.json"

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1f2933; }
section.account { border-top: 1px solid #cbd2d9; padding: 1rem 0 2rem; }
section.account > * + * { margin-top: 1rem; }
table.decisions { border-collapse: collapse; font-size: 0.9rem; }
table.decisions th, table.decisions td { border: 1px solid #cbd2d9; padding: 0.25rem 0.5rem;
  text-align: start; vertical-align: top; }
tr.shown td { background: #e3f9e5; }
.problems { color: #9b1c1c; }
.meta { color: #52606d; }
"""

# Give each element its payload; keep whatever the elements report on the page.
_WIRING = """
document.addEventListener("nudge-event", (event) => event.preventDefault());
for (const element of document.querySelectorAll("[data-payload]")) {
  const source = document.getElementById(element.dataset.payload);
  element.payload = JSON.parse(source.textContent);
}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _embedded(value: Any) -> str:
    """`value` as JSON that cannot end the ``<script>`` block it is written in."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("</", "<\\/").replace("<!--", "\\u003c!--")


def _accounts(folder: str) -> list[tuple[Path, Path]]:
    """Each ``NAME.json`` in `folder` with its ``NAME.usage.json``, sorted by name;
    `InvalidInput` if the folder cannot be listed, holds none, or one lacks its usage."""
    root = Path(folder)
    try:
        names = sorted(entry.name for entry in os.scandir(root) if entry.is_file())
    except OSError as error:
        reason = error.strerror or str(error)
        raise InvalidInput(f"ACCOUNTS_DIR: cannot list {folder}: {reason}") from None
    pairs = []
    for name in names:
        if not name.endswith(".json") or name.endswith(_USAGE_SUFFIX):
            continue
        usage = root / (name.removesuffix(".json") + _USAGE_SUFFIX)
        if usage.name not in names:
            raise InvalidInput(f"ACCOUNTS_DIR: {root / name} has no {usage.name} beside it")
        pairs.append((root / name, usage))
    if not pairs:
        raise InvalidInput(f"ACCOUNTS_DIR: {folder} holds no NAME.json account")
    return pairs


def _read(account_path: Path, usage_path: Path) -> tuple[Account, dict[str, Any]]:
    usage = _json_input("ACCOUNTS_DIR", str(usage_path))
    if not isinstance(usage, dict):
        raise InvalidInput(
            f"ACCOUNTS_DIR: {usage_path}: expected a JSON object of metric to number, "
            f"got {brief(usage)}"
        )
    return account_from_json(_json_input("ACCOUNTS_DIR", str(account_path))), usage


def _section(index: int, account: Account, result: dict[str, Any]) -> str:
    key = f"nudge-payload-{index}"
    comparison = result.get("comparison") or {}
    lang = comparison.get("lang") or account.locale
    direction = comparison.get("direction") or "ltr"
    parts = [
        f'<section class="account" lang="{_e(lang)}" dir="{_e(direction)}">',
        f"<h2>{_e(account.id)}</h2>",
        f'<p class="meta">plan {_e(account.plan)} ({_e(account.interval)}), '
        f"locale {_e(account.locale)}, {len(result['nudges'])} nudge(s)</p>",
        f'<script type="application/json" id="{key}">{_embedded(result)}</script>',
    ]
    for nudge in result["nudges"]:
        tag = "nudge-modal" if nudge["placement"] == "modal" else "nudge-banner"
        parts.append(
            f'<h3>{_e(nudge["placement"])}</h3><{tag} nudge="{_e(nudge["id"])}" '
            f'placement="{_e(nudge["placement"])}" data-payload="{key}"></{tag}>'
        )
    parts.append(f'<h3>plans</h3><nudge-plan-table data-payload="{key}"></nudge-plan-table>')
    problems = [*result["problems"], *comparison.get("problems", ())]
    if result["degraded"] or problems:
        items = "".join(f"<li>{_e(p)}</li>" for p in dict.fromkeys(problems))
        parts.append(f'<div class="problems"><h3>problems</h3><ul>{items}</ul></div>')
    rows = "".join(
        f'<tr class="{"shown" if d["shown"] else "held"}"><td>{_e(d["rule"])}</td>'
        f"<td>{'yes' if d['shown'] else 'no'}</td><td>{_e(d['reason'])}</td>"
        f"<td>{_e(d['detail'])}</td><td>{_e(d['next_eligible_at'] or '')}</td></tr>"
        for d in result["decisions"]
    )
    parts.append(
        '<table class="decisions"><thead><tr><th>rule</th><th>shown</th><th>reason</th>'
        f"<th>detail</th><th>next eligible</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    parts.append("</section>")
    return "\n".join(parts)


def _page(sections: list[str], plans: str, now: datetime, live: str = "") -> str:
    bundle = bundle_text()
    if "</script" in bundle.lower():  # pragma: no cover - the build never writes it
        raise AssertionError("the renderer bundle holds </script and cannot be inlined")
    body = "\n".join(sections)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>nudge preview</title>
<style>{_STYLE}</style>
<script type="module">
{bundle}
</script>
</head>
<body>
<h1>nudge preview</h1>
<p class="meta">catalog {_e(plans)}, evaluated at {_e(now.isoformat())};
nothing is recorded or reported.</p>
{body}
<script type="module">{_WIRING}{live}</script>
</body>
</html>
"""


def render(plans: str, accounts_dir: str, now: datetime, live: bool = False) -> tuple[str, int]:
    """The preview page of the accounts in `accounts_dir` against the catalog `plans`
    at `now`, and how many accounts it shows; with `live`, the page reloads itself when
    ``/version`` changes. `InvalidCatalog` or `InvalidInput` if the inputs are bad."""
    pairs = _accounts(accounts_dir)
    evaluator = Evaluator(_catalog(plans))
    inputs = [_read(account_path, usage_path) for account_path, usage_path in pairs]
    sections = []
    for index, (account, usage) in enumerate(inputs):
        result = evaluator.evaluate(account, usage, now=now, explain=True, compare=True)
        sections.append(_section(index, account, to_json(result)))
    return _page(sections, plans, now, _LIVE if live else ""), len(sections)


_LIVE = """
let seen = null;
setInterval(async () => {
  const answer = await fetch("/version", { cache: "no-store" }).catch(() => null);
  if (!answer || !answer.ok) return;
  const { version } = await answer.json();
  if (seen !== null && version !== seen) location.reload();
  seen = version;
}, 1000);
"""


def version(plans: str, accounts_dir: str) -> str:
    """What the page depends on, as a short text that changes when any of it does: the
    size and modification time of PLANS and of each file in ACCOUNTS_DIR."""
    marks = []
    for path in [Path(plans), *sorted(Path(accounts_dir).glob("*.json"))]:
        try:
            info = path.stat()
        except OSError:
            marks.append(f"{path}:missing")
            continue
        marks.append(f"{path}:{info.st_size}:{info.st_mtime_ns}")
    return hashlib.blake2b("|".join(marks).encode(), digest_size=8).hexdigest()


def preview_app(plans: str, accounts_dir: str, now: datetime | None) -> Any:
    """A Starlette app serving the preview page at ``/``, rebuilt when PLANS or a file in
    ACCOUNTS_DIR changes, and ``/version`` for the page to notice. A catalog or an
    account with errors gives a page listing them, each at its line and column, until
    it is fixed. `now` `None`: the clock at each rebuild."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse
    from starlette.routing import Route

    built: dict[str, str] = {}

    def page(request: Request) -> HTMLResponse:
        stamp = version(plans, accounts_dir)
        if stamp not in built:
            when = now or datetime.now(UTC)
            try:
                text, _ = render(plans, accounts_dir, when, live=True)
            except NudgeError as error:
                text = _error_page(str(error))
            built.clear()
            built[stamp] = text
        return HTMLResponse(built[stamp], headers={"Cache-Control": "no-store"})

    def current(request: Request) -> JSONResponse:
        return JSONResponse({"version": version(plans, accounts_dir)})

    return Starlette(routes=[Route("/", page), Route("/version", current)])


def _error_page(message: str) -> str:
    items = "".join(f"<li>{_e(line)}</li>" for line in message.splitlines())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>nudge preview: errors</title>
<style>{_STYLE}</style></head>
<body><h1>nudge preview</h1><div class="problems"><h2>the inputs have errors</h2>
<ul>{items}</ul></div><p class="meta">the page reloads when they change</p>
<script type="module">{_LIVE}</script></body></html>
"""


@main.command()
@click.argument("plans", type=click.Path(dir_okay=False))
@click.argument("accounts_dir")
@click.option("--out", help="The HTML file to write.")
@click.option("--serve", is_flag=True, help="Serve the page on loopback, live, instead.")
@click.option(
    "--port",
    default=8788,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="With --serve: the port on 127.0.0.1.",
)
@click.option("--now", "now_text", help="The evaluation instant (ISO 8601); now by default.")
@_reporting
def preview(
    plans: str, accounts_dir: str, out: str | None, serve: bool, port: int, now_text: str | None
) -> None:
    """Write one HTML page showing what each account in ACCOUNTS_DIR would be shown now,
    or with --serve, serve it on 127.0.0.1 and reload it as PLANS or an account changes.

    Each NAME.json account needs its NAME.usage.json beside it. Per account, the page
    draws the nudges and the plan comparison with the reference elements, in the
    account's locale, next to every rule's reason. It records nothing: no state store
    is read or written, and the elements report no events. While serving, a catalog
    with errors shows them, located, until it is fixed.

    \b
    Example:
      nudge preview examples/plans.yaml examples/accounts --out preview.html \\
        --now 2025-06-16T00:00:00Z
      nudge preview examples/plans.yaml examples/accounts --serve
    """
    if (out is None) == (not serve):
        raise InvalidInput("give either --out FILE or --serve")
    now = in_range("--now", _when("--now", now_text)) if now_text else None
    if serve:
        try:
            import uvicorn
        except ImportError:
            raise MissingExtra("nudge preview --serve", "server") from None
        app = preview_app(plans, accounts_dir, now)
        click.echo(f"nudge: previewing on http://127.0.0.1:{port}/ (Ctrl-C stops)", err=True)
        uvicorn.run(app, host="127.0.0.1", port=port, server_header=False, log_level="warning")
        return
    assert out is not None
    text, count = render(plans, accounts_dir, now or datetime.now(UTC))
    try:
        Path(out).write_text(text, encoding="utf-8")
    except OSError as error:
        reason = error.strerror or str(error)
        raise InvalidInput(f"--out: cannot write {out}: {reason}") from None
    _say(f"{out}: {count} account(s)")
