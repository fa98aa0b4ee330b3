/**
 * The CLI's progress line on stderr: rewritten in place on a terminal, one line per step
 * in a CI log (where carriage returns would pile up).
 */
export interface Progress {
  update(message: string): void;
  start(label: string): void;
  /** Changes the running step's label (a count going up) without restarting its clock. */
  relabel(label: string): void;
  done(label: string, status: string, durationMs: number): void;
  log(text: string): void;
  stop(): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = Boolean(stream.isTTY);
  let timer: NodeJS.Timeout | undefined;
  let current = '';
  let since = 0;
  const clear = () => {
    if (tty && current) stream.write('\r\x1b[2K');
  };
  const draw = () => {
    if (!tty || !current) return;
    stream.write(`\r\x1b[2K${current} … ${((performance.now() - since) / 1000).toFixed(1)}s`);
  };
  const stopTimer = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  return {
    update(message) {
      clear();
      current = '';
      stream.write(`${message}\n`);
    },
    start(label) {
      current = label;
      since = performance.now();
      if (tty) {
        draw();
        stopTimer();
        timer = setInterval(draw, 250);
        timer.unref();
      }
    },
    relabel(label) {
      current = label;
      draw();
    },
    done(label, status, durationMs) {
      stopTimer();
      clear();
      current = '';
      const mark = status === 'ok' ? 'ok' : status.toUpperCase();
      stream.write(`${label} ${mark} (${(durationMs / 1000).toFixed(2)}s)\n`);
    },
    log(text) {
      clear();
      stream.write(text.endsWith('\n') ? text : `${text}\n`);
      draw();
    },
    stop() {
      stopTimer();
      clear();
      current = '';
    },
  };
}
