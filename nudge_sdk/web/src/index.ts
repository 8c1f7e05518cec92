// @nudge-sdk/elements: the reference renderer of nudge-sdk payloads. Importing this
// module defines <nudge-banner>, <nudge-modal> and <nudge-plan-table> (unless the page
// defined them already) and exports their classes for hosts that extend them.

import { NudgeBanner } from "./banner";
import { NudgeModal } from "./modal";
import { NudgePlanTable } from "./plan-table";

export { NudgeElement, SCHEMA_VERSION, type PayloadInput } from "./base";
export { NudgeCard, type NudgeParts } from "./card";
export type { Labels } from "./labels";
export type { EventKind, NudgeEventBody } from "./report";
export type * from "./payload";
export { NudgeBanner, NudgeModal, NudgePlanTable };

const ELEMENTS: ReadonlyArray<[string, CustomElementConstructor]> = [
  ["nudge-banner", NudgeBanner],
  ["nudge-modal", NudgeModal],
  ["nudge-plan-table", NudgePlanTable],
];

for (const [name, element] of ELEMENTS) {
  if (customElements.get(name) === undefined) customElements.define(name, element);
}

declare global {
  interface HTMLElementTagNameMap {
    "nudge-banner": NudgeBanner;
    "nudge-modal": NudgeModal;
    "nudge-plan-table": NudgePlanTable;
  }
}
