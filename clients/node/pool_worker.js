// A pool worker in Node.js, written from the .proto files alone: it attaches to a pool over the
// PoolService Work stream and serves two functions on text payloads, `square` (an integer in,
// its square out) and `fail` (raises a RangeError). It grants credit for one chunk at a time and
// answers each chunk with one outcome per input, in order. It exits 0 when the broker retires it
// or ends the stream.
//
// Usage: node pool_worker.js HOST:PORT POOL
// Prints "attached <worker id>" once attached and "retired <chunks> chunks" at the end.
'use strict';

const path = require('path');
const grpc = require('@grpc/grpc-js');
const auth = require('./auth');
const protoLoader = require('@grpc/proto-loader');

const target = process.argv[2] || 'localhost:50051';
const poolName = process.argv[3];
const protoDir = path.resolve(__dirname, '../../proto/src/main/proto');

const definition = protoLoader.loadSync(['ipcbroker/v1/pool_service.proto'], {
  includeDirs: [protoDir], keepCase: true, longs: String, enums: String, defaults: true,
  oneofs: true,
});
const v1 = grpc.loadPackageDefinition(definition).ipcbroker.v1;
const pools = new v1.PoolService(target, grpc.credentials.createInsecure(), auth.clientOptions());

const functions = {
  square: (text) => String(BigInt(text) * BigInt(text)),
  fail: (text) => { throw new RangeError('bad input: ' + text); },
};

function run(fn, payload) {
  try {
    const out = functions[fn](payload.data.toString('utf8'));
    return { value: { data: Buffer.from(out, 'utf8'), content_type: 'text/plain' } };
  } catch (e) {
    return { error: {
      reason: 'TASK_RAISED', type_name: e.name, message: e.message, traceback: e.stack || '',
    } };
  }
}

let chunks = 0;
const call = pools.Work();
call.on('data', (msg) => {
  if (msg.kind === 'accepted') {
    console.log('attached ' + msg.accepted.worker_id);
    call.write({ credit: { chunks: 1 } });
  } else if (msg.kind === 'chunk') {
    const c = msg.chunk;
    const outcomes = c.items.map((item) => run(c.function, item));
    call.write({ result: { chunk_id: c.chunk_id, outcomes } });
    chunks++;
    call.write({ credit: { chunks: 1 } });
  } else if (msg.kind === 'retire') {
    call.end();
  }
});
call.on('end', () => {
  console.log('retired ' + chunks + ' chunks');
  process.exit(0);
});
call.on('error', (err) => {
  // A stream the broker ended (terminate) counts as a retirement.
  if (err.code === grpc.status.CANCELLED || err.code === grpc.status.OK) {
    console.log('retired ' + chunks + ' chunks');
    process.exit(0);
  }
  console.log('FAIL ' + err.code + ' ' + err.details);
  process.exit(1);
});
call.write({ hello: {
  pool: poolName, functions: Object.keys(functions), pid: String(process.pid),
} });
