// The Gridwork dashboard: a few views over the master's JSON API, refreshed every second. No framework, no build.
'use strict';

const REFRESH_MS = 1000;
const PAGE = 50;
let me = null;
let timer = null;
let workerOffset = 0;
let taskFrom = 0;
let taskFilter = 'all';
// tasks whose attempts are shown ('JOB/INDEX'), and the attempts last fetched for each (kept across refreshes)
const openTasks = new Set();
const attemptsShown = new Map();

const $ = (id) => document.getElementById(id);

function esc(v) {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

function token() { return sessionStorage.getItem('gridwork.token') || ''; }

async function api(path, method = 'GET') {
  const headers = {};
  if (token()) headers['Authorization'] = 'Bearer ' + token();
  const res = await fetch('/api/' + path, { method, headers });
  const body = await res.json().catch(() => ({ error: res.statusText }));
  if (res.status === 401) { showLogin(body.error); throw new Error(body.error); }
  if (!res.ok) throw new Error(body.error || res.statusText);
  return body;
}

function showLogin(message) {
  $('login').hidden = false;
  $('view').innerHTML = '';
  $('login-error').textContent = message || '';
  $('logout').hidden = true;
}

function state(s) { return `<span class="state ${esc(s)}">${esc(s)}</span>`; }

function ago(ms) {
  if (ms === null || ms === undefined) return '';
  if (ms < 1000) return ms + ' ms';
  if (ms < 120000) return (ms / 1000).toFixed(1) + ' s';
  return Math.round(ms / 60000) + ' min';
}

function since(iso) { return iso ? ago(Date.now() - Date.parse(iso)) + ' ago' : ''; }

function progress(job) {
  const t = job.tasks || {};
  const total = Number(t.total || 0);
  const done = Number(t.succeeded || 0);
  const pct = total > 0 ? Math.min(100, (100 * done) / total) : (job.state === 'SUCCEEDED' ? 100 : 0);
  return `<span class="bar" data-progress="${pct.toFixed(1)}"><span style="width:${pct.toFixed(1)}%"></span></span>
    <span class="muted">${done.toLocaleString()} / ${total ? total.toLocaleString() : '?'}</span>`;
}

function jobRows(jobs) {
  if (!jobs.length) return '<tr><td colspan="5" class="muted">none</td></tr>';
  return jobs.map((j) => `<tr class="job" data-job="${esc(j.id)}">
      <td><a href="#/jobs/${esc(j.id)}">${esc(j.id)}</a></td><td>${esc(j.jobClass)}</td>
      <td>${state(j.state)}</td><td>${progress(j)}</td><td class="muted">${esc(j.owner || '')}</td></tr>`).join('');
}

function chart(points) {
  const w = 560, h = 140, pad = 28;
  if (points.length < 2) return `<svg width="${w}" height="${h}" id="rate-chart"><text x="${pad}" y="${h / 2}" class="muted">collecting…</text></svg>`;
  const t0 = points[0][0], t1 = points[points.length - 1][0];
  const max = Math.max(1, ...points.map((p) => p[1]));
  const x = (t) => pad + ((w - 2 * pad) * (t - t0)) / Math.max(1, t1 - t0);
  const y = (v) => h - pad + 4 - ((h - 2 * pad) * v) / max;
  const path = points.map((p, i) => (i ? 'L' : 'M') + x(p[0]).toFixed(1) + ',' + y(p[1]).toFixed(1)).join(' ');
  return `<svg width="${w}" height="${h}" id="rate-chart">
    <text x="4" y="14" font-size="11">${Math.round(max).toLocaleString()} tasks/s</text>
    <text x="4" y="${h - 6}" font-size="11">${Math.round((t1 - t0) / 60000) || '<1'} min ago</text>
    <text x="${w - 30}" y="${h - 6}" font-size="11">now</text>
    <line x1="${pad}" y1="${h - pad + 4}" x2="${w - pad}" y2="${h - pad + 4}" stroke="#ccd"/>
    <path d="${path}" fill="none" stroke="#1450b8" stroke-width="2"/></svg>`;
}

function histogram(d) {
  const counts = d.counts.map(Number), bounds = d.boundsMs;
  const labels = bounds.map((b, i) => '<' + (b >= 1000 ? b / 1000 + ' s' : b + ' ms')).concat(['≥' + bounds[bounds.length - 1] / 1000 + ' s']);
  const w = 480, h = 140, bw = (w - 20) / counts.length, max = Math.max(1, ...counts);
  const bars = counts.map((c, i) => {
    const bh = ((h - 40) * c) / max;
    return `<rect x="${10 + i * bw + 4}" y="${h - 22 - bh}" width="${bw - 8}" height="${bh}" fill="#2f7d4f"/>
      <text x="${10 + i * bw + 4}" y="${h - 8}" font-size="10">${esc(labels[i])}</text>
      <text x="${10 + i * bw + 4}" y="${h - 26 - bh}" font-size="10">${c ? c.toLocaleString() : ''}</text>`;
  }).join('');
  return `<svg width="${w}" height="${h}" id="durations">${bars}</svg>`;
}

function eventRows(events) {
  if (!events.length) return '<tr><td colspan="4" class="muted">no failures or recoveries yet</td></tr>';
  return events.slice().reverse().map((e) => `<tr class="event"><td class="muted">${esc(new Date(e.at).toLocaleTimeString())}</td>
      <td><a href="#/workers/${esc(e.name)}">${esc(e.name)}</a></td><td>${state(e.type)}</td><td>${esc(e.reason)}</td></tr>`).join('');
}

/** Tasks executing of the slots, and the tasks it holds without running them yet (prefetched). */
function slotsInUse(w) {
  const running = Number(w.running || 0), held = Number(w.held || 0), slots = Number(w.slots || 0);
  const extra = held > 0 ? ` <span class="muted">+${held} held</span>` : '';
  return `${running} / ${slots}${extra}`;
}

/** A worker's relative speed: its pace over the grid's average (1.00: average). */
const SPEED_TITLE = 'relative speed: how fast its tasks run against the same jobs on the other live workers; 1.00 is the grid average, 2.00 twice as fast';

function workerRows(workers) {
  if (!workers.length) return '<tr><td colspan="7" class="muted">no workers</td></tr>';
  return workers.map((w) => `<tr class="worker" data-worker="${esc(w.name)}" data-state="${esc(w.state)}">
      <td><a href="#/workers/${esc(w.name)}">${esc(w.name)}</a></td><td title="${esc(w.ownerReason || '')}">${state(w.state)}</td>
      <td>${slotsInUse(w)}</td>
      <td>${esc(Object.entries(w.labels || {}).map(([k, v]) => k + '=' + v).join(', '))}</td>
      <td>${esc(ago(w.heartbeatAgeMs))}</td><td title="${SPEED_TITLE}">${Number(w.speed || 0).toFixed(2)}</td>
      <td>${Number(w.completed || 0).toLocaleString()}</td></tr>`).join('');
}

const MASTER_HEAD = '<tr><th>Master</th><th>Address</th><th>State</th><th>Epoch</th><th>Jobs</th><th>Lease age</th></tr>';

function masterRows(masters) {
  if (!masters.length) return '<tr><td colspan="6" class="muted">no masters known</td></tr>';
  return masters.map((m) => `<tr class="master" data-master="${esc(m.id)}" data-state="${esc(m.state)}">
      <td>${esc(m.id)}${m.self ? ' <span class="muted">(this one)</span>' : ''}</td>
      <td>${m.httpAddress ? `<a href="${location.protocol}//${esc(m.httpAddress)}/">${esc(m.address)}</a>` : esc(m.address)}</td>
      <td>${state(m.state)}</td><td>${esc(m.epoch || 0)}</td><td>${Number(m.jobs || 0).toLocaleString()}</td>
      <td>${esc(ago(Number(m.leaseAgeMs || 0)))}</td></tr>`).join('');
}

/** Master events, newest first; a takeover says whose jobs, how many, and how long it took. */
function masterEventRows(events) {
  if (!events.length) return '<tr><td colspan="4" class="muted">no master events yet</td></tr>';
  return events.slice().reverse().map((e) => {
    const what = e.type === 'TAKEOVER'
      ? `${esc(e.byMasterId)} took over ${Number(e.jobs || 0)} jobs of ${esc(e.masterId)} in ${Number(e.durationMs || 0)} ms`
      : `${esc(e.masterId)}${e.byMasterId && e.byMasterId !== e.masterId ? ' (seen by ' + esc(e.byMasterId) + ')' : ''}`;
    return `<tr class="master-event"><td class="muted">${esc(new Date(e.at).toLocaleString())}</td><td>${state(e.type)}</td>
      <td>${what}</td><td>${esc(e.detail || '')}</td></tr>`;
  }).join('');
}

async function mastersPage() {
  const m = await api('masters?events=100');
  $('view').innerHTML = `<h1>Masters (${m.masters.length})</h1><table id="masters">${MASTER_HEAD}${masterRows(m.masters)}</table>
    <h2>Master events</h2><table id="master-events">${masterEventRows(m.events)}</table>`;
}

const WORKER_HEAD = `<tr><th>Worker</th><th>State</th><th>Running / slots</th><th>Labels</th><th>Last heartbeat</th><th title="${SPEED_TITLE}">Speed (1.00 = average)</th><th>Tasks done</th></tr>`;

async function overview() {
  const [o, w, m] = await Promise.all([api('overview'), api(`workers?offset=${workerOffset}&limit=${PAGE}&departed=true`),
    api('masters?events=10')]);
  const ws = o.workers.byState || {};
  const jobs = o.jobsByState || {};
  $('view').innerHTML = `<h1>Overview</h1>
    <div class="cards">
      <div class="card"><div class="n" id="alive-count">${ws.ALIVE || 0}</div>workers alive</div>
      <div class="card"><div class="n">${(ws.SUSPECT || 0) + (ws.LINK_FAILED || 0)}</div>suspect or cut off</div>
      <div class="card"><div class="n" id="dead-count">${ws.DEAD || 0}</div>dead</div>
      <div class="card"><div class="n">${o.workers.slotsInUse} / ${o.workers.slots}</div>slots in use</div>
      <div class="card"><div class="n">${(jobs.RUNNING || 0) + (jobs.QUEUED || 0)}</div>jobs running or queued</div>
      <div class="card"><div class="n">${jobs.SUCCEEDED || 0} / ${jobs.FAILED || 0}</div>jobs succeeded / failed</div>
    </div>
    <div class="grid2"><div><h2>Tasks per second</h2>${chart(o.tasksPerSecond)}</div>
      <div><h2>Failures and recoveries</h2><div class="timeline"><table id="events">${eventRows(o.events)}</table></div></div></div>
    ${m.masters.length > 1 || m.events.length ? `<h2>Masters</h2><table id="masters">${MASTER_HEAD}${masterRows(m.masters)}</table>
      <table id="master-events">${masterEventRows(m.events)}</table>` : ''}
    <h2>Running and queued jobs</h2>
    <table id="active-jobs"><tr><th>Job</th><th>Class</th><th>State</th><th>Progress</th><th>Owner</th></tr>${jobRows(o.activeJobs)}</table>
    <h2>Workers (${w.total})</h2>${pager(w.total, workerOffset, 'workerOffset')}
    <table id="workers">${WORKER_HEAD}${workerRows(w.workers)}</table>
    <h2>Recent jobs</h2>
    <table id="recent-jobs"><tr><th>Job</th><th>Class</th><th>State</th><th>Progress</th><th>Owner</th></tr>${jobRows(o.recentJobs)}</table>`;
}

function pager(total, offset, name) {
  if (total <= PAGE) return '';
  return `<div class="pager">${offset + 1}–${Math.min(total, offset + PAGE)} of ${total}
    <button data-page="${name}" data-to="${Math.max(0, offset - PAGE)}" ${offset === 0 ? 'disabled' : ''}>previous</button>
    <button data-page="${name}" data-to="${offset + PAGE}" ${offset + PAGE >= total ? 'disabled' : ''}>next</button></div>`;
}

async function workersPage() {
  const w = await api(`workers?offset=${workerOffset}&limit=${PAGE}&departed=true`);
  $('view').innerHTML = `<h1>Workers (${w.total})</h1>${pager(w.total, workerOffset, 'workerOffset')}
    <table id="workers">${WORKER_HEAD}${workerRows(w.workers)}</table>`;
}

// The data grid: each data set with its size, replicas wanted and held, the workers holding it, the jobs reading it.
async function dataPage() {
  const d = await api('data');
  $('view').innerHTML = `<h1>Data sets (${d.dataSets.length})</h1>
    <p class="muted">tasks read ${size(d.bytesLocal)} locally, ${size(d.bytesFromPeers)} from peers,
      ${size(d.bytesFromMaster)} from the master; the master served ${size(d.bytesServed)} of chunks</p>
    <table id="data-sets"><tr><th>Id</th><th>Name</th><th>Size</th><th>Chunks</th><th>Replicas held / wanted</th>
      <th>Holders</th><th>Read by</th><th>Owner</th></tr>
    ${d.dataSets.map((s) => `<tr><td><code title="${esc(s.id)}">${esc(s.id.slice(0, 12))}</code></td>
      <td>${esc(s.name)}${s.jar ? ' <span class="muted">(job jar)</span>' : ''}</td><td>${size(s.size)}</td>
      <td>${s.chunks}</td><td>${s.replicasHeld} / ${s.replicasWanted}</td>
      <td>${s.holders.map((h) => `<a href="#/workers/${encodeURIComponent(h)}">${esc(h)}</a>`).join(', ')}</td>
      <td>${s.usedBy.map((j) => `<a href="#/jobs/${encodeURIComponent(j)}">${esc(j)}</a>`).join(', ')}</td>
      <td>${esc(s.owner)}</td></tr>`).join('')}</table>`;
}

// A job's pipeline (grid submit --after): the jobs it runs after, left; the jobs that run after it, right.
function pipelineGraph(p, id) {
  const up = p.upstream || [], down = p.downstream || [];
  const bw = 170, bh = 34, gap = 12, colX = [10, 250, 490];
  const rows = Math.max(up.length, down.length, 1);
  const h = rows * (bh + gap) + gap, y = (i, n) => gap + i * (bh + gap) + ((rows - n) * (bh + gap)) / 2;
  const box = (x, yy, j, self) => `<g class="pipe-job${self ? ' self' : ''}" data-job="${esc(j.id)}">
      <a href="#/jobs/${esc(j.id)}"><rect x="${x}" y="${yy}" width="${bw}" height="${bh}" rx="5"
        class="state-box ${esc(j.state || '')}"></rect>
      <text x="${x + 8}" y="${yy + 14}">${esc(j.id)}</text>
      <text x="${x + 8}" y="${yy + 28}" class="muted">${esc((j.state || '?') + ' ' + (j.jobClass || '').split('.').pop())}</text></a></g>`;
  const me = { id, state: p.state, jobClass: p.jobClass }, my = y(0, 1);
  const line = (x1, y1, x2, y2) => `<line x1="${x1}" y1="${y1 + bh / 2}" x2="${x2}" y2="${y2 + bh / 2}" marker-end="url(#arrow)"></line>`;
  const svg = [
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z"></path></marker></defs>`,
    ...up.map((j, i) => line(colX[0] + bw, y(i, up.length), colX[1], my) + box(colX[0], y(i, up.length), j)),
    ...down.map((j, i) => line(colX[1] + bw, my, colX[2], y(i, down.length)) + box(colX[2], y(i, down.length), j)),
    box(colX[1], my, me, true)];
  return `<h2>Pipeline</h2>${p.waiting ? `<p class="muted" id="pipeline-waiting">${esc(p.waiting)}</p>` : ''}
    <svg id="pipeline" width="${colX[2] + bw + 10}" height="${h}">${svg.join('')}</svg>`;
}

// Usage (the usage ledger): slot-seconds per user per UTC day over 30 days, as a chart, and each user's totals.
function usageChart(days, users) {
  const w = 640, h = 200, pad = 36, colors = ['#1450b8', '#2f7d4f', '#b8501e', '#7a3fb0', '#a0861a', '#1a8a9a', '#b81e5a', '#555'];
  const series = users.filter((u) => u.slotSecondsByDay);
  const max = Math.max(1, ...series.flatMap((u) => u.slotSecondsByDay));
  const x = (i) => pad + ((w - 2 * pad) * i) / Math.max(1, days.length - 1);
  const y = (v) => h - pad - ((h - 2 * pad) * v) / max;
  const lines = series.map((u, k) => `<path d="${u.slotSecondsByDay.map((v, i) => (i ? 'L' : 'M') + x(i).toFixed(1) + ','
      + y(v).toFixed(1)).join(' ')}" fill="none" stroke="${colors[k % colors.length]}" stroke-width="2"/>
    <text x="${w - pad + 4}" y="${14 + 14 * k}" font-size="11" fill="${colors[k % colors.length]}">${esc(u.user || '-')}</text>`).join('');
  return `<svg width="${w + 80}" height="${h}" id="usage-chart">
    <text x="4" y="14" font-size="11">${Math.round(max).toLocaleString()} slot-s/day</text>
    <text x="${pad}" y="${h - 8}" font-size="11">${esc(days[0])}</text>
    <text x="${w - pad - 60}" y="${h - 8}" font-size="11">${esc(days[days.length - 1])}</text>
    <line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="#ccd"/>${lines}</svg>`;
}

async function usagePage() {
  const u = await api('usage?days=30');
  const n = (v) => Number(v).toLocaleString(undefined, { maximumFractionDigits: 1 });
  $('view').innerHTML = `<h1>Usage</h1><p class="muted">slot-seconds per user and UTC day, the last 30 days
    (the usage ledger: one record per task attempt; grid usage for reports)</p>${usageChart(u.days, u.users)}
    <table id="usage"><tr><th>User</th><th>Slot-seconds</th><th>CPU-seconds</th><th>Cost</th><th>Attempts</th>
      <th>Wasted slot-seconds</th></tr>
    ${u.users.length ? u.users.map((r) => `<tr><td>${esc(r.user || '-')}</td><td>${n(r.slotSeconds)}</td>
      <td>${n(r.cpuSeconds)}</td><td>${n(r.cost)}</td><td>${r.tasks}</td><td>${n(r.wastedSlotSeconds)}</td></tr>`).join('')
      : '<tr><td colspan="6" class="muted">no usage recorded</td></tr>'}</table>`;
}

async function jobsPage() {
  const j = await api('jobs?limit=200');
  $('view').innerHTML = `<h1>Jobs</h1><table id="jobs"><tr><th>Job</th><th>Class</th><th>State</th><th>Progress</th><th>Owner</th></tr>${jobRows(j.jobs)}</table>`;
}

async function jobPage(id) {
  const [d, t] = await Promise.all([api('jobs/' + encodeURIComponent(id)),
    api(`jobs/${encodeURIComponent(id)}/tasks?from=${taskFrom}&limit=${PAGE}&filter=${taskFilter}`)]);
  const j = d.job, tk = j.tasks || {};
  const result = j.state === 'SUCCEEDED'
    ? `<p>Result: <code id="result-text">${esc(j.result || '')}</code> <button id="download">Download</button></p>` : '';
  const cancel = d.canCancel ? '<button id="cancel-job">Cancel job…</button>' : '';
  $('view').innerHTML = `<h1>Job ${esc(j.id)} ${state(j.state)} ${cancel}</h1>
    <p>${esc(j.jobClass)} <span class="muted">${esc(JSON.stringify(j.args || {}))}</span></p>
    <p id="job-progress">${progress(j)}</p>
    ${j.master ? `<p class="muted">run by master ${esc(j.master)}${j.masterAddress ? ' at ' + esc(j.masterAddress) : ''}</p>` : ''}
    ${j.error ? `<p class="error">${esc(j.error)}</p>` : ''}${j.waitingReason ? `<p class="muted">waiting: ${esc(j.waitingReason)}</p>` : ''}${result}
    <div class="cards">
      <div class="card"><div class="n">${Number(tk.queued || 0).toLocaleString()}</div>queued</div>
      <div class="card"><div class="n">${Number(tk.running || 0).toLocaleString()}</div>running</div>
      <div class="card" title="assigned to a worker, not executing: prefetched, or an output being stored"><div class="n">${Number(tk.held || 0).toLocaleString()}</div>held</div>
      <div class="card"><div class="n">${Number(tk.succeeded || 0).toLocaleString()}</div>succeeded</div>
      <div class="card"><div class="n">${Number(tk.failed || 0).toLocaleString()}</div>failed</div>
      <div class="card"><div class="n">${Number(tk.retried || 0).toLocaleString()}</div>retried</div>
      <div class="card"><div class="n">${Number(tk.lost || 0).toLocaleString()}</div>lost with a worker</div>
      <div class="card"><div class="n">${Number(tk.speculated || 0).toLocaleString()}</div>speculative</div>
      <div class="card" title="attempts that started from a checkpoint an earlier attempt saved"><div class="n">${Number(tk.resumed || 0).toLocaleString()}</div>resumed</div>
    </div>
    ${d.pipeline ? pipelineGraph(Object.assign({ state: j.state, jobClass: j.jobClass }, d.pipeline), j.id) : ''}
    ${d.data ? `<h2>Data</h2><p id="job-data">read ${size(d.data.bytesLocal)} from the workers' own caches,
      ${size(d.data.bytesFromPeers)} from peers, ${size(d.data.bytesFromMaster)} from the master;
      data sets ${Object.entries(d.data.dataSets).map(([n, i]) => `${esc(n)}=<code>${esc(i.slice(0, 12))}</code>`).join(', ')}</p>` : ''}
    <div class="grid2"><div><h2>Task durations</h2>${histogram(d.durations)}</div>
      <div><h2>Errors</h2><table>${d.errors.length ? d.errors.map((e) => `<tr><td>task ${e.index}</td><td>${esc(e.worker || '')}</td><td>${esc(e.error)}</td></tr>`).join('')
        : '<tr><td class="muted">none</td></tr>'}</table></div></div>
    <h2>Tasks</h2>
    <div class="pager">show <select id="task-filter">${['all', 'pending', 'succeeded', 'failed', 'errors'].map((f) =>
      `<option ${f === taskFilter ? 'selected' : ''}>${f}</option>`).join('')}</select>
      from task ${taskFrom} <button data-page="taskFrom" data-to="0" ${taskFrom === 0 ? 'disabled' : ''}>first</button>
      <button data-page="taskFrom" data-to="${t.next ?? ''}" ${t.next == null ? 'disabled' : ''}>next</button></div>
    <table id="tasks"><tr><th>Task</th><th>State</th><th>Attempts</th><th>Ran on</th><th>Duration</th><th>Error</th></tr>
      ${t.tasks.map((x) => `<tr class="task" data-task="${x.index}"><td>${x.index}</td><td>${state(x.state)}</td>
        <td><button class="show-attempts" data-job="${esc(j.id)}" data-task="${x.index}"
          title="each attempt: worker, outcome, output, stack trace">${x.attempts} ${openTasks.has(j.id + '/' + x.index) ? '▾' : '▸'}</button></td>
        <td>${esc(x.worker || '')}</td>
        <td>${x.durationMs == null ? '' : x.durationMs + ' ms'}</td><td>${esc(x.error || '')}</td></tr>
        <tr class="attempts-row" id="attempts-${x.index}" ${openTasks.has(j.id + '/' + x.index) ? '' : 'hidden'}><td colspan="6">${
          attemptsShown.get(j.id + '/' + x.index) || ''}</td></tr>`).join('')}</table>`;
  for (const x of t.tasks) {
    if (openTasks.has(j.id + '/' + x.index)) loadAttempts(j.id, x.index);
  }
  const c = $('cancel-job');
  if (c) c.onclick = async () => {
    if (!confirm(`Cancel job ${j.id}? Its running tasks are stopped.`)) return;
    try { await api(`jobs/${encodeURIComponent(j.id)}/cancel`, 'POST'); refresh(); } catch (e) { alert(e.message); }
  };
  const dl = $('download');
  if (dl) dl.onclick = () => download(j.id);
  $('task-filter').onchange = (e) => { taskFilter = e.target.value; taskFrom = 0; refresh(); };
}

// A task's attempts: each with the worker that ran it, how it ended, its output and its stack trace.
async function loadAttempts(jobId, index) {
  const key = jobId + '/' + index;
  let html;
  try {
    const r = await api(`jobs/${encodeURIComponent(jobId)}/tasks/${index}/attempts`);
    html = r.attempts.length ? `<table class="attempts">${r.attempts.map((a) => `<tr class="attempt" data-attempt="${a.attempt}"
        data-outcome="${esc(a.outcome)}"><td>attempt ${a.attempt}</td><td>${state(a.outcome)}</td>
        <td>${a.worker ? `<a href="#/workers/${encodeURIComponent(a.worker)}">${esc(a.worker)}</a>` : ''}</td>
        <td class="muted">${a.startedAt ? esc(new Date(a.startedAt).toLocaleString()) : ''}</td>
        <td>${a.outcome === 'RUNNING' ? 'running' : a.durationMs ? a.durationMs + ' ms' : ''}</td><td>${esc(a.error || '')}</td></tr>
      ${a.log ? `<tr><td colspan="6"><div class="muted">output (stdout and stderr)${a.logCutBytes ? ', ' + a.logCutBytes + ' bytes cut' : ''}</div>
        <pre class="log">${esc(a.log)}</pre></td></tr>` : ''}
      ${a.stackTrace ? `<tr><td colspan="6"><div class="muted">stack trace</div><pre class="stack">${esc(a.stackTrace)}</pre></td></tr>` : ''}`)
      .join('')}</table>` : '<span class="muted">no attempt has ended yet</span>';
  } catch (e) {
    html = `<span class="error">${esc(e.message)}</span>`;
  }
  attemptsShown.set(key, html);
  const row = $('attempts-' + index);
  if (row && openTasks.has(key)) row.firstElementChild.innerHTML = html;
}

async function download(id) {
  const res = await fetch(`/api/jobs/${encodeURIComponent(id)}/result`, { headers: { Authorization: 'Bearer ' + token() } });
  const blob = await res.blob();
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = id + '.result';
  a.click();
}

/** A size in bytes for people: 25276063744 is 23.5 GiB. */
function size(bytes) {
  let n = Number(bytes || 0), i = 0;
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(1)) + ' ' + units[i];
}

/** What a worker is and runs on, leaving out what it did not say. */
function workerFacts(w) {
  const p = w.platform || {};
  const labels = Object.entries(w.labels || {}).map(([k, v]) => k + '=' + v).join(', ');
  return [w.address, 'incarnation ' + w.incarnation, labels,
    [p.os, p.arch].filter(Boolean).join(' '), p.javaVersion ? 'Java ' + p.javaVersion : '',
    Number(p.cores || 0) ? p.cores + (Number(p.cores) === 1 ? ' core' : ' cores') : '',
    Number(p.memoryBytes || 0) ? size(p.memoryBytes) + ' memory' : '',
    p.gridworkVersion ? 'Gridwork ' + p.gridworkVersion : '',
    w.whenIdle ? 'runs when its owner is idle' : '', w.ownerReason ? 'owner busy: ' + w.ownerReason : ''].filter(Boolean);
}

/** Attempts a worker holds: running ones with how long they run, held ones with how long they wait. */
function attemptTable(rows, at, label) {
  return `<table><tr><th>Job</th><th>Task</th><th>Attempt</th><th>${label}</th></tr>
      ${rows.length ? rows.map((r) => `<tr><td><a href="#/jobs/${esc(r.jobId)}">${esc(r.jobId)}</a> ${esc(r.jobClass)}</td>
        <td>${r.task}</td><td>${r.attempt}${r.speculative ? ' (speculative)' : ''}</td><td>${since(r[at])}</td></tr>`).join('')
        : '<tr><td colspan="4" class="muted">nothing</td></tr>'}</table>`;
}

async function workerPage(name) {
  const d = await api('workers/' + encodeURIComponent(name));
  const w = d.worker;
  const action = me && me.canDrain && !['DEAD', 'LEFT'].includes(w.state)
    ? (w.state === 'DRAINING' ? '<button id="undrain">Undrain</button>' : '<button id="drain">Drain…</button>') : '';
  $('view').innerHTML = `<h1>Worker ${esc(w.name)} ${state(w.state)} ${action}</h1>
    <div class="cards">
      <div class="card"><div class="n">${slotsInUse(w)}</div>running / slots</div>
      <div class="card" title="${SPEED_TITLE}"><div class="n">${Number(w.speed || 0).toFixed(2)}</div>relative speed (1.00 = grid average)</div>
      <div class="card"><div class="n">${Number(w.completed || 0).toLocaleString()}</div>tasks done</div>
      <div class="card"><div class="n">${Number(w.failed || 0).toLocaleString()}</div>tasks failed</div>
      <div class="card"><div class="n">${esc(ago(w.heartbeatAgeMs))}</div>since last heartbeat</div>
    </div>
    <p class="muted" id="worker-facts">${workerFacts(w).map(esc).join(' · ')}</p>
    <h2>Running now</h2>${attemptTable(d.running.filter((r) => r.executing), 'runningSince', 'Started')}
    <h2>Held (prefetched, not started)</h2>${attemptTable(d.running.filter((r) => !r.executing), 'startedAt', 'Assigned')}
    <h2>History</h2><table>${d.history.slice().reverse().map((h) => `<tr><td class="muted">${esc(new Date(h.at).toLocaleString())}</td>
      <td>${state(h.type)}</td><td>${esc(h.reason)}</td></tr>`).join('')}</table>`;
  const dr = $('drain'), un = $('undrain');
  if (dr) dr.onclick = async () => {
    if (!confirm(`Drain ${w.name}? It takes no new tasks; running ones finish.`)) return;
    try { await api(`workers/${encodeURIComponent(w.name)}/drain`, 'POST'); refresh(); } catch (e) { alert(e.message); }
  };
  if (un) un.onclick = async () => {
    try { await api(`workers/${encodeURIComponent(w.name)}/undrain`, 'POST'); refresh(); } catch (e) { alert(e.message); }
  };
}

async function refresh() {
  clearTimeout(timer);
  const route = location.hash.replace(/^#\/?/, '').split('/');
  try {
    if (!me) {
      me = await api('me');
      $('login').hidden = true;
      $('who').textContent = me.insecure ? 'insecure master' : `${me.name} (${me.role})`;
      $('logout').hidden = me.insecure;
    }
    if (route[0] === 'jobs' && route[1]) await jobPage(decodeURIComponent(route[1]));
    else if (route[0] === 'jobs') await jobsPage();
    else if (route[0] === 'workers' && route[1]) await workerPage(decodeURIComponent(route[1]));
    else if (route[0] === 'workers') await workersPage();
    else if (route[0] === 'masters') await mastersPage();
    else if (route[0] === 'data') await dataPage();
    else if (route[0] === 'usage') await usagePage();
    else await overview();
    $('status').textContent = 'updated ' + new Date().toLocaleTimeString();
  } catch (e) {
    $('status').textContent = 'not updated: ' + e.message;
    if (!me) return;
  }
  timer = setTimeout(refresh, REFRESH_MS);
}

document.addEventListener('click', (e) => {
  const show = e.target.closest('button.show-attempts');
  if (show) {
    const key = show.dataset.job + '/' + show.dataset.task;
    const row = $('attempts-' + show.dataset.task);
    if (openTasks.has(key)) {
      openTasks.delete(key);
      if (row) row.hidden = true;
      show.textContent = show.textContent.replace('▾', '▸');
    } else {
      openTasks.add(key);
      if (row) row.hidden = false;
      show.textContent = show.textContent.replace('▸', '▾');
      loadAttempts(show.dataset.job, Number(show.dataset.task));
    }
    return;
  }
  const b = e.target.closest('button[data-page]');
  if (!b) return;
  const to = Number(b.dataset.to);
  if (b.dataset.page === 'workerOffset') workerOffset = to; else taskFrom = to;
  refresh();
});
$('login-form').onsubmit = (e) => {
  e.preventDefault();
  sessionStorage.setItem('gridwork.token', $('token').value.trim());
  me = null;
  refresh();
};
$('logout').onclick = () => { sessionStorage.removeItem('gridwork.token'); me = null; showLogin(''); };
window.addEventListener('hashchange', () => { taskFrom = 0; refresh(); });
refresh();
