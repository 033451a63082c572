// Building the page. Text from the logs reaches it only through textContent and attribute
// values, never as HTML.

export const $ = (id) => document.getElementById(id);

/** A `tag` element with `text`, a class, attributes, and `children` (nodes or strings). */
export function element(tag, { text, className, attributes } = {}, children = []) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  for (const [name, value] of Object.entries(attributes ?? {})) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

export const cell = (text, className) => element('td', { text, className });

/** Shows `text` in the message bar (`kind`: `info`, `error`), with what to do about it. */
export function showMessage(text, kind, hint = null) {
  $('message').textContent = text;
  $('message-hint').textContent = hint ?? '';
  $('message-hint').hidden = !hint;
  $('notice').className = `message ${kind}`;
  $('notice').hidden = false;
}

/** Shows a command's failure: its message, and its hint when it has one. */
export function showError(error) {
  showMessage(error.message ?? String(error), 'error', error.hint ?? null);
}

export const hideMessage = () => { $('notice').hidden = true; };

/** A button that puts `text` on the clipboard (navigator.clipboard, which the app's WebKit
 * allows under its CSP), saying so; `label` names it. */
export function copyButton(text, label = 'Copy') {
  const button = element('button', { text: label, className: 'copy', attributes: { type: 'button', title: label === 'Copy' ? `Copy ${text}` : label } });
  button.addEventListener('click', async (event) => {
    event.preventDefault();
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = 'Copied';
    } catch {
      button.textContent = 'Select it';
    }
    setTimeout(() => { button.textContent = label; }, 1500);
  });
  return button;
}
