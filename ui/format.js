// How the window writes numbers, durations, sizes and times. Durations are written exactly
// as ceiling_engine::duration::format_ms writes them (850 ms, 18.5 s), so a figure reads the
// same in the window, the CLI and the report. Times are of an IANA zone, by name, so that each
// instant gets the offset in force then (daylight saving included).

const numberFormat = new Intl.NumberFormat('en-US');

/** `1,500`. */
export const count = (n) => numberFormat.format(n);

/**
 * `x` to `digits` (0 or 1) decimals as Rust's `{:.0}` and `{:.1}` write it: to the nearest,
 * an exact tie to the even digit (toFixed rounds ties up). In binary a tie is exact only at
 * a half (0 decimals) or at a quarter or three quarters (1 decimal).
 */
function fixed(x, digits) {
  const scale = digits === 0 ? 1 : 10;
  // x.5 at 0 decimals, x.25 and x.75 at 1: an odd number of halves, or of quarters
  const parts = digits === 0 ? x * 2 : x * 4;
  const tie = Number.isInteger(parts) && parts % 2 !== 0;
  if (!tie) return x.toFixed(digits);
  const down = Math.floor(x * scale);
  return ((down % 2 === 0 ? down : down + 1) / scale).toFixed(digits);
}

/** Milliseconds as format_ms writes them: `850 ms` below a second, `18.5 s` above; `-` for
 * a figure that is missing, as format_opt_ms. */
export function formatMs(ms) {
  if (ms === null || ms === undefined) return '-';
  return ms < 1000 ? `${fixed(ms, 0)} ms` : `${fixed(ms / 1000, 1)} s`;
}

/** `950 kB`, `12.3 MB`, `1.20 GB`. */
export function formatBytes(bytes) {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1e3))} kB`;
}

/** This machine's zone by name (`Europe/Berlin`), as the system sets it. */
export const localZone = () => new Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';

const timeFormats = new Map();

function timeFormat(timeZone) {
  if (!timeFormats.has(timeZone)) {
    timeFormats.set(timeZone, new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    }));
  }
  return timeFormats.get(timeZone);
}

/** `2026-03-06 10:10:05`, `ms` since the epoch in `timeZone` (`UTC`, `Europe/Berlin`). */
export function formatTime(ms, timeZone) {
  const parts = {};
  for (const { type, value } of timeFormat(timeZone).formatToParts(ms)) parts[type] = value;
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}
