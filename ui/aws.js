// "From CloudWatch Logs" on the start screen: a profile (with an MFA code field for a role
// that needs one), its log groups, the chosen ones fetched over a window.

import { $, element, hideMessage, showError, showMessage } from './dom.js';
import { formatBytes } from './format.js';
import * as ipc from './ipc.js';
import { watchLive } from './live.js';
import { open } from './run.js';

export async function loadProfiles() {
  try {
    const profiles = await ipc.awsProfiles();
    const options = profiles.map((p) => element('option', {
      text: `${p.name}${p.region ? ` (${p.region})` : ''} · ${p.kind}${p.mfa ? ' · MFA' : ''}`,
      attributes: { value: p.name, 'data-mfa': p.mfa ? 'yes' : 'no' },
    }));
    if (options.length === 0) options.push(element('option', { text: 'default credentials', attributes: { value: '' } }));
    $('aws-profile').replaceChildren(...options);
    showMfaField();
  } catch {
    // no readable AWS config: the SDK's own chain may still find credentials
    $('aws-profile').replaceChildren(element('option', { text: 'default credentials', attributes: { value: '' } }));
  }
}

/** Shows the MFA code field for a profile that assumes its role with one. */
function showMfaField() {
  const chosen = $('aws-profile').selectedOptions[0];
  $('aws-mfa-row').hidden = chosen?.dataset.mfa !== 'yes';
}

/** Another profile may be another account: the groups listed were the last one's. */
export function changeProfile() {
  showMfaField();
  $('aws-groups').replaceChildren();
}

/** The profile, region and MFA code the panel names. */
export const awsTarget = () => ({
  profile: $('aws-profile').value || null,
  region: $('aws-region').value.trim() || null,
  mfaCode: $('aws-mfa-row').hidden ? null : ($('aws-mfa').value.trim() || null),
});

export async function listGroups() {
  const { profile, region, mfaCode } = awsTarget();
  const button = $('aws-list');
  button.disabled = true;
  hideMessage();
  try {
    const groups = await ipc.awsLogGroups(profile, region, mfaCode, $('aws-prefix').value.trim() || null);
    const items = groups.map((group) => {
      const box = element('input', { attributes: { type: 'checkbox', value: group.name } });
      const size = group.stored_bytes ? ` · ${formatBytes(group.stored_bytes)}` : '';
      const retention = group.retention_days ? ` · kept ${group.retention_days} d` : '';
      const holds = group.holds ? ` · ${group.holds}, by a message` : '';
      return element('li', { className: group.suggested ? 'suggested' : '' }, [
        element('label', {}, [box, ` ${group.name}`, element('span', { className: 'muted', text: size + retention + holds })]),
      ]);
    });
    if (items.length === 0) items.push(element('li', { className: 'muted', text: 'No log group by that name.' }));
    $('aws-groups').replaceChildren(...items);
  } catch (error) {
    showError(error);
  } finally {
    button.disabled = false;
  }
}

/** The log groups ticked in the list. */
const chosenGroups = () => [...document.querySelectorAll('#aws-groups input:checked')].map((box) => box.value);

export function fetchGroups() {
  const groups = chosenGroups();
  if (groups.length === 0) {
    showMessage('Choose one or more log groups first (List log groups).', 'info');
    return;
  }
  const preset = $('aws-preset').value;
  const since = preset === 'custom' ? $('aws-since').value.trim() : preset;
  const until = preset === 'custom' ? ($('aws-until').value.trim() || 'now') : 'now';
  const { profile, region, mfaCode } = awsTarget();
  // the code stays in this window's memory; the app never writes it anywhere
  open({ kind: 'cloud', profile, region, mfa_code: mfaCode, groups, since, until });
}

export function choosePreset() {
  const custom = $('aws-preset').value === 'custom';
  $('aws-since').hidden = !custom;
  $('aws-until').hidden = !custom;
}

/** Watches the log groups ticked live (ui/live.js), from the last 15 minutes on. */
export function watchGroups() {
  const groups = chosenGroups();
  if (groups.length === 0) {
    showMessage('Choose one or more log groups first (List log groups).', 'info');
    return;
  }
  const { profile, region, mfaCode } = awsTarget();
  watchLive({ profile, region, mfa_code: mfaCode, groups });
}
