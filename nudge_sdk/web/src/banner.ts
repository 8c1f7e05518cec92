// <nudge-banner>: a nudge in a row across the page, for the `banner` and `inline`
// placements: what happened and the figures on one side, the offer and the button on
// the other (mirrored right to left), dismiss at the end.

import { NudgeCard, type NudgeParts } from "./card";
import { ICONS, h, icon } from "./dom";

export class NudgeBanner extends NudgeCard {
  protected layout(parts: NudgeParts): HTMLElement {
    const { nudge } = parts;
    const banner = h(
      "div",
      {
        part: `surface banner severity-${nudge.severity}`,
        class: "banner",
        role: "region",
        "aria-labelledby": "nudge-title",
        "data-kind": nudge.kind,
      },
      h("span", { part: "icon", class: "icon" }, icon(ICONS[nudge.severity] ?? ICONS.info, "icon-svg")),
      h("div", { part: "content", class: "content" }, parts.title, parts.body, parts.figures, parts.countdown),
      h("div", { part: "aside", class: "aside" }, parts.offer, h("div", { part: "actions", class: "actions" }, parts.cta, parts.snooze)),
      parts.dismiss,
    );
    // The frame is what the narrow layout measures (a container query).
    return h("div", { class: "frame" }, banner);
  }
}
