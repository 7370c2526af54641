/**
 * What `spoolcast check-config` prints, as pure functions: the effective value of every
 * setting (masked), whether it is the default, and every problem `loadConfig` found.
 */
import { type Config, loadConfig, SETTING_DEFAULTS, SETTING_NAMES } from '../config.js';
import { ConfigError } from '../errors.js';
import { isSecretSetting, maskSettingValue, scrubSecrets, secretValues } from './mask-secrets.js';

/** One setting as check-config shows it; `value` is already masked. */
export interface SettingReport {
  name: string;
  value: string;
  isDefault: boolean;
  /** The default as docs/contract.md §5 words it when it is not a literal (`unset`, `cores − 1, at least 1`). */
  defaultNote: string | null;
  isSecret: boolean;
}

/** The whole check: `ok` when `loadConfig` accepted the environment. */
export interface ConfigReport {
  ok: boolean;
  settings: SettingReport[];
  /** Every problem at once, one line each, naming its variable; secrets scrubbed. */
  problems: string[];
}

/** Defaults computed at start, read back from the loaded config (typed, so a rename fails the build). */
const COMPUTED_DEFAULTS: Readonly<Record<string, (config: Readonly<Config>) => unknown>> = {
  POOL_THREADS: (config) => config.poolThreads,
  PUBLISH_REPLICA_ACKS: (config) => config.publishReplicaAcks,
};

/** Checks `env` with `loadConfig` and describes every setting and every problem. */
export function buildConfigReport(env: Readonly<Record<string, string | undefined>>): ConfigReport {
  let config: Readonly<Config> | null = null;
  let problems: string[] = [];
  // loadConfig already hides URL passwords; a message or another variable's value could
  // still hold a secret's value by mistake, so every printed string is scrubbed of them.
  const secrets = secretValues(env);
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems = error.problems.map((problem) => scrubSecrets(problem, secrets));
  }
  const settings = SETTING_NAMES.map((name) => {
    const setting = describeSetting(name, env[name], config);
    return { ...setting, value: scrubSecrets(setting.value, secrets) };
  });
  return { ok: config !== null, settings, problems };
}

function describeSetting(
  name: string,
  raw: string | undefined,
  config: Readonly<Config> | null,
): SettingReport {
  const isSecret = isSecretSetting(name);
  if (raw !== undefined) {
    return {
      name,
      value: maskSettingValue(name, raw),
      isDefault: false,
      defaultNote: null,
      isSecret,
    };
  }
  const shown = SETTING_DEFAULTS[name] ?? '';
  const literal = /^`([^`]*)`$/.exec(shown);
  if (literal) {
    return {
      name,
      value: maskSettingValue(name, literal[1] ?? ''),
      isDefault: true,
      defaultNote: null,
      isSecret,
    };
  }
  const computed = config ? COMPUTED_DEFAULTS[name]?.(config) : undefined;
  return {
    name,
    value: computed === undefined ? '' : String(computed),
    isDefault: true,
    defaultNote: shown.replaceAll('`', ''),
    isSecret,
  };
}

/** The report as text: `NAME=value` lines (defaults marked) on stdout, the verdict on stderr. */
export function formatConfigReport(report: ConfigReport): { stdout: string; stderr: string } {
  const pairs = report.settings.map((s) => `${s.name}=${s.value}`);
  const width = Math.max(...pairs.map((pair) => pair.length));
  const lines = report.settings.map((s, i) => {
    const pair = pairs[i] ?? '';
    if (!s.isDefault) return pair;
    const note = s.defaultNote === null ? '# default' : `# default (${s.defaultNote})`;
    return `${pair.padEnd(width)}  ${note}`;
  });
  const stderr = report.ok
    ? 'spoolcast: configuration is valid\n'
    : `spoolcast: invalid configuration (${report.problems.length} ${report.problems.length === 1 ? 'problem' : 'problems'}):\n${report.problems.map((p) => `  ${p}\n`).join('')}`;
  return { stdout: `${lines.join('\n')}\n`, stderr };
}

/** The report as one JSON document, for scripts and CI. */
export function formatConfigReportJson(report: ConfigReport): string {
  return `${JSON.stringify({
    ok: report.ok,
    settings: report.settings.map((s) => ({
      name: s.name,
      value: s.value,
      default: s.isDefault,
      ...(s.defaultNote === null ? {} : { default_note: s.defaultNote }),
      secret: s.isSecret,
    })),
    problems: report.problems,
  })}\n`;
}
