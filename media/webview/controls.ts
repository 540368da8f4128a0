import { h, icon, uniqueId } from './dom';

export interface RadioOption {
  value: string;
  label: string;
  /** Visual content instead of the label text (the label stays the accessible name). */
  visual?: Node;
  title?: string;
}

export interface RadioGroup {
  element: HTMLElement;
  set(value: string): void;
}

/**
 * A segmented single-choice control with radio semantics: one tab stop, arrow keys move and
 * select (WAI-ARIA radio group pattern), Space/Enter select.
 */
export function radioGroup(label: string, options: readonly RadioOption[], value: string, onChange: (value: string) => void, className = 'segmented'): RadioGroup {
  const buttons: HTMLButtonElement[] = [];
  const element = h('div', { class: className, role: 'radiogroup', attrs: { 'aria-label': label } });
  let current = value;
  const set = (next: string) => {
    current = next;
    const anySelected = options.some((option) => option.value === next);
    buttons.forEach((button, index) => {
      const selected = options[index]!.value === next;
      button.setAttribute('aria-checked', String(selected));
      button.classList.toggle('selected', selected);
      button.tabIndex = selected || (!anySelected && index === 0) ? 0 : -1;
    });
  };
  const choose = (index: number, focus: boolean) => {
    const option = options[(index + options.length) % options.length]!;
    set(option.value);
    if (focus) buttons[options.indexOf(option)]!.focus();
    onChange(option.value);
  };
  options.forEach((option, index) => {
    const button = h(
      'button',
      {
        class: 'segment',
        role: 'radio',
        title: option.title ?? option.label,
        attrs: { type: 'button', 'aria-label': option.visual ? option.label : undefined, 'data-value': option.value },
        on: {
          click: () => choose(index, false),
          keydown: (event) => {
            const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
            if (step !== undefined) {
              event.preventDefault();
              choose(index + step, true);
            } else if (event.key === 'Home' || event.key === 'End') {
              event.preventDefault();
              choose(event.key === 'Home' ? 0 : options.length - 1, true);
            }
          },
        },
      },
      option.visual ?? option.label,
    );
    buttons.push(button);
    element.appendChild(button);
  });
  set(current);
  return { element, set };
}

/** A labelled block: label, optional description, the control, and an error line tied to it. */
export interface FieldFrame {
  element: HTMLElement;
  setError(message: string | undefined): void;
  errorId: string;
  labelId: string;
}

export function fieldFrame(label: string, control: HTMLElement, options: { description?: string; forId?: string; extra?: Node | null; labelExtra?: Node | null } = {}): FieldFrame {
  const errorId = uniqueId('error');
  const labelId = uniqueId('label');
  const descriptionId = options.description ? uniqueId('desc') : undefined;
  const labelElement = options.forId
    ? h('label', { class: 'field-label', id: labelId, attrs: { for: options.forId } }, label)
    : h('span', { class: 'field-label', id: labelId }, label);
  const error = h('div', { class: 'field-error', id: errorId, hidden: true }, icon('error'), h('span', {}));
  const element = h(
    'div',
    { class: 'field' },
    h('div', { class: 'field-head' }, labelElement, options.labelExtra ?? null),
    options.description ? h('div', { class: 'field-description', id: descriptionId }, options.description) : null,
    control,
    options.extra ?? null,
    error,
  );
  const describedBy = [descriptionId, errorId].filter(Boolean).join(' ');
  for (const target of [control, ...Array.from(control.querySelectorAll('input, textarea, select, [role="radiogroup"]'))]) {
    if (target.nodeType === 1 && target.matches('input, textarea, select, [role="radiogroup"]')) {
      target.setAttribute('aria-describedby', describedBy);
      if (!options.forId && !target.hasAttribute('aria-label')) target.setAttribute('aria-labelledby', labelId);
    }
  }
  return {
    element,
    errorId,
    labelId,
    setError(message) {
      error.hidden = !message;
      (error.lastChild as HTMLElement).textContent = message ?? '';
      element.classList.toggle('invalid', Boolean(message));
      for (const target of Array.from(element.querySelectorAll('input, textarea, select'))) {
        if (message) target.setAttribute('aria-invalid', 'true');
        else target.removeAttribute('aria-invalid');
      }
    },
  };
}
