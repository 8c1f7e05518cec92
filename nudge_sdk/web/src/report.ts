// What the customer did with a nudge, reported once per nudge id and kind: as a DOM
// `nudge-event` (bubbling out of the shadow root, cancelable), then, unless a listener
// called `preventDefault()`, as a POST of JSON to the element's `endpoint`: the body
// `POST /nudges/events` of the framework examples takes.

import { instant } from "./format";

export type EventKind = "shown" | "clicked" | "dismissed" | "snoozed";

/** The JSON posted to the endpoint and carried in the DOM event's `detail`. */
export interface NudgeEventBody {
  account: string;
  nudge: string;
  kind: EventKind;
  /** When it happened, ISO 8601 in UTC with `Z`. */
  at: string;
  /** For `snoozed`: until when, ISO 8601 in UTC with `Z`. */
  until?: string;
  /** Unique per event: the server's idempotency key, so a retried POST counts once. */
  event_id: string;
}

// Per page, not per element: two elements showing the same nudge report it once.
const reported = new Set<string>();

function eventId(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Whether this nudge already reported this kind of event on this page. */
export function alreadyReported(nudge: string, kind: EventKind): boolean {
  return reported.has(`${nudge}\n${kind}`);
}

/**
 * Report `kind` for `nudge` from `source` once: dispatch `nudge-event`, then POST it to
 * `endpoint` (when there is one and an account is known). Failures only dispatch
 * `nudge-event-error`: a reporting problem never breaks the page.
 */
export function report(
  source: HTMLElement,
  endpoint: string | null,
  account: string,
  nudge: string,
  kind: EventKind,
  until?: Date,
): NudgeEventBody | null {
  if (alreadyReported(nudge, kind)) return null;
  reported.add(`${nudge}\n${kind}`);
  const body: NudgeEventBody = { account, nudge, kind, at: instant(new Date()), event_id: eventId() };
  if (until !== undefined) body.until = instant(until);
  const event = new CustomEvent<NudgeEventBody>("nudge-event", {
    detail: body,
    bubbles: true,
    composed: true,
    cancelable: true,
  });
  if (!source.dispatchEvent(event) || !endpoint || !account) return body;
  const failed = (reason: string): void => {
    source.dispatchEvent(
      new CustomEvent("nudge-event-error", { detail: { ...body, reason }, bubbles: true, composed: true }),
    );
  };
  fetch(endpoint, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    credentials: "same-origin",
    keepalive: true,
  }).then(
    (response) => {
      if (!response.ok) failed(`HTTP ${response.status}`);
    },
    (error: unknown) => failed(String(error)),
  );
  return body;
}
