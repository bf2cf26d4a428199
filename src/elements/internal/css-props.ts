import { type ElementPart, nothing, noChange } from 'lit';
import { Directive, directive, PartType, type PartInfo } from 'lit/directive.js';

/**
 * Sets CSS properties on an element through the CSSOM (`style.setProperty`), never through a
 * `style` attribute, so a page whose CSP has no `'unsafe-inline'` for styles reports nothing.
 * Usage: `<div ${cssProps({ 'inset-block-start': '52px' })}>`.
 */
class CssPropsDirective extends Directive {
  private previous = new Set<string>();

  constructor(info: PartInfo) {
    super(info);
    if (info.type !== PartType.ELEMENT) throw new Error('cssProps() belongs in an element position');
  }

  render(_props: Readonly<Record<string, string>>): unknown {
    return nothing;
  }

  override update(part: ElementPart, [props]: [Readonly<Record<string, string>>]): unknown {
    const style = (part.element as HTMLElement).style;
    for (const name of this.previous) if (!(name in props)) style.removeProperty(name);
    for (const [name, value] of Object.entries(props)) {
      if (style.getPropertyValue(name) !== value) style.setProperty(name, value);
    }
    this.previous = new Set(Object.keys(props));
    return noChange;
  }
}

export const cssProps = directive(CssPropsDirective);
