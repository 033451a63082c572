// The start screen: opening files, folders or the sample, the recent inputs, and the last
// fetch from CloudWatch Logs to fetch again.

import { $, element, showError, showMessage } from './dom.js';
import * as ipc from './ipc.js';
import { describeSource, open } from './run.js';
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
  const saved = state.preferences.fetch;
  $('saved-fetch').hidden = !saved;
  if (saved) $('fetch-again').textContent = `${describeSource(saved)}, ${saved.since} to ${saved.until}`;
}

/** Fetches the last fetch read in full again, its stage's configuration included, with
 * the MFA code in the panel (the app never keeps one). */
export function fetchAgain() {
  const saved = state.preferences.fetch;
  if (!saved) return;
  const mfa = $('aws-mfa-row').hidden ? null : ($('aws-mfa').value.trim() || null);
  open({ ...saved, mfa_code: mfa });
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
