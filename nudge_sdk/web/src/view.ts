// The pieces of a nudge, shared by the banner and the modal: figures, offer, button,
// countdown. Each takes the nudge and the labels and returns DOM built from text.

import { ICONS, fill, h, icon } from "./dom";
import { countdown, digitsOf, signed } from "./format";
import { type Labels, intervalName } from "./labels";
import type { Nudge, Offer } from "./payload";
import { isEvaluation, isNudge, type PayloadInput } from "./base";

/** A nudge to render and the account it belongs to. */
export interface Picked {
  nudge: Nudge;
  account: string;
}

/**
 * The nudge to render: the payload itself when it is one, else from an evaluation the one
 * with id `id`, or the first for `placement`, or the first.
 */
export function pick(
  payload: PayloadInput,
  account: string | null,
  id: string | null,
  placement: string | null,
): Picked | null {
  if (isEvaluation(payload)) {
    const nudge =
      id !== null
        ? payload.nudges.find((n) => n.id === id)
        : placement !== null
          ? payload.nudges.find((n) => n.placement === placement)
          : payload.nudges[0];
    return nudge === undefined ? null : { nudge, account: account ?? payload.account };
  }
  if (isNudge(payload) && (id === null || payload.id === id)) {
    return { nudge: payload, account: account ?? "" };
  }
  return null;
}

/** The usage behind the nudge: `92.4 of 100 GB`, the percentage and a meter. */
export function figures(nudge: Nudge, labels: Labels): HTMLElement | null {
  const metric = nudge.metric;
  if (metric === null) return null;
  // The unit unless the name already says what is counted: "92.4 of 100 GB" for Storage,
  // "3 of 5" for Seats (the catalog's unit is singular: "3 of 5 seat" would be wrong).
  const unit = metric.name.toLowerCase().includes(metric.unit.toLowerCase()) ? "" : metric.unit;
  const used =
    metric.formatted_limit === null
      ? `${metric.formatted_used} ${unit}`.trim()
      : fill(labels.usage, { used: metric.formatted_used, limit: metric.formatted_limit, unit }).trim();
  const text = metric.formatted_percent === null ? used : `${used} (${metric.formatted_percent})`;
  const block = h(
    "div",
    { part: "figures" },
    h("span", { part: "figures-name" }, metric.name),
    h("span", { part: "figures-used" }, used),
    metric.formatted_percent !== null && h("span", { part: "figures-percent" }, metric.formatted_percent),
  );
  if (metric.utilization !== null) {
    const share = Number(metric.utilization);
    const percent = Math.max(0, Math.min(100, share * 100));
    const level = share >= 1 ? "full" : share >= 0.8 ? "high" : "normal";
    const bar = h("span", { part: `meter-bar meter-${level}`, style: `inline-size: ${percent.toFixed(2)}%` });
    block.append(
      h(
        "span",
        {
          part: "meter",
          role: "meter",
          "aria-label": `${labels.usageName}: ${metric.name}`,
          "aria-valuemin": 0,
          "aria-valuemax": 100,
          "aria-valuenow": Math.round(percent),
          "aria-valuetext": text,
        },
        bar,
      ),
    );
  }
  return block;
}

function perInterval(labels: Labels, price: string, interval: string): string {
  return fill(labels.perInterval, { price, interval: intervalName(labels, interval) });
}

/** What the offer is: the plan or add-ons, the new price, the difference, any discount. */
export function offer(nudge: Nudge, labels: Labels): HTMLElement | null {
  const proposal: Offer | null = nudge.offer;
  if (proposal === null) return null;
  const lines = h("ul", { part: "offer-lines", role: "list" });
  if (proposal.kind === "plan" || proposal.kind === "plan_with_addons") {
    lines.append(
      h(
        "li",
        { part: "offer-line offer-plan" },
        h("span", { part: "offer-item" }, proposal.plan_name ?? proposal.plan ?? ""),
      ),
    );
  }
  for (const line of proposal.addons) {
    lines.append(
      h(
        "li",
        { part: "offer-line offer-addon" },
        h("span", { part: "offer-item" }, `${line.quantity} × ${line.name}`),
        h("span", { part: "offer-line-price" }, perInterval(labels, line.price.formatted, proposal.interval)),
      ),
    );
  }
  if (proposal.kind === "trial_extension" && proposal.extension_days !== null) {
    lines.append(
      h(
        "li",
        { part: "offer-line offer-extension" },
        h("span", { part: "offer-item" }, fill(labels.extension, { days: String(proposal.extension_days) })),
      ),
    );
  }
  const price = h(
    "p",
    { part: "offer-price" },
    h("span", { part: "offer-recurring" }, perInterval(labels, proposal.recurring.formatted, proposal.interval)),
    proposal.difference.minor !== 0 &&
      h(
        "span",
        { part: proposal.difference.minor > 0 ? "offer-difference difference-more" : "offer-difference difference-less" },
        perInterval(labels, signed(proposal.difference), proposal.interval),
      ),
    proposal.discount_percent !== null &&
      h("span", { part: "offer-discount" }, fill(labels.discount, { percent: proposal.discount_percent })),
  );
  return h("div", { part: "offer" }, lines.childElementCount > 0 && lines, price);
}

/** The call to action: the button (its label, an arrow) and, under it, what it costs today. */
export function callToAction(nudge: Nudge, labels: Labels, onClick: () => void): {
  block: HTMLElement;
  button: HTMLButtonElement;
} {
  const label = nudge.cta.label || labels.acknowledge;
  const arrow = h("span", { part: "cta-arrow", "aria-hidden": "true" }, nudge.direction === "rtl" ? "←" : "→");
  const button = h("button", { part: "cta", type: "button", "data-action": nudge.cta.action }, h("span", {}, label), arrow);
  button.addEventListener("click", onClick);
  const due = nudge.cta.due_now;
  const block = h(
    "div",
    { part: "cta-block" },
    button,
    due !== null && h("span", { part: "due-now" }, fill(labels.dueToday, { amount: due.formatted })),
  );
  return { block, button };
}

/**
 * The countdown of a limited-time offer (`expires_at`), ticking every second; at the end
 * it says so and calls `onEnd`. Returns the element and a function that stops it.
 */
export function expiry(
  nudge: Nudge,
  labels: Labels,
  locale: string,
  onEnd: () => void,
): { block: HTMLElement; stop: () => void } | null {
  if (nudge.expires_at === null) return null;
  const end = Date.parse(nudge.expires_at);
  if (Number.isNaN(end)) return null;
  const time = h("time", { datetime: nudge.expires_at, part: "countdown-time" });
  const [head = "", tail = ""] = labels.endsIn.split("{time}");
  const text = h("span", { part: "countdown-text" }, head, time, tail);
  const block = h("p", { part: "countdown", role: "timer" }, icon(ICONS.clock, "countdown-icon"), text);
  const sample = nudge.cta.due_now?.formatted ?? nudge.offer?.recurring.formatted ?? nudge.metric?.formatted_used ?? "";
  const digits = digitsOf(sample);
  let timer = 0;
  const tick = (): void => {
    const left = end - Date.now();
    if (left <= 0) {
      window.clearInterval(timer);
      block.setAttribute("part", "countdown countdown-ended");
      block.replaceChildren(icon(ICONS.clock, "countdown-icon"), h("span", { part: "countdown-text" }, labels.ended));
      onEnd();
      return;
    }
    time.textContent = countdown(left, locale, digits);
  };
  tick();
  if (end > Date.now()) timer = window.setInterval(tick, 1000);
  return { block, stop: () => window.clearInterval(timer) };
}
