import { css } from 'lit';

/** The host takes no box (its dialog is the body's: manager-body.styles.ts). */
export const auditManagerHostStyles = css`
  :host { display: contents; }
`;
