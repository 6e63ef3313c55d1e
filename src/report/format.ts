import bytes from 'bytes-iec';

/** SI units, as `docker images` prints them: 1 MB = 1,000,000 bytes. */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  const text = bytes.format(Math.abs(n), {
    unitSeparator: ' ',
    decimalPlaces: Math.abs(n) < 1000 ? 0 : 1,
    mode: 'metric',
  });
  return (n < 0 ? '−' : '') + (text ?? `${n} B`);
}

export function formatSignedBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  return (n > 0 ? '+' : n === 0 ? '±' : '') + formatBytes(n);
}

export function formatPercent(fraction: number | null | undefined, digits = 1): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—';
  return `${(fraction * 100).toFixed(digits)} %`;
}

export function formatSignedPercent(fraction: number | null | undefined, digits = 1): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—';
  const text = formatPercent(Math.abs(fraction), digits);
  return (fraction > 0 ? '+' : fraction < 0 ? '−' : '±') + text;
}

/** Cuts a one-line text to max characters, marking the cut. */
export function clip(s: string, max: number): string {
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}
