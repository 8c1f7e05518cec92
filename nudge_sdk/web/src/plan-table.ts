// <nudge-plan-table>: the comparison, up to three plans side by side in ladder order
// (right to left for Arabic and Persian), the recommended one highlighted, what each
// would add over the current plan marked, and what switching costs today.
// Takes a comparison payload, or an evaluation made with `compare=True`.

import { NudgeElement, isComparison, isEvaluation, type PayloadInput } from "./base";
import { ICONS, fill, h, icon } from "./dom";
import { type Labels, intervalName } from "./labels";
import type { Comparison, FeatureCell, LimitCell, PlanColumn } from "./payload";

function comparisonOf(payload: PayloadInput): Comparison | null {
  if (isComparison(payload)) return payload;
  if (isEvaluation(payload)) return payload.comparison;
  return null;
}

function tokens(...names: Array<string | false>): string {
  return names.filter((name): name is string => name !== false).join(" ");
}

export class NudgePlanTable extends NudgeElement {
  protected build(payload: PayloadInput): Node | null {
    const comparison = comparisonOf(payload);
    if (comparison === null || comparison.columns.length === 0) return null;
    const labels = this.localize(comparison.direction, comparison.locale);
    const columns = h("ol", { part: "columns", class: "columns", role: "list" });
    columns.style.setProperty("--nudge-columns", String(comparison.columns.length));
    comparison.columns.forEach((column, index) => columns.append(this.#column(comparison, column, index, labels)));
    return h(
      "section",
      { part: "surface plan-table", class: "plan-table", "aria-label": labels.comparePlans },
      columns,
    );
  }

  #column(comparison: Comparison, column: PlanColumn, index: number, labels: Labels): HTMLElement {
    const heading = `nudge-plan-${index}`;
    const interval = intervalName(labels, comparison.interval);
    const flags = h(
      "div",
      { part: "flags", class: "flags" },
      column.badge === "most_popular" && h("span", { part: "badge flag", class: "flag" }, labels.mostPopular),
      column.recommended && h("span", { part: "recommended-flag flag", class: "flag" }, labels.recommended),
      column.current && h("span", { part: "current-flag flag", class: "flag" }, labels.current),
    );
    const price = h(
      "p",
      { part: "price", class: "price" },
      h("span", { part: "price-amount", class: "price-amount" }, column.price.formatted),
      interval !== "" && h("span", { part: "price-interval", class: "price-interval" }, ` / ${interval}`),
    );
    const choose = h(
      "button",
      {
        part: tokens("choose", column.recommended && "choose-recommended"),
        type: "button",
        disabled: column.current,
        "aria-describedby": heading,
      },
      column.current ? labels.current : fill(labels.choose, { plan: column.name }),
    );
    choose.addEventListener("click", () => {
      this.dispatchEvent(
        new CustomEvent("nudge-plan-chosen", {
          detail: { account: comparison.account, plan: column.plan, interval: comparison.interval, due_now: column.due_now },
          bubbles: true,
          composed: true,
        }),
      );
    });
    return h(
      "li",
      {
        part: tokens("column", column.current && "column-current", column.recommended && "column-recommended"),
        class: tokens("column", column.recommended && "recommended", column.current && "current"),
        "aria-labelledby": heading,
        "aria-current": column.current ? "true" : false,
        "data-plan": column.plan,
      },
      flags,
      h("h3", { part: "plan-name", class: "plan-name", id: heading }, column.name),
      price,
      h(
        "p",
        {
          part: tokens(
            "difference",
            column.difference.minor > 0 && "difference-more",
            column.difference.minor < 0 && "difference-less",
          ),
          class: "difference",
        },
        column.difference_text,
      ),
      h("ul", { part: "limits", class: "cells", role: "list" }, ...column.limits.map((cell) => this.#limit(cell, labels))),
      h("ul", { part: "features", class: "cells", role: "list" }, ...column.features.map((cell) => this.#feature(cell, labels))),
      h(
        "div",
        { part: "costs", class: "costs" },
        column.yearly_saving !== null &&
          column.yearly_saving.minor > 0 &&
          h("p", { part: "yearly-saving" }, fill(labels.yearlySaving, { amount: column.yearly_saving.formatted })),
        !column.current && h("p", { part: "due-now" }, fill(labels.dueToday, { amount: column.due_now.formatted })),
      ),
      choose,
    );
  }

  #limit(cell: LimitCell, labels: Labels): HTMLElement {
    return h(
      "li",
      {
        part: tokens("cell", "limit", cell.gain && "gain", !cell.covers && "short"),
        class: tokens("cell", cell.gain && "gain", !cell.covers && "short"),
        "data-metric": cell.metric,
      },
      h("span", { part: "cell-name", class: "cell-name" }, cell.name),
      h("span", { part: "cell-value", class: "cell-value" }, cell.formatted),
      cell.gain && h("span", { class: "visually-hidden" }, `(${labels.gain})`),
      !cell.covers && h("span", { class: "visually-hidden" }, `(${labels.short})`),
    );
  }

  #feature(cell: FeatureCell, labels: Labels): HTMLElement {
    return h(
      "li",
      {
        part: tokens("cell", "feature", cell.included ? "included" : "excluded", cell.gain && "gain"),
        class: tokens("cell", "feature", cell.included ? "included" : "excluded", cell.gain && "gain"),
        "data-feature": cell.feature,
      },
      icon(cell.included ? ICONS.check : ICONS.dash, "cell-icon"),
      h("span", { part: "cell-name", class: "cell-name" }, cell.name),
      h("span", { class: "visually-hidden" }, `(${cell.included ? labels.included : labels.notIncluded})`),
      cell.gain && h("span", { class: "visually-hidden" }, `(${labels.gain})`),
    );
  }
}
