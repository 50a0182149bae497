import { createHash } from 'node:crypto';

/**
 * The dashboard: one self-contained page (inline CSS and JS, charts drawn as SVG by hand, no
 * framework, nothing fetched from elsewhere) so it works offline and behind any firewall. It polls
 * `/api/status` about once a second and keeps the history for its charts itself, so the server
 * stays stateless. The script avoids template literals: this file holds it in one.
 */
const style = `
:root { --pass: #1a7f37; --fail: #cf222e; --muted: #57606a; --line: #d0d7de; --source: #0969da; --target: #bc4c00; }
* { box-sizing: border-box; }
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; padding: 16px 24px; color: #1f2328; background: #f6f8fa; }
header { display: flex; align-items: baseline; gap: 16px; flex-wrap: wrap; }
h1 { font-size: 20px; margin: 0; }
h2 { font-size: 15px; margin: 0 0 8px; }
#phase { font-weight: 600; padding: 2px 10px; border-radius: 12px; background: #ddf4ff; }
#phase[data-phase="ready-to-cut-over"] { background: #dafbe1; color: var(--pass); }
#phase[data-phase="unknown"] { background: #ffebe9; color: var(--fail); }
#updated { color: var(--muted); }
#error { color: var(--fail); font-weight: 600; }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 16px; margin-top: 16px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 3px 8px 3px 0; border-bottom: 1px solid #eaeef2; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
th:nth-child(7), td:nth-child(7) { padding-left: 24px; }
ul { list-style: none; padding: 0; margin: 0; }
#gates li { padding: 4px 0; border-bottom: 1px solid #eaeef2; }
.badge { display: inline-block; min-width: 44px; text-align: center; font-weight: 700; font-size: 12px; border-radius: 4px; padding: 1px 6px; color: #fff; margin-right: 8px; }
.pass { background: var(--pass); } .fail { background: var(--fail); }
.reason { color: var(--muted); display: block; margin-left: 60px; font-size: 12px; }
svg { width: 100%; height: auto; display: block; }
section.wide { grid-column: 1 / -1; overflow-x: auto; }
svg .axis { stroke: var(--line); } svg text { font-size: 10px; fill: var(--muted); }
.legend span { margin-right: 12px; font-size: 12px; } .legend i { display: inline-block; width: 10px; height: 3px; vertical-align: middle; margin-right: 4px; }
.strip { display: flex; flex-wrap: wrap; gap: 1px; margin: 4px 0 10px; }
.cell { width: 8px; height: 14px; background: #eaeef2; }
.job { margin-bottom: 6px; } .muted { color: var(--muted); }
`;

const script = `
(function () {
  'use strict';
  var params = new URLSearchParams(location.search);
  var token = params.get('token');
  // The token came in the address once; it stays in this page's memory, not in the address bar or history.
  if (token) history.replaceState(null, '', location.pathname);
  var colors = { source: '#0969da', target: '#bc4c00' };
  var history_ = { source: [], target: [] };
  var keepPoints = 300;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { node.append(c); });
    return node;
  }
  function num(v) { return v === undefined || v === null ? '–' : Number(v).toLocaleString('en-US'); }
  function rate(v) { return v === undefined || v === null ? '–' : Number(v).toLocaleString('en-US', { maximumFractionDigits: 1 }) + '/s'; }
  function bound(ms) { return ms === null ? '>30 min' : ms >= 1000 ? (ms / 1000) + ' s' : ms + ' ms'; }

  function renderGates(gates) {
    var list = document.getElementById('gates');
    list.replaceChildren.apply(list, gates.map(function (g) {
      return el('li', { 'data-gate': g.id, 'data-pass': String(g.pass) }, [
        el('span', { class: 'badge ' + (g.pass ? 'pass' : 'fail') }, [g.pass ? 'PASS' : 'FAIL']), g.name,
        el('span', { class: 'reason' }, [g.reason])
      ]);
    }));
  }

  function renderSinks(sinks) {
    var body = document.getElementById('sinks');
    body.replaceChildren.apply(body, sinks.map(function (s) {
      var delay = s.delay && s.delay.count > 0 ? '≤ ' + bound(s.delay.p50UpToMs) + ' / ≤ ' + bound(s.delay.p99UpToMs) : '–';
      var cells = [
        el('td', {}, [s.destination]),
        el('td', { class: 'num', 'data-field': 'lag' }, [s.error ? '?' : num(s.lag)]),
        el('td', { class: 'num', 'data-field': 'throughput' }, [rate(s.throughput)]),
        el('td', { class: 'num', 'data-field': 'written' }, [num(s.written)]),
        el('td', { class: 'num', 'data-field': 'retried' }, [num(s.retried)]),
        el('td', { class: 'num', 'data-field': 'deadLettered' }, [num(s.deadLettered)]),
        el('td', { 'data-field': 'delay' }, [delay]),
        el('td', { 'data-field': 'state', title: s.error || s.lastError || '' }, [s.state || (s.error ? 'lag unknown' : 'no process answering')])
      ];
      return el('tr', { 'data-sink': s.destination }, cells);
    }));
  }

  function chart(id, field, unit) {
    var svg = document.getElementById(id);
    var width = 600, height = 150, left = 44, bottom = 16;
    var all = [];
    Object.keys(history_).forEach(function (d) { history_[d].forEach(function (p) { if (p[field] !== undefined) all.push(p); }); });
    var now = Date.now();
    var from = all.reduce(function (m, p) { return Math.min(m, p.t); }, now - 60000);
    var max = Math.max(1, all.reduce(function (m, p) { return Math.max(m, p[field]); }, 0)) * 1.1;
    var x = function (t) { return left + ((t - from) / Math.max(1, now - from)) * (width - left - 4); };
    var y = function (v) { return 4 + (1 - v / max) * (height - bottom - 8); };
    var ns = 'http://www.w3.org/2000/svg';
    var parts = [];
    function add(tag, attrs, text) {
      var node = document.createElementNS(ns, tag);
      Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
      if (text !== undefined) node.textContent = text;
      parts.push(node);
    }
    add('line', { class: 'axis', x1: left, y1: y(0), x2: width, y2: y(0) });
    add('line', { class: 'axis', x1: left, y1: 4, x2: left, y2: y(0) });
    add('text', { x: 2, y: 12 }, Math.round(max).toLocaleString('en-US') + unit);
    add('text', { x: 2, y: y(0) }, '0');
    add('text', { x: left, y: height - 2 }, '-' + Math.round((now - from) / 1000) + ' s');
    add('text', { x: width - 24, y: height - 2 }, 'now');
    Object.keys(history_).forEach(function (d) {
      var points = history_[d].filter(function (p) { return p[field] !== undefined; });
      if (points.length === 0) return;
      add('polyline', { fill: 'none', stroke: colors[d], 'stroke-width': 2, 'data-destination': d, 'data-points': String(points.length),
        points: points.map(function (p) { return x(p.t).toFixed(1) + ',' + y(p[field]).toFixed(1); }).join(' ') });
    });
    svg.replaceChildren.apply(svg, parts);
  }

  function strip(cells) {
    return el('div', { class: 'strip' }, cells.map(function (share, i) {
      var cell = el('span', { class: 'cell', title: 'cell ' + (i + 1) + ': ' + Math.round(share * 100) + '% done' });
      cell.style.background = share >= 1 ? 'var(--pass)' : share > 0 ? 'rgba(26,127,55,' + (0.25 + share * 0.6) + ')' : '#eaeef2';
      return cell;
    }));
  }

  function renderJobs(report) {
    var backfill = document.getElementById('backfill');
    var jobs = report.backfill.slice(0, 8);
    backfill.replaceChildren.apply(backfill, jobs.length === 0 ? [el('p', { class: 'muted' }, ['no backfill job yet'])] : jobs.map(function (j) {
      var line = j.table + ' — ' + j.rangesDone + '/' + j.rangesTotal + ' ranges, ' + num(j.rowsWritten) + ' rows' + (j.rowsRejected ? ', ' + num(j.rowsRejected) + ' refused' : '') + (j.complete ? ' — complete' : '');
      return el('div', { class: 'job', 'data-backfill': j.job, 'data-complete': String(j.complete) }, [el('strong', {}, [j.job]), ' ', el('span', { class: 'muted' }, [line]), strip(j.cells)]);
    }));
    var validation = document.getElementById('validation');
    var checks = report.validation.slice(0, 8);
    validation.replaceChildren.apply(validation, checks.length === 0 ? [el('p', { class: 'muted' }, ['no validation yet'])] : checks.map(function (j) {
      var r = j.result;
      var verdict = r ? (r.clean ? 'CLEAN' : r.differences.missing + ' missing, ' + r.differences.extra + ' extra, ' + r.differences.mismatched + ' mismatched') : 'running';
      var line = j.table + ' — ' + (r ? num(r.rowsCompared) : num(j.rowsCompared)) + ' rows compared' + (j.samplePercent !== undefined ? ' (' + j.samplePercent + '% sample)' : '') + (j.rangesTotal ? ', ' + j.rangesDone + '/' + j.rangesTotal + ' ranges' : '');
      return el('div', { class: 'job', 'data-validation': j.job, 'data-clean': r ? String(r.clean) : 'running' }, [
        el('span', { class: 'badge ' + (r && r.clean ? 'pass' : r ? 'fail' : '') , style: r ? '' : 'background:#8c959f' }, [verdict === 'CLEAN' ? 'CLEAN' : r ? 'DIFFERS' : 'RUNNING']),
        el('strong', {}, [j.job]), ' ', el('span', { class: 'muted' }, [line + (r && !r.clean ? ' — ' + verdict : '')]), j.cells.length ? strip(j.cells) : ''
      ]);
    }));
  }

  function renderOther(report) {
    var dlq = document.getElementById('dead-letters');
    var letters = report.deadLetters;
    dlq.replaceChildren.apply(dlq, !letters ? [el('li', { class: 'muted' }, ['unknown'])] : letters.length === 0 ? [el('li', { class: 'muted' }, ['no dead-letter topics configured'])] : letters.map(function (d) {
      return el('li', { 'data-dead-letters': d.topic }, [d.topic + ': ' + num(d.undrained) + ' not replayed' + (d.expired ? ' (' + num(d.expired) + ' deleted by the broker unread)' : '')]);
    }));
    var stack = document.getElementById('stack');
    stack.replaceChildren.apply(stack, report.stack.length === 0 ? [el('li', { class: 'muted' }, ['no local stack state'])] : report.stack.map(function (s) {
      return el('li', {}, [s.name + ': ' + (s.running ? 'running' : 'stopped') + (s.address ? ' on ' + s.address : '')]);
    }));
  }

  function render(report) {
    var phase = document.getElementById('phase');
    phase.textContent = report.phase;
    phase.setAttribute('data-phase', report.phase);
    document.getElementById('error').textContent = report.kafka.reachable ? '' : 'Kafka unreachable: ' + (report.kafka.error || '');
    document.getElementById('updated').textContent = 'updated ' + new Date(report.generatedAtMs).toLocaleTimeString();
    report.sinks.forEach(function (s) {
      var list = history_[s.destination] || (history_[s.destination] = []);
      list.push({ t: report.generatedAtMs, lag: s.lag, throughput: s.throughput });
      if (list.length > keepPoints) list.shift();
    });
    renderGates(report.gates);
    renderSinks(report.sinks);
    chart('lag-chart', 'lag', '');
    chart('throughput-chart', 'throughput', '/s');
    renderJobs(report);
    renderOther(report);
  }

  function poll() {
    fetch('api/status', { headers: token ? { authorization: 'Bearer ' + token } : {}, cache: 'no-store' })
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status + (response.status === 401 ? ': open the page with ?token=<TANDEM_DASHBOARD_TOKEN>' : ''));
        return response.json();
      })
      .then(render)
      .catch(function (error) { document.getElementById('error').textContent = 'status unavailable: ' + error.message; })
      .finally(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
`;

const legend = '<div class="legend"><span><i style="background:var(--source)"></i>source</span><span><i style="background:var(--target)"></i>target</span></div>';

export const dashboardHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tandem migration</title>
<style>${style}</style>
</head>
<body>
<header><h1>Tandem migration</h1><span id="phase" data-phase="">loading…</span><span id="updated"></span><span id="error"></span></header>
<main>
<section><h2>Cutover gates</h2><ul id="gates"></ul></section>
<section><h2>Lag (records behind)</h2>${legend}<svg id="lag-chart" viewBox="0 0 600 150" role="img" aria-label="lag over time"></svg></section>
<section><h2>Throughput (records committed per second)</h2>${legend}<svg id="throughput-chart" viewBox="0 0 600 150" role="img" aria-label="throughput over time"></svg></section>
<section class="wide"><h2>Sinks</h2><table><thead><tr><th>destination</th><th class="num">lag</th><th class="num">throughput</th><th class="num">written</th><th class="num">retries</th><th class="num">dead-lettered</th><th>delay p50 / p99</th><th>state</th></tr></thead><tbody id="sinks"></tbody></table></section>
<section><h2>Backfill by range</h2><div id="backfill"></div></section>
<section><h2>Validation</h2><div id="validation"></div></section>
<section><h2>Dead letters</h2><ul id="dead-letters"></ul><h2 style="margin-top:12px">Local stack</h2><ul id="stack"></ul></section>
</main>
<script>${script}</script>
</body>
</html>
`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/**
 * Only this page's own script runs (styles may be inline: the page sets colours per cell), it talks
 * only to the server it came from, and no referrer leaves it, so a token in its address goes nowhere.
 */
export const dashboardHeaders: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': `default-src 'none'; script-src ${sha256(script)}; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};
