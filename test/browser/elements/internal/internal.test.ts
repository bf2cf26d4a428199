import { expect, fixture, html } from '@open-wc/testing';
import { LitElement } from 'lit';
import { property } from 'lit/decorators.js';
import '../../../../src/elements/audit-badge/scp-audit-badge.js';
import type { ScpAuditBadge } from '../../../../src/elements/audit-badge/audit-badge.js';
import * as events from '../../../../src/elements/events/index.js';
import { ScpClientController } from '../../../../src/elements/internal/client-controller.js';
import { formatters, localeOf } from '../../../../src/elements/internal/format.js';
import {
  defaultMessages,
  messagesFor,
  resetScpMessages,
  setScpMessages,
  translator,
} from '../../../../src/elements/internal/messages.js';
import { statusTone, statusWord } from '../../../../src/elements/internal/status.js';
import { displayText, safeUrl } from '../../../../src/elements/internal/text.js';
import type { ScpClient } from '../../../../src/core/client.js';
import { closeClients, memoryClient, mount, until } from './fixtures.js';

/** A bare host for the controller: counts its loads. */
class LoadCounter extends LitElement {
  @property({ attribute: false }) accessor client: ScpClient | undefined = undefined;
  loads = 0;
  readonly ctl = new ScpClientController(this, {
    events: ['audit:pending'],
    coalesceMs: 20,
    load: async () => {
      this.loads++;
    },
  });
}
customElements.define('test-load-counter', LoadCounter);

describe('element internals', () => {
  afterEach(async () => {
    resetScpMessages();
    await closeClients();
  });

  describe('formatters', () => {
    it('formats relative times, numbers, durations and lists with Intl in the given locale', () => {
      const now = Date.parse('2026-02-17T20:45:00Z');
      const en = formatters('en');
      expect(en.relative('2026-02-17T20:44:50Z', now)).to.equal('now');
      expect(en.relative('2026-02-17T20:40:00Z', now)).to.equal('5 minutes ago');
      expect(en.relative('2026-02-16T20:45:00Z', now)).to.equal('yesterday');
      expect(en.relative('2026-02-17T22:45:00Z', now)).to.equal('in 2 hours');
      expect(en.relative('not a date', now)).to.equal('not a date');
      expect(formatters('fr').relative('2026-02-17T20:40:00Z', now)).to.equal('il y a 5 minutes');
      expect(formatters('de').number(1234567)).to.equal('1.234.567');
      expect(en.duration(850)).to.equal('850 ms');
      expect(en.duration(12_400)).to.equal('12.4 sec');
      expect(en.list(['a', 'b', 'c'])).to.equal('a, b, and c');
      expect(formatters('not a locale!!').locale).to.equal('en');
    });

    it('takes the locale from the nearest lang, through shadow roots, then the document', async () => {
      const outer = await mount<HTMLDivElement>(html`<div lang="pt-BR"><span></span></div>`);
      const host = outer.querySelector('span')!;
      const root = host.attachShadow({ mode: 'open' });
      const inner = document.createElement('b');
      root.append(inner);
      expect(localeOf(inner)).to.equal('pt-BR');
      const loose = document.createElement('i');
      document.body.append(loose);
      document.documentElement.lang = 'es';
      try {
        expect(localeOf(loose)).to.equal('es');
      } finally {
        document.documentElement.lang = '';
        loose.remove();
      }
      expect(localeOf(loose)).to.equal(navigator.language);
    });
  });

  describe('messages', () => {
    it('layers defaults, page-wide, language, region and per-element replacements, with {param} placeholders', () => {
      setScpMessages({ close: 'Shut' });
      setScpMessages({ close: 'Schließen', tabAll: 'Alle' }, 'de');
      setScpMessages({ tabAll: 'Alli' }, 'de-CH');
      expect(messagesFor('en').close).to.equal('Shut');
      expect(messagesFor('de-DE').close).to.equal('Schließen');
      expect(messagesFor('de-DE').tabAll).to.equal('Alle');
      expect(messagesFor('de-CH').tabAll).to.equal('Alli');
      expect(messagesFor('de-CH', { tabAll: 'Own' }).tabAll).to.equal('Own');
      const t = translator({ pendingCount: '{count} offen' }, formatters('de'));
      expect(t('pendingCount', { count: 1234 })).to.equal('1.234 offen');
      expect(translator({}, formatters('en'))('pendingCount', { count: 1 })).to.equal('1 pending audit');
      resetScpMessages();
      expect(messagesFor('de').close).to.equal(defaultMessages.close);
    });

    it('re-renders connected elements when messages are replaced', async () => {
      const client = memoryClient();
      await client.staging.stage('security', {});
      const el = await fixture<ScpAuditBadge>(
        html`<scp-audit-badge card="security" .client=${client}></scp-audit-badge>`,
      );
      await el.settled();
      setScpMessages({ badgeLabel: (p) => `${p.count} à revoir · ${p.card}` });
      await el.updateComplete;
      expect(el.shadowRoot!.querySelector('button')!.getAttribute('aria-label')).to.equal(
        '1 à revoir · Security Posture',
      );
    });
  });

  describe('text safety', () => {
    it('turns any value into text, makes bidi controls visible and cuts long text', () => {
      expect(displayText({ _$litType$: 1 })).to.equal('{"_$litType$":1}');
      expect(displayText(null)).to.equal('');
      expect(displayText(12)).to.equal('12');
      expect(displayText('a\u202Eb\u2066c')).to.equal('a⟪U+202E⟫b⟪U+2066⟫c');
      expect(displayText('x'.repeat(30), 10)).to.equal(`${'x'.repeat(10)}…`);
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      expect(displayText(cyclic)).to.equal('[object Object]');
    });

    it('lets only http(s) URLs through', () => {
      expect(safeUrl('https://a.example/x')).to.equal('https://a.example/x');
      expect(safeUrl('/relative')).to.equal(new URL('/relative', document.baseURI).href);
      for (const bad of [
        'javascript:alert(1)',
        'JAVASCRIPT:alert(1)',
        ' javascript:alert(1)',
        'data:text/html,<b>',
        'vbscript:x',
        'blob:x',
        42,
        '',
      ]) {
        expect(safeUrl(bad), String(bad)).to.equal(undefined);
      }
      expect(['ok', 'failed', 'weird'].map(statusTone)).to.deep.equal(['ok', 'failed', 'unknown']);
    });

    it('statusWord names every run status in the page language and cuts an unknown one short', () => {
      const t = translator(messagesFor('en', { statusCancelled: 'called off' }), formatters('en'));
      expect(['ok', 'cancelled', 'abandoned', 'skipped'].map((s) => statusWord(t, s))).to.deep.equal([
        'ok',
        'called off',
        'abandoned',
        'skipped',
      ]);
      expect(statusTone('cancelled')).to.equal('partial');
      expect(statusTone('abandoned')).to.equal('failed');
      // A crafted status never reaches the page whole, nor as an object or a bidi override.
      const word = statusWord(t, `x\u202E${'y'.repeat(500)}`);
      expect(word.length).to.be.lessThan(60);
      expect(word).to.contain('⟪U+202E⟫');
      expect(statusWord(t, { _$litType$: 1 })).to.be.a('string');
      expect(statusWord(t, 'constructor')).to.equal('constructor');
    });
  });

  describe('ScpClientController', () => {
    it('loads once on connect, coalesces a burst of events into few loads, reloads on sys:reset and stops on disconnect', async () => {
      const client = memoryClient();
      const el = await fixture<LoadCounter>(html`<test-load-counter .client=${client}></test-load-counter>`);
      await el.ctl.settled();
      expect(el.loads).to.equal(1);
      for (let i = 0; i < 50; i++)
        client.bus.emit('audit:pending', { snapshot_id: `s${i}`, card_key: 'x', summary: '', iso: '', replaced: [] });
      await el.ctl.settled();
      expect(el.loads).to.equal(2);
      client.bus.emit('sys:reset', { reason: 'server restarted' });
      await until(() => el.loads === 3, 'reload after sys:reset');
      el.remove();
      client.bus.emit('sys:reset', { reason: 'again' });
      await new Promise((r) => setTimeout(r, 60));
      expect(el.loads).to.equal(3);
    });

    it("reloads for a new client and forgets the old one's events", async () => {
      const a = memoryClient();
      const b = memoryClient();
      const el = await fixture<LoadCounter>(html`<test-load-counter .client=${a}></test-load-counter>`);
      await el.ctl.settled();
      el.client = b;
      await until(() => el.loads === 2, 'load for the new client');
      a.bus.emit('sys:reset', { reason: 'old client' });
      await new Promise((r) => setTimeout(r, 60));
      expect(el.loads).to.equal(2);
      expect(el.ctl.client).to.equal(b);
    });
  });

  describe('events', () => {
    it('are scp- prefixed, bubble, cross shadow roots, carry a frozen detail, and only requests are cancelable', () => {
      const made = [
        new events.ScpOpenManagerEvent({ card: 'security' }),
        new events.ScpSaveRequestEvent({ ids: ['a'] }),
        new events.ScpDiscardRequestEvent({ ids: ['a'] }),
        new events.ScpRefRemoveEvent({ ref: { kind: 'run', id: 'r', raw: '@run:r', index: 0 } }),
        new events.ScpAuditsSavedEvent({ ids: ['a'], commit: 'c' }),
        new events.ScpAuditsDiscardedEvent({ ids: ['a'] }),
        new events.ScpActionErrorEvent({ action: 'save', ids: [], error: new Error('x'), message: 'x' }),
        new events.ScpRefCopiedEvent({ ref: '@audit:a' }),
        new events.ScpRefResolvedEvent({ ref: '@audit:a', preview: { type: 'audit', id: 'a', exists: true } }),
        new events.ScpManagerToggleEvent({ open: true }),
      ];
      for (const e of made) {
        expect(e.type).to.match(/^scp-/);
        expect([e.bubbles, e.composed]).to.deep.equal([true, true]);
        expect(Object.isFrozen(e.detail), e.type).to.equal(true);
      }
      expect(made.filter((e) => e.cancelable).map((e) => e.type)).to.deep.equal([
        'scp-open-manager',
        'scp-save-request',
        'scp-discard-request',
        'scp-ref-remove',
      ]);
    });
  });
});
