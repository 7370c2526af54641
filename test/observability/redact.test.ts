import test from 'ava';
import { redactError, redactSecrets } from '../../src/observability/redact.js';

test('URL passwords are replaced, users and hosts kept', (t) => {
  t.is(
    redactSecrets('redis://default:p@ss:word@redis-0:6379/0 and rediss://:tok3n@h'),
    'redis://default:***@redis-0:6379/0 and rediss://:***@h',
  );
  t.is(redactSecrets('redis://redis:6379'), 'redis://redis:6379');
});

test('errors lose credential-bearing command arguments and URL passwords, at any depth', (t) => {
  const safe = redactError({
    message: 'failed on redis://u:hunter2@x',
    command: { name: 'auth', args: ['hunter2'] },
    cause: {
      message: 'see rediss://:hunter2@y',
      command: { name: 'HELLO', args: ['3', 'AUTH', 'u', 'hunter2'] },
    },
    other: { command: { name: 'get', args: ['k'] } },
  });
  t.notRegex(JSON.stringify(safe), /hunter2/);
  t.deepEqual(safe.command, { name: 'auth', args: '[redacted]' });
  t.deepEqual((safe.other as { command: unknown }).command, { name: 'get' });
});
