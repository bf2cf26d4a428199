import { css } from 'lit';

/** Fixed row height: the windowed list positions rows by index, so every row is this tall. */
export const ROW_HEIGHT = 52;

/** The dialog's body (manager-body.part.ts and the parts inside it). */
export const auditManagerStyles = css`
  scp-audit-manager-body, scp-audit-manager-list, scp-audit-manager-saved { display: contents; }
  scp-audit-manager-saved[hidden] { display: none; }
  dialog {
    color: var(--_fg); background: var(--scp-manager-bg, var(--_bg));
    border: 1px solid var(--_border); border-radius: calc(var(--_radius) * 2); box-shadow: var(--_shadow);
    padding: 0; inline-size: min(60rem, calc(100vw - 2rem)); block-size: min(46rem, calc(100vh - 2rem));
    max-inline-size: none; max-block-size: none;
  }
  dialog::backdrop { background: var(--scp-backdrop, rgb(0 0 0 / 0.45)); }
  [part='base'] { display: flex; flex-direction: column; block-size: 100%; min-block-size: 0; }
  header { display: flex; align-items: center; gap: var(--_space); padding: 0.75rem 1rem; border-block-end: 1px solid var(--_border); }
  h2 { font-size: 1.05rem; margin: 0; flex: 1; }
  [role='tablist'] { display: flex; gap: 0.25rem; padding-inline: 1rem; padding-block-start: 0.5rem; border-block-end: 1px solid var(--_border); flex-wrap: wrap; }
  [role='tab'] {
    font: inherit; color: var(--_muted); background: none; border: none; cursor: pointer;
    border-block-end: 2px solid transparent; padding: 0.375rem 0.625rem; display: inline-flex; gap: 0.375rem; align-items: center;
  }
  [role='tab'][aria-selected='true'] { color: var(--_fg); border-block-end-color: var(--_accent); font-weight: 600; }
  .count { background: var(--_bg-muted); border: 1px solid var(--_border); border-radius: 999px; padding-inline: 0.4375rem; font-size: 0.75rem; color: var(--_fg); }
  .toolbar { display: flex; align-items: center; gap: var(--_space); padding: 0.5rem 1rem; flex-wrap: wrap; border-block-end: 1px solid var(--_border); }
  .toolbar .spacer { flex: 1; }
  .toolbar label { display: inline-flex; align-items: center; gap: 0.375rem; }
  .chip { border-radius: 999px; max-inline-size: 20rem; min-inline-size: 0; }
  .chip-text, .tab-name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; min-inline-size: 0; }
  .tab-name { display: inline-block; max-inline-size: 14rem; vertical-align: bottom; }
  .panel { flex: 1; min-block-size: 0; display: flex; flex-direction: column; }
  .viewport { flex: 1; min-block-size: 6rem; overflow-y: auto; position: relative; contain: strict; }
  .spacer-rows { position: relative; inline-size: 100%; }
  .row {
    position: absolute; inset-inline: 0; block-size: ${ROW_HEIGHT}px;
    display: grid; grid-template-columns: auto minmax(7rem, 12rem) 1fr auto auto; align-items: center; gap: 0.75rem;
    padding-inline: 1rem; border-block-end: 1px solid var(--_border);
  }
  .row:hover, .row:focus-within { background: var(--_bg-muted); }
  .row[data-previewed] { box-shadow: inset 3px 0 0 var(--_accent); }
  :host(:dir(rtl)) .row[data-previewed] { box-shadow: inset -3px 0 0 var(--_accent); }
  .card { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; unicode-bidi: isolate; }
  .summary { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; unicode-bidi: isolate; }
  time { color: var(--_muted); font-size: 0.8125rem; white-space: nowrap; }
  .actions { display: inline-flex; gap: 0.25rem; }
  input[type='checkbox'] { inline-size: 1rem; block-size: 1rem; margin: 0; accent-color: var(--_accent); }
  .indexing { margin: 0.5rem 1rem 0; color: var(--_muted); }
  .empty, .loading { padding: 2rem 1rem; text-align: center; color: var(--_muted); }
  .banner { margin: 0.5rem 1rem 0; padding: 0.5rem 0.75rem; border-radius: var(--_radius); display: flex; gap: var(--_space); align-items: start; }
  .banner[data-kind='error'] { border: 1px solid var(--_danger); color: var(--_danger); background: color-mix(in srgb, var(--_danger) 8%, var(--_bg)); }
  .banner p { margin: 0; flex: 1; }
  .progress { display: flex; align-items: center; gap: var(--_space); padding: 0.375rem 1rem; }
  progress { inline-size: 8rem; }
  .preview { border-block-start: 1px solid var(--_border); flex: 0 0 auto; block-size: 45%; min-block-size: 8rem; overflow: auto; padding: 0.5rem 1rem; }
  button[aria-expanded='true'] { border-color: var(--_accent); color: var(--_accent); }
  .preview h3 { font-size: 0.875rem; margin: 0 0 0.375rem; display: flex; align-items: center; gap: var(--_space); }
  .preview h3 span { flex: 1; unicode-bidi: isolate; }
  footer { display: flex; align-items: center; gap: var(--_space); padding: 0.625rem 1rem; border-block-start: 1px solid var(--_border); }
  footer .spacer { flex: 1; }
  .search { display: flex; gap: var(--_space); padding: 0.5rem 1rem; align-items: center; }
  .search input { flex: 1; font: inherit; color: inherit; background: var(--_bg); border: 1px solid var(--_border); border-radius: var(--_radius); padding: 0.375rem 0.5rem; }
  .saved { list-style: none; margin: 0; padding: 0; overflow-y: auto; flex: 1; }
  .saved li { display: grid; grid-template-columns: minmax(7rem, 12rem) 1fr auto auto; gap: 0.75rem; align-items: center; padding: 0.5rem 1rem; border-block-end: 1px solid var(--_border); }
  .saved code { font-size: 0.75rem; color: var(--_muted); unicode-bidi: isolate; overflow-wrap: anywhere; }
  .more { padding: 0.5rem 1rem; }
  .copy-fallback { font: inherit; inline-size: 100%; }
  @media (max-width: 40rem) {
    .row { grid-template-columns: auto 1fr auto; }
    .row .summary, .row time { display: none; }
  }
  .role-note { font-size: 0.8125rem; color: var(--_muted); }
`;
