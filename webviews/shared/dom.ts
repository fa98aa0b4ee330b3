/**
 * Building panel DOM without HTML strings: every string goes in as text, so names, params,
 * tags and data values from notebooks (which may hold markup) can never become elements.
 */

export interface ElementProps {
  text?: string;
  className?: string;
  title?: string;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: ElementProps = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.text !== undefined) node.textContent = props.text;
  if (props.className) node.className = props.className;
  if (props.title) node.title = props.title;
  node.append(...children);
  return node;
}
