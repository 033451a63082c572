// The start screen: opening files, folders or the sample, and the recent inputs.

import { $, element, showError, showMessage } from './dom.js';
import * as ipc from './ipc.js';
import { open } from './run.js';
import { state } from './state.js';

/** Reads the remembered settings, and lists the recent inputs. */
export async function loadPreferences() {
  try {
    state.preferences = await ipc.loadPreferences();
  } catch (error) {
    showMessage(`Settings could not be read: ${error.message}`, 'error', error.hint);
  }
  const recent = state.preferences.recent.map((path) => {
    const button = element('button', { text: path, className: 'link', attributes: { type: 'button' } });
    button.addEventListener('click', () => openPaths([path]));
    return element('li', {}, [button]);
  });
  $('recent').replaceChildren(...recent);
  $('recent-empty').hidden = recent.length > 0;
}

/** Analyzes files and folders; once read, they head the recent inputs. */
export async function openPaths(paths) {
  if (paths.length === 0) return;
  if (await open({ kind: 'paths', paths })) await loadPreferences();
}

export const openSample = () => open({ kind: 'sample' });

/** Opens what the user chooses in the open dialog: files, or with `folders`, folders. */
export async function pick(folders) {
  try {
    await openPaths(await ipc.pickPaths({ folders }));
  } catch (error) {
    showError(error);
  }
}
