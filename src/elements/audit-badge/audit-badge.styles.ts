import { css } from 'lit';

export const auditBadgeStyles = css`
  :host { display: inline-block; vertical-align: middle; }
  :host([empty]) { display: none; }
  [part='base'] {
    font: inherit; font-size: 0.75rem; font-weight: 700; cursor: pointer;
    display: inline-flex; align-items: center; justify-content: center; gap: 0.25rem;
    min-inline-size: 1.5rem; block-size: 1.5rem; padding-inline: 0.4375rem;
    border-radius: 999px; border: 1px solid transparent;
    background: var(--scp-badge-bg, var(--_accent));
    color: var(--scp-badge-color, var(--_on-accent));
  }
  [part='base']:hover { filter: brightness(1.1); }
  [part='base']:focus-visible { outline: 2px solid var(--scp-badge-bg, var(--_accent)); outline-offset: 2px; }
  [part='icon'] { inline-size: 0.75rem; block-size: 0.75rem; fill: currentColor; }
`;
