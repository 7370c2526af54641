/**
 * The exit codes of every `spoolcast` subcommand (docs/cli.md). 78 is sysexits.h's
 * EX_CONFIG, which `spoolcast serve` (and so `npm start`) has always used for bad settings.
 */

/** The command did what it was asked. */
export const EXIT_OK = 0;
/** The command ran and failed, or found problems (check-config). */
export const EXIT_FAILURE = 1;
/** The command line itself is wrong: unknown subcommand or option, missing or bad value. */
export const EXIT_USAGE = 2;
/** `serve` only: the environment holds a bad setting, so the gateway does not start. */
export const EXIT_CONFIG = 78;
