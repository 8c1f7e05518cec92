// The few words the renderer adds around the payload's own (already localized) texts.
// A host sets `element.labels = {snooze: "Later"}` to change any of them, or to add a
// language the table below lacks; unknown languages fall back to English.

export interface Labels {
  /** The dismiss button's accessible name. */
  dismiss: string;
  /** The modal's close button's accessible name. */
  close: string;
  /** The snooze button. */
  snooze: string;
  /** The button of a nudge without an offer and without a label. */
  acknowledge: string;
  /** Usage: `{used} of {limit} {unit}`. */
  usage: string;
  /** The usage meter's accessible name. */
  usageName: string;
  /** A price per billing interval: `{price} per {interval}`. */
  perInterval: string;
  /** What accepting costs today: `{amount} due today`. */
  dueToday: string;
  /** The countdown of a limited-time offer: `Offer ends in {time}`. */
  endsIn: string;
  /** A limited-time offer that has ended. */
  ended: string;
  /** The discount on an offer: `{percent}% off`. */
  discount: string;
  /** The days a trial extension adds: `+{days} days`. */
  extension: string;
  /** The comparison's accessible name. */
  comparePlans: string;
  /** The current plan's flag. */
  current: string;
  /** The recommended plan's flag. */
  recommended: string;
  /** The `most_popular` badge. */
  mostPopular: string;
  /** A column's yearly saving: `Save {amount} a year paying yearly`. */
  yearlySaving: string;
  /** A column's button: `Choose {plan}`. */
  choose: string;
  /** Read after a limit or feature the current plan lacks. */
  gain: string;
  /** Read after a limit below the account's usage. */
  short: string;
  /** A feature included in the plan. */
  included: string;
  /** A feature not included in the plan. */
  notIncluded: string;
  /** Names of billing intervals, by the payload's interval text. */
  intervals: Record<string, string>;
}

const en: Labels = {
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
  intervals: { month: "month", year: "year" },
};

const ar: Labels = {
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
  intervals: { month: "شهر", year: "سنة" },
};

const fa: Labels = {
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
  intervals: { month: "ماه", year: "سال" },
};

const ky: Labels = {
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
  intervals: { month: "ай", year: "жыл" },
};

const BUILT_IN: Record<string, Labels> = { en, ar, fa, ky };

/** The labels for a BCP 47 locale (`fa-IR` falls back to `fa`, then English), with overrides. */
export function labelsFor(locale: string, overrides: Partial<Labels> = {}): Labels {
  const language = locale.toLowerCase().split("-")[0] ?? "en";
  const base = BUILT_IN[language] ?? en;
  return { ...base, ...overrides, intervals: { ...base.intervals, ...overrides.intervals } };
}

/** The interval's word for the locale (`month`), or the payload's text when unknown. */
export function intervalName(labels: Labels, interval: string): string {
  return labels.intervals[interval] ?? interval;
}
