// <nudge-modal>: a nudge in a dialog over the page. It takes the focus when it opens,
// keeps Tab inside, closes on Escape or a click outside (a dismissal), and gives the
// focus back to where it was.

import { NudgeCard, type NudgeParts } from "./card";
import { ICONS, h, icon } from "./dom";
import type { Labels } from "./labels";

const FOCUSABLE = 'button:not([disabled]), [href], input:not([disabled]), select, textarea, [tabindex]:not([tabindex="-1"])';

export class NudgeModal extends NudgeCard {
  protected layout(parts: NudgeParts): HTMLElement {
    const { nudge } = parts;
    const surface = h(
      "div",
      {
        part: `surface modal severity-${nudge.severity}`,
        class: "modal",
        role: "dialog",
        "aria-modal": "true",
        "aria-labelledby": "nudge-title",
        "aria-describedby": "nudge-body",
        tabindex: "-1",
        "data-kind": nudge.kind,
      },
      h(
        "div",
        { part: "header", class: "header" },
        h("span", { part: "icon", class: "icon" }, icon(ICONS[nudge.severity] ?? ICONS.info, "icon-svg")),
        parts.title,
        parts.dismiss,
      ),
      parts.body,
      parts.figures,
      parts.offer,
      parts.countdown,
      h("div", { part: "footer", class: "footer" }, parts.snooze, parts.cta),
    );
    const backdrop = h("div", { part: "backdrop", class: "backdrop" }, surface);
    this.#trap(surface, backdrop);
    return backdrop;
  }

  protected override dismissName(labels: Labels): string {
    return labels.close;
  }

  protected override afterClick(): void {
    this.close();
  }

  #leave(): void {
    if (this.hasAttribute("no-dismiss")) this.close();
    else this.act("dismissed");
  }

  #trap(surface: HTMLElement, backdrop: HTMLElement): void {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const focusables = (): HTMLElement[] => Array.from(surface.querySelectorAll<HTMLElement>(FOCUSABLE));
    surface.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        this.#leave();
        return;
      }
      if (event.key !== "Tab") return;
      const all = focusables();
      const first = all[0];
      const last = all[all.length - 1];
      if (first === undefined || last === undefined) {
        event.preventDefault();
        return;
      }
      const active = this.root.activeElement;
      if (event.shiftKey && (active === first || active === surface)) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && active === last) {
        event.preventDefault();
        first.focus();
      }
    });
    backdrop.addEventListener("click", (event) => {
      if (event.target === backdrop) this.#leave();
    });
    // Focus that leaves the dialog (a click elsewhere, assistive technology) comes back.
    const keep = (event: FocusEvent): void => {
      if (event.target !== this) (focusables()[0] ?? surface).focus();
    };
    document.addEventListener("focusin", keep);
    queueMicrotask(() => {
      if (surface.isConnected) (focusables()[0] ?? surface).focus();
    });
    this.onTeardown(() => {
      document.removeEventListener("focusin", keep);
      if (this.root.activeElement !== null && opener?.isConnected) opener.focus();
    });
  }
}
