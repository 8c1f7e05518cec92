// @nudge-sdk/elements: generated from src/ by `npm run build` in nudge_sdk/web; do not edit.

// src/format.ts
function bcp47(locale) {
  const tag = locale.replace(/_/g, "-");
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? "en";
  } catch {
    return "en";
  }
}
function signed(amount) {
  return amount.minor > 0 ? `+${amount.formatted}` : amount.formatted;
}
function digitsOf(sample) {
  if (/[0-9]/.test(sample)) return "latn";
  if (/[\u06F0-\u06F9]/.test(sample)) return "arabext";
  if (/[\u0660-\u0669]/.test(sample)) return "arab";
  return void 0;
}
function countdown(milliseconds, locale, digits) {
  const seconds = Math.max(0, Math.floor(milliseconds / 1e3));
  const days = Math.floor(seconds / 86400);
  const system = digits === void 0 ? {} : { numberingSystem: digits };
  const two = new Intl.NumberFormat(locale, { ...system, minimumIntegerDigits: 2, useGrouping: false });
  const clock = [Math.floor(seconds / 3600) % 24, Math.floor(seconds / 60) % 60, seconds % 60].map((part) => two.format(part)).join(":");
  if (days === 0) return clock;
  const day = new Intl.NumberFormat(locale, { ...system, style: "unit", unit: "day", unitDisplay: "narrow" });
  return `${day.format(days)} ${clock}`;
}
function instant(date) {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

// src/labels.ts
var en = {
  dismiss: "Dismiss",
  close: "Close",
  snooze: "Remind me later",
  acknowledge: "Got it",
  usage: "{used} of {limit} {unit}",
  usageName: "Usage",
  perInterval: "{price} per {interval}",
  dueToday: "{amount} due today",
  endsIn: "Offer ends in {time}",
  ended: "This offer has ended",
  discount: "{percent}% off",
  extension: "+{days} days",
  comparePlans: "Compare plans",
  current: "Current plan",
  recommended: "Recommended",
  mostPopular: "Most popular",
  yearlySaving: "Save {amount} a year paying yearly",
  choose: "Choose {plan}",
  gain: "more than your plan",
  short: "less than you use",
  included: "Included",
  notIncluded: "Not included",
  intervals: { month: "month", year: "year" }
};
var ar = {
  dismiss: "إغلاق",
  close: "إغلاق",
  snooze: "ذكّرني لاحقًا",
  acknowledge: "حسنًا",
  usage: "{used} من {limit} {unit}",
  usageName: "الاستخدام",
  perInterval: "{price} كل {interval}",
  dueToday: "{amount} مستحقة اليوم",
  endsIn: "ينتهي العرض خلال {time}",
  ended: "انتهى هذا العرض",
  discount: "خصم {percent}%",
  extension: "+{days} يومًا",
  comparePlans: "قارن الخطط",
  current: "خطتك الحالية",
  recommended: "موصى بها",
  mostPopular: "الأكثر شيوعًا",
  yearlySaving: "وفّر {amount} سنويًا بالدفع السنوي",
  choose: "اختر {plan}",
  gain: "أكثر من خطتك",
  short: "أقل من استخدامك",
  included: "مشمول",
  notIncluded: "غير مشمول",
  intervals: { month: "شهر", year: "سنة" }
};
var fa = {
  dismiss: "بستن",
  close: "بستن",
  snooze: "بعداً یادآوری کن",
  acknowledge: "باشه",
  usage: "{used} از {limit} {unit}",
  usageName: "مصرف",
  perInterval: "{price} در هر {interval}",
  dueToday: "{amount} پرداخت امروز",
  endsIn: "پایان پیشنهاد تا {time}",
  ended: "این پیشنهاد تمام شده است",
  discount: "{percent}٪ تخفیف",
  extension: "+{days} روز",
  comparePlans: "مقایسه طرح‌ها",
  current: "طرح فعلی",
  recommended: "پیشنهادی",
  mostPopular: "محبوب‌ترین",
  yearlySaving: "با پرداخت سالانه {amount} در سال صرفه‌جویی کنید",
  choose: "انتخاب {plan}",
  gain: "بیشتر از طرح شما",
  short: "کمتر از مصرف شما",
  included: "دارد",
  notIncluded: "ندارد",
  intervals: { month: "ماه", year: "سال" }
};
var ky = {
  dismiss: "Жабуу",
  close: "Жабуу",
  snooze: "Кийинчерээк эскертүү",
  acknowledge: "Түшүндүм",
  usage: "{limit} {unit} ичинен {used}",
  usageName: "Колдонуу",
  perInterval: "ар бир {interval} үчүн {price}",
  dueToday: "бүгүн {amount} төлөнөт",
  endsIn: "Сунуш {time} кийин бүтөт",
  ended: "Бул сунуш бүттү",
  discount: "{percent}% арзандатуу",
  extension: "+{days} күн",
  comparePlans: "Пландарды салыштыруу",
  current: "Учурдагы план",
  recommended: "Сунушталат",
  mostPopular: "Эң популярдуу",
  yearlySaving: "Жылдык төлөм менен жылына {amount} үнөмдөңүз",
  choose: "{plan} тандоо",
  gain: "планыңыздан көбүрөөк",
  short: "колдонууңуздан аз",
  included: "Камтылган",
  notIncluded: "Камтылган эмес",
  intervals: { month: "ай", year: "жыл" }
};
var BUILT_IN = { en, ar, fa, ky };
function labelsFor(locale, overrides = {}) {
  const language = locale.toLowerCase().split("-")[0] ?? "en";
  const base = BUILT_IN[language] ?? en;
  return { ...base, ...overrides, intervals: { ...base.intervals, ...overrides.intervals } };
}
function intervalName(labels, interval) {
  return labels.intervals[interval] ?? interval;
}

// src/styles.ts
var STYLES = `
:host {
  --_font: var(--nudge-font-family, ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto,
    "Noto Sans", "Noto Sans Arabic", "Helvetica Neue", Arial, sans-serif);
  --_radius: var(--nudge-radius, 12px);
  --_surface: var(--nudge-surface, #ffffff);
  --_subtle: var(--nudge-subtle, #f8fafc);
  --_text: var(--nudge-text, #0f172a);
  --_muted: var(--nudge-muted, #64748b);
  --_border: var(--nudge-border, #e2e8f0);
  --_track: color-mix(in srgb, var(--_border) 70%, transparent);
  --_shadow: var(--nudge-shadow, 0 1px 2px rgb(15 23 42 / 0.06), 0 4px 12px rgb(15 23 42 / 0.06));
  --_accent: var(--nudge-accent, #4f46e5);
  --_accent-contrast: var(--nudge-accent-contrast, #ffffff);
  --_focus: var(--nudge-focus, var(--_accent));
  --_info: var(--nudge-info, #2563eb);
  --_warning: var(--nudge-warning, #d97706);
  --_critical: var(--nudge-critical, #dc2626);
  --_gain: var(--nudge-gain, #059669);
  --_severity: var(--_info);
  display: block;
  color: var(--_text);
  font-family: var(--_font);
  font-size: 0.9375rem;
  line-height: 1.45;
}
:host([hidden]) { display: none; }
*, *::before, *::after { box-sizing: border-box; }
button { font: inherit; cursor: pointer; }
button:disabled { cursor: not-allowed; }
:focus-visible { outline: 2px solid var(--_focus); outline-offset: 2px; }
svg { inline-size: 1.25rem; block-size: 1.25rem; fill: none; stroke: currentColor; stroke-width: 2;
  stroke-linecap: round; stroke-linejoin: round; flex: none; }
.visually-hidden { position: absolute; inline-size: 1px; block-size: 1px; margin: -1px; padding: 0;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }

[part~="severity-info"] { --_severity: var(--_info); }
[part~="severity-warning"] { --_severity: var(--_warning); }
[part~="severity-critical"] { --_severity: var(--_critical); }

.icon { display: grid; place-items: center; flex: none; inline-size: 2.5rem; block-size: 2.5rem;
  border-radius: 999px; color: var(--_severity);
  background: color-mix(in srgb, var(--_severity) 12%, transparent); }
[part~="title"] { margin: 0; font-size: 1rem; font-weight: 650; line-height: 1.3; }
[part~="body"] { margin: 0.125rem 0 0; color: var(--_muted); }

[part~="figures"] { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.25rem 0.5rem;
  margin-block-start: 0.625rem; font-size: 0.875rem; max-inline-size: 28rem; }
[part~="figures-name"] { font-weight: 600; }
[part~="figures-used"] { color: var(--_muted); font-variant-numeric: tabular-nums; }
[part~="figures-percent"] { margin-inline-start: auto; font-weight: 650; font-variant-numeric: tabular-nums; }
[part~="meter"] { display: block; flex-basis: 100%; block-size: 0.5rem; border-radius: 999px;
  background: var(--_track); overflow: hidden; }
[part~="meter-bar"] { display: block; block-size: 100%; border-radius: inherit; background: var(--_accent); }
[part~="meter-high"] { background: var(--_warning); }
[part~="meter-full"] { background: var(--_critical); }

[part~="offer"] { display: flex; flex-direction: column; gap: 0.25rem; font-size: 0.875rem; }
[part~="offer-lines"] { list-style: none; margin: 0; padding: 0; }
[part~="offer-line"] { display: flex; justify-content: space-between; gap: 0.75rem; }
[part~="offer-item"] { font-weight: 600; }
[part~="offer-line-price"] { color: var(--_muted); }
[part~="offer-price"] { display: flex; flex-wrap: wrap; align-items: center; gap: 0.375rem 0.5rem; margin: 0; }
[part~="offer-recurring"] { font-weight: 600; }
[part~="offer-difference"], [part~="offer-discount"] { padding: 0.0625rem 0.5rem; border-radius: 999px;
  font-size: 0.8125rem; font-weight: 600; white-space: nowrap; }
[part~="offer-difference"] { color: var(--_accent); background: color-mix(in srgb, var(--_accent) 10%, transparent); }
[part~="difference-less"], [part~="offer-discount"] { color: var(--_gain);
  background: color-mix(in srgb, var(--_gain) 12%, transparent); }

[part~="cta-block"] { display: flex; flex-direction: column; align-items: stretch; gap: 0.25rem; }
[part~="cta"] { display: inline-flex; align-items: center; justify-content: center; gap: 0.5rem;
  padding: 0.625rem 1.125rem; border: 0; border-radius: calc(var(--_radius) - 4px);
  background: var(--_accent); color: var(--_accent-contrast); font-weight: 600; white-space: nowrap;
  box-shadow: 0 1px 2px rgb(15 23 42 / 0.12); transition: background-color 0.15s; }
[part~="cta"]:hover:not(:disabled) { background: color-mix(in srgb, var(--_accent) 85%, #000); }
[part~="cta"]:disabled { opacity: 0.5; }
[part~="due-now"] { color: var(--_muted); font-size: 0.75rem; text-align: center; }
[part~="snooze"] { padding: 0.5rem 0.75rem; border: 0; border-radius: calc(var(--_radius) - 4px);
  background: none; color: var(--_muted); font-size: 0.875rem; font-weight: 500; }
[part~="snooze"]:hover { background: var(--_track); color: var(--_text); }
[part~="dismiss"] { display: grid; place-items: center; flex: none; inline-size: 2rem; block-size: 2rem;
  padding: 0; border: 0; border-radius: 999px; background: none; color: var(--_muted); }
[part~="dismiss"]:hover { background: var(--_track); color: var(--_text); }
[part~="dismiss"] svg { inline-size: 1.125rem; block-size: 1.125rem; }

[part~="countdown"] { display: inline-flex; align-items: center; gap: 0.375rem; margin: 0.625rem 0 0;
  padding: 0.25rem 0.625rem; border-radius: 999px; font-size: 0.8125rem; font-weight: 600;
  color: var(--_critical); background: color-mix(in srgb, var(--_critical) 10%, transparent);
  font-variant-numeric: tabular-nums; inline-size: fit-content; }
[part~="countdown"] svg { inline-size: 1rem; block-size: 1rem; }
[part~="countdown-ended"] { color: var(--_muted); background: var(--_track); }
time { unicode-bidi: isolate; }

/* <nudge-banner> */
.banner { position: relative; display: flex; align-items: center; flex-wrap: wrap; gap: 1rem 1.25rem;
  padding: 1rem 1.25rem; background: var(--_surface); border: 1px solid var(--_border);
  border-inline-start: 4px solid var(--_severity); border-radius: var(--_radius); box-shadow: var(--_shadow); }
.banner .content { flex: 1 1 20rem; min-inline-size: 0; }
.banner .aside { display: flex; flex-direction: column; align-items: flex-end; gap: 0.625rem; flex: 0 1 auto; }
.banner [part~="offer"] { align-items: flex-end; }
.banner [part~="offer-price"] { justify-content: flex-end; }
.banner .actions { display: flex; flex-direction: row-reverse; align-items: flex-start; gap: 0.5rem; flex-wrap: wrap; }
.banner [part~="dismiss"] { position: absolute; inset-block-start: 0.5rem; inset-inline-end: 0.5rem; }
.banner:has([part~="dismiss"]) { padding-inline-end: 3rem; }
/* Narrow: one column, the offer and the buttons under the text. */
.frame { container-type: inline-size; }
@container (max-width: 40rem) {
  .banner .icon { display: none; }
  .banner .content { flex-basis: 100%; }
  .banner .aside { flex-basis: 100%; align-items: stretch; }
  .banner [part~="offer"] { align-items: flex-start; }
  .banner [part~="offer-price"] { justify-content: flex-start; }
  .banner .actions { flex-direction: column; align-items: stretch; }
}

/* <nudge-modal> */
.backdrop { position: fixed; inset: 0; z-index: var(--nudge-z-index, 1000); display: grid; place-items: center;
  padding: 1rem; background: var(--nudge-backdrop, rgb(15 23 42 / 0.45)); animation: nudge-fade 0.15s ease-out; }
.modal { display: flex; flex-direction: column; gap: 1rem; inline-size: min(100%, var(--nudge-modal-width, 30rem));
  max-block-size: calc(100vh - 2rem); overflow: auto; padding: 1.5rem; background: var(--_surface);
  border-radius: calc(var(--_radius) + 4px); border-block-start: 4px solid var(--_severity);
  box-shadow: 0 24px 48px -12px rgb(15 23 42 / 0.35); animation: nudge-rise 0.2s ease-out; }
.modal:focus { outline: none; }
.modal .header { display: flex; align-items: center; gap: 0.75rem; }
.modal [part~="title"] { flex: 1; font-size: 1.1875rem; }
.modal [part~="body"] { margin: 0; }
.modal [part~="figures"] { margin: 0; max-inline-size: none; }
.modal [part~="offer"] { padding: 0.875rem 1rem; background: var(--_subtle); border: 1px solid var(--_border);
  border-radius: calc(var(--_radius) - 2px); gap: 0.375rem; }
.modal [part~="countdown"] { margin: 0; }
.modal .footer { display: flex; justify-content: flex-end; align-items: flex-start; flex-wrap: wrap; gap: 0.5rem;
  margin-block-start: 0.25rem; }
@keyframes nudge-fade { from { opacity: 0; } }
@keyframes nudge-rise { from { opacity: 0; transform: translateY(0.5rem) scale(0.98); } }
@media (prefers-reduced-motion: reduce) { .backdrop, .modal { animation: none; } }

/* <nudge-plan-table> */
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(var(--nudge-column-min, 14rem), 1fr));
  gap: 1rem; align-items: stretch; margin: 0; padding: 0; list-style: none; }
.column { display: flex; flex-direction: column; gap: 0.75rem; padding: 1.25rem; background: var(--_surface);
  border: 1px solid var(--_border); border-radius: var(--_radius); box-shadow: var(--_shadow); }
.column.recommended { border: 2px solid var(--_accent);
  box-shadow: 0 0 0 4px color-mix(in srgb, var(--_accent) 12%, transparent), var(--_shadow); }
.flags { display: flex; flex-wrap: wrap; gap: 0.375rem; min-block-size: 1.5rem; }
.flag { padding: 0.125rem 0.5rem; border-radius: 999px; font-size: 0.75rem; font-weight: 600;
  background: var(--_track); color: var(--_muted); }
[part~="badge"] { background: color-mix(in srgb, var(--_warning) 16%, transparent);
  color: color-mix(in srgb, var(--_warning) 60%, #000); }
[part~="recommended-flag"] { background: var(--_accent); color: var(--_accent-contrast); }
.plan-name { margin: 0; font-size: 1.125rem; font-weight: 650; }
.price { margin: 0; }
.price-amount { font-size: 1.875rem; font-weight: 700; letter-spacing: -0.02em; font-variant-numeric: tabular-nums; }
.price-interval { color: var(--_muted); }
.difference { margin: 0; color: var(--_muted); font-size: 0.875rem; }
[part~="difference-more"] { color: var(--_text); }
[part~="difference-less"].difference { color: var(--_gain); background: none; }
.cells { display: flex; flex-direction: column; gap: 0.4375rem; margin: 0; padding: 0.75rem 0 0;
  border-block-start: 1px solid var(--_border); list-style: none; font-size: 0.875rem; }
.cell { display: flex; align-items: center; gap: 0.5rem; }
.cell .cell-name { flex: 1; }
.cell-value { font-weight: 600; font-variant-numeric: tabular-nums; }
.cell.gain .cell-value { color: var(--_gain); }
.cell.gain .cell-value::after { content: " ↑" / ""; }
.cell.short .cell-value { color: var(--_critical); }
.feature svg { inline-size: 1rem; block-size: 1rem; }
.feature.included svg { color: var(--_gain); }
.feature.excluded { color: var(--_muted); }
.feature.gain .cell-name { font-weight: 600; }
.costs { display: flex; flex-direction: column; gap: 0.125rem; margin-block-start: auto; padding-block-start: 0.5rem;
  color: var(--_muted); font-size: 0.8125rem; }
.costs p { margin: 0; }
.costs [part~="due-now"] { text-align: start; font-size: inherit; }
[part~="yearly-saving"] { color: var(--_gain); font-weight: 600; }
[part~="choose"] { inline-size: 100%; padding: 0.625rem 1rem; border: 1px solid var(--_accent);
  border-radius: calc(var(--_radius) - 4px); background: var(--_surface); color: var(--_accent); font-weight: 600; }
[part~="choose"]:hover:not(:disabled) { background: color-mix(in srgb, var(--_accent) 8%, var(--_surface)); }
[part~="choose-recommended"] { background: var(--_accent); color: var(--_accent-contrast); }
[part~="choose-recommended"]:hover:not(:disabled) { background: color-mix(in srgb, var(--_accent) 85%, #000); }
[part~="choose"]:disabled { border-color: var(--_border); background: var(--_subtle); color: var(--_muted);
  cursor: default; }
`;

// src/base.ts
var SCHEMA_VERSION = 1;
function isObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
function isComparison(value) {
  return value.kind === "comparison" && Array.isArray(value.columns);
}
function isEvaluation(value) {
  return Array.isArray(value.nudges);
}
function isNudge(value) {
  const nudge = value;
  return typeof nudge.id === "string" && typeof nudge.title === "string" && isObject(nudge.cta);
}
function readPayload(value) {
  if (value === null || value === void 0 || value === "") return null;
  const parsed = typeof value === "string" ? JSON.parse(value) : value;
  if (!isObject(parsed)) throw new TypeError("the payload is not a JSON object");
  if (parsed.schema_version !== SCHEMA_VERSION) {
    throw new TypeError(`schema_version ${String(parsed.schema_version)} is not ${SCHEMA_VERSION}`);
  }
  return parsed;
}
var NudgeElement = class extends HTMLElement {
  static get observedAttributes() {
    return ["payload", "endpoint", "account", "nudge", "placement"];
  }
  root;
  #payload = null;
  #labels = {};
  #problem = null;
  #cleanups = [];
  constructor() {
    super();
    this.root = this.attachShadow({ mode: "open" });
  }
  /** The payload: an object, or JSON text (as the `payload` attribute holds it). */
  get payload() {
    return this.#payload;
  }
  set payload(value) {
    this.#setPayload(value);
  }
  /** Overrides of the renderer's own words (see `Labels`), merged over the built-in ones. */
  get labels() {
    return this.#labels;
  }
  set labels(value) {
    this.#labels = { ...value };
    this.update();
  }
  /** Where events are POSTed (the `endpoint` attribute); none: only DOM events. */
  get endpoint() {
    return this.getAttribute("endpoint");
  }
  set endpoint(value) {
    if (value === null) this.removeAttribute("endpoint");
    else this.setAttribute("endpoint", value);
  }
  connectedCallback() {
    if (Object.prototype.hasOwnProperty.call(this, "payload")) {
      const early = this.payload;
      delete this.payload;
      this.#setPayload(early);
      return;
    }
    this.update();
  }
  disconnectedCallback() {
    this.teardown();
  }
  attributeChangedCallback(name, previous, value) {
    if (previous === value) return;
    if (name === "payload") this.#setPayload(value);
    else if (name !== "endpoint") this.update();
  }
  #setPayload(value) {
    try {
      this.#payload = readPayload(value);
    } catch (error) {
      this.#payload = null;
      this.#problem = error;
    }
    this.update();
  }
  /** Render the payload again from scratch. */
  update() {
    this.teardown();
    if (!this.isConnected) return;
    if (this.#payload === null) {
      this.root.replaceChildren();
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
  /** Run `cleanup` before the next render and when the element leaves the page. */
  onTeardown(cleanup) {
    this.#cleanups.push(cleanup);
  }
  teardown() {
    const cleanups = this.#cleanups;
    this.#cleanups = [];
    for (const cleanup of cleanups) cleanup();
  }
  /** Lay out for the payload's direction and language; returns the labels for it. */
  localize(direction, locale) {
    const tag = bcp47(locale);
    this.setAttribute("dir", direction === "rtl" ? "rtl" : "ltr");
    this.setAttribute("lang", tag);
    return labelsFor(tag, this.#labels);
  }
  fail(error) {
    const reason = error instanceof Error ? error.message : String(error);
    this.dispatchEvent(new CustomEvent("nudge-error", { detail: { reason }, bubbles: true, composed: true }));
  }
  #style() {
    const style = document.createElement("style");
    style.textContent = STYLES;
    return style;
  }
};

// src/dom.ts
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === void 0 || value === false) continue;
    element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === void 0 || child === false) continue;
    element.append(child);
  }
  return element;
}
var SVG = "http://www.w3.org/2000/svg";
function icon(paths, part) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("part", part);
  for (const d of paths) {
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}
var ICONS = {
  info: ["M12 8h.01", "M11 12h1v4h1", "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z"],
  warning: ["M12 9v4", "M12 17h.01", "M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z"],
  critical: ["M12 8v4", "M12 16h.01", "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z"],
  close: ["M18 6 6 18", "M6 6l12 12"],
  check: ["M20 6 9 17l-5-5"],
  dash: ["M6 12h12"],
  clock: ["M12 7v5l3 2", "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z"]
};
function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (whole, name) => values[name] ?? whole);
}

// src/report.ts
var reported = /* @__PURE__ */ new Set();
function eventId() {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
function alreadyReported(nudge, kind) {
  return reported.has(`${nudge}
${kind}`);
}
function report(source, endpoint, account, nudge, kind, until) {
  if (alreadyReported(nudge, kind)) return null;
  reported.add(`${nudge}
${kind}`);
  const body = { account, nudge, kind, at: instant(/* @__PURE__ */ new Date()), event_id: eventId() };
  if (until !== void 0) body.until = instant(until);
  const event = new CustomEvent("nudge-event", {
    detail: body,
    bubbles: true,
    composed: true,
    cancelable: true
  });
  if (!source.dispatchEvent(event) || !endpoint || !account) return body;
  const failed = (reason) => {
    source.dispatchEvent(
      new CustomEvent("nudge-event-error", { detail: { ...body, reason }, bubbles: true, composed: true })
    );
  };
  fetch(endpoint, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    credentials: "same-origin",
    keepalive: true
  }).then(
    (response) => {
      if (!response.ok) failed(`HTTP ${response.status}`);
    },
    (error) => failed(String(error))
  );
  return body;
}

// src/view.ts
function pick(payload, account, id, placement) {
  if (isEvaluation(payload)) {
    const nudge = id !== null ? payload.nudges.find((n) => n.id === id) : placement !== null ? payload.nudges.find((n) => n.placement === placement) : payload.nudges[0];
    return nudge === void 0 ? null : { nudge, account: account ?? payload.account };
  }
  if (isNudge(payload) && (id === null || payload.id === id)) {
    return { nudge: payload, account: account ?? "" };
  }
  return null;
}
function figures(nudge, labels) {
  const metric = nudge.metric;
  if (metric === null) return null;
  const unit = metric.name.toLowerCase().includes(metric.unit.toLowerCase()) ? "" : metric.unit;
  const used = metric.formatted_limit === null ? `${metric.formatted_used} ${unit}`.trim() : fill(labels.usage, { used: metric.formatted_used, limit: metric.formatted_limit, unit }).trim();
  const text = metric.formatted_percent === null ? used : `${used} (${metric.formatted_percent})`;
  const block = h(
    "div",
    { part: "figures" },
    h("span", { part: "figures-name" }, metric.name),
    h("span", { part: "figures-used" }, used),
    metric.formatted_percent !== null && h("span", { part: "figures-percent" }, metric.formatted_percent)
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
          "aria-valuetext": text
        },
        bar
      )
    );
  }
  return block;
}
function perInterval(labels, price, interval) {
  return fill(labels.perInterval, { price, interval: intervalName(labels, interval) });
}
function offer(nudge, labels) {
  const proposal = nudge.offer;
  if (proposal === null) return null;
  const lines = h("ul", { part: "offer-lines", role: "list" });
  if (proposal.kind === "plan" || proposal.kind === "plan_with_addons") {
    lines.append(
      h(
        "li",
        { part: "offer-line offer-plan" },
        h("span", { part: "offer-item" }, proposal.plan_name ?? proposal.plan ?? "")
      )
    );
  }
  for (const line of proposal.addons) {
    lines.append(
      h(
        "li",
        { part: "offer-line offer-addon" },
        h("span", { part: "offer-item" }, `${line.quantity} × ${line.name}`),
        h("span", { part: "offer-line-price" }, perInterval(labels, line.price.formatted, proposal.interval))
      )
    );
  }
  if (proposal.kind === "trial_extension" && proposal.extension_days !== null) {
    lines.append(
      h(
        "li",
        { part: "offer-line offer-extension" },
        h("span", { part: "offer-item" }, fill(labels.extension, { days: String(proposal.extension_days) }))
      )
    );
  }
  const price = h(
    "p",
    { part: "offer-price" },
    h("span", { part: "offer-recurring" }, perInterval(labels, proposal.recurring.formatted, proposal.interval)),
    proposal.difference.minor !== 0 && h(
      "span",
      { part: proposal.difference.minor > 0 ? "offer-difference difference-more" : "offer-difference difference-less" },
      perInterval(labels, signed(proposal.difference), proposal.interval)
    ),
    proposal.discount_percent !== null && h("span", { part: "offer-discount" }, fill(labels.discount, { percent: proposal.discount_percent }))
  );
  return h("div", { part: "offer" }, lines.childElementCount > 0 && lines, price);
}
function callToAction(nudge, labels, onClick) {
  const label = nudge.cta.label || labels.acknowledge;
  const arrow = h("span", { part: "cta-arrow", "aria-hidden": "true" }, nudge.direction === "rtl" ? "←" : "→");
  const button = h("button", { part: "cta", type: "button", "data-action": nudge.cta.action }, h("span", {}, label), arrow);
  button.addEventListener("click", onClick);
  const due = nudge.cta.due_now;
  const block = h(
    "div",
    { part: "cta-block" },
    button,
    due !== null && h("span", { part: "due-now" }, fill(labels.dueToday, { amount: due.formatted }))
  );
  return { block, button };
}
function expiry(nudge, labels, locale, onEnd) {
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
  const tick = () => {
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
  if (end > Date.now()) timer = window.setInterval(tick, 1e3);
  return { block, stop: () => window.clearInterval(timer) };
}

// src/card.ts
var HOUR = 3600 * 1e3;
var NudgeCard = class extends NudgeElement {
  static get observedAttributes() {
    return [...super.observedAttributes, "no-dismiss", "no-snooze", "snooze-hours"];
  }
  #picked = null;
  // Nudges the customer closed here: they stay closed when the same payload is set again.
  #closed = /* @__PURE__ */ new Set();
  /** The nudge on show, if any. */
  get nudge() {
    return this.#picked?.nudge ?? null;
  }
  build(payload) {
    this.#picked = pick(
      payload,
      this.getAttribute("account"),
      this.getAttribute("nudge"),
      this.getAttribute("placement")
    );
    if (this.#picked === null || this.#closed.has(this.#picked.nudge.id)) return null;
    const nudge = this.#picked.nudge;
    const labels = this.localize(nudge.direction, nudge.locale);
    const locale = this.getAttribute("lang") ?? "en";
    const id = (suffix) => `nudge-${suffix}`;
    const { block: cta, button } = callToAction(nudge, labels, () => this.act("clicked"));
    const timer = expiry(nudge, labels, locale, () => {
      button.disabled = true;
    });
    if (timer !== null) this.onTeardown(timer.stop);
    const snooze = this.hasAttribute("no-snooze") ? null : this.#button("snooze", labels.snooze, () => this.act("snoozed"));
    const dismiss = this.hasAttribute("no-dismiss") ? null : this.#button("dismiss", "", () => this.act("dismissed"));
    dismiss?.setAttribute("aria-label", this.dismissName(labels));
    dismiss?.append(icon(ICONS.close, "dismiss-icon"));
    const parts = {
      nudge,
      labels,
      title: this.heading(id("title"), nudge.title),
      body: Object.assign(document.createElement("p"), { id: id("body"), textContent: nudge.body }),
      figures: figures(nudge, labels),
      offer: offer(nudge, labels),
      cta,
      countdown: timer?.block ?? null,
      snooze,
      dismiss
    };
    parts.body.setAttribute("part", "body");
    const content = this.layout(parts);
    this.#observeShown(this.surface(content));
    return content;
  }
  /** The element whose visibility counts as the nudge being shown. */
  surface(content) {
    return content.querySelector("[part~=surface]") ?? content;
  }
  /** The dismiss button's accessible name. */
  dismissName(labels) {
    return labels.dismiss;
  }
  heading(id, text) {
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
  act(kind) {
    const picked = this.#picked;
    if (picked === null) return;
    const { nudge, account } = picked;
    const hours = Number(this.getAttribute("snooze-hours") ?? "24");
    const until = kind === "snoozed" ? new Date(Date.now() + (hours > 0 ? hours : 24) * HOUR) : void 0;
    report(this, this.endpoint, account, nudge.id, kind, until);
    if (kind === "clicked") {
      this.dispatchEvent(
        new CustomEvent("nudge-cta", { detail: { nudge, cta: nudge.cta }, bubbles: true, composed: true })
      );
      this.afterClick();
      return;
    }
    this.close();
  }
  /** After the button was clicked: the banner stays, the modal closes. */
  afterClick() {
  }
  /** Hide the nudge on show (it stays hidden for this element until another nudge comes). */
  close() {
    const picked = this.#picked;
    if (picked === null) return;
    this.#closed.add(picked.nudge.id);
    this.update();
    this.dispatchEvent(new CustomEvent("nudge-close", { detail: { nudge: picked.nudge }, bubbles: true, composed: true }));
  }
  #button(part, text, onClick) {
    const button = document.createElement("button");
    button.type = "button";
    button.setAttribute("part", part);
    button.textContent = text;
    button.addEventListener("click", onClick);
    return button;
  }
  // `shown` when at least half of the nudge is on screen, once per nudge id.
  #observeShown(target) {
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
      { threshold: [0.5] }
    );
    observer.observe(target);
    this.onTeardown(() => observer.disconnect());
  }
};

// src/banner.ts
var NudgeBanner = class extends NudgeCard {
  layout(parts) {
    const { nudge } = parts;
    const banner = h(
      "div",
      {
        part: `surface banner severity-${nudge.severity}`,
        class: "banner",
        role: "region",
        "aria-labelledby": "nudge-title",
        "data-kind": nudge.kind
      },
      h("span", { part: "icon", class: "icon" }, icon(ICONS[nudge.severity] ?? ICONS.info, "icon-svg")),
      h("div", { part: "content", class: "content" }, parts.title, parts.body, parts.figures, parts.countdown),
      h("div", { part: "aside", class: "aside" }, parts.offer, h("div", { part: "actions", class: "actions" }, parts.cta, parts.snooze)),
      parts.dismiss
    );
    return h("div", { class: "frame" }, banner);
  }
};

// src/modal.ts
var FOCUSABLE = 'button:not([disabled]), [href], input:not([disabled]), select, textarea, [tabindex]:not([tabindex="-1"])';
var NudgeModal = class extends NudgeCard {
  layout(parts) {
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
        "data-kind": nudge.kind
      },
      h(
        "div",
        { part: "header", class: "header" },
        h("span", { part: "icon", class: "icon" }, icon(ICONS[nudge.severity] ?? ICONS.info, "icon-svg")),
        parts.title,
        parts.dismiss
      ),
      parts.body,
      parts.figures,
      parts.offer,
      parts.countdown,
      h("div", { part: "footer", class: "footer" }, parts.snooze, parts.cta)
    );
    const backdrop = h("div", { part: "backdrop", class: "backdrop" }, surface);
    this.#trap(surface, backdrop);
    return backdrop;
  }
  dismissName(labels) {
    return labels.close;
  }
  afterClick() {
    this.close();
  }
  #leave() {
    if (this.hasAttribute("no-dismiss")) this.close();
    else this.act("dismissed");
  }
  #trap(surface, backdrop) {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const focusables = () => Array.from(surface.querySelectorAll(FOCUSABLE));
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
      if (first === void 0 || last === void 0) {
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
    const keep = (event) => {
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
};

// src/plan-table.ts
function comparisonOf(payload) {
  if (isComparison(payload)) return payload;
  if (isEvaluation(payload)) return payload.comparison;
  return null;
}
function tokens(...names) {
  return names.filter((name) => name !== false).join(" ");
}
var NudgePlanTable = class extends NudgeElement {
  build(payload) {
    const comparison = comparisonOf(payload);
    if (comparison === null || comparison.columns.length === 0) return null;
    const labels = this.localize(comparison.direction, comparison.locale);
    const columns = h("ol", { part: "columns", class: "columns", role: "list" });
    columns.style.setProperty("--nudge-columns", String(comparison.columns.length));
    comparison.columns.forEach((column, index) => columns.append(this.#column(comparison, column, index, labels)));
    return h(
      "section",
      { part: "surface plan-table", class: "plan-table", "aria-label": labels.comparePlans },
      columns
    );
  }
  #column(comparison, column, index, labels) {
    const heading = `nudge-plan-${index}`;
    const interval = intervalName(labels, comparison.interval);
    const flags = h(
      "div",
      { part: "flags", class: "flags" },
      column.badge === "most_popular" && h("span", { part: "badge flag", class: "flag" }, labels.mostPopular),
      column.recommended && h("span", { part: "recommended-flag flag", class: "flag" }, labels.recommended),
      column.current && h("span", { part: "current-flag flag", class: "flag" }, labels.current)
    );
    const price = h(
      "p",
      { part: "price", class: "price" },
      h("span", { part: "price-amount", class: "price-amount" }, column.price.formatted),
      interval !== "" && h("span", { part: "price-interval", class: "price-interval" }, ` / ${interval}`)
    );
    const choose = h(
      "button",
      {
        part: tokens("choose", column.recommended && "choose-recommended"),
        type: "button",
        disabled: column.current,
        "aria-describedby": heading
      },
      column.current ? labels.current : fill(labels.choose, { plan: column.name })
    );
    choose.addEventListener("click", () => {
      this.dispatchEvent(
        new CustomEvent("nudge-plan-chosen", {
          detail: { account: comparison.account, plan: column.plan, interval: comparison.interval, due_now: column.due_now },
          bubbles: true,
          composed: true
        })
      );
    });
    return h(
      "li",
      {
        part: tokens("column", column.current && "column-current", column.recommended && "column-recommended"),
        class: tokens("column", column.recommended && "recommended", column.current && "current"),
        "aria-labelledby": heading,
        "aria-current": column.current ? "true" : false,
        "data-plan": column.plan
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
            column.difference.minor < 0 && "difference-less"
          ),
          class: "difference"
        },
        column.difference_text
      ),
      h("ul", { part: "limits", class: "cells", role: "list" }, ...column.limits.map((cell) => this.#limit(cell, labels))),
      h("ul", { part: "features", class: "cells", role: "list" }, ...column.features.map((cell) => this.#feature(cell, labels))),
      h(
        "div",
        { part: "costs", class: "costs" },
        column.yearly_saving !== null && column.yearly_saving.minor > 0 && h("p", { part: "yearly-saving" }, fill(labels.yearlySaving, { amount: column.yearly_saving.formatted })),
        !column.current && h("p", { part: "due-now" }, fill(labels.dueToday, { amount: column.due_now.formatted }))
      ),
      choose
    );
  }
  #limit(cell, labels) {
    return h(
      "li",
      {
        part: tokens("cell", "limit", cell.gain && "gain", !cell.covers && "short"),
        class: tokens("cell", cell.gain && "gain", !cell.covers && "short"),
        "data-metric": cell.metric
      },
      h("span", { part: "cell-name", class: "cell-name" }, cell.name),
      h("span", { part: "cell-value", class: "cell-value" }, cell.formatted),
      cell.gain && h("span", { class: "visually-hidden" }, `(${labels.gain})`),
      !cell.covers && h("span", { class: "visually-hidden" }, `(${labels.short})`)
    );
  }
  #feature(cell, labels) {
    return h(
      "li",
      {
        part: tokens("cell", "feature", cell.included ? "included" : "excluded", cell.gain && "gain"),
        class: tokens("cell", "feature", cell.included ? "included" : "excluded", cell.gain && "gain"),
        "data-feature": cell.feature
      },
      icon(cell.included ? ICONS.check : ICONS.dash, "cell-icon"),
      h("span", { part: "cell-name", class: "cell-name" }, cell.name),
      h("span", { class: "visually-hidden" }, `(${cell.included ? labels.included : labels.notIncluded})`),
      cell.gain && h("span", { class: "visually-hidden" }, `(${labels.gain})`)
    );
  }
};

// src/index.ts
var ELEMENTS = [
  ["nudge-banner", NudgeBanner],
  ["nudge-modal", NudgeModal],
  ["nudge-plan-table", NudgePlanTable]
];
for (const [name, element] of ELEMENTS) {
  if (customElements.get(name) === void 0) customElements.define(name, element);
}
export {
  NudgeBanner,
  NudgeCard,
  NudgeElement,
  NudgeModal,
  NudgePlanTable,
  SCHEMA_VERSION
};
