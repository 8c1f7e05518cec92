// What every element shares: the `payload` property and attribute, the shadow root,
// direction and language from the payload, and rendering that fails safe (a payload the
// element cannot read renders nothing and dispatches `nudge-error`).

import { bcp47 } from "./format";
import { type Labels, labelsFor } from "./labels";
import type { Comparison, Direction, Evaluation, Nudge, Payload } from "./payload";
import { STYLES } from "./styles";

/** What the elements accept: an evaluation, a comparison, or one nudge of an evaluation. */
export type PayloadInput = Payload | Nudge;

/** The payload schema version these elements render; others are refused. */
export const SCHEMA_VERSION = 1;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function isComparison(value: PayloadInput): value is Comparison {
  return (value as Comparison).kind === "comparison" && Array.isArray((value as Comparison).columns);
}

export function isEvaluation(value: PayloadInput): value is Evaluation {
  return Array.isArray((value as Evaluation).nudges);
}

export function isNudge(value: PayloadInput): value is Nudge {
  const nudge = value as Nudge;
  return typeof nudge.id === "string" && typeof nudge.title === "string" && isObject(nudge.cta);
}

/** The payload from JSON text or an object; throws with a reason when it is not one. */
function readPayload(value: unknown): PayloadInput | null {
  if (value === null || value === undefined || value === "") return null;
  const parsed: unknown = typeof value === "string" ? JSON.parse(value) : value;
  if (!isObject(parsed)) throw new TypeError("the payload is not a JSON object");
  if (parsed.schema_version !== SCHEMA_VERSION) {
    throw new TypeError(`schema_version ${String(parsed.schema_version)} is not ${SCHEMA_VERSION}`);
  }
  return parsed as unknown as PayloadInput;
}

export abstract class NudgeElement extends HTMLElement {
  static get observedAttributes(): string[] {
    return ["payload", "endpoint", "account", "nudge", "placement"];
  }

  protected readonly root: ShadowRoot;
  #payload: PayloadInput | null = null;
  #labels: Partial<Labels> = {};
  #problem: unknown = null;
  #cleanups: Array<() => void> = [];

  constructor() {
    super();
    this.root = this.attachShadow({ mode: "open" });
  }

  /** The payload: an object, or JSON text (as the `payload` attribute holds it). */
  get payload(): PayloadInput | null {
    return this.#payload;
  }

  set payload(value: PayloadInput | string | null) {
    this.#setPayload(value);
  }

  /** Overrides of the renderer's own words (see `Labels`), merged over the built-in ones. */
  get labels(): Partial<Labels> {
    return this.#labels;
  }

  set labels(value: Partial<Labels>) {
    this.#labels = { ...value };
    this.update();
  }

  /** Where events are POSTed (the `endpoint` attribute); none: only DOM events. */
  get endpoint(): string | null {
    return this.getAttribute("endpoint");
  }

  set endpoint(value: string | null) {
    if (value === null) this.removeAttribute("endpoint");
    else this.setAttribute("endpoint", value);
  }

  connectedCallback(): void {
    // A `payload` property set before the element was defined shadows the accessor.
    if (Object.prototype.hasOwnProperty.call(this, "payload")) {
      const early = (this as { payload?: unknown }).payload;
      delete (this as { payload?: unknown }).payload;
      this.#setPayload(early as PayloadInput | string | null);
      return;
    }
    this.update();
  }

  disconnectedCallback(): void {
    this.teardown();
  }

  attributeChangedCallback(name: string, previous: string | null, value: string | null): void {
    if (previous === value) return;
    if (name === "payload") this.#setPayload(value);
    else if (name !== "endpoint") this.update();
  }

  #setPayload(value: unknown): void {
    try {
      this.#payload = readPayload(value);
    } catch (error) {
      this.#payload = null;
      this.#problem = error;
    }
    this.update();
  }

  /** Render the payload again from scratch. */
  protected update(): void {
    this.teardown();
    if (!this.isConnected) return;
    if (this.#payload === null) {
      this.root.replaceChildren();
      // Reported once connected, so that the event reaches the page's listeners.
      if (this.#problem !== null) this.fail(this.#problem);
      this.#problem = null;
      return;
    }
    try {
      const content = this.build(this.#payload);
      if (content === null) this.root.replaceChildren();
      else this.root.replaceChildren(this.#style(), content);
    } catch (error) {
      this.teardown();
      this.root.replaceChildren();
      this.fail(error);
    }
  }

  /** The element's content for the payload, or null to show nothing. */
  protected abstract build(payload: PayloadInput): Node | null;

  /** Run `cleanup` before the next render and when the element leaves the page. */
  protected onTeardown(cleanup: () => void): void {
    this.#cleanups.push(cleanup);
  }

  protected teardown(): void {
    const cleanups = this.#cleanups;
    this.#cleanups = [];
    for (const cleanup of cleanups) cleanup();
  }

  /** Lay out for the payload's direction and language; returns the labels for it. */
  protected localize(direction: Direction, locale: string): Labels {
    const tag = bcp47(locale);
    this.setAttribute("dir", direction === "rtl" ? "rtl" : "ltr");
    this.setAttribute("lang", tag);
    return labelsFor(tag, this.#labels);
  }

  protected fail(error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error);
    this.dispatchEvent(new CustomEvent("nudge-error", { detail: { reason }, bubbles: true, composed: true }));
  }

  #style(): HTMLStyleElement {
    const style = document.createElement("style");
    style.textContent = STYLES;
    return style;
  }
}
