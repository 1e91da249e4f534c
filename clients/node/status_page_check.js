// Loads the broker's status page in headless Chromium (Debian's, driven by playwright-core) and
// checks that it shows a queue with its depth, and that the depth and put total it shows follow a
// put made here through the broker's gRPC API; and, given a lock, that the lock is listed free.
//
// Usage: node status_page_check.js PAGE_URL BROKER_HOST:PORT QUEUE DEPTH [LOCK]
//   PAGE_URL  the status page (http://127.0.0.1:PORT/)
//   QUEUE     a queue that exists and holds DEPTH items, all it was ever put
//   LOCK      a lock that exists and is free
// Prints "ok <check>" per check and "STATUS PAGE OK" at the end; exits 1 with "FAIL <why>".
// IPCBROKER_CHROMIUM names the browser (default /usr/bin/chromium).
'use strict';

const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { chromium } = require('playwright-core');
const auth = require('./auth');

const [pageUrl, target, queue, depthText, lock] = process.argv.slice(2);
const depth = Number(depthText);
const protoDir = path.resolve(__dirname, '../../proto/src/main/proto');
const definition = protoLoader.loadSync(['ipcbroker/v1/queue_service.proto'],
  { includeDirs: [protoDir], keepCase: true, longs: String, enums: String, defaults: true });
const v1 = grpc.loadPackageDefinition(definition).ipcbroker.v1;
const queues = new v1.QueueService(target, grpc.credentials.createInsecure(), auth.clientOptions());

function ok(check) {
  console.log(`ok ${check}`);
}

function put(item) {
  const request = {
    queue,
    item: { data: Buffer.from(item, 'utf8'), content_type: 'text/plain; charset=utf-8' },
    nowait: true,
  };
  return new Promise((resolve, reject) => {
    queues.putItem(request, { deadline: new Date(Date.now() + 10000) }, (err, response) => {
      if (err) reject(err);
      else if (response.outcome !== 'PUT_OUTCOME_OK') reject(new Error(`put: ${response.outcome}`));
      else resolve();
    });
  });
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.IPCBROKER_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    // This machine has no network beyond loopback: keep Chromium from reaching out.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(pageUrl, { waitUntil: 'load', timeout: 30000 });
    if ((await page.title()) !== 'ipcbroker status') throw new Error(`title ${await page.title()}`);
    ok('page loads');

    const cell = page.locator(`#queues tr[data-queue="${queue}"] td.depth`);
    await cell.waitFor({ timeout: 15000 });
    await page.waitForFunction(
      ([q, d]) => {
        const td = document.querySelector(`#queues tr[data-queue="${q}"] td.depth`);
        return td && td.textContent === String(d);
      }, [queue, depth], { timeout: 15000 });
    ok(`queue ${queue} shown with depth ${depth}`);

    await put('from the status page check');
    await page.waitForFunction(
      ([q, d]) => {
        const td = document.querySelector(`#queues tr[data-queue="${q}"] td.depth`);
        return td && td.textContent === String(d);
      }, [queue, depth + 1], { timeout: 15000 });
    ok(`depth follows a put: ${depth + 1}`);
    const putTotal = await page.locator(`#queues tr[data-queue="${queue}"] td.put`).textContent();
    if (putTotal !== String(depth + 1)) throw new Error(`put total ${putTotal}`);
    ok(`put total follows: ${putTotal}`);

    if (lock) {
      const state = page.locator(`#sync tr[data-kind="lock"][data-name="${lock}"] td.state`);
      await state.waitFor({ timeout: 15000 });
      if ((await state.textContent()) !== 'free') throw new Error(`lock ${await state.textContent()}`);
      ok(`lock ${lock} listed free`);
    }

    const points = await page.locator(`#queues tr[data-queue="${queue}"] polyline`)
      .getAttribute('points');
    if (!points || points.split(' ').length < 2) throw new Error(`sparkline points: ${points}`);
    ok('sparkline drawn from the samples');

    if (errors.length > 0) throw new Error(`page errors: ${errors.join('; ')}`);
    ok('no script errors');
  } finally {
    await browser.close();
  }
  console.log('STATUS PAGE OK');
}

main().then(
  () => process.exit(0),
  (err) => {
    console.log(`FAIL ${err.message}`);
    process.exit(1);
  });
