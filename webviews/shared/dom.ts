/**
 * Building panel DOM without HTML strings: every string goes in as text, so names, params,
 * tags and data values from notebooks (which may hold markup) can never become elements.
 */

export interface ElementProps {
  text?: string;
  className?: string;
  title?: string;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: ElementProps = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.text !== undefined) node.textContent = props.text;
  if (props.className) node.className = props.className;
  if (props.title) node.title = props.title;
  node.append(...children);
  return node;
}

/**
 * A link that acts in the page (opens a run, a file, a column's detail view) instead of
 * navigating: `href="#"` keeps it focusable and drawn as a link, and the click goes no further.
 */
export function actionLink(props: ElementProps, onClick: () => void): HTMLAnchorElement {
  const a = el('a', props);
  a.href = '#';
  a.addEventListener('click', (event) => {
    event.preventDefault();
    onClick();
  });
  return a;
}

/** Makes a card or a table row act like a button: a click, Enter or Space runs `action` (give it a tabIndex). */
export function onActivate(node: HTMLElement, action: () => void): void {
  node.addEventListener('click', () => action());
  node.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      action();
    }
  });
}

/** A `<vscode-button>` (vscode-elements) with attributes such as `secondary` or `disabled`. */
export function button(
  label: string,
  onClick: () => void,
  attrs: Record<string, string> = {},
): HTMLElement {
  const node = document.createElement('vscode-button');
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.textContent = label;
  node.addEventListener('click', onClick);
  return node;
}

/** A titled section of a panel. */
export function section(title: string, className: string, ...content: Node[]): HTMLElement {
  return el('section', { className }, el('h2', { text: title }), ...content);
}

/** A grid table; cells are text or nodes. With `empty`, no rows show that sentence instead. */
export function table(
  headers: string[],
  rows: (string | Node)[][],
  className: string,
  empty?: string,
): HTMLElement {
  if (rows.length === 0 && empty !== undefined) return el('p', { className: 'empty', text: empty });
  return el(
    'div',
    { className: 'table-wrap' },
    el(
      'table',
      { className: `grid ${className}` },
      el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { text: h })))),
      el(
        'tbody',
        {},
        ...rows.map((r) =>
          el(
            'tr',
            {},
            ...r.map((c) => (typeof c === 'string' ? el('td', { text: c }) : el('td', {}, c))),
          ),
        ),
      ),
    ),
  );
}

/**
 * A notebook renderer's stylesheet, added once per document: renderers have no CSS file of
 * their own, and several outputs of the same kind share one webview.
 */
export function ensureStyle(id: string, css: string): void {
  if (document.getElementById(id)) return;
  const style = document.createElement('style');
  style.id = id;
  style.textContent = css;
  document.head.appendChild(style);
}
