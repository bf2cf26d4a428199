import { css } from 'lit';

export const refPreviewStyles = css`
  :host { display: block; }
  /* The cards part has no box of its own: the list lays out as if it were the host's. */
  scp-ref-preview-cards { display: contents; }
  [part='base'] { display: flex; flex-wrap: wrap; gap: var(--_space); margin: 0; padding: 0; list-style: none; }
  [part~='card'] {
    display: grid; grid-template-columns: auto minmax(0, 1fr) auto; column-gap: 0.5rem; row-gap: 0.125rem;
    align-items: center; inline-size: var(--scp-ref-card-width, 20rem); max-inline-size: 100%;
    padding-block: 0.375rem; padding-inline: 0.5rem 0.25rem;
    border: 1px solid var(--_border); border-radius: var(--_radius); background: var(--scp-ref-card-bg, var(--_bg));
  }
  [part~='icon'] { grid-row: 1 / span 3; align-self: start; inline-size: 1.5rem; block-size: 1.5rem; display: grid; place-items: center; border-radius: 4px; background: var(--_bg-muted); color: var(--_accent); }
  [part~='icon'] svg { inline-size: 1rem; block-size: 1rem; fill: currentColor; }
  .head { display: flex; align-items: center; gap: 0.375rem; min-inline-size: 0; }
  [part~='id'] { font-family: var(--scp-font-mono, ui-monospace, Menlo, Consolas, monospace); font-size: 0.75rem; color: var(--_muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; unicode-bidi: isolate; min-inline-size: 0; }
  [part~='id'] a { color: inherit; }
  .id-line { grid-column: 2; }
  [part~='summary'] { grid-column: 2; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; unicode-bidi: isolate; }
  .title { font-weight: 600; unicode-bidi: isolate; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; min-inline-size: 0; }
  [part~='status'] { flex: none; }
  [part~='remove'] svg { vertical-align: middle; }
  [part~='remove'] {
    grid-row: 1; grid-column: 3; align-self: start; font: inherit; cursor: pointer; color: var(--_muted);
    background: none; border: none; border-radius: 4px; inline-size: 1.5rem; block-size: 1.5rem;
  }
  [part~='remove']:hover { color: var(--_fg); background: var(--_bg-muted); }
  [part~='card'][data-state='missing'] { border-style: dashed; color: var(--_muted); }
  [part~='card'][data-state='error'] { border-color: var(--_danger); }
  .error { color: var(--_danger); grid-column: 2; }
  .retry { font: inherit; font-size: 0.75rem; cursor: pointer; color: var(--_accent); background: none; border: none; text-decoration: underline; padding: 0; }
  .skeleton { display: block; block-size: 0.75rem; border-radius: 4px; background: linear-gradient(90deg, var(--_bg-muted), var(--_border), var(--_bg-muted)); background-size: 200% 100%; animation: shimmer 1.2s linear infinite; }
  .skeleton.short { inline-size: 45%; }
  [part='more'] { margin: var(--_space) 0 0; color: var(--_muted); font-size: 0.875rem; }
  @keyframes shimmer { from { background-position: 200% 0; } to { background-position: -200% 0; } }
  @media (prefers-reduced-motion: reduce) { .skeleton { animation: none; } }
`;
