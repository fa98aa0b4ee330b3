/**
 * What a panel says about itself rather than its content, said the same way in every panel:
 * a loading line until the host's first message, a short notice after a host action
 * ("Copied…"), and the error view that takes the whole page when there is nothing to show.
 * Messages come from the host and may quote user data, so they go in as text.
 */
import { el } from './dom';

/** Long enough to read a sentence, short enough not to be mistaken for the current state. */
const NOTICE_MS = 5000;

/** The panel's first content, replaced by the first render. */
export function showLoading(root: HTMLElement, text: string): void {
  root.replaceChildren(el('p', { className: 'empty', text }));
}

/** The line under a panel's header where notices appear (a status region, read out by screen readers). */
export function noticeLine(): HTMLElement {
  const notice = el('p', { className: 'notice' });
  notice.id = 'notice';
  notice.setAttribute('role', 'status');
  return notice;
}

let noticeTimer: ReturnType<typeof setTimeout> | undefined;

/** Shows a notice in the page's notice line for a few seconds; a newer one replaces it. */
export function showNotice(message: string): void {
  const notice = document.getElementById('notice');
  if (!notice) return;
  notice.textContent = message;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => {
    notice.textContent = '';
  }, NOTICE_MS);
}

/** Why the panel cannot show what it was opened for. `heading` is h2 where the panel keeps its own header above it. */
export function errorView(
  title: string,
  message: string,
  heading: 'h1' | 'h2' = 'h1',
): HTMLElement {
  return el(
    'div',
    { className: 'message' },
    el(heading, { text: title }),
    el('p', { className: 'error', text: message }),
  );
}

/** A problem that stands above the panel's content (the panel still shows what it last knew). */
export function errorBanner(message: string): HTMLElement {
  return el('p', { className: 'error banner', text: message });
}

/** A chart that vega could not draw says so in its place, and the rest of the page stays. */
export function chartError(
  target: HTMLElement,
  error: unknown,
  prefix = 'Cannot draw the chart',
): void {
  target.replaceChildren(
    el('p', { className: 'error', text: `${prefix}: ${(error as Error).message}` }),
  );
}
