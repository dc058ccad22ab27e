// Numbers as people read them.

/** 1536 -> "1.5 KB"; decimal units, as disk and download sizes are shown elsewhere (and by Ollama). */
export function bytes(n) {
  if (!Number.isFinite(n) || n < 0) return '?';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return (i === 0 ? v.toFixed(0) : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)) + ' ' + units[i];
}

/** Seconds -> "45 s", "3 min", "1 h 20 min". */
export function duration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  if (seconds < 60) return Math.max(1, Math.round(seconds)) + ' s';
  if (seconds < 3600) return Math.round(seconds / 60) + ' min';
  const h = Math.floor(seconds / 3600);
  const m = Math.round((seconds - h * 3600) / 60);
  return h + ' h' + (m ? ' ' + m + ' min' : '');
}

/** Tokens per second with sensible precision. */
export function rate(tokensPerSecond) {
  if (!Number.isFinite(tokensPerSecond) || tokensPerSecond <= 0) return '';
  return (tokensPerSecond >= 100 ? tokensPerSecond.toFixed(0) : tokensPerSecond.toFixed(1)) + ' tokens/s';
}

/** "just now", "5 min ago", "yesterday", or a date. */
export function ago(iso) {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '';
  const s = (Date.now() - t) / 1000;
  if (s < 60) return 'just now';
  if (s < 3600) return Math.floor(s / 60) + ' min ago';
  if (s < 86400) return Math.floor(s / 3600) + ' h ago';
  return new Date(t).toLocaleDateString();
}

/** The sidebar group a chat belongs to, by its last update. */
export function dayGroup(iso, now = new Date()) {
  const t = new Date(Date.parse(iso));
  if (Number.isNaN(t.getTime())) return 'Older';
  const startOfToday = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  const day = 86400000;
  if (t.getTime() >= startOfToday) return 'Today';
  if (t.getTime() >= startOfToday - day) return 'Yesterday';
  if (t.getTime() >= startOfToday - 6 * day) return 'Previous 7 days';
  if (t.getTime() >= startOfToday - 29 * day) return 'Previous 30 days';
  return 'Older';
}
