// Svelte 5 reads element props from svelte/elements' SvelteHTMLElements: what a .svelte template
// may write on each scp-* tag is checked here through that same interface.
import 'scp-ledger/svelte';
import type { SvelteHTMLElements } from 'svelte/elements';
import type { ScpAuditsSavedEvent, ScpOpenManagerEvent } from 'scp-ledger/elements';

type Manager = SvelteHTMLElements['scp-audit-manager'];
type Badge = SvelteHTMLElements['scp-audit-badge'];

export const manager: Manager = { open: true, card: 'security', 'onscp-audits-saved': (e: ScpAuditsSavedEvent) => void e.detail.commit };
export const badge: Badge = { card: 'security', theme: 'light', 'onscp-open-manager': (e) => void e.detail.card };
// @ts-expect-error: scp-audits-saved carries a ScpAuditsSavedEvent
export const wrongHandler: Manager = { 'onscp-audits-saved': (e: ScpOpenManagerEvent) => void e.detail.card };
// @ts-expect-error: open is a boolean
export const wrongType: Manager = { open: 'yes' };
