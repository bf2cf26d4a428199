import { css } from 'lit';

// The tree's styles, added to the host's shadow root by its part (json-tree.part.ts); the host's
// box and font are its own, so it holds its place before the part has loaded.
export const jsonTreeStyles = css`
  scp-json-tree-body { display: block; }
  [part='base'] { margin: 0; padding: 0; }
  ul { list-style: none; margin: 0; padding-inline-start: 1.25rem; border-inline-start: 1px dotted var(--_border); }
  li { margin-block: 0.0625rem; }
  summary { cursor: pointer; border-radius: 3px; padding-inline: 0.125rem; }
  summary:hover { background: var(--_bg-muted); }
  [part~='key'] { color: var(--scp-json-key, var(--_fg)); font-weight: 600; unicode-bidi: isolate; }
  [part~='meta'] { color: var(--_muted); margin-inline-start: 0.375rem; }
  [part~='value'] { unicode-bidi: isolate; overflow-wrap: anywhere; }
  [data-type='string'] { color: var(--scp-json-string, var(--_ok)); }
  [data-type='number'], [data-type='boolean'] { color: var(--scp-json-number, var(--_accent)); }
  [data-type='null'] { color: var(--_muted); font-style: italic; }
  button {
    font: inherit; font-size: 0.75rem; cursor: pointer; margin-block: 0.25rem; color: var(--_accent);
    background: none; border: 1px solid var(--_border); border-radius: var(--_radius); padding-inline: 0.5rem;
  }
`;
