/* global document, window, EventSource */
// The lab view's page: state pushed over SSE (/events), drawn with DOM and hand-made SVG.
// Every string from Consul or the demo client is UNTRUSTED: it only ever reaches the page through
// textContent / SVG text nodes / setAttribute, never innerHTML.
'use strict';

(function () {
  const SVG = 'http://www.w3.org/2000/svg';
  const LABEL_W = 250; // left column of a timeline: the instance's name
  const STATE_W = 70; // right column of the workshop strips: the current status
  const ROW_H = 22;
  const LANE_H = 36; // a consul-demo lane: two lines (port, version) in a bar

  let state = null;
  let clockOffset = 0; // server time minus browser time: the timelines use the server's clock

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = String(text);
    return e;
  }

  function svgEl(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const k of Object.keys(attrs || {})) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined) e.textContent = String(text);
    return e;
  }

  function replace(id, ...children) {
    const box = document.getElementById(id);
    box.replaceChildren(...children);
    return box;
  }

  function banner(text) {
    const b = document.getElementById('banner');
    b.textContent = text || '';
    b.hidden = !text;
  }

  // --- a) cluster and hosts ---------------------------------------------------------------------

  function renderCluster(s) {
    const q = document.getElementById('quorum');
    if (!s.cluster) {
      q.textContent = s.consul.reachable ? 'no servers known' : 'unknown';
      q.className = 'quorum bad';
      replace('servers');
      return;
    }
    q.textContent = s.cluster.summary;
    q.className = s.cluster.quorum ? 'quorum' : 'quorum bad';
    replace(
      'servers',
      ...s.cluster.servers.map((srv) => {
        const li = el('li');
        li.append(el('span', 'badge ' + srv.status, srv.status), el('span', srv.leader ? 'leader' : '', srv.name));
        if (srv.leader) li.append(el('span', 'leader', ' ★ leader'));
        if (!srv.voter) li.append(el('span', 'muted', ' (not a voter)'));
        return li;
      }),
    );
  }

  function renderHosts(s) {
    if (!s.hosts.length) {
      replace('hosts', el('p', 'muted', 'no client nodes'));
      return;
    }
    replace(
      'hosts',
      ...s.hosts.map((h) => {
        const box = el('div', 'host');
        const head = el('div');
        head.append(el('span', 'badge ' + h.status, h.status), el('span', '', h.name));
        head.append(el('span', 'muted small', ' serfHealth '), el('span', 'badge ' + (h.serf || 'unknown'), h.serf || 'none'));
        const ul = el('ul');
        for (const svc of h.services) {
          const li = el('li');
          li.append(el('span', 'badge ' + svc.status, svc.status), el('span', '', svc.name));
          if (svc.id !== svc.name) li.append(el('span', 'muted small', ' ' + svc.id));
          ul.append(li);
        }
        if (!h.services.length) ul.append(el('li', 'muted small', 'no services'));
        box.append(head, ul);
        return box;
      }),
    );
  }

  // --- timelines ----------------------------------------------------------------------------------

  function scale(box, now, viewMs, right) {
    const width = Math.max(400, box.clientWidth || 800);
    const x0 = LABEL_W;
    const x1 = width - right;
    const t0 = now - viewMs;
    return {
      width,
      x0,
      x1,
      t0,
      x: (t) => x0 + ((Math.min(Math.max(t, t0), now) - t0) / viewMs) * (x1 - x0),
    };
  }

  function axis(root, sc, viewMs, y) {
    for (let s = 0; s <= viewMs / 1000; s += 30) {
      const x = sc.x1 - ((s * 1000) / viewMs) * (sc.x1 - sc.x0);
      root.append(svgEl('line', { x1: x, x2: x, y1: 0, y2: y, stroke: '#2a323b' }));
      root.append(svgEl('text', { x: x - (s === 0 ? 24 : 10), y: y + 12, class: 'axis' }, s === 0 ? 'now' : '-' + s + 's'));
    }
  }

  // --- b) consul-demo ------------------------------------------------------------------------------

  /** Lane of an instance: its ID minus the last "-<n>" (host, pid and tag of one server process). */
  function laneOf(id) {
    const i = id.lastIndexOf('-');
    return i > 0 ? id.slice(0, i) : id;
  }

  function renderDemo(s, now) {
    const box = document.getElementById('demo');
    const client = s.demo.client;
    const note = document.getElementById('demo-client');
    note.textContent = !client.configured
      ? 'demo client results not configured (--demo-results)'
      : client.reachable
        ? client.requests.length + ' requests in view'
        : 'demo client not reachable' + (client.error ? ' (' + client.error + ')' : '');
    const sc = scale(box, now, s.viewMs, 10);
    const lanes = new Map();
    for (const t of s.demo.instances) {
      const key = laneOf(t.id);
      if (!lanes.has(key)) lanes.set(key, []);
      lanes.get(key).push(t);
    }
    const laneCount = Math.max(lanes.size, 1);
    const dotsY = laneCount * LANE_H + 8;
    const height = dotsY + 2 * ROW_H + 16;
    const root = svgEl('svg', { width: sc.width, height, viewBox: '0 0 ' + sc.width + ' ' + height });
    axis(root, sc, s.viewMs, height - 14);
    let row = 0;
    if (!lanes.size) root.append(svgEl('text', { x: 4, y: 15, class: 'axis' }, 'no consul-demo instances seen'));
    for (const [key, tracks] of lanes) {
      const y = row * LANE_H;
      const g = svgEl('g', { class: 'lane-row', 'data-lane': key });
      g.append(svgEl('rect', { x: sc.x0, y: y + 2, width: sc.x1 - sc.x0, height: LANE_H - 4, class: 'lane' }));
      g.append(svgEl('text', { x: 4, y: y + 22 }, key.length > 34 ? '…' + key.slice(-33) : key));
      for (const t of tracks) {
        for (const seg of t.segments) {
          if (seg.status === 'absent') continue;
          const xa = sc.x(seg.from);
          const xb = sc.x(seg.to === null ? now : seg.to);
          if (xb <= sc.x0 || xb - xa < 0.5) continue;
          const bar = svgEl('rect', { x: xa, y: y + 2, width: Math.max(1, xb - xa), height: LANE_H - 4, class: seg.status });
          bar.append(svgEl('title', {}, t.id + ' port ' + t.info.port + ' ' + (t.info.version || '') + ' on ' + t.info.node));
          g.append(bar);
        }
        // The label goes where the instance's first live stretch starts, if it is in view.
        const first = t.segments.find((x) => x.status !== 'absent');
        const room = first ? sc.x(first.to === null ? now : first.to) - sc.x(first.from) : 0;
        // Port above, version below, each where it fits; a short-lived instance keeps them in the bar's tooltip.
        const v = t.info.version || '';
        const lines = [String(t.info.port), v.length > 12 ? v.slice(0, 11) + '…' : v];
        lines.forEach((text, i) => {
          if (first && text && room >= 7 * text.length + 4) {
            g.append(svgEl('text', { x: sc.x(first.from) + 3, y: y + 16 + i * 13, class: 'bar-label' }, text));
          }
        });
      }
      root.append(g);
      row++;
    }
    // The client's requests: DNS lane (circles) and HTTP lane (squares).
    const laneY = { dns: dotsY + ROW_H / 2, http: dotsY + ROW_H + ROW_H / 2 };
    root.append(svgEl('text', { x: 4, y: laneY.dns + 4 }, 'client via DNS'));
    root.append(svgEl('text', { x: 4, y: laneY.http + 4 }, 'client via HTTP API'));
    for (const r of client.requests) {
      if (r.at < sc.t0) continue;
      const x = sc.x(r.at);
      const y = laneY[r.discovery] || laneY.http;
      const shape =
        r.discovery === 'dns'
          ? svgEl('circle', { cx: x, cy: y, r: 5, class: r.outcome })
          : svgEl('rect', { x: x - 4.5, y: y - 4.5, width: 9, height: 9, class: r.outcome });
      shape.append(svgEl('title', {}, [r.outcome, r.instance || '-', r.version || '', r.error || ''].join(' ')));
      root.append(shape);
    }
    box.replaceChildren(root);
  }

  // --- c) workshop ---------------------------------------------------------------------------------

  function renderWorkshop(s, now) {
    const box = document.getElementById('workshop');
    const sc = scale(box, now, s.viewMs, STATE_W);
    const tracks = s.workshop;
    const height = Math.max(tracks.length, 1) * ROW_H + 16;
    const root = svgEl('svg', { width: sc.width, height, viewBox: '0 0 ' + sc.width + ' ' + height });
    axis(root, sc, s.viewMs, height - 14);
    if (!tracks.length) root.append(svgEl('text', { x: 4, y: 15, class: 'axis' }, 'no workshop instances seen'));
    tracks.forEach((t, i) => {
      const y = i * ROW_H;
      const g = svgEl('g', { class: 'track', 'data-id': t.id });
      const label = t.id + (t.info.node ? ' @' + t.info.node : '');
      g.append(svgEl('text', { x: 4, y: y + 15 }, label.length > 34 ? label.slice(0, 33) + '…' : label));
      g.append(svgEl('rect', { x: sc.x0, y: y + 3, width: sc.x1 - sc.x0, height: ROW_H - 6, class: 'absent' }));
      let prev = null;
      for (const seg of t.segments) {
        const xa = sc.x(seg.from);
        const xb = sc.x(seg.to === null ? now : seg.to);
        if (seg.status !== 'absent' && xb - xa >= 0.5) {
          g.append(svgEl('rect', { x: xa, y: y + 3, width: Math.max(1, xb - xa), height: ROW_H - 6, class: seg.status }));
        }
        // Leaving / re-entering the passing set: what Nginx's upstream list follows.
        if (prev && (prev.status === 'passing') !== (seg.status === 'passing') && seg.from >= sc.t0) {
          const back = seg.status === 'passing';
          const mark = back
            ? svgEl('path', { d: `M${xa - 5},${y + ROW_H} L${xa + 5},${y + ROW_H} L${xa},${y + ROW_H - 8} Z`, class: 'mark-back' })
            : svgEl('path', { d: `M${xa - 5},${y} L${xa + 5},${y} L${xa},${y + 8} Z`, class: 'mark-left' });
          mark.append(svgEl('title', {}, (back ? 're-entered' : 'left') + ' the passing set'));
          g.append(mark);
        }
        prev = seg;
      }
      const last = t.segments[t.segments.length - 1];
      const current = last ? last.status : 'absent';
      g.append(svgEl('text', { x: sc.x1 + 6, y: y + 15, class: 'state ' + current }, current));
      root.append(g);
    });
    box.replaceChildren(root);
  }

  // --- d) checklist ------------------------------------------------------------------------------

  function renderChecks(body) {
    const exercises = body && Array.isArray(body.exercises) ? body.exercises : null;
    if (!exercises) {
      replace('checks', el('p', 'muted', 'checks not available' + (body && body.error ? ': ' + body.error : '')));
      return;
    }
    if (!exercises.length) {
      replace('checks', el('p', 'muted', 'no checks plugged in yet'));
      return;
    }
    // One line per exercise (a projector has no room for every check): ✓/✗, title, how many checks pass, and
    // for an exercise not done yet its first open check with the hint; every check is in the line's tooltip.
    replace(
      'checks',
      ...exercises.map((ex) => {
        const checks = Array.isArray(ex.checks) ? ex.checks : [];
        const okCount = checks.filter((c) => c.ok).length;
        const done = checks.length > 0 && okCount === checks.length;
        const box = el('div', 'exercise');
        const head = el('div');
        head.append(
          el('span', done ? 'ok' : 'no', done ? '✓ ' : '✗ '),
          el('span', '', (ex.id === 'lab' ? '' : ex.id + '. ') + ex.title),
          el('span', 'muted small', '  ' + okCount + '/' + checks.length),
        );
        box.append(head);
        box.title = checks.map((c) => (c.ok ? '✓ ' : '✗ ') + c.label).join('\n');
        const open = checks.find((c) => !c.ok);
        if (!done && open) box.append(el('div', 'hint', open.label + (open.hint ? ' — ' + open.hint : '')));
        return box;
      }),
    );
  }

  // A check run can take seconds: without this flag a slow answer would have the next poll queued behind it.
  let checksPending = false;

  async function loadChecks() {
    if (checksPending) return;
    checksPending = true;
    try {
      const res = await fetch('/api/checks', { cache: 'no-store' });
      renderChecks(await res.json());
    } catch {
      renderChecks(null);
    } finally {
      checksPending = false;
    }
  }

  // --- e) what the exercises added (6, 7, 8) ------------------------------------------------------------

  /** One line of the section: its parts (elements or text), and the whole line as its tooltip (names may be cut). */
  function line(...parts) {
    const d = el('div', 'line');
    d.append(...parts.map((p) => (typeof p === 'string' ? document.createTextNode(p) : p)));
    d.title = d.textContent;
    return d;
  }

  function instanceLine(r, extra) {
    return line(el('span', 'badge ' + r.status, r.status), r.id, el('span', 'muted', ' on ' + r.node + (extra || '')));
  }

  function renderAdded(s) {
    const x = s.exercises;
    if (!x) return;
    const reg = [];
    for (const r of x.registration.inventoryDb) {
      reg.push(instanceLine(r, ' · by ' + (r.registeredBy || '? (no registered-by)')));
    }
    if (!reg.length) reg.push(line(el('span', 'muted', 'no inventory-db registered')));
    const die = x.registration.lastDie;
    if (die) {
      const code = die.exitCode === null ? 'exit code unknown' : 'exit ' + die.exitCode;
      reg.push(
        line(el('span', 'muted', "registrator's last die: "), die.serviceId, el('span', 'muted', ' · ' + code + ' · ' + die.ms + ' ms')),
      );
    }
    replace('ex-registration', ...reg).className = 'small';

    const con = [];
    const ca = x.connect.ca;
    con.push(
      ca
        ? line(el('span', 'muted', 'CA '), ca.activeRoot, el('span', 'muted', ' · ' + ca.trustDomain))
        : line(el('span', 'muted', 'no Connect CA')),
    );
    for (const r of x.connect.sidecars) con.push(instanceLine(r));
    if (!x.connect.sidecars.length) con.push(line(el('span', 'muted', 'no sidecar proxies')));
    for (const i of x.connect.intentions) {
      const action = i.action === 'allow' || i.action === 'deny' ? i.action : 'L7';
      con.push(line(i.source + ' → ' + i.destination + ' ', el('span', action, i.action)));
    }
    if (!x.connect.intentions.length) con.push(line(el('span', 'muted', 'no intentions for inventory-client / inventory-db')));
    replace('ex-connect', ...con).className = 'small';

    const dc = [];
    const d = x.datacenters;
    if (d.dc2Workshop === null) {
      const one = d.known.length === 1 ? d.known[0] : 'dc1';
      const only = line('one datacenter (' + one + '); ', el('code', '', 'npm run lab:up -- --datacenters 2'), ' adds dc2');
      only.classList.add('wrap'); // the hint is the point: shown whole
      dc.push(only);
    } else {
      dc.push(line(el('span', 'muted', 'datacenters '), d.known.join(', ')));
      for (const r of d.dc2Workshop) dc.push(instanceLine(r, ' (dc2)'));
      if (!d.dc2Workshop.length) dc.push(line(el('span', 'muted', 'no workshop instances in dc2')));
    }
    const q = d.query;
    if (q) {
      const a = q.answer;
      dc.push(
        a
          ? line(
              q.name + ' answers from ',
              el('span', a.failovers > 0 ? 'failover' : '', a.datacenter || '?'),
              el(
                'span',
                'muted',
                ' (' + a.failovers + ' failover' + (a.failovers === 1 ? '' : 's') + ') ' + (a.instances.join(', ') || 'no instances'),
              ),
            )
          : line(q.name + ' ', el('span', 'muted', q.error ? 'not answering: ' + q.error : 'not executed yet')),
      );
    } else if (d.dc2Workshop !== null) dc.push(line(el('span', 'muted', 'no prepared query workshop-nearest')));
    replace('ex-datacenters', ...dc).className = 'small';
  }

  // --- the room (classroom mode) ------------------------------------------------------------------

  // The server only ever sends GitHub logins; checked again here, since the name goes into a URL.
  const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
  const avatars = new Map(); // name → its <img>, kept across pushes so a redraw does not fetch it again

  function ago(ms) {
    const s = Math.max(0, Math.round(ms / 1000));
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min';
    return Math.floor(s / 3600) + ' h';
  }

  function secs(x) {
    return x === null ? '?' : x.toFixed(1);
  }

  function avatarOf(name) {
    if (!LOGIN.test(name)) return el('span', 'no-avatar');
    let img = avatars.get(name);
    if (!img) {
      img = el('img');
      img.alt = '';
      img.src = '/room/avatar/' + encodeURIComponent(name);
      avatars.set(name, img);
    }
    return img;
  }

  function light(text, cls, title) {
    const l = el('span', 'light ' + cls, text);
    l.title = title;
    return l;
  }

  function tileOf(st, now) {
    const up = st.apiPassing && st.onPage === true;
    const tile = el('div', 'tile ' + (up ? 'up' : st.joined ? 'down' : ''));
    tile.dataset.name = st.name;
    const head = el('div', 'tile-head');
    const who = el('div', 'tile-who');
    who.append(el('span', 'tile-name', st.name), el('span', 'tile-since muted', 'changed ' + ago(now - st.changedAt) + ' ago'));
    head.append(avatarOf(st.name), who);
    const lights = el('span', 'tile-lights');
    const scope = st.checkScope === 'service' ? ['svc', 'on'] : st.checkScope === 'node' ? ['node', 'warn'] : ['chk', ''];
    lights.append(
      light('join', st.joined ? 'on' : '', 'node student-' + st.name + ' in the catalog'),
      light('agent', st.agentAlive ? 'on' : '', 'serfHealth passing'),
      light('API', st.apiPassing ? 'on' : '', 'workshop-' + st.name + ' passing'),
      light(scope[0], scope[1], 'the HTTP check: on the service (svc) or on the node'),
      light('page', st.onPage === null ? 'unknown' : st.onPage ? 'on' : '', 'avatar on the shared page'),
    );
    const marks = el('span', 'tile-marks');
    const b = st.stopStart;
    marks.append(
      el('span', 'mark' + (st.onPage === true ? ' done' : ''), 'a ' + (st.onPage === true ? '✓' : '✗')),
      el(
        'span',
        'mark' + (b.done ? ' done' : ''),
        'b ' + (b.done ? '✓ ' + secs(b.leftS) + '/' + secs(b.awayS) + '/' + secs(b.backS) + ' s' : '✗'),
      ),
      el('span', 'mark' + (st.nodeCritical.seen ? ' done' : ''), 'c ' + (st.nodeCritical.seen ? '✓' : '✗')),
    );
    tile.append(head, lights, marks);
    return tile;
  }

  function renderRoom(s, now) {
    const section = document.getElementById('room');
    const room = s.room;
    section.hidden = !room || !room.active;
    if (section.hidden) return;
    const c = room.counters;
    document.getElementById('room-counters').textContent =
      c.joined +
      '/' +
      c.students +
      ' joined · ' +
      c.passing +
      ' passing · ' +
      c.onPage +
      ' on the page' +
      ' · b ' +
      c.stopStart +
      ' · c ' +
      c.nodeCritical +
      (room.page.read ? '' : ' · page not readable') +
      (room.ignored ? ' · ' + room.ignored + ' not shown' : '');
    // As square a grid as the screen allows: 30 tiles are 6 × 5.
    const n = room.students.length;
    const cols = Math.max(1, Math.min(n, Math.ceil(Math.sqrt(n * 1.2))));
    const box = document.getElementById('room-tiles');
    box.style.setProperty('--cols', String(cols));
    box.style.setProperty('--rows', String(Math.max(1, Math.ceil(n / cols))));
    box.replaceChildren(...room.students.map((st) => tileOf(st, now)));
  }

  // --- wiring ------------------------------------------------------------------------------------

  function renderTimelines() {
    if (!state) return;
    const now = Date.now() + clockOffset;
    renderDemo(state, now);
    renderWorkshop(state, now);
    renderRoom(state, now);
  }

  function render(s) {
    state = s;
    clockOffset = s.now - Date.now();
    banner(s.consul.reachable ? '' : 'Consul not reachable' + (s.consul.error ? ': ' + s.consul.error : '') + ' — retrying');
    renderCluster(s);
    renderHosts(s);
    renderAdded(s);
    renderTimelines();
    document.body.dataset.updated = String(s.now);
  }

  const RECONNECT_MS = 5000;
  let reconnectTimer = null;

  function connect() {
    reconnectTimer = null;
    const events = new EventSource('/events');
    events.addEventListener('state', (e) => render(JSON.parse(e.data)));
    events.onerror = () => {
      if (events.readyState !== EventSource.CLOSED) {
        banner('lab-view server not reachable — reconnecting');
        return;
      }
      // A non-200 answer (503 when the server has its maximum of viewers) makes EventSource give up for good;
      // without this the page would say "reconnecting" forever. Try again on a timer.
      banner('lab-view server refused the live stream (too many viewers?) — retrying every ' + RECONNECT_MS / 1000 + ' s');
      if (reconnectTimer === null) reconnectTimer = setTimeout(connect, RECONNECT_MS);
    };
    events.onopen = () => {
      if (state) render(state);
    };
  }

  connect();
  // Time moves even when nothing changes: scroll the timelines every second.
  setInterval(renderTimelines, 1000);
  setInterval(loadChecks, 5000);
  loadChecks();
  window.addEventListener('resize', renderTimelines);
})();
