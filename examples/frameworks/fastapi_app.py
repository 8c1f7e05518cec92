"""nudge-sdk in a FastAPI app: evaluate an account, record what the frontend reports.

    pip install nudge-sdk fastapi uvicorn
    NUDGE_STORE=sqlite:///nudge-state.db uvicorn examples.frameworks.fastapi_app:app

    curl -s localhost:8000/nudges/evaluate -H 'content-type: application/json' -d '{
      "account": {"id": "acct_42", "plan": "starter", "interval": "month", "seats": 3,
                  "period": {"start": "2025-06-01T00:00:00Z", "end": "2025-07-01T00:00:00Z"},
                  "signup": "2024-11-03T09:30:00Z", "locale": "en-US"},
      "usage": {"storage_gb": 92.4, "seats": 3}, "placement": "banner",
      "now": "2025-06-16T00:00:00Z"}'
    curl -s localhost:8000/nudges/events -H 'content-type: application/json' -d '{
      "account": "acct_42", "nudge": "<id from the payload>", "kind": "dismissed",
      "at": "2025-06-16T00:00:00Z"}'

`Nudges` (the compiled catalog and the store) is built once, in the lifespan, and
closed there on shutdown. Evaluation awaits the store (`aevaluate`); `report` is a
plain call, so its endpoint is a plain ``def`` that FastAPI runs in its thread pool.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel

from nudge_sdk import InvalidInput, Nudges, account_from_json, load_catalog, to_json

PLANS = Path(__file__).resolve().parent.parent / "plans.yaml"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Compile the catalog and open the store at start-up; close the store on shutdown."""
    store = os.environ.get("NUDGE_STORE", "sqlite:///nudge-state.db")
    app.state.nudges = Nudges(load_catalog(PLANS), store=store)
    try:
        yield
    finally:
        await app.state.nudges.aclose()


app = FastAPI(lifespan=lifespan)


def get_nudges(request: Request) -> Nudges:
    nudges: Nudges = request.app.state.nudges
    return nudges


NudgesDep = Annotated[Nudges, Depends(get_nudges)]


@app.exception_handler(InvalidInput)
async def invalid_input(request: Request, error: InvalidInput) -> JSONResponse:
    """A bad account or event (`InvalidEvent` is an `InvalidInput`): 400 and the reason."""
    return JSONResponse({"error": str(error)}, status_code=400)


class EvaluateBody(BaseModel):
    # In a real app the account comes from your database, for the account of the
    # signed-in user (the session), and the usage from your metering, not from the body.
    account: dict[str, Any]
    usage: dict[str, Any]
    placement: str | None = None
    explain: bool = False
    now: AwareDatetime | None = None
    """For tests and demos; production uses the server clock."""


class EventBody(BaseModel):
    account: str
    nudge: str
    kind: Literal["shown", "clicked", "dismissed", "snoozed", "converted"]
    at: AwareDatetime | None = None
    until: AwareDatetime | None = None
    event_id: str | None = None
    plan: str | None = None
    addon: str | None = None
    amount_minor: int | None = None


@app.post("/nudges/evaluate")
async def evaluate(body: EvaluateBody, nudges: NudgesDep) -> JSONResponse:
    """The nudges to show this account now, as the payload JSON."""
    account = account_from_json(body.account)  # InvalidInput: 400, naming the field
    result = await nudges.aevaluate(
        account,
        body.usage,
        now=body.now or datetime.now(UTC),
        placement=body.placement,
        explain=body.explain,
    )
    return JSONResponse(to_json(result))


@app.post("/nudges/events")
def record_event(body: EventBody, nudges: NudgesDep) -> dict[str, bool]:
    """What the customer did with a nudge; idempotent by (nudge, kind, event_id)."""
    # In a real app take the account from the session (`request.session`, your auth
    # dependency), never from the body: otherwise anyone can report for any account.
    account = body.account
    reported = nudges.report(
        account,
        body.nudge,
        body.kind,
        at=body.at or datetime.now(UTC),
        until=body.until,
        event_id=body.event_id,
        plan=body.plan,
        addon=body.addon,
        amount_minor=body.amount_minor,
    )
    return {"recorded": reported.recorded, "duplicate": reported.duplicate}
