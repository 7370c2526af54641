/** `spoolcast token`: mints a subscriber or publisher JWT with jose and prints only the token. */
import { randomUUID } from 'node:crypto';
import type { Command } from './cli-context.js';
import { EXIT_FAILURE, EXIT_OK } from './exit-codes.js';
import { privateKeyFromFile, secretKey } from './signing-key.js';
import { buildClaims, parseTokenOptions } from './token-options.js';

const HELP = `Usage: spoolcast token --scope SCOPE [options]

Mints a JWT for the gateway's auth and prints only the token. The claims: scope
(space-separated), the optional restriction spoolcast: {"operations": [...],
"tag_prefixes": [...]}, sub, iss, aud, iat, exp and a random jti.

Options:
  --scope SCOPE         spools:read (subscribe) or spools:publish (POST); repeatable
  --operation OP        see only this operation's events; repeatable
  --tag-prefix PREFIX   see only tags starting with PREFIX; repeatable
  --subject SUB         the sub claim (a screen, a user, a service)
  --ttl TTL             lifetime: 90s, 15m, 8h, 7d (default 1h, at most 366d)
  --issuer ISS          the iss claim (default AUTH_ISSUER)
  --audience AUD        the aud claim (default AUTH_AUDIENCE)
  --private-key FILE    sign with this RSA (RS256) or EC P-256 (ES256) private key, PEM
                        or JWK; without it HS256 with AUTH_JWT_SECRET (at least 32 bytes)
  --kid KID             key id for the header (default the JWK's kid)
  -h, --help            this help

Exit codes:
  0  the token is printed
  1  no usable key (AUTH_JWT_SECRET unset or shorter than 32 bytes, unreadable key file)
  2  usage error
`;

/** `spoolcast token`: the key comes from the environment or a file, never from the command line. */
export const tokenCommand: Command = {
  name: 'token',
  summary: 'mint a subscriber or publisher JWT (scopes, restrictions, lifetime)',
  help: HELP,
  async run(args, context) {
    const options = parseTokenOptions(args, context.env);
    const signing =
      options.privateKeyFile === null
        ? secretKey(context.env.AUTH_JWT_SECRET, options.kid)
        : await privateKeyFromFile(options.privateKeyFile, options.kid);
    if (!signing.ok) {
      context.stderr.write(`spoolcast: ${signing.message}\n`);
      return EXIT_FAILURE;
    }
    // jose loads only here; the other subcommands start without it.
    const { SignJWT } = await import('jose');
    const claims = buildClaims(options, Math.floor(Date.now() / 1000), randomUUID());
    const token = await new SignJWT(claims)
      .setProtectedHeader({
        alg: signing.alg,
        typ: 'JWT',
        ...(signing.kid === null ? {} : { kid: signing.kid }),
      })
      .sign(signing.key);
    context.stdout.write(`${token}\n`);
    return EXIT_OK;
  },
};
