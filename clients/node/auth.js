// Signs every call with the broker's token, as a grpc-js client interceptor; the token itself is
// never sent. The broker (--auth-token-file) accepts
//   authorization: IPCB1-HMAC-SHA256 TS.NONCE.SIG
// where SIG = HMAC-SHA256(token, "IPCB1\n" + TS + "\n" + NONCE + "\n" + method): the time in Unix
// milliseconds, 16 random bytes, and the call's full method name without its leading slash; NONCE
// and SIG in base64url without padding. Each signature is accepted once, within a minute of the
// broker's clock (see the README's "Security").
'use strict';

const crypto = require('crypto');
const grpc = require('@grpc/grpc-js');

const ENV_TOKEN = 'IPCBROKER_TOKEN';
const SCHEME = 'IPCB1-HMAC-SHA256';

/** The authorization value of one call of `method` ('/pkg.Service/Method'). */
function authorization(token, method) {
  const ts = String(Date.now());
  const nonce = crypto.randomBytes(16).toString('base64url');
  const signed = `IPCB1\n${ts}\n${nonce}\n${method.replace(/^\//, '')}`;
  const sig = crypto.createHmac('sha256', token).update(signed, 'utf8').digest('base64url');
  return `${SCHEME} ${ts}.${nonce}.${sig}`;
}

/** An interceptor that adds a fresh signature to each call. */
function signer(token) {
  if (!token) throw new Error('the token is empty');
  return (options, nextCall) => new grpc.InterceptingCall(nextCall(options), {
    start(metadata, listener, next) {
      metadata.set('authorization', authorization(token, options.method_definition.path));
      next(metadata, listener);
    },
  });
}

/**
 * Client options that sign every call with `token` (IPCBROKER_TOKEN by default, which the broker
 * gives the processes it spawns); none when there is no token.
 */
function clientOptions(token = process.env[ENV_TOKEN]) {
  return token ? { interceptors: [signer(token)] } : {};
}

module.exports = { authorization, signer, clientOptions, ENV_TOKEN };
