import { html, nothing, svg } from 'lit';
import { property, state } from 'lit/decorators.js';
import { own } from '../../core/own.js';
import { ScpOpenManagerEvent } from '../events/open-manager-event.js';
import { ScpClientController } from '../internal/client-controller.js';
import { ScpElement } from '../internal/scp-element.js';
import { hostStyles } from '../styles/host.styles.js';
import { auditBadgeStyles } from './audit-badge.styles.js';

const clipboardIcon = svg`<path d="M5 1h6v2h2v12H3V3h2V1zm1 1v2h4V2H6zM4 4v10h8V4h-1v1H5V4H4z"/>`;

/**
 * The number of pending audit snapshots of one card (or of all cards), hidden while there are
 * none. Activating it asks for the audit manager through a cancelable `scp-open-manager` event;
 * it never opens anything itself.
 *
 * @summary Pending-audit count of a card; opens the manager through an event.
 * @tag scp-audit-badge
 * @csspart base - The button.
 * @csspart icon - The clipboard icon.
 * @csspart count - The number.
 * @cssproperty --scp-badge-bg - Badge background (default: the accent colour).
 * @cssproperty --scp-badge-color - Badge text colour.
 * @event {ScpOpenManagerEvent} scp-open-manager - Activated; `detail.card` is the card. Cancelable: cancel to open your own UI.
 */
export class ScpAuditBadge extends ScpElement {
  static override styles = [hostStyles, auditBadgeStyles];

  private readonly data = new ScpClientController(this, {
    events: ['audit:pending', 'audit:saved', 'audit:discarded'],
    onClient: () => {
      this.count = 0;
    },
    load: async (client, signal) => {
      const counts = await client.staging.counts();
      if (signal.aborted) return;
      const card = this.card;
      this.count = card ? (own(counts, card) ?? 0) : Object.values(counts).reduce((a, b) => a + b, 0);
    },
  });

  /** The card key (e.g. `security`, `audit:l2:risks`); unset counts every card. */
  @property({ reflect: true }) accessor card: string | undefined = undefined;

  /** The pending count last loaded. */
  @state() accessor count = 0;

  /** Resolves once the count reflects the core (tests and hosts that need a settled value). */
  async settled(): Promise<void> {
    await this.data.settled();
    await this.updateComplete;
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('card') && this.hasUpdated) void this.data.refresh();
  }

  protected override updated(): void {
    this.toggleAttribute('empty', this.count === 0);
  }

  private readonly onActivate = () => {
    this.dispatchEvent(new ScpOpenManagerEvent({ card: this.card }));
  };

  protected override render() {
    if (this.count === 0) return nothing;
    const t = this.t;
    const label = this.card
      ? t('badgeLabel', { count: this.count, card: this.data.client?.cardLabel(this.card) ?? this.card })
      : t('badgeLabelAll', { count: this.count });
    return html`<button part="base" type="button" aria-label=${label} title=${label} @click=${this.onActivate}>
        <svg part="icon" viewBox="0 0 16 16" aria-hidden="true">${clipboardIcon}</svg>
        <span part="count">${this.fmt.number(this.count)}</span>
      </button>
      <span class="visually-hidden" role="status">${label}</span>`;
  }
}
