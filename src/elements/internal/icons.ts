import { html } from 'lit';

// Icons are inline SVG in currentColor: a glyph such as ✕ renders as an empty box where the
// system has no font for it. One template per icon, shared by every element that shows it.

/** A close / remove cross, sized to the text (1em). */
export const closeIcon = html`<svg class="icon-svg" viewBox="0 0 16 16" width="1em" height="1em" aria-hidden="true" focusable="false"><path d="M4 4l8 8M12 4l-8 8" stroke="currentColor" stroke-width="1.75" stroke-linecap="round" fill="none"/></svg>`;
