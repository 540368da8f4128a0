import { doc, h, icon } from './dom';

export interface MenuItem {
  label: string;
  icon: string;
  run(): void;
  danger?: boolean;
  /** Drawn after a separator. */
  separated?: boolean;
}

let open: { close(restoreFocus: boolean): void } | undefined;

/** Closes the open context menu, if any. */
export function closeMenu(): void {
  open?.close(false);
}

/**
 * A popup menu (WAI-ARIA menu button pattern): arrow keys, Home/End, Escape and Tab; focus goes
 * back to the button that opened it.
 */
export function showMenu(anchor: HTMLElement, label: string, items: readonly MenuItem[]): void {
  closeMenu();
  const document = doc();
  const buttons: HTMLButtonElement[] = [];
  const menu = h('div', { class: 'menu', role: 'menu', attrs: { 'aria-label': label } });
  const close = (restoreFocus: boolean) => {
    menu.remove();
    anchor.setAttribute('aria-expanded', 'false');
    document.removeEventListener('mousedown', outside, true);
    if (open === handle) open = undefined;
    if (restoreFocus) anchor.focus();
  };
  const outside = (event: Event) => {
    if (!menu.contains(event.target as Node)) close(false);
  };
  const handle = { close };
  for (const item of items) {
    if (item.separated) menu.appendChild(h('div', { class: 'menu-separator', role: 'separator' }));
    const button = h(
      'button',
      {
        class: `menu-item${item.danger ? ' danger' : ''}`,
        role: 'menuitem',
        tabIndex: -1,
        attrs: { type: 'button' },
        on: {
          click: () => {
            close(true);
            item.run();
          },
        },
      },
      icon(item.icon),
      h('span', {}, item.label),
    );
    buttons.push(button);
    menu.appendChild(button);
  }
  menu.addEventListener('keydown', (event) => {
    const index = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const move = (to: number) => {
      event.preventDefault();
      buttons[(to + buttons.length) % buttons.length]!.focus();
    };
    if (event.key === 'ArrowDown') move(index + 1);
    else if (event.key === 'ArrowUp') move(index - 1);
    else if (event.key === 'Home') move(0);
    else if (event.key === 'End') move(buttons.length - 1);
    else if (event.key === 'Escape') {
      event.preventDefault();
      close(true);
    } else if (event.key === 'Tab') close(false);
  });
  document.body.appendChild(menu);
  const rect = anchor.getBoundingClientRect();
  const view = document.defaultView;
  const width = view?.innerWidth ?? 300;
  const height = view?.innerHeight ?? 600;
  const menuWidth = menu.offsetWidth || 200;
  const menuHeight = menu.offsetHeight || 0;
  menu.style.left = `${Math.max(4, Math.min(rect.right - menuWidth, width - menuWidth - 4))}px`;
  menu.style.top = `${rect.bottom + menuHeight + 4 > height ? Math.max(4, rect.top - menuHeight - 2) : rect.bottom + 2}px`;
  anchor.setAttribute('aria-expanded', 'true');
  document.addEventListener('mousedown', outside, true);
  open = handle;
  buttons[0]?.focus();
}
