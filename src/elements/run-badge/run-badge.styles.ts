import { css } from 'lit';

// The badge's and its popover's styles, adopted with the part (run-badge.part.ts); the host's
// box is set by the element so the badge takes its place before the part has loaded.
export const runBadgeStyles = css`
  scp-run-badge-body { display: contents; }
  [part='base'] {
    anchor-name: --scp-run-badge;
    border-radius: 999px; padding-block: 0.125rem; padding-inline: 0.5rem;
    background: var(--_bg); max-inline-size: var(--scp-run-badge-max-width, 18rem);
  }
  [part='label'] { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; min-inline-size: 0; }
  [part='indicator'] { flex: none; inline-size: 0.625rem; block-size: 0.625rem; border-radius: 50%; }
  .dot { background: var(--_muted); }
  .dot[data-status='ok'] { background: var(--_ok); }
  .dot[data-status='failed'], .dot[data-status='error'], .dot[data-status='abandoned'] { background: var(--_danger); }
  .dot[data-status='partial'], .dot[data-status='cancelled'] { background: var(--_warning); }
  .dot[data-status='none'], .dot[data-status='loading'] { background: transparent; border: 1px solid var(--_muted); }
  .spinner {
    border: 2px solid color-mix(in srgb, var(--_running) 25%, transparent);
    border-block-start-color: var(--_running);
    animation: scp-spin 0.8s linear infinite;
  }
  @keyframes scp-spin { to { transform: rotate(360deg); } }
  @media (prefers-reduced-motion: reduce) {
    .spinner { animation: none; border-color: var(--_running); border-style: dotted; }
  }

  [part='popover'] {
    position-anchor: --scp-run-badge;
    position-area: block-end span-inline-end;
    position-try-fallbacks: flip-block, flip-inline;
    margin: 0.25rem;
    inset: auto;
    inline-size: min(30rem, calc(100vw - 1rem));
    max-block-size: min(32rem, calc(100vh - 1rem));
    overflow: auto;
    padding: var(--_space) calc(var(--_space) * 1.5);
    color: var(--_fg); background: var(--_bg);
    border: 1px solid var(--_border); border-radius: var(--_radius); box-shadow: var(--_shadow);
    font: inherit;
  }
  .head { display: flex; align-items: center; justify-content: space-between; gap: var(--_space); }
  h2 { font-size: 1rem; margin: 0; }
  h3 { font-size: 0.875rem; margin-block: var(--_space) 0.25rem; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem var(--_space); margin-block: var(--_space); }
  dt { color: var(--_muted); }
  dd { margin: 0; overflow-wrap: anywhere; }
  .ref-row { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem; }
  code { font-family: var(--scp-font-mono, ui-monospace, SFMono-Regular, Menlo, monospace); font-size: 0.8125rem; overflow-wrap: anywhere; }
  .note { margin: 0; min-block-size: 1lh; color: var(--_muted); }
  ol { margin: 0; padding-inline-start: 1.25rem; display: grid; gap: 0.25rem; }
  li { overflow-wrap: anywhere; }
  li > * + * { margin-inline-start: 0.375rem; }
  li time { display: block; font-size: 0.75rem; }
  li time, .event-duration { color: var(--_muted); }
  .event-type { font-weight: 600; }
`;
