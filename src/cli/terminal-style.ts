/**
 * Colour for a terminal, and nothing for a pipe: https://no-color.org (NO_COLOR), FORCE_COLOR,
 * TERM=dumb. Pure: the caller says whether stdout is a TTY.
 */

/** The colours `tail` uses; each wraps text in an ANSI sequence, or returns it as it is. */
export interface TerminalStyle {
  readonly isColored: boolean;
  dim(text: string): string;
  bold(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  blue(text: string): string;
  magenta(text: string): string;
  cyan(text: string): string;
}

/** Whether to colour: never with NO_COLOR, always with FORCE_COLOR (not 0), else on a TTY that is not dumb. */
export function shouldUseColor(
  isTTY: boolean,
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0')
    return true;
  if (env.TERM === 'dumb') return false;
  return isTTY;
}

const sgr = (open: number, close: number) => (text: string) => `\x1b[${open}m${text}\x1b[${close}m`;
const plain = (text: string) => text;

/** The style for `isColored`: ANSI SGR sequences, or the identity. */
export function terminalStyle(isColored: boolean): TerminalStyle {
  if (!isColored) {
    return {
      isColored,
      dim: plain,
      bold: plain,
      red: plain,
      green: plain,
      yellow: plain,
      blue: plain,
      magenta: plain,
      cyan: plain,
    };
  }
  return {
    isColored,
    dim: sgr(2, 22),
    bold: sgr(1, 22),
    red: sgr(31, 39),
    green: sgr(32, 39),
    yellow: sgr(33, 39),
    blue: sgr(34, 39),
    magenta: sgr(35, 39),
    cyan: sgr(36, 39),
  };
}

/**
 * `text` safe to print on a terminal: control characters (ESC included, so a producer's
 * field cannot move the cursor or recolour the screen) shown as `\u001b`-style escapes.
 */
export function printable(text: string): string {
  return text.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
