import test from 'ava';
import { cookieValue, findToken } from '../../src/auth/token-source.js';

const options = { cookieName: 'spoolcast_token', isQueryAllowed: false };
const none = { authorization: undefined, cookie: undefined, queryToken: undefined };

test('the Authorization header wins, then the cookie, then the query when allowed', (t) => {
  const all = {
    authorization: 'Bearer h.h.h',
    cookie: 'a=1; spoolcast_token=c.c.c',
    queryToken: 'q.q.q',
  };
  t.like(findToken(all, options), { kind: 'token', token: 'h.h.h', via: 'header' });
  t.like(findToken({ ...all, authorization: undefined }, options), {
    token: 'c.c.c',
    via: 'cookie',
  });
  t.like(findToken({ ...none, queryToken: 'q.q.q' }, { ...options, isQueryAllowed: true }), {
    token: 'q.q.q',
    via: 'query',
  });
});

test('a query token where it is not allowed, or a header that is not Bearer, is refused', (t) => {
  t.like(findToken({ ...none, queryToken: 'q.q.q' }, options), {
    kind: 'refused',
    reason: 'query_token_not_allowed',
  });
  t.like(findToken({ ...none, authorization: 'Basic dTpw' }, options), { reason: 'malformed' });
  t.like(findToken(none, options), { kind: 'none' });
});

test('cookies are found by exact name', (t) => {
  t.is(cookieValue('x_spoolcast_token=1; spoolcast_token=2', 'spoolcast_token'), '2');
  t.is(cookieValue('other=1', 'spoolcast_token'), undefined);
});
