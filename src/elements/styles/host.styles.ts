import { css } from 'lit';

/**
 * Theme tokens shared by every element. Hosts set the public `--scp-*` properties; the private
 * `--_*` ones hold the defaults. The defaults follow the page's `color-scheme` (inherited, read by
 * `light-dark()`), not the system's: a page that never opts into dark stays light, and
 * `:root { color-scheme: light dark }` follows the system. `theme="light|dark"` on an element fixes
 * its scheme; `auto` (or no attribute) inherits the page's. Layout uses logical properties so
 * right-to-left pages mirror without extra rules.
 */
export const hostStyles = css`
  :host {
    --_fg: var(--scp-color-text, light-dark(#1f2328, #e6edf3));
    --_muted: var(--scp-color-text-muted, light-dark(#59636e, #9198a1));
    --_bg: var(--scp-color-surface, light-dark(#ffffff, #0d1117));
    --_bg-muted: var(--scp-color-surface-muted, light-dark(#f6f8fa, #161b22));
    --_border: var(--scp-color-border, light-dark(#d0d7de, #3d444d));
    --_accent: var(--scp-color-accent, light-dark(#0969da, #4493f8));
    --_on-accent: var(--scp-color-on-accent, light-dark(#ffffff, #0d1117));
    --_ok: var(--scp-color-ok, light-dark(#1a7f37, #3fb950));
    --_danger: var(--scp-color-danger, light-dark(#cf222e, #f85149));
    --_warning: var(--scp-color-warning, light-dark(#9a6700, #d29922));
    --_running: var(--scp-color-running, light-dark(#0969da, #4493f8));
    --_radius: var(--scp-radius, 6px);
    --_space: var(--scp-space, 0.5rem);
    --_shadow: var(--scp-shadow, 0 8px 24px light-dark(rgb(0 0 0 / 0.18), rgb(0 0 0 / 0.6)));
    box-sizing: border-box;
    font-family: var(--scp-font-family, system-ui, -apple-system, 'Segoe UI', sans-serif);
    font-size: var(--scp-font-size, 0.875rem);
    line-height: 1.4;
    color: var(--_fg);
  }
  :host([theme='light']) { color-scheme: light; }
  :host([theme='dark']) { color-scheme: dark; }
  :host([hidden]) { display: none !important; }
  *, *::before, *::after { box-sizing: inherit; }
  :focus-visible { outline: 2px solid var(--_accent); outline-offset: 2px; }
  .visually-hidden {
    position: absolute !important; inline-size: 1px; block-size: 1px; overflow: hidden;
    clip-path: inset(50%); white-space: nowrap; margin: -1px; padding: 0; border: 0;
  }
`;

/** Native buttons in the house style (elements add their own variants). */
export const buttonStyles = css`
  button {
    font: inherit; color: inherit; cursor: pointer;
    display: inline-flex; align-items: center; gap: 0.25rem;
    padding-block: 0.25rem; padding-inline: 0.625rem;
    border: 1px solid var(--_border); border-radius: var(--_radius);
    background: var(--_bg-muted);
  }
  button:hover:not(:disabled) { border-color: var(--_muted); }
  button:disabled { cursor: not-allowed; opacity: 0.6; }
  button.primary { background: var(--_accent); border-color: var(--_accent); color: var(--_on-accent); }
  button.danger { color: var(--_danger); }
  button.icon { padding: 0.125rem; inline-size: 1.75rem; block-size: 1.75rem; justify-content: center; }
`;

/** The ok / failed / partial / running pill. */
export const statusStyles = css`
  .status {
    display: inline-flex; align-items: center; gap: 0.25rem;
    padding-block: 0.0625rem; padding-inline: 0.5rem; border-radius: 999px;
    font-size: 0.75rem; font-weight: 600; border: 1px solid currentColor; white-space: nowrap;
  }
  .status::before { content: ''; inline-size: 0.5rem; block-size: 0.5rem; border-radius: 50%; background: currentColor; }
  .status[data-status='ok'] { color: var(--_ok); }
  .status[data-status='failed'], .status[data-status='error'] { color: var(--_danger); }
  .status[data-status='partial'] { color: var(--_warning); }
  .status[data-status='running'] { color: var(--_running); }
  .status[data-status='unknown'] { color: var(--_muted); }
`;
