import { css } from 'lit';

/** The filters, toolbar and table (the part <scp-audit-log-body>); the host's own box is set in audit-log.ts. */
export const auditLogStyles = css`
  [part='base'] { display: grid; gap: var(--_space); }
  [part='filters'] {
    display: flex; flex-wrap: wrap; align-items: end; gap: var(--_space);
    padding: var(--_space); background: var(--_bg-muted); border: 1px solid var(--_border); border-radius: var(--_radius);
  }
  label { display: grid; gap: 0.125rem; font-size: 0.75rem; color: var(--_muted); }
  input, select {
    font: inherit; font-size: 0.875rem; color: var(--_fg); background: var(--_bg);
    border: 1px solid var(--_border); border-radius: var(--_radius);
    padding-block: 0.25rem; padding-inline: 0.5rem; min-inline-size: 8rem;
  }
  input[type='search'] { min-inline-size: 12rem; }
  [part='toolbar'] { display: flex; flex-wrap: wrap; align-items: center; gap: var(--_space); }
  .count { color: var(--_muted); margin-inline-end: auto; }
  .export-note { color: var(--_muted); }
  .export-note[data-failed='true'] { color: var(--_danger); }
  [part='error'] {
    display: flex; align-items: center; justify-content: space-between; gap: var(--_space);
    padding: var(--_space); border: 1px solid var(--_danger); border-radius: var(--_radius); color: var(--_danger);
  }
  [part='table-wrap'] {
    overflow: auto; max-block-size: var(--scp-log-max-height, none);
    border: 1px solid var(--_border); border-radius: var(--_radius);
  }
  table { inline-size: 100%; border-collapse: collapse; }
  caption { text-align: start; font-weight: 600; padding: var(--_space); }
  th, td { text-align: start; vertical-align: top; padding-block: 0.375rem; padding-inline: 0.625rem; border-block-start: 1px solid var(--_border); }
  th { position: sticky; inset-block-start: 0; background: var(--_bg-muted); font-size: 0.75rem; color: var(--_muted); font-weight: 600; }
  td.time { white-space: nowrap; color: var(--_muted); }
  td { overflow-wrap: anywhere; }
  td.summary { min-inline-size: 12rem; }
  .reason { font-size: 0.75rem; color: var(--_muted); }
  tr[data-kind='audit'] td:first-child { border-inline-start: 3px solid var(--_accent); }
  tr[data-kind='run'] td:first-child { border-inline-start: 3px solid transparent; }
  tr[data-kind='action'] td:first-child { border-inline-start: 3px solid var(--_danger); }
  .action-kind {
    display: inline-block; font-size: 0.6875rem; font-weight: 600; text-transform: uppercase; letter-spacing: 0.02em;
    padding-inline: 0.375rem; border-radius: var(--_radius); border: 1px solid currentColor;
  }
  .action-kind[data-action-kind='create'] { color: var(--scp-color-create, var(--_ok)); }
  .action-kind[data-action-kind='change'] { color: var(--scp-color-change, var(--_accent)); }
  .action-kind[data-action-kind='destroy'] { color: var(--scp-color-destroy, var(--_danger)); }
  .action-kind[data-action-kind='read'] { color: var(--scp-color-read, var(--_muted)); }
  [part='empty'] { color: var(--_muted); margin: 0; }
  [part='load-more'] { justify-self: center; }
`;
