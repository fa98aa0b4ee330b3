/**
 * Deciding whether the process that writes a run is still there. A run whose writer died
 * (kill -9, a crashed kernel, a closed laptop lid on another machine) would otherwise stay
 * "running" forever.
 */
import { hostname } from 'node:os';

/** How often a live run refreshes heartbeat_at when it is not logging anything. */
export const HEARTBEAT_INTERVAL_MS = 30_000;
/** A run written from another host is presumed dead after this long without a heartbeat. */
export const STALE_HEARTBEAT_MS = 120_000;

/**
 * Even on this host, a run silent for this long is presumed dead: its pid may have been
 * reused (containers restart with the same small pids). A live run heartbeats every 30 s
 * from a timer, so only an hour of synchronous work without yielding looks like this, and
 * a run presumed dead by mistake comes back as soon as it writes again.
 */
export const PID_REUSE_SILENCE_MS = 60 * 60_000;

export const THIS_HOST = hostname();

export interface WriterInfo {
  pid: number | null;
  host: string | null;
  heartbeatAt: number | null;
  startTime: number;
}

/** Signal 0 checks existence only. EPERM means it exists but belongs to someone else. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * On this host the process table is the truth (a long synchronous training step can
 * delay heartbeats without the process being dead). Elsewhere only the heartbeat tells.
 */
export function isWriterGone(
  writer: WriterInfo,
  now: number,
  thisHost: string = THIS_HOST,
): boolean {
  const silentFor = now - (writer.heartbeatAt ?? writer.startTime);
  if (writer.host === thisHost && writer.pid !== null && writer.pid > 0) {
    return !isProcessAlive(writer.pid) || silentFor > PID_REUSE_SILENCE_MS;
  }
  return silentFor > STALE_HEARTBEAT_MS;
}
