// The default look. Hosts restyle through the custom properties below (set them on the
// element or any ancestor) and through `::part(...)`: every element the renderer makes
// carries a part name, so `nudge-banner::part(cta) { border-radius: 0 }` needs no fork.
//
//   --nudge-font-family   --nudge-radius        --nudge-surface     --nudge-subtle
//   --nudge-text          --nudge-muted         --nudge-border      --nudge-shadow
//   --nudge-accent        --nudge-accent-contrast                   --nudge-focus
//   --nudge-info          --nudge-warning       --nudge-critical    --nudge-gain
//   --nudge-backdrop      --nudge-z-index       --nudge-modal-width --nudge-column-min

export const STYLES = `
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
