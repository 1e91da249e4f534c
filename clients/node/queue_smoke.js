// A Node.js client of ipcbroker written from the .proto files alone (no generated code, no SDK):
// opens a session, keeps it alive, creates a queue, puts and gets with timeouts over the unary and
// the streaming forms, and tells FULL from EMPTY from an error (by ErrorInfo.reason).
//
// Usage: node queue_smoke.js HOST:PORT
// Prints one "ok <check>" line per passed check and "NODE SMOKE OK <n>" at the end; exits 1 with
// "FAIL <check>: <why>" on the first failure.
'use strict';

const path = require('path');
const grpc = require('@grpc/grpc-js');
const auth = require('./auth');
const protoLoader = require('@grpc/proto-loader');
const protobuf = require('protobufjs');

const target = process.argv[2] || 'localhost:50051';
const protoDir = path.resolve(__dirname, '../../proto/src/main/proto');

const definition = protoLoader.loadSync(
  ['ipcbroker/v1/session_service.proto', 'ipcbroker/v1/queue_service.proto'],
  { includeDirs: [protoDir], longs: String, enums: String, defaults: true, oneofs: true });
const v1 = grpc.loadPackageDefinition(definition).ipcbroker.v1;

// google.rpc.Status and ErrorInfo, as the error model (error_reason.proto) describes them: the
// broker sends them in the grpc-status-details-bin trailer.
const rpcTypes = protobuf.parse(`
  syntax = "proto3";
  package google.rpc;
  message Any { string type_url = 1; bytes value = 2; }
  message Status { int32 code = 1; string message = 2; repeated Any details = 3; }
  message ErrorInfo { string reason = 1; string domain = 2; map<string, string> metadata = 3; }
`).root;
const StatusType = rpcTypes.lookupType('google.rpc.Status');
const ErrorInfoType = rpcTypes.lookupType('google.rpc.ErrorInfo');

function errorReason(err) {
  const bins = err.metadata ? err.metadata.get('grpc-status-details-bin') : [];
  if (!bins || bins.length === 0) return null;
  const status = StatusType.decode(bins[0]);
  for (const any of status.details) {
    if ((any.typeUrl || any.type_url || '').endsWith('/google.rpc.ErrorInfo')) {
      return ErrorInfoType.decode(any.value).reason;
    }
  }
  return null;
}

const sessions = new v1.SessionService(target, grpc.credentials.createInsecure(), auth.clientOptions());
const queues = new v1.QueueService(target, grpc.credentials.createInsecure(), auth.clientOptions());

function deadline(seconds) {
  return { deadline: new Date(Date.now() + seconds * 1000) };
}

function unary(client, method, request, seconds = 5) {
  return new Promise((resolve, reject) => {
    client[method](request, deadline(seconds), (err, response) => {
      if (err) reject(err); else resolve(response);
    });
  });
}

async function expectError(what, promise, code, reason) {
  try {
    await promise;
  } catch (err) {
    if (err.code !== code) throw new Error(`${what}: code ${err.code}, expected ${code}`);
    const got = errorReason(err);
    if (got !== reason) throw new Error(`${what}: reason ${got}, expected ${reason}`);
    return;
  }
  throw new Error(`${what}: succeeded, expected an error`);
}

let passed = 0;
function ok(check) {
  passed++;
  console.log(`ok ${check}`);
}
function check(condition, what) {
  if (!condition) throw new Error(what);
}
const text = (s) => ({ data: Buffer.from(s, 'utf8'), contentType: 'text/plain; charset=utf-8' });
const decode = (delivery) => Buffer.from(delivery.payload.data).toString('utf8');

async function main() {
  const name = `node-smoke-${process.pid}-${Date.now()}`;

  const { session } = await unary(sessions, 'createSession', { ttlSeconds: 5, clientName: 'node' });
  check(session.sessionId.length > 0, 'session id');
  ok('CreateSession');

  const keepAlive = sessions.keepAlive();
  const renewed = new Promise((resolve, reject) => {
    keepAlive.on('data', resolve);
    keepAlive.on('error', reject);
  });
  keepAlive.write({ sessionId: session.sessionId });
  const renewal = await renewed;
  check(renewal.session.sessionId === session.sessionId, 'keep-alive answer');
  ok('KeepAlive');

  const created = await unary(queues, 'createQueue', { name, maxsize: 2 });
  check(created.created && created.queue.maxsize === '2', 'created queue');
  ok('CreateQueue');

  for (const item of ['a', 'b']) {
    const put = await unary(queues, 'putItem', { queue: name, item: text(item) });
    check(put.outcome === 'PUT_OUTCOME_OK', `put ${item}: ${put.outcome}`);
  }
  ok('PutItem x2');

  const full = await unary(queues, 'putItem', { queue: name, item: text('c'), nowait: true });
  check(full.outcome === 'PUT_OUTCOME_FULL', `put_nowait on full: ${full.outcome}`);
  ok('PutItem nowait on a full queue answers FULL');

  let start = Date.now();
  const fullAfter = await unary(queues, 'putItem',
    { queue: name, item: text('c'), timeoutSeconds: 0.2 });
  let took = Date.now() - start;
  check(fullAfter.outcome === 'PUT_OUTCOME_FULL', `put with timeout: ${fullAfter.outcome}`);
  check(took >= 185 && took <= 450, `put with timeout took ${took} ms`);
  ok(`PutItem with a 0.2 s timeout answers FULL after ${took} ms`);

  const first = await unary(queues, 'getItem', { queue: name, nowait: true });
  check(first.outcome === 'PULL_OUTCOME_DELIVERED' && decode(first.delivery) === 'a', 'get a');
  ok('GetItem nowait delivers the oldest item');

  // The acknowledged stream: open, pull, ack, pull again (empty), half-close.
  const consume = queues.consume();
  const results = [];
  const waiters = [];
  const ended = new Promise((resolve, reject) => {
    consume.on('end', resolve);
    consume.on('error', reject);
  });
  consume.on('data', (response) => {
    if (response.pullResult) {
      const w = waiters.shift();
      if (w) w(response.pullResult); else results.push(response.pullResult);
    }
  });
  const nextResult = () => new Promise((resolve) => {
    if (results.length) resolve(results.shift()); else waiters.push(resolve);
  });
  consume.write({ open: { queue: name, sessionId: session.sessionId } });
  consume.write({ pull: { pullId: 1, maxItems: 1, timeoutSeconds: 1 } });
  const pulled = await nextResult();
  check(pulled.outcome === 'PULL_OUTCOME_DELIVERED', `pull 1: ${pulled.outcome}`);
  check(decode(pulled.deliveries[0]) === 'b', 'pull 1 item');
  consume.write({ ackIds: [pulled.deliveries[0].deliveryId] });
  ok('Consume delivers and takes the ack');

  start = Date.now();
  consume.write({ pull: { pullId: 2, maxItems: 1, timeoutSeconds: 0.2 } });
  const empty = await nextResult();
  took = Date.now() - start;
  check(empty.outcome === 'PULL_OUTCOME_EMPTY', `pull 2: ${empty.outcome}`);
  check(took >= 185 && took <= 450, `empty pull took ${took} ms`);
  ok(`Consume pull with a 0.2 s timeout answers EMPTY after ${took} ms`);
  consume.end();
  await ended;
  ok('Consume half-close completes');

  start = Date.now();
  const none = await unary(queues, 'getItem', { queue: name, timeoutSeconds: 0.2 });
  took = Date.now() - start;
  check(none.outcome === 'PULL_OUTCOME_EMPTY', `get on empty: ${none.outcome}`);
  ok(`GetItem with a 0.2 s timeout answers EMPTY after ${took} ms`);

  const described = await unary(queues, 'getQueue', { name });
  check(described.queue.size === '0' && described.queue.empty, 'queue empty and acked');
  ok('GetQueue shows the queue empty (the ack committed the item)');

  await expectError('bad name', unary(queues, 'createQueue', { name: 'bad name' }),
    grpc.status.INVALID_ARGUMENT, 'INVALID_NAME');
  ok('a bad name is INVALID_ARGUMENT/INVALID_NAME');
  await expectError('unknown queue', unary(queues, 'getItem', { queue: `${name}-missing` }),
    grpc.status.NOT_FOUND, 'QUEUE_NOT_FOUND');
  ok('an unknown queue is NOT_FOUND/QUEUE_NOT_FOUND');
  await expectError('negative timeout',
    unary(queues, 'getItem', { queue: name, timeoutSeconds: -1 }),
    grpc.status.INVALID_ARGUMENT, 'INVALID_TIMEOUT');
  ok('a negative timeout is INVALID_ARGUMENT/INVALID_TIMEOUT');

  await unary(queues, 'deleteQueue', { name, force: true });
  await unary(sessions, 'deleteSession', { sessionId: session.sessionId });
  keepAlive.end();
  ok('DeleteQueue and DeleteSession');

  console.log(`NODE SMOKE OK ${passed}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    const reason = err.metadata ? errorReason(err) : null;
    console.log(`FAIL ${err.message}` + (reason ? ` [reason ${reason}]` : ''));
    process.exit(1);
  });
