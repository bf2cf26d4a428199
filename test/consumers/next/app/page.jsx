// A server component: the package's entry and its elements are imported during the server render
// (Node, no DOM); the dashboard itself mounts in the client component.
import { ScpError } from 'scp-ledger';
import 'scp-ledger/elements/scp-audit-badge.js';
import ClientApp from './client-app.jsx';

export default function Page() {
  return <main>
    <p id="ssr" data-error-class={ScpError.name}>Rendered on the server</p>
    <ClientApp />
  </main>;
}
