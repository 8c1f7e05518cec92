// The JSON payloads of nudge-sdk, as TypeScript types.
// Generated from payload.schema.json by nudge_sdk.payloads._typescript: do not edit.
// Regenerate with: python -m nudge_sdk.payloads._typescript

/**
 * What `to_json` gives for an evaluation or a comparison, schema_version 1. Money is an
 * Amount (integer minor units, decimal text, formatted text), never a float; quantities and
 * fractions are decimal text; instants are ISO 8601 in UTC with `Z`; texts are already
 * localized. Render every string as text (`textContent`, a framework's text binding), never
 * as HTML: catalog texts and host values reach the payload unescaped, which is right for
 * JSON, and a title holding `<img onerror=...>` must show as those characters.
 */
export type Payload = Evaluation | Comparison;

/** An add-on in an offer: how many units, and their recurring price. */
export interface AddonLine {
  /** The add-on's id in the catalog. */
  addon: string;
  /** The add-on's display name from the catalog. */
  name: string;
  /** How many units the account would hold in all (not only the ones added). */
  quantity: number;
  /** The recurring price of those units per billing interval, before any discount. */
  price: Amount;
  /**
   * The billing system's id of the add-on's price for the offer's interval (from the
   * catalog's `billing_ids`), for checkout; `null` if the catalog gives none.
   */
  billing_id: string | null;
}

/**
 * Money three ways: exact minor units, plain decimal text, locale-formatted text.
 *
 * `{"minor": 450, "amount": "4.50", "formatted": "$4.50"}`; never a float.
 */
export interface Amount {
  /**
   * Integer minor units of the currency (cents for USD, yen for JPY); negative for a credit
   * or a decrease.
   */
  minor: number;
  /**
   * The same as decimal text with exactly the currency's decimals: `"4.50"`, `"-4.50"`,
   * `"450"` for JPY.
   */
  amount: string;
  /**
   * The same formatted for the customer's locale with the currency: `"$4.50"`, `"4,50
   * $US"`.
   */
  formatted: string;
}

/** A plan column's badge. */
export type Badge = "most_popular";

/** The button: what to do, and what it will cost now. */
export interface CallToAction {
  /** What the button does; `none` when the nudge has no offer. */
  action: CtaAction;
  /** The button's text, rendered for the locale; may be empty. */
  label: string;
  /** The plan id to switch to (or stay on); `null` without an offer. */
  plan: string | null;
  /** The billing interval, as text; `null` without an offer. */
  interval: string | null;
  /** The add-ons the account would hold; empty without an offer. */
  addons: AddonLine[];
  /** What accepting costs today (the offer's `due_now`); `null` without an offer. */
  due_now: Amount | null;
  /**
   * The billing system's id of the plan price to check out (the offer's `billing_id`); each
   * add-on line carries its own. `null` without one.
   */
  billing_id: string | null;
  /**
   * The ISO 4217 code to check out in (the offer's `currency`); `null` without an offer.
   */
  currency: string | null;
}

/** The current plan, the recommended one and their neighbours, side by side. */
export interface Comparison {
  /** The payload schema's version: a frontend may refuse a version it does not know. */
  schema_version: number;
  /** Always `comparison`: tells this payload from an evaluation. */
  kind: "comparison";
  /** The account's id. */
  account: string;
  /** The catalog's ISO 4217 currency code: `USD`. */
  currency: string;
  /**
   * The billing interval prices are per, as text (`month`); empty when degraded before it
   * was known.
   */
  interval: string;
  /** The locale figures are formatted in, as Babel and CLDR write it (`de_DE`). */
  locale: string;
  /** The same locale as a BCP 47 tag (`de-DE`), for `lang` and `Intl`. */
  lang: string;
  /** The writing direction of that locale. */
  direction: Direction;
  /** The recommended plan's id; `null` when degraded. */
  recommended: string | null;
  /**
   * Up to three plans in ladder order: the current one, the recommended one, neighbours.
   */
  columns: PlanColumn[];
  /** Whether a problem cost some or all of the comparison; `problems` says which. */
  degraded: boolean;
  /** What went wrong, in English, for logs and support. */
  problems: string[];
}

/**
 * What the button does: `upgrade` (to `plan`), `add_addon` (buy `addons`), `switch_plan`
 * (to a plan that is cheaper or costs less than overage), `extend_trial`, `renew`, or
 * `none` when the nudge has no offer (the button only acknowledges).
 */
export type CtaAction =
  | "upgrade"
  | "add_addon"
  | "switch_plan"
  | "extend_trial"
  | "renew"
  | "none";

/** Why one rule did or did not produce a nudge. */
export interface Decision {
  /** The rule's id in the catalog. */
  rule: string;
  /** Whether the rule produced a nudge in this result. */
  shown: boolean;
  /** `shown`, or the first thing that held the rule back. */
  reason: DecisionReason;
  /** The numbers behind the reason, in English, for logs and support. */
  detail: string;
  /**
   * When the account's past stops holding the rule back (cooldown, caps, snooze, a
   * dismissal with a duration, a counter's window), ISO 8601 in UTC with `Z`; `null` if it
   * does not or if that is not known.
   */
  next_eligible_at: string | null;
}

/** Why a rule did or did not produce a nudge: `shown`, or what held it back. */
export type DecisionReason =
  | "shown"
  | "audience_plan"
  | "audience_trial"
  | "audience_tenure"
  | "audience_locale"
  | "audience_country"
  | "audience_attribute"
  | "quiet_period"
  | "silenced_by_signal"
  | "outside_schedule"
  | "other_placement"
  | "no_usage"
  | "unlimited"
  | "threshold_not_reached"
  | "no_overage"
  | "no_saving"
  | "feature_not_requested"
  | "feature_allowed"
  | "nothing_ending"
  | "not_ending"
  | "not_in_trial"
  | "not_engaged"
  | "extensions_used"
  | "no_cancel_intent"
  | "milestone_not_reached"
  | "dismissed"
  | "snoozed"
  | "cooldown"
  | "weekly_cap"
  | "window_cap"
  | "level_already_shown"
  | "global_cap"
  | "placement_cap"
  | "capped_by_placement"
  | "no_fitting_offer"
  | "no_cheaper_fit"
  | "addon_share_cap"
  | "search_deadline"
  | "store_unavailable"
  | "unknown_rule";

/**
 * The writing direction of the locale the text is in: `rtl` for Arabic, Persian, Hebrew and
 * other right-to-left scripts.
 */
export type Direction = "ltr" | "rtl";

/** The result of one evaluation: what to show, and (on request) why. */
export interface Evaluation {
  /** The payload schema's version: a frontend may refuse a version it does not know. */
  schema_version: number;
  /** The account's id. */
  account: string;
  /**
   * The `now` of the evaluation, ISO 8601 in UTC with `Z`; `null` only when `now` itself
   * was unusable.
   */
  evaluated_at: string | null;
  /** What to show, highest priority first; at most each placement's capacity. */
  nudges: Nudge[];
  /** Whether input problems cost some or all nudges; `problems` says which. */
  degraded: boolean;
  /** What went wrong, in English, for logs and support. */
  problems: string[];
  /** One per rule, when evaluated with `explain=True`. */
  decisions: Decision[];
  /** What to record in the state store if the nudges are shown. */
  impressions: Impression[];
  /**
   * Rules whose usage fell back under every level since they were last shown: the store
   * should forget their last level, so the next climb fires again.
   */
  cleared: string[];
  /**
   * The plan comparison for the same account and moment, when asked for with
   * `compare=True`.
   */
  comparison: Comparison | null;
}

/** One feature in a plan column. */
export interface FeatureCell {
  /** The feature's id in the catalog. */
  feature: string;
  /** The feature's display name. */
  name: string;
  /** Whether the plan includes it. */
  included: boolean;
  /** Whether the plan includes it and the current plan does not. */
  gain: boolean;
}

/** What the state store should record for a shown nudge. */
export interface Impression {
  /** The rule's id. */
  rule: string;
  /** The nudge's `id`. */
  nudge: string;
  /** When it was evaluated (`evaluated_at`), ISO 8601 in UTC with `Z`. */
  at: string;
  /** The threshold level that fired, as decimal text; `null` without levels. */
  level: string | null;
  /** The nudge's placement, for per-placement caps. */
  placement: string;
  /**
   * When the usage window of `level` ends (a counter's reset), if it has one, ISO 8601 in
   * UTC with `Z`.
   */
  window: string | null;
}

/** One metric's limit in a plan column. */
export interface LimitCell {
  /** The metric's id in the catalog. */
  metric: string;
  /** The metric's display name. */
  name: string;
  /** The plan's limit as decimal text; `null` when unlimited. */
  limit: string | null;
  /** The limit formatted for the locale; `"∞"` when unlimited. */
  formatted: string;
  /** Whether it covers the account's usage (and its projection). */
  covers: boolean;
  /** Whether it is more than the current plan gives. */
  gain: boolean;
}

/** The usage behind a nudge, in the customer's own numbers. */
export interface MetricFigures {
  /** The metric's id in the catalog: `storage_gb`. */
  metric: string;
  /** The metric's display name from the catalog. */
  name: string;
  /** The metric's unit from the catalog (`GB`, `seat`); may be empty. */
  unit: string;
  /** Usage now (this period, for a counter), as decimal text: `"92.4"`. */
  used: string;
  /** The plan's limit (with add-on grants), as decimal text; `null` when unlimited. */
  limit: string | null;
  /**
   * Limit minus usage, as decimal text (negative when over a soft limit); `null` when
   * unlimited.
   */
  remaining: string | null;
  /**
   * Used over limit, a fraction (`1` is the whole limit, above `1` over it) as decimal text
   * with up to four places, rounded half to even: `"0.924"`; `null` when unlimited.
   */
  utilization: string | null;
  /**
   * Usage projected to the end of the metric's window at the current pace, as decimal text
   * (whole units for a projection; `used` when there is none).
   */
  projected: string;
  /**
   * The threshold level that fired, as decimal text as written in the rule (a percentage of
   * the limit, or an amount left); `null` for a trigger without levels.
   */
  level: string | null;
  /**
   * When usage at the current pace reaches the limit, ISO 8601 in UTC with `Z`; `null` when
   * it does not within the window, or there is no pace.
   */
  run_out_at: string | null;
  /**
   * When a counter starts again from zero, ISO 8601 in UTC with `Z`; `null` for a gauge.
   */
  resets_at: string | null;
  /** `used` formatted for the locale, at most two decimals: `"92.4"`, `"92,4"`. */
  formatted_used: string;
  /** `limit` formatted for the locale; `null` when unlimited. */
  formatted_limit: string | null;
  /**
   * `utilization` as a whole percentage for the locale, rounded down: `"92%"`; `null` when
   * unlimited.
   */
  formatted_percent: string | null;
}

/** One prompt for the frontend to render. */
export interface Nudge {
  /** The payload schema's version: a frontend may refuse a version it does not know. */
  schema_version: number;
  /** Stable for the same account, rule, level and period: report events with it. */
  id: string;
  /** What the nudge is about; a frontend picks a component by it. */
  kind: NudgeKindCode;
  /** The id of the catalog rule that produced it. */
  rule: string;
  /** Where to show it, from the rule: `banner`, `modal`, or any name the catalog uses. */
  placement: string;
  /** How prominently to show it, from the rule. */
  severity: SeverityCode;
  /** The rule's priority: higher first; nudges come sorted by it. */
  priority: number;
  /** The locale figures are formatted in, as Babel and CLDR write it (`en`, `fa_IR`). */
  locale: string;
  /**
   * The same locale as a BCP 47 tag (`en`, `fa-IR`), for the HTML `lang` attribute and the
   * browser's `Intl` APIs.
   */
  lang: string;
  /** The writing direction of that locale. */
  direction: Direction;
  /** The rendered title, placeholders filled in. */
  title: string;
  /** The rendered body, placeholders filled in. */
  body: string;
  /** The usage behind the nudge, for triggers on a metric; else `null`. */
  metric: MetricFigures | null;
  /** What the nudge proposes; `null` for a rule with `offer: none`. */
  offer: Offer | null;
  /** The button. */
  cta: CallToAction;
  /**
   * When a limited-time offer ends (the rule's schedule end), ISO 8601 in UTC with `Z`;
   * `null` if it does not.
   */
  expires_at: string | null;
  /** Why it is shown: the trigger first, then the offer's reasons. */
  reasons: Reason[];
}

/**
 * What a nudge is about, from its rule's `kind` (`NudgeKind`); a frontend picks a component
 * by it. A rule of kind `upgrade` whose best offer is an add-on gives an `addon` nudge.
 */
export type NudgeKindCode =
  | "upgrade"
  | "addon"
  | "break_even"
  | "feature_locked"
  | "renewal"
  | "trial_ending"
  | "trial_extension"
  | "retention"
  | "milestone";

/** What the nudge proposes and what it costs. */
export interface Offer {
  /** What the offer changes: the plan, add-ons, both, or the trial's end. */
  kind: OfferKind;
  /**
   * The plan id the account would be on (its current one for an add-on or a trial
   * extension).
   */
  plan: string | null;
  /** That plan's display name. */
  plan_name: string | null;
  /** The billing interval, as text: `month`, `year`, `3 months`. */
  interval: string;
  /** Seats the account would have. */
  seats: number;
  /** Every add-on the account would hold, with its quantity; empty if none. */
  addons: AddonLine[];
  /** The new recurring price per interval (after any discount). */
  recurring: Amount;
  /** What the account pays per interval now. */
  current_recurring: Amount;
  /** `recurring` minus `current_recurring`: negative for a cheaper offer. */
  difference: Amount;
  /**
   * What switching costs today: the prorated quote (credits for unused time on the old
   * items, charges for the rest of the period on the new ones).
   */
  due_now: Amount;
  /** What staying would cost in overage this period, if any. */
  overage: Amount | null;
  /**
   * For add-ons: their added price over the current bill, a fraction as decimal text with
   * up to four places (`"0.2759"` is 27.59%); `null` for other offers.
   */
  share_of_bill: string | null;
  /**
   * The percentage off the offer's new items, as exact text: `"10"` (a `"p/q"` fraction
   * when not whole); `null` without a discount.
   */
  discount_percent: string | null;
  /** For a trial extension: the days added to the trial; else `null`. */
  extension_days: number | null;
  /** For a trial extension: the trial's new end, ISO 8601 in UTC with `Z`; else `null`. */
  trial_end: string | null;
  /**
   * The billing system's id of the plan's price for the offer's interval (from the
   * catalog's `billing_ids`), for checkout; `null` if the catalog gives none or for a trial
   * extension.
   */
  billing_id: string | null;
  /**
   * The ISO 4217 code every amount of the offer is in: the account's. Billing ids are
   * shared by a price's currencies, so checkout needs it too.
   */
  currency: string;
}

/**
 * What an offer changes: the plan (or its seats), add-ons only, both, or the trial's end.
 */
export type OfferKind = "plan" | "addon" | "plan_with_addons" | "trial_extension";

/** One plan in a comparison. */
export interface PlanColumn {
  /** The plan's id in the catalog. */
  plan: string;
  /** The plan's display name. */
  name: string;
  /** Whether it is the account's plan. */
  current: boolean;
  /** Whether it is the recommended plan (the one to highlight). */
  recommended: boolean;
  /** `most_popular` when the catalog marks the plan popular. */
  badge: Badge | null;
  /** The plan's recurring price per interval for the account's seats. */
  price: Amount;
  /** Price minus the current plan's price, per interval. */
  difference: Amount;
  /**
   * The difference in words for the locale (`"$27.00 more per month"`), or a signed amount
   * (`"+$27.00"`) when the catalog has no comparison messages.
   */
  difference_text: string;
  /**
   * What paying yearly saves over twelve monthly payments, if the plan is sold both ways.
   */
  yearly_saving: Amount | null;
  /** What switching to it costs today, prorated; zero for the current plan. */
  due_now: Amount;
  /** One cell per catalog metric, in catalog order. */
  limits: LimitCell[];
  /** One cell per catalog feature, in catalog order. */
  features: FeatureCell[];
  /**
   * The billing system's id of the plan's price for the account's interval (from the
   * catalog's `billing_ids`), for checkout; `null` if the catalog gives none.
   */
  billing_id: string | null;
}

/** A machine-readable reason, with a human-readable detail. */
export interface Reason {
  /** The machine-readable reason. */
  code: ReasonCode;
  /** What happened, in English, for logs and support (not for customers). */
  detail: string;
}

/**
 * Why a nudge is shown: first the trigger that fired (`usage_threshold`, `break_even`,
 * `feature_locked`, `ending`, `trial_extension`, `cancel_intent`, `milestone`), then
 * `cheapest_fit` when the offer is the cheapest option covering the usage,
 * `addon_share_cap` when add-ons would have cost more of the bill than the rule allows and
 * a plan is offered instead, and `discount` when a discount applies.
 */
export type ReasonCode =
  | "usage_threshold"
  | "break_even"
  | "feature_locked"
  | "ending"
  | "trial_extension"
  | "cancel_intent"
  | "milestone"
  | "cheapest_fit"
  | "addon_share_cap"
  | "discount";

/** How prominently to show a nudge, from its rule's `severity` (`Severity`). */
export type SeverityCode = "info" | "warning" | "critical";
