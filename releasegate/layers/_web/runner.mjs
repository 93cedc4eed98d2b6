// releasegate's resident Lighthouse runner: one Node process, one Chrome, many runs.
//
//   node runner.mjs '<json options>'
//
// options: {lighthouseDir, chromePath, chromeFlags: [...], userDataDir}
// Starts Chrome once through chrome-launcher (as the Lighthouse CLI does), prints one line
// {"ready": true, ...}, then reads one JSON request per line on stdin
//   {"id", "url", "preset": "desktop"|"mobile", "headers": {...}, "outBase", "skipAudits": [...]}
// and answers one JSON line per request on stdout
//   {"id", "ok", "json", "html", "error", "code", "browserGone", "durationMs"}
// The resolved config (the preset's settings, gatherers and audits; ~0.5 s to build on a quiet
// machine, seconds on a busy one) is built once per (preset, flags) and reused: the navigation
// below is Lighthouse's own navigationGather (core/gather/navigation-runner.js) with that step
// hoisted out, so every run gathers and audits exactly as `lighthouse(url, flags, config, page)`.
// Each run gets a browser context of its own (fresh cookies, storage and cache) on top of
// Lighthouse's own storage reset, so runs are independent. Runs are sequential. When Chrome
// goes away the pending run is answered with browserGone and the process exits 3: the caller
// decides whether to start another runner. Logs go to stderr, answers only to stdout.
import fs from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import {pathToFileURL} from 'node:url';

const options = JSON.parse(process.argv[2]);
const from = (rel) => import(pathToFileURL(path.join(options.lighthouseDir, rel)).href);
const requireFrom = async (pkg) => {
  const {createRequire} = await import('node:module');
  const req = createRequire(path.join(options.lighthouseDir, 'package.json'));
  return import(pathToFileURL(req.resolve(pkg)).href);
};

const {default: desktopConfig} = await from('core/config/desktop-config.js');
const {initializeConfig} = await from('core/config/config.js');
const {Runner} = await from('core/runner.js');
const {Driver} = await from('core/gather/driver.js');
const navigationRunner = await from('core/gather/navigation-runner.js');
const {finalizeArtifacts} = await from('core/gather/base-artifacts.js');
const {default: UrlUtils} = await from('core/lib/url-utils.js');
const ChromeLauncher = await requireFrom('chrome-launcher');
const {default: puppeteer} = await requireFrom('puppeteer-core');

function answer(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

let chrome;
let browser;
let browserGone = false;
let current = null; // the request being run
try {
  chrome = await ChromeLauncher.launch({
    chromePath: options.chromePath,
    chromeFlags: options.chromeFlags,
    userDataDir: options.userDataDir,
    logLevel: 'silent',
  });
  browser = await puppeteer.connect({
    browserURL: `http://127.0.0.1:${chrome.port}`,
    defaultViewport: null,
  });
} catch (err) {
  answer({ready: false, error: `Unable to connect to Chrome: ${err && err.message}`});
  try { chrome?.kill(); } catch {}
  process.exit(2);
}

browser.on('disconnected', () => {
  browserGone = true;
  if (current) {
    answer({id: current.id, ok: false, browserGone: true,
      error: 'Runtime error encountered: the browser crashed (Chrome disconnected)'});
    current = null;
  }
  process.exit(3);
});

async function shutdown(code) {
  try { await browser?.disconnect(); } catch {}
  try { chrome?.kill(); } catch {}
  process.exit(code);
}
process.on('SIGTERM', () => shutdown(0));

const configs = new Map();
async function resolvedConfigFor(preset, flags) {
  const key = JSON.stringify([preset, flags]);
  if (!configs.has(key)) {
    const config = preset === 'desktop' ? desktopConfig : undefined;
    configs.set(key, (await initializeConfig('navigation', config, flags)).resolvedConfig);
  }
  return configs.get(key);
}

// Lighthouse 12's navigationGather + Runner.audit for a given page, with a resolved config.
async function navigation(page, url, resolvedConfig) {
  const computedCache = new Map();
  const runnerOptions = {resolvedConfig, computedCache};
  const gatherFn = async () => {
    const driver = new Driver(page);
    const context = {
      driver, lhBrowser: undefined, lhPage: undefined, page, resolvedConfig,
      requestor: UrlUtils.normalizeUrl(url), computedCache,
    };
    const {baseArtifacts} = await navigationRunner._setup(context);
    const artifacts = await navigationRunner._navigation({...context, baseArtifacts});
    await navigationRunner._cleanup(context);
    return finalizeArtifacts(baseArtifacts, artifacts);
  };
  const artifacts = await Runner.gather(gatherFn, runnerOptions);
  return Runner.audit(artifacts, runnerOptions);
}

async function runOne(req) {
  const started = Date.now();
  const flags = {
    output: ['json', 'html'],
    logLevel: 'error',
    channel: 'cli',
    disableFullPageScreenshot: true,
    extraHeaders: req.headers && Object.keys(req.headers).length ? req.headers : undefined,
    skipAudits: req.skipAudits && req.skipAudits.length ? req.skipAudits : undefined,
    // a signed-in single-page app keeps its token in Web Storage: set it below, and keep it
    disableStorageReset: req.storage && req.storage.length ? true : undefined,
  };
  for (const key of Object.keys(flags)) if (flags[key] === undefined) delete flags[key];
  const resolvedConfig = await resolvedConfigFor(req.preset, flags);
  const context = await browser.createBrowserContext();
  try {
    const page = await context.newPage();
    if (req.storage && req.storage.length) {
      // the page's origin first (storage belongs to an origin), then the values, in a context
      // of its own: the next run starts without them
      await page.goto(new URL(req.url).origin + '/', {waitUntil: 'domcontentloaded'});
      await page.evaluate((items) => {
        for (const item of items) {
          (item.area === 'sessionStorage' ? sessionStorage : localStorage).setItem(item.key, item.value);
        }
      }, req.storage);
    }
    const result = await navigation(page, req.url, resolvedConfig);
    if (!result) throw new Error('Lighthouse returned no result');
    const jsonPath = `${req.outBase}.report.json`;
    const htmlPath = `${req.outBase}.report.html`;
    await fs.writeFile(jsonPath, result.report[0]);
    await fs.writeFile(htmlPath, result.report[1]);
    const runtime = result.lhr.runtimeError;
    const out = {id: req.id, ok: !runtime, json: jsonPath, html: htmlPath, durationMs: Date.now() - started};
    if (runtime) {
      out.error = `Runtime error encountered: ${runtime.message}`;
      out.code = runtime.code;
    }
    return out;
  } finally {
    try { await context.close(); } catch {}
  }
}

answer({ready: true, port: chrome.port, chromePid: chrome.pid, node: process.version});

const lines = readline.createInterface({input: process.stdin, terminal: false});
for await (const line of lines) {
  if (!line.trim()) continue;
  let req;
  try {
    req = JSON.parse(line);
  } catch (err) {
    answer({id: null, ok: false, error: `bad request: ${err.message}`});
    continue;
  }
  current = req;
  let out;
  try {
    out = await runOne(req);
  } catch (err) {
    const code = err && err.code ? ` (${err.code})` : '';
    const msg = (err && (err.friendlyMessage || err.message)) || String(err);
    out = {id: req.id, ok: false, error: `Runtime error encountered: ${msg}${code}`, code: err && err.code,
      browserGone};
  }
  if (current === null) break; // already answered by the disconnect handler
  current = null;
  answer(out);
}
await shutdown(0);
