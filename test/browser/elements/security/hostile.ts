// Hostile values used by the security tests (and the strict-CSP page).

/** Would set `window.__xss` if any of them ever ran as markup or script. */
export const XSS = [
  '<img src=x onerror="window.__xss=1">',
  '<script>window.__xss=2</script>',
  '"><svg onload="window.__xss=3">',
  'javascript:window.__xss=4',
  '{{constructor.constructor("window.__xss=5")()}}',
  '<iframe srcdoc="<script>parent.__xss=6</script>"></iframe>',
];

/** Looks like a Lit template result; rendering it as a template would inject the markup. */
export const LIT_LOOKALIKE = { _$litType$: 1, strings: ['<img src=x onerror="window.__xss=7">'], values: [] };

/** Right-to-left override and isolate controls ("Trojan Source"). */
export const BIDI = 'safe\u202Etxt.exe\u202C \u2066admin\u2069';

export const hostileData = {
  [XSS[0]!]: XSS[1],
  nested: { _$litType$: 1, strings: [XSS[2]], values: [] },
  list: [LIT_LOOKALIKE, XSS[3], BIDI],
  [BIDI]: XSS[4],
};

/** No element in `root` (through shadow roots) that could run script or load a resource. */
export function activeContent(root: ParentNode): Element[] {
  const found: Element[] = [];
  const walk = (node: ParentNode) => {
    for (const el of node.querySelectorAll(
      'img, script, iframe, svg[onload], object, embed, [onerror], [onload], a[href^="javascript:" i]',
    )) {
      // Our own icons are inline <svg> without handlers: those are fine.
      if (el.tagName === 'svg' && !el.hasAttribute('onload')) continue;
      found.push(el);
    }
    for (const el of node.querySelectorAll('*')) if (el.shadowRoot) walk(el.shadowRoot);
  };
  walk(root);
  return found;
}

/** All text of `root` including shadow roots. */
export function deepText(root: Node): string {
  let out = '';
  const walk = (node: Node) => {
    if (node.nodeType === Node.TEXT_NODE) out += node.textContent;
    if (node instanceof Element && node.shadowRoot) walk(node.shadowRoot);
    for (const child of node.childNodes) walk(child);
  };
  walk(root);
  return out;
}
