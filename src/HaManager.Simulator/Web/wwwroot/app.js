// The browser simulator's page. It holds no simulation logic: every button sends a simulator command to
// ha-simulator serve, which runs it in the engine; the page draws what the server answers.
'use strict';

const $ = id => document.getElementById(id);
const local = { log: [], timeline: [], view: null, running: false, timer: null };

const SERVICE_COLOURS = {
  started: '#2e9d57', request_start: '#8fd6a8', request_start_balance: '#8fd6a8', migrate: '#1570ef', relocate: '#53b1fd',
  request_stop: '#c4c9d2', stopped: '#98a2b3', fence: '#d92d20', recovery: '#f79009', freeze: '#06aed4', error: '#7a1710',
};
const NODE_COLOURS = {
  online: '#2e9d57', maintenance: '#1570ef', unknown: '#f79009', fence: '#d92d20', gone: '#1d2430', off: '#475467', isolated: '#7a3fb0',
};

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function svg(tag, attrs, ...children) {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) e.setAttribute(k, v);
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function say(text, ok) {
  const m = $('message');
  m.textContent = text;
  m.className = ok ? 'ok' : '';
  m.hidden = !text;
}

// One request to the server; the answer is a view (merged into the page) or { error } (shown, nothing changes).
async function call(method, path, body) {
  const withCursor = body ? { ...body, log: local.log.length, timeline: local.timeline.length } : null;
  let response;
  try {
    response = await fetch(path, method === 'GET' ? {} : {
      method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(withCursor || {}),
    });
  } catch (e) {
    say('The simulator does not answer: ' + e.message);
    pause();
    return null;
  }
  const data = await response.json().catch(() => ({ error: `the simulator answered ${response.status} without JSON` }));
  if (data.error) { say(data.error); return null; }
  apply(data);
  return data;
}

function apply(view) {
  if (view.logFrom !== local.log.length || view.timelineFrom !== local.timeline.length) {
    // A fresh session (restart, load) or an answer that does not continue what we have: start over.
    if (view.logFrom === 0) local.log = [];
    if (view.timelineFrom === 0) local.timeline = [];
    if (view.logFrom !== local.log.length || view.timelineFrom !== local.timeline.length) { refresh(); return; }
  }
  local.log.push(...view.log);
  local.timeline.push(...view.timeline);
  local.view = view;
  render();
}

async function refresh() {
  local.log = []; local.timeline = [];
  const response = await fetch('/api/state?log=0&timeline=0');
  apply(await response.json());
}

function command(text) {
  say('');
  return call('POST', '/api/command', { command: text });
}

function render() {
  const v = local.view;
  $('time').textContent = `t = ${v.time} s`;
  $('master').textContent = v.master ? `master: ${v.master}` : 'no master';
  $('source').textContent = `scenario: ${v.source}`;
  const fatal = $('fatal');
  fatal.hidden = !v.fatal;
  fatal.textContent = v.fatal ? `The simulation ended: ${v.fatal}. Export it, restart it or load another scenario.` : '';
  if (v.fatal) pause();
  for (const id of ['step', 'run']) $(id).disabled = !!v.fatal;
  renderNodes(v);
  renderServices(v);
  renderSettings(v);
  renderTimeline();
  renderLog(v);
}

function badge(text, cls) { return el('span', { class: 'badge ' + (cls || '') }, text); }

function bar(label, used, max, unit) {
  if (!max) return null;
  const pct = Math.min(100, Math.round(100 * used / max));
  return el('div', {},
    el('div', { class: 'small' }, `${label} ${unit(used)} / ${unit(max)}`),
    el('div', { class: 'bar' }, el('div', { style: `width:${pct}%` })));
}

const gib = b => `${(b / 1073741824).toFixed(1)} GiB`;
const cores = c => `${Math.round(c * 10) / 10}`;

function renderNodes(v) {
  const box = $('nodes');
  box.replaceChildren(...v.nodes.map(n => {
    const state = !n.power ? 'off' : !n.network ? 'isolated' : (n.status || 'unknown');
    const maintenance = n.lrmMode === 'maintenance' || n.status === 'maintenance';
    const b = (label, cmd, title) => el('button', { title, onclick: () => command(cmd), 'data-action': label }, label);
    return el('div', { class: `node-card ${state}`, 'data-node': n.name, 'data-state': state },
      el('h3', {}, n.name, n.master ? badge('master', 'master') : null),
      el('div', { class: 'badges' },
        badge(n.power ? 'power on' : 'power off', n.power ? 'good' : 'bad'),
        badge(n.network ? 'network on' : 'network off', n.network ? 'good' : 'bad'),
        badge(`status ${n.status || '-'}`, n.status === 'online' ? 'good' : n.status ? 'bad' : ''),
        badge(`crm ${n.crm}`), badge(`lrm ${n.lrm}${n.lrmMode && n.lrmMode !== 'active' ? ' (' + n.lrmMode + ')' : ''}`),
        n.watchdog ? badge('watchdog armed') : null),
      n.load ? bar('cpu', n.load.cpu, n.load.maxCpu, cores) : null,
      n.load ? bar('memory', n.load.mem, n.load.maxMem, gib) : null,
      el('div', { class: 'small', 'data-testid': 'running' }, `running: ${n.running.length ? n.running.join(', ') : 'nothing'}`),
      el('div', { class: 'actions' },
        n.power ? b('Power off', `power ${n.name} off`, 'Pull the plug') : b('Power on', `power ${n.name} on`),
        n.network ? b('Network off', `network ${n.name} off`, 'Cut the node off the cluster network')
          : b('Network on', `network ${n.name} on`),
        b('Reboot', `reboot ${n.name}`, 'Clean reboot (shutdown policy applies)'),
        b('Shutdown', `shutdown ${n.name}`, 'Clean shutdown (shutdown policy applies)'),
        maintenance ? b('Maintenance off', `crm ${n.name} disable-node-maintenance`)
          : b('Maintenance on', `crm ${n.name} enable-node-maintenance`, 'Move its services away and keep them away'),
        b('Restart LRM', `restart-lrm ${n.name}`),
        n.crm === 'stopped' ? b('Start CRM', `crm ${n.name} start`) : b('Stop CRM', `crm ${n.name} stop`)));
  }));
  const nodeNames = v.nodes.map(n => n.name);
  fillSelect($('add-node'), nodeNames, false);
  fillSelect($('log-node'), nodeNames, true);
}

function fillSelect(select, values, withAll) {
  const current = select.value;
  const have = [...select.options].map(o => o.value).filter(x => x !== '');
  if (have.join() === values.join()) return;
  select.replaceChildren(...(withAll ? [el('option', { value: '' }, 'all')] : []), ...values.map(x => el('option', { value: x }, x)));
  if (values.includes(current)) select.value = current;
}

function renderServices(v) {
  const nodes = v.nodes.map(n => n.name);
  const rows = v.services.map(s => {
    const target = el('select', { 'aria-label': `target node of ${s.sid}` }, ...nodes.filter(n => n !== s.node).map(n => el('option', { value: n }, n)));
    const b = (label, make, title) => el('button', { 'data-action': label, title, onclick: () => command(make()) }, label);
    return el('tr', { 'data-sid': s.sid, 'data-state': s.state || '', 'data-node': s.node || '' },
      el('td', {}, s.sid),
      el('td', { class: 'state', style: `color:${SERVICE_COLOURS[s.state] || '#667085'}` }, s.state || '(not yet managed)',
        s.target ? ` → ${s.target}` : ''),
      el('td', {}, s.node || ''),
      el('td', {}, s.requested || '(deleted)'),
      el('td', {}, s.runningOn.join(', ')),
      el('td', { class: 'actions' },
        b('Enable', () => `service ${s.sid} started`),
        b('Disable', () => `service ${s.sid} disabled`),
        target,
        b('Migrate', () => `service ${s.sid} migrate ${target.value}`, 'Live-migrate to the chosen node'),
        b('Relocate', () => `service ${s.sid} relocate ${target.value}`, 'Stop, move, start on the chosen node'),
        b('Stop', () => `service ${s.sid} stop 60`, 'Request a stop with a 60 s timeout'),
        b('Remove', () => `service ${s.sid} delete`, 'Remove from HA management')));
  });
  $('services').tBodies[0].replaceChildren(...rows);
  fillSelect($('log-service'), v.services.map(s => s.sid), true);
}

function renderSettings(v) {
  $('settings').replaceChildren(
    el('div', {}, 'scheduler (crs ha): ', el('b', { 'data-testid': 'crs' }, v.crs),
      ' · shutdown policy: ', el('b', {}, v.shutdownPolicy), ' · fencing: ', el('b', {}, v.fencing)));
  for (const [id, text] of [['rules', v.rules], ['groups', v.groups || '']]) {
    const area = $(id);
    if (document.activeElement !== area && !area.dataset.dirty) area.value = text;
  }
}

// One lane per service (colour: state; a white label where its node changes), then one lane per node.
function renderTimeline() {
  const samples = local.timeline;
  const box = $('timeline');
  if (samples.length === 0) { box.replaceChildren(); return; }
  const sids = [...new Set(samples.flatMap(s => Object.keys(s.services)))].sort();
  const nodes = Object.keys(samples[samples.length - 1].nodes);
  const labelWidth = 70, lane = 20, gap = 4, width = Math.max(600, box.clientWidth || 900);
  const t0 = samples[0].time, t1 = Math.max(samples[samples.length - 1].time, t0 + 200);
  const x = t => labelWidth + (width - labelWidth - 10) * (t - t0) / (t1 - t0);
  const lanes = [...sids.map(s => ({ kind: 'service', key: s })), ...nodes.map(n => ({ kind: 'node', key: n }))];
  const height = lanes.length * (lane + gap) + 24;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, height, role: 'img', 'aria-label': 'timeline of services and nodes' });
  lanes.forEach((l, i) => {
    const y = i * (lane + gap) + (l.kind === 'node' ? 10 : 0);
    const g = svg('g', { class: `lane ${l.kind}-lane`, [`data-${l.kind}`]: l.key });
    g.append(svg('text', { x: 0, y: y + 14 }, l.key));
    let start = null, prev = null;
    const flush = (until) => {
      if (!prev) return;
      const colour = l.kind === 'service' ? SERVICE_COLOURS[prev.state] : NODE_COLOURS[prev.state];
      const rect = svg('rect', { x: x(start), y, width: Math.max(1, x(until) - x(start)), height: lane, fill: colour || '#d0d5dd',
        'data-state': prev.state, 'data-node': prev.node, 'data-from': start, 'data-to': until });
      rect.append(svg('title', {}, `${l.key}: ${prev.state}${prev.node ? ' on ' + prev.node : ''} from ${start} s to ${until} s`));
      g.append(rect);
      if (l.kind === 'service' && prev.nodeChanged && x(until) - x(start) > 30)
        g.append(svg('text', { class: 'node-mark', x: x(start) + 3, y: y + 14 }, prev.node));
    };
    samples.forEach((s, k) => {
      const point = l.kind === 'service' ? s.services[l.key] : { state: s.nodes[l.key] };
      const state = point ? point.state : null;
      const node = point ? point.node : null;
      if (!prev || state !== prev.state || node !== prev.node) {
        flush(s.time);
        start = s.time;
        prev = state ? { state, node, nodeChanged: !prev || node !== prev.node } : null;
        if (prev && k > 0 && l.kind === 'service' && node && prev.nodeChanged && samples[k - 1].services[l.key])
          g.append(svg('line', { class: 'move', x1: x(s.time), x2: x(s.time), y1: y - 2, y2: y + lane + 2, stroke: '#1d2430', 'stroke-width': 2,
            'data-time': s.time, 'data-node': node }));
      }
    });
    flush(samples[samples.length - 1].time + 20);
    root.append(g);
  });
  const axisY = height - 6;
  for (let t = 0; t <= t1; t += niceStep(t1 - t0)) if (t >= t0) root.append(svg('text', { x: x(t), y: axisY }, `${t}s`));
  box.replaceChildren(root);
}

function niceStep(span) {
  for (const step of [100, 200, 500, 1000, 2000, 5000]) if (span / step <= 10) return step;
  return 10000;
}

function legend() {
  const item = (name, colour) => el('span', {}, el('i', { style: `background:${colour}` }), name);
  $('legend').replaceChildren(
    ...Object.entries(SERVICE_COLOURS).filter(([k]) => k !== 'request_start_balance').map(([k, c]) => item(k, c)),
    el('span', { class: 'small' }, '· nodes:'),
    ...Object.entries(NODE_COLOURS).map(([k, c]) => item(k, c)));
}

function renderLog() {
  const node = $('log-node').value, sid = $('log-service').value;
  const word = w => new RegExp(`(^|[^\\w:])${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^\\w:]|$)`);
  const nodeRe = node ? word(node) : null, sidRe = sid ? word(sid) : null;
  const lines = local.log.filter(l =>
    (!nodeRe || l.id.startsWith(node + '/') || nodeRe.test(l.message)) && (!sidRe || sidRe.test(l.message)));
  const pre = $('log');
  const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 20;
  pre.replaceChildren(...lines.map(l => el('div', { class: l.level === 'err' ? 'err' : l.level === 'warn' ? 'warn' : '' }, l.text)));
  $('log-count').textContent = `${lines.length} of ${local.log.length} lines`;
  if (atBottom) pre.scrollTop = pre.scrollHeight;
}

function pause() {
  local.running = false;
  clearTimeout(local.timer);
  $('run').textContent = 'Run';
}

async function tick() {
  if (!local.running) return;
  const ok = await call('POST', '/api/step', { count: Number($('speed').value) });
  if (ok && local.running && !ok.fatal) local.timer = setTimeout(tick, 400);
  else pause();
}

async function upload(body) {
  pause();
  const view = await call('POST', '/api/load', body);
  if (view) say(`Loaded ${view.source}.`, true);
}

$('step').onclick = () => { say(''); call('POST', '/api/step', { count: 1 }); };
$('run').onclick = () => {
  if (local.running) { pause(); return; }
  local.running = true;
  $('run').textContent = 'Pause';
  tick();
};
$('restart').onclick = () => { pause(); say(''); call('POST', '/api/restart', {}); };
$('export').onclick = async () => {
  const response = await fetch('/api/export');
  const text = await response.text();
  const identical = response.headers.get('X-Replays-Identically') === 'yes';
  const a = el('a', { href: URL.createObjectURL(new Blob([text], { type: 'application/yaml' })), download: 'session.yaml' });
  document.body.append(a);
  a.click();
  a.remove();
  say(identical ? 'Exported: ha-simulator test session.yaml replays this session.'
    : 'Exported, but its replay does not start with this session\'s log: please report this.', identical);
};
$('load-yaml').onchange = async e => {
  const file = e.target.files[0];
  if (file) await upload({ name: file.name, yaml: await file.text() });
  e.target.value = '';
};
$('load-dir').onchange = async e => {
  const files = {};
  let dir = 'uploaded';
  for (const f of e.target.files) {
    files[f.name] = await f.text();
    if (f.webkitRelativePath) dir = f.webkitRelativePath.split('/')[0];
  }
  if (Object.keys(files).length) await upload({ name: dir, files });
  e.target.value = '';
};
$('command-form').onsubmit = async e => {
  e.preventDefault();
  const text = $('command').value;
  if (await command(text)) $('command').value = '';
};
$('add-service').onsubmit = e => {
  e.preventDefault();
  command(`service ${$('add-sid').value.trim()} add ${$('add-node').value} ${$('add-state').value}`);
};
for (const [id, file] of [['rules', 'rules.cfg'], ['groups', 'groups.cfg']]) {
  $(id).oninput = () => { $(id).dataset.dirty = '1'; };
  $('save-' + id).onclick = async () => {
    say('');
    const view = await call('POST', '/api/config', { file, text: $(id).value });
    if (view) { delete $(id).dataset.dirty; say(`${file} saved; the next rounds read it.`, true); }
  };
}
$('log-node').onchange = $('log-service').onchange = () => renderLog();
window.addEventListener('resize', () => renderTimeline());
legend();
refresh();
