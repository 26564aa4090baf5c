// Drives a peapod daemon with the official JavaScript client (@kubernetes/client-node 1.x):
// create, list, watch (ADDED, then MODIFIED to Running), logs, exec over WebSocket (stdout, stdin
// and the exit status from the status channel), delete. Prints one "step: result" line per check;
// tests/e2e/client_node_e2e_test.cc runs it and reads them.
// Usage: node client_node_e2e.mjs KUBECONFIG POD_NAME [NODE_MODULES_DIR]
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PassThrough, Readable } from 'node:stream';

const [kubeconfig, podName, modulesDir = '/usr/local/lib/peapod-test/node_modules'] = process.argv.slice(2);
const k8s = await import(pathToFileURL(join(modulesDir, '@kubernetes/client-node/dist/index.js')).href);
const ns = 'default';
const label = `client-node-${podName}`;

function say(step, result) {
  console.log(`${step}: ${result}`);
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Runs `command` in the pod's container; resolves with its stdout, stderr and the V1Status.
function execIn(kc, command, stdinText) {
  const exec = new k8s.Exec(kc);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const stdin = stdinText === undefined ? null : Readable.from([stdinText]);
  return new Promise((resolve, reject) => {
    exec
      .exec(ns, podName, 'main', command, stdout, stderr, stdin, false, (status) => {
        // The status arrives before the socket closes; let the last output frames land first.
        setImmediate(() => resolve({ out, err, status }));
      })
      .catch(reject);
  });
}

async function main() {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);

  // Watch first (from the list's resourceVersion), so the pod's ADDED and its MODIFIED to
  // Running both reach it.
  const before = await core.listNamespacedPod({ namespace: ns, labelSelector: `app=${label}` });
  say('list-before', before.items.length);
  const seen = [];
  let sawRunning;
  const running = new Promise((resolve) => (sawRunning = resolve));
  const watch = new k8s.Watch(kc);
  const watchReq = await watch.watch(
    `/api/v1/namespaces/${ns}/pods`,
    { labelSelector: `app=${label}`, resourceVersion: before.metadata.resourceVersion, allowWatchBookmarks: true },
    (type, obj) => {
      if (type === 'BOOKMARK') return;
      const phase = obj?.status?.phase ?? '';
      seen.push(`${type}/${phase}`);
      if (type === 'MODIFIED' && phase === 'Running') sawRunning();
    },
    (err) => {
      if (err && err.name !== 'AbortError') say('watch-error', err.message ?? String(err));
    },
  );

  const created = await core.createNamespacedPod({
    namespace: ns,
    body: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: podName, labels: { app: label } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'main',
            image: 'busybox',
            imagePullPolicy: 'IfNotPresent',
            command: ['sh', '-c', 'echo hello from client-node; exec sleep 3600'],
          },
        ],
      },
    },
  });
  say('created', `${created.metadata.name} ${created.metadata.uid ? 'uid' : 'no-uid'}`);

  await withTimeout(running, 60000, 'watch to Running');
  watchReq.abort();
  say('watch', seen.filter((s, i) => i === 0 || s !== seen[i - 1]).join(' '));

  const list = await core.listNamespacedPod({ namespace: ns, labelSelector: `app=${label}` });
  say('list', list.items.map((p) => `${p.metadata.name}=${p.status.phase}`).join(','));
  const got = await core.readNamespacedPod({ name: podName, namespace: ns });
  say('read', `${got.metadata.name} ${got.status.podIP ? 'has-ip' : 'no-ip'}`);

  let logs = '';
  for (let i = 0; i < 100 && !logs.includes('hello'); i++) {
    logs = await core.readNamespacedPodLog({ name: podName, namespace: ns, container: 'main' });
    if (!logs.includes('hello')) await new Promise((r) => setTimeout(r, 100));
  }
  say('logs', JSON.stringify(logs));

  let r = await withTimeout(execIn(kc, ['sh', '-c', 'echo out-$((40+2)); echo err-line >&2']), 30000, 'exec');
  say('exec-ok', `${JSON.stringify(r.out)} ${JSON.stringify(r.err)} ${r.status?.status}`);
  r = await withTimeout(execIn(kc, ['sh', '-c', 'echo failing; exit 3']), 30000, 'exec exit 3');
  const cause = r.status?.details?.causes?.find((c) => c.reason === 'ExitCode');
  say('exec-exit', `${JSON.stringify(r.out)} ${r.status?.status} ${r.status?.reason} ${cause?.message}`);
  r = await withTimeout(execIn(kc, ['sh', '-c', 'read line; echo got-$line'], 'piped\n'), 30000, 'exec stdin');
  say('exec-stdin', `${JSON.stringify(r.out)} ${r.status?.status}`);

  await core.deleteNamespacedPod({ name: podName, namespace: ns, gracePeriodSeconds: 0 });
  let gone = false;
  for (let i = 0; i < 200 && !gone; i++) {
    try {
      await core.readNamespacedPod({ name: podName, namespace: ns });
      await new Promise((res) => setTimeout(res, 100));
    } catch (e) {
      gone = e.code === 404;
      if (!gone) throw e;
    }
  }
  say('deleted', gone ? 'gone' : 'still-there');
}

main().then(
  () => process.exit(0),
  (e) => {
    console.log(`error: ${e?.code ?? ''} ${e?.body ?? ''} ${e?.stack ?? e}`);
    process.exit(1);
  },
);
