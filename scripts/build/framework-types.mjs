// React 19 JSX types for the scp-* elements, generated from custom-elements.json: each tag with
// its settable properties (typed by the element class itself), its attributes, and an
// `on<event>` handler per event typed with the event's class (React 19 listens for the custom
// event named after `on`). Written to dist/jsx/react.d.ts (+ an empty react.js so the import
// resolves in bundlers); `import 'scp-ledger/react'` once in a TSX project enables them.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const manifest = JSON.parse(readFileSync('custom-elements.json', 'utf8'));
const elements = manifest.modules.flatMap((m) => (m.declarations ?? []).filter((d) => d.customElement && d.tagName));
const names = new Set();
const tags = elements.map((el) => {
  names.add(el.name);
  const fields = (el.members ?? []).filter((f) => f.kind === 'field' && !f.static && !f.readonly && (f.privacy ?? 'public') === 'public').map((f) => f.name);
  const attrs = (el.attributes ?? []).filter((a) => a.name !== a.fieldName && !fields.includes(a.name)).map((a) => a.name);
  const events = (el.events ?? []).filter((e) => e.name).map((e) => {
    const type = e.type?.text && /^[A-Z]\w*$/.test(e.type.text) ? e.type.text : 'Event';
    if (type !== 'Event') names.add(type);
    return `    'on${e.name}'?: (event: ${type}) => void;`;
  });
  return [
    `  '${el.tagName}': Base<${el.name}>`,
    fields.length ? ` & Partial<Pick<${el.name}, ${fields.map((f) => `'${f}'`).join(' | ')}>>` : '',
    attrs.length ? ` & { ${attrs.map((a) => `'${a}'?: string | number | boolean`).join('; ')} }` : '',
    events.length ? ` & {\n${events.join('\n')}\n  }` : '',
    ';',
  ].join('');
});

const out = `// Generated from custom-elements.json by scripts/build/framework-types.mjs: do not edit.
import type { DetailedHTMLProps, HTMLAttributes } from 'react';
import type { ${[...names].sort().join(', ')} } from '../elements/index.js';

type Base<E> = DetailedHTMLProps<HTMLAttributes<E>, E> & { class?: string };

/** The scp-* elements with their properties and events, for JSX. */
export interface ScpIntrinsicElements {
${tags.join('\n')}
}

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements extends ScpIntrinsicElements {}
  }
}
`;
mkdirSync('dist/jsx', { recursive: true });
writeFileSync('dist/jsx/react.d.ts', out);
writeFileSync('dist/jsx/react.js', '// Types only: see react.d.ts.\nexport {};\n');
console.log(`framework-types: dist/jsx/react.d.ts (${elements.length} elements)`);
