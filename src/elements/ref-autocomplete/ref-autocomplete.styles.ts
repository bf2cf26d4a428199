import { css } from 'lit';

/**
 * The list, which lives in the element's light DOM: added once to the document or shadow root
 * the element is in, every selector scoped to the element. The `--_*` tokens are inherited from
 * the element's :host rule. Only the popup part (ref-autocomplete.part.ts) imports this, so it
 * loads with the part.
 */
export const refAutocompleteStyles = css`
  scp-ref-autocomplete .scp-ref-ac-popup {
    position: absolute; z-index: 10; inset-inline-start: 0; inset-block-start: 0.25rem;
    inline-size: var(--scp-autocomplete-width, min(max(50%, 20rem), 36rem)); max-inline-size: calc(100vw - 1rem);
    box-sizing: border-box; color: var(--_fg); background: var(--_bg);
    border: 1px solid var(--_border); border-radius: var(--_radius); box-shadow: var(--_shadow);
    font: inherit; text-align: start; overflow: hidden;
  }
  scp-ref-autocomplete[placement='above'] .scp-ref-ac-popup { inset-block-start: auto; inset-block-end: 0.25rem; }
  scp-ref-autocomplete .scp-ref-ac-popup[hidden], scp-ref-autocomplete [role='listbox'][hidden] { display: none; }
  scp-ref-autocomplete [role='listbox'] {
    max-block-size: var(--scp-autocomplete-max-height, 18rem); overflow-y: auto; padding-block: 0.25rem;
  }
  scp-ref-autocomplete .group-label {
    padding-block: 0.375rem 0.125rem; padding-inline: 0.75rem;
    font-size: 0.6875rem; font-weight: 700; letter-spacing: 0.04em; text-transform: uppercase; color: var(--_muted);
  }
  scp-ref-autocomplete .option {
    display: flex; align-items: center; gap: 0.5rem; cursor: pointer;
    padding-block: 0.3125rem; padding-inline: 0.75rem;
  }
  scp-ref-autocomplete .option[aria-selected='true'] {
    background: var(--_accent); color: var(--_on-accent);
    outline: 2px solid transparent; /* forced-colors: keep a visible highlight */
  }
  @media (forced-colors: active) {
    scp-ref-autocomplete .option[aria-selected='true'] { outline-color: Highlight; background: Highlight; color: HighlightText; }
  }
  scp-ref-autocomplete .option:hover:not([aria-selected='true']) { background: var(--_bg-muted); }
  scp-ref-autocomplete .icon { flex: none; inline-size: 1.25rem; text-align: center; }
  scp-ref-autocomplete .text { display: flex; flex-direction: column; min-inline-size: 0; flex: 1; }
  scp-ref-autocomplete .label, scp-ref-autocomplete .detail { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  scp-ref-autocomplete .detail { font-size: 0.75rem; color: var(--_muted); }
  scp-ref-autocomplete .option[aria-selected='true'] .detail { color: inherit; }
  scp-ref-autocomplete .status {
    flex: none; font-size: 0.6875rem; font-weight: 600; border: 1px solid currentColor; border-radius: 999px;
    padding-inline: 0.375rem;
  }
  scp-ref-autocomplete .option:not([aria-selected='true']) .status[data-status='ok'] { color: var(--_ok); }
  scp-ref-autocomplete .option:not([aria-selected='true']) .status[data-status='failed'] { color: var(--_danger); }
  scp-ref-autocomplete .option:not([aria-selected='true']) .status[data-status='partial'] { color: var(--_warning); }
  scp-ref-autocomplete .option:not([aria-selected='true']) .status[data-status='running'] { color: var(--_running); }
  scp-ref-autocomplete .note { padding: 0.5rem 0.75rem; color: var(--_muted); }
  scp-ref-autocomplete .note[data-kind='error'] { color: var(--_danger); }
  scp-ref-autocomplete .hint {
    padding: 0.25rem 0.75rem; font-size: 0.6875rem; color: var(--_muted); border-block-start: 1px solid var(--_border);
  }
  scp-ref-autocomplete .scp-ref-ac-status {
    position: absolute; inline-size: 1px; block-size: 1px; overflow: hidden;
    clip-path: inset(50%); white-space: nowrap; margin: -1px; padding: 0; border: 0;
  }
`;
