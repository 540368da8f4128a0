/**
 * The only way the webview builds DOM. Text goes in as text nodes and attributes through
 * setAttribute on a fixed set of names: there is no innerHTML anywhere, so a prompt, a file name,
 * a server error or a model description containing markup renders as the characters it is (SEC-08).
 */

export type Child = Node | string | false | null | undefined;

export interface Props {
  class?: string;
  id?: string;
  role?: string;
  title?: string;
  tabIndex?: number;
  hidden?: boolean;
  attrs?: Record<string, string | number | boolean | undefined>;
  on?: Partial<{ [K in keyof HTMLElementEventMap]: (event: HTMLElementEventMap[K]) => void }>;
}

let currentDocument: Document | undefined;

/** Set once by the app (the webview's document, or jsdom's in tests). */
export function useDocument(doc: Document): void {
  currentDocument = doc;
}

export function doc(): Document {
  if (!currentDocument) throw new Error('dom: no document');
  return currentDocument;
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = doc().createElement(tag);
  if (props.class) element.className = props.class;
  if (props.id) element.id = props.id;
  if (props.role) element.setAttribute('role', props.role);
  if (props.title) element.title = props.title;
  if (props.tabIndex !== undefined) element.tabIndex = props.tabIndex;
  if (props.hidden) element.hidden = true;
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (value === undefined || value === false) continue;
    if (/^on/i.test(name) || name === 'style' || name === 'srcdoc') throw new Error(`dom: attribute ${name} is not allowed`);
    element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const [event, listener] of Object.entries(props.on ?? {})) {
    element.addEventListener(event, listener as EventListener);
  }
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === false || child === null || child === undefined) continue;
    parent.appendChild(typeof child === 'string' ? doc().createTextNode(child) : child);
  }
}

export function clear(element: Element): void {
  while (element.firstChild) element.removeChild(element.firstChild);
}

export function replaceChildren(element: Element, ...children: Child[]): void {
  clear(element);
  append(element, ...children);
}

/** A codicon, hidden from screen readers (the control around it carries the label). */
export function icon(name: string, extraClass = ''): HTMLSpanElement {
  return h('span', { class: `codicon codicon-${name}${extraClass ? ` ${extraClass}` : ''}`, attrs: { 'aria-hidden': 'true' } });
}

/** A toolbar-style icon button: the label is both the tooltip and the accessible name. */
export function iconButton(name: string, label: string, onClick: (event: MouseEvent) => void, extra: Props = {}): HTMLButtonElement {
  return h(
    'button',
    {
      ...extra,
      class: `icon-button${extra.class ? ` ${extra.class}` : ''}`,
      title: label,
      attrs: { type: 'button', 'aria-label': label, ...extra.attrs },
      on: { click: onClick, ...extra.on },
    },
    icon(name),
  );
}

export function button(label: string, onClick: (event: MouseEvent) => void, options: { secondary?: boolean; icon?: string; props?: Props } = {}): HTMLButtonElement {
  const props = options.props ?? {};
  return h(
    'button',
    {
      ...props,
      class: `button${options.secondary ? ' secondary' : ''}${props.class ? ` ${props.class}` : ''}`,
      attrs: { type: 'button', ...props.attrs },
      on: { click: onClick, ...props.on },
    },
    options.icon ? icon(options.icon) : null,
    h('span', {}, label),
  );
}

let nextId = 0;
export function uniqueId(prefix: string): string {
  nextId += 1;
  return `${prefix}-${nextId}`;
}
