// What the banner and the modal share: choosing the nudge, the customer's actions
// (click, dismiss, snooze) and reporting them, and `shown` once the nudge is visible.

import { NudgeElement, type PayloadInput } from "./base";
import { ICONS, icon } from "./dom";
import type { Labels } from "./labels";
import type { Nudge } from "./payload";
import { type EventKind, alreadyReported, report } from "./report";
import { type Picked, callToAction, expiry, figures, offer, pick } from "./view";

/** The parts of a nudge, built once per render for a layout to arrange. */
export interface NudgeParts {
  nudge: Nudge;
  labels: Labels;
  title: HTMLElement;
  body: HTMLElement;
  figures: HTMLElement | null;
  offer: HTMLElement | null;
  cta: HTMLElement;
  countdown: HTMLElement | null;
  snooze: HTMLButtonElement | null;
  dismiss: HTMLButtonElement | null;
}

const HOUR = 3600 * 1000;

export abstract class NudgeCard extends NudgeElement {
  static override get observedAttributes(): string[] {
    return [...super.observedAttributes, "no-dismiss", "no-snooze", "snooze-hours"];
  }

  #picked: Picked | null = null;
  // Nudges the customer closed here: they stay closed when the same payload is set again.
  #closed = new Set<string>();

  /** The nudge on show, if any. */
  get nudge(): Nudge | null {
    return this.#picked?.nudge ?? null;
  }

  protected build(payload: PayloadInput): Node | null {
    this.#picked = pick(
      payload,
      this.getAttribute("account"),
      this.getAttribute("nudge"),
      this.getAttribute("placement"),
    );
    if (this.#picked === null || this.#closed.has(this.#picked.nudge.id)) return null;
    const nudge = this.#picked.nudge;
    const labels = this.localize(nudge.direction, nudge.locale);
    const locale = this.getAttribute("lang") ?? "en";
    const id = (suffix: string): string => `nudge-${suffix}`;
    const { block: cta, button } = callToAction(nudge, labels, () => this.act("clicked"));
    const timer = expiry(nudge, labels, locale, () => {
      button.disabled = true;
    });
    if (timer !== null) this.onTeardown(timer.stop);
    const snooze = this.hasAttribute("no-snooze")
      ? null
      : this.#button("snooze", labels.snooze, () => this.act("snoozed"));
    const dismiss = this.hasAttribute("no-dismiss") ? null : this.#button("dismiss", "", () => this.act("dismissed"));
    dismiss?.setAttribute("aria-label", this.dismissName(labels));
    dismiss?.append(icon(ICONS.close, "dismiss-icon"));
    const parts: NudgeParts = {
      nudge,
      labels,
      title: this.heading(id("title"), nudge.title),
      body: Object.assign(document.createElement("p"), { id: id("body"), textContent: nudge.body }),
      figures: figures(nudge, labels),
      offer: offer(nudge, labels),
      cta,
      countdown: timer?.block ?? null,
      snooze,
      dismiss,
    };
    parts.body.setAttribute("part", "body");
    const content = this.layout(parts);
    this.#observeShown(this.surface(content));
    return content;
  }

  /** Arrange the parts: the banner in a row, the modal in a dialog. */
  protected abstract layout(parts: NudgeParts): HTMLElement;

  /** The element whose visibility counts as the nudge being shown. */
  protected surface(content: HTMLElement): HTMLElement {
    return content.querySelector<HTMLElement>("[part~=surface]") ?? content;
  }

  /** The dismiss button's accessible name. */
  protected dismissName(labels: Labels): string {
    return labels.dismiss;
  }

  protected heading(id: string, text: string): HTMLElement {
    const heading = document.createElement("h2");
    heading.id = id;
    heading.setAttribute("part", "title");
    heading.textContent = text;
    return heading;
  }

  /**
   * What the customer did: report it (once per nudge and kind) and, for a dismissal or a
   * snooze, close the nudge; a click also dispatches `nudge-cta` with the button's intent.
   */
  protected act(kind: Exclude<EventKind, "shown">): void {
    const picked = this.#picked;
    if (picked === null) return;
    const { nudge, account } = picked;
    const hours = Number(this.getAttribute("snooze-hours") ?? "24");
    const until = kind === "snoozed" ? new Date(Date.now() + (hours > 0 ? hours : 24) * HOUR) : undefined;
    report(this, this.endpoint, account, nudge.id, kind, until);
    if (kind === "clicked") {
      this.dispatchEvent(
        new CustomEvent("nudge-cta", { detail: { nudge, cta: nudge.cta }, bubbles: true, composed: true }),
      );
      this.afterClick();
      return;
    }
    this.close();
  }

  /** After the button was clicked: the banner stays, the modal closes. */
  protected afterClick(): void {}

  /** Hide the nudge on show (it stays hidden for this element until another nudge comes). */
  close(): void {
    const picked = this.#picked;
    if (picked === null) return;
    this.#closed.add(picked.nudge.id);
    this.update();
    this.dispatchEvent(new CustomEvent("nudge-close", { detail: { nudge: picked.nudge }, bubbles: true, composed: true }));
  }

  #button(part: string, text: string, onClick: () => void): HTMLButtonElement {
    const button = document.createElement("button");
    button.type = "button";
    button.setAttribute("part", part);
    button.textContent = text;
    button.addEventListener("click", onClick);
    return button;
  }

  // `shown` when at least half of the nudge is on screen, once per nudge id.
  #observeShown(target: HTMLElement): void {
    const picked = this.#picked;
    if (picked === null || alreadyReported(picked.nudge.id, "shown")) return;
    if (typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting && entry.intersectionRatio >= 0.5)) {
          observer.disconnect();
          report(this, this.endpoint, picked.account, picked.nudge.id, "shown");
        }
      },
      { threshold: [0.5] },
    );
    observer.observe(target);
    this.onTeardown(() => observer.disconnect());
  }
}
