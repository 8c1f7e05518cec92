// Formatting the renderer does itself. Money and usage come formatted in the payload;
// only the countdown and the sign of a difference are added here.

import type { Amount } from "./payload";

/** The payload's locale (`en_US`, `fa-IR`) as a BCP 47 tag for `lang` and `Intl`. */
export function bcp47(locale: string): string {
  const tag = locale.replace(/_/g, "-");
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? "en";
  } catch {
    return "en";
  }
}

/** An amount with its sign: `+$8.00` for an increase, `-$9.00` (as formatted) for a decrease. */
export function signed(amount: Amount): string {
  return amount.minor > 0 ? `+${amount.formatted}` : amount.formatted;
}

/**
 * The digits the payload's own figures use (`sample` is one of them): the countdown should
 * not say "٠١:٥٩" beside "$4.00". Undefined, the locale's default, when there is no digit.
 */
export function digitsOf(sample: string): string | undefined {
  if (/[0-9]/.test(sample)) return "latn";
  if (/[\u06F0-\u06F9]/.test(sample)) return "arabext";
  if (/[\u0660-\u0669]/.test(sample)) return "arab";
  return undefined;
}

/** The time left as `2d 03:04:05` (or `03:04:05` under a day), in `digits` (see `digitsOf`). */
export function countdown(milliseconds: number, locale: string, digits?: string): string {
  const seconds = Math.max(0, Math.floor(milliseconds / 1000));
  const days = Math.floor(seconds / 86400);
  const system: Intl.NumberFormatOptions = digits === undefined ? {} : { numberingSystem: digits };
  const two = new Intl.NumberFormat(locale, { ...system, minimumIntegerDigits: 2, useGrouping: false });
  const clock = [Math.floor(seconds / 3600) % 24, Math.floor(seconds / 60) % 60, seconds % 60]
    .map((part) => two.format(part))
    .join(":");
  if (days === 0) return clock;
  const day = new Intl.NumberFormat(locale, { ...system, style: "unit", unit: "day", unitDisplay: "narrow" });
  return `${day.format(days)} ${clock}`;
}

/** An instant as ISO 8601 in UTC with `Z` and whole seconds, as the SDK writes them. */
export function instant(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
