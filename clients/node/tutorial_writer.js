// The tutorial's writer process, in Node.js from the .proto files alone: creates the queue or
// opens it (unbounded), puts URLs on it (text/plain, so a reader in any language reads them as
// text) and prints one line per put.
//
// Usage: node tutorial_writer.js HOST:PORT QUEUE URL [URL ...]
'use strict';

const path = require('path');
const grpc = require('@grpc/grpc-js');
const auth = require('./auth');
const protoLoader = require('@grpc/proto-loader');

const [target, queue, ...urls] = process.argv.slice(2);
const protoDir = path.resolve(__dirname, '../../proto/src/main/proto');
const definition = protoLoader.loadSync(['ipcbroker/v1/queue_service.proto'],
  { includeDirs: [protoDir], keepCase: true, longs: String, enums: String, defaults: true });
const v1 = grpc.loadPackageDefinition(definition).ipcbroker.v1;
const queues = new v1.QueueService(target, grpc.credentials.createInsecure(), auth.clientOptions());

function put(url) {
  const request = {
    queue,
    item: { data: Buffer.from(url, 'utf8'), content_type: 'text/plain; charset=utf-8' },
    timeout_seconds: 10,
  };
  return new Promise((resolve, reject) => {
    queues.putItem(request, { deadline: new Date(Date.now() + 30000) }, (err, response) => {
      if (err) reject(err);
      else if (response.outcome !== 'PUT_OUTCOME_OK') reject(new Error(`put ${url}: ${response.outcome}`));
      else resolve();
    });
  });
}

function openQueue() {
  return new Promise((resolve, reject) => {
    queues.createQueue({ name: queue, maxsize: 0, allow_existing: true },
      { deadline: new Date(Date.now() + 30000) }, (err) => (err ? reject(err) : resolve()));
  });
}

(async () => {
  await openQueue();
  for (const url of urls) {
    await put(url);
    console.log(`Put ${url} to queue...`);
  }
  queues.close();
})().catch((err) => {
  console.error(`FAIL ${err.message}`);
  process.exit(1);
});
