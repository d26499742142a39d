"""The stepping player's stylesheet and script, inlined into every page it writes.

Kept as Python strings (not package data files) so that every install of gcemu,
wheel or editable, carries them. The script reads only the page's own JSON block
(``#gc-data``) and the inline SVG; it loads nothing and puts text into the page only
through ``textContent`` and ``setAttribute``.
"""

CSS = r"""
:root { --bg: #fafafa; --panel: #ffffff; --line: #dddddd; --accent: #ff6d00; }
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body { font: 13px/1.35 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
       background: var(--bg); color: #222; display: flex; flex-direction: column; }
header { padding: 6px 12px; border-bottom: 1px solid var(--line); background: var(--panel);
         display: flex; gap: 16px; align-items: baseline; flex-wrap: wrap; }
header h1 { font-size: 15px; margin: 0; }
header .meta { color: #666; }
#main { flex: 1; display: flex; min-height: 0; }
#stage { flex: 1; position: relative; min-width: 0; display: flex; flex-direction: column; }
#banner { min-height: 24px; padding: 3px 10px; font-weight: 600; color: #b71c1c;
          background: #fff3e0; border-bottom: 1px solid var(--line); white-space: pre-wrap;
          overflow-wrap: anywhere; }
#banner:empty { background: transparent; }
#svgwrap { flex: 1; overflow: auto; padding: 8px; }
#svgwrap.fit svg { width: 100%; height: auto; }
aside { width: 380px; max-width: 45vw; border-left: 1px solid var(--line); background: var(--panel);
        display: flex; flex-direction: column; min-height: 0; }
aside section { padding: 6px 10px; border-bottom: 1px solid var(--line); }
aside h2 { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: #666;
           margin: 0 0 4px; }
#controls { display: flex; gap: 4px; flex-wrap: wrap; align-items: center; }
#controls button { font: inherit; padding: 3px 8px; min-width: 34px; cursor: pointer;
                   border: 1px solid #bbb; background: #f5f5f5; border-radius: 4px; }
#controls button:hover { background: #eee; }
#slider { width: 100%; margin: 6px 0 0; }
#ticks { position: relative; height: 8px; margin: 0 8px; }
#ticks span { position: absolute; top: 0; width: 2px; height: 8px; background: #d32f2f;
              cursor: pointer; }
#status { display: flex; gap: 12px; flex-wrap: wrap; }
#phase { font-weight: 600; }
#grey { margin: 0; padding-left: 22px; max-height: 110px; overflow: auto; font-family: monospace; }
#greymore { color: #888; }
#grey:empty::after { content: "(empty)"; color: #888; margin-left: -22px; }
#logsec { flex: 1; min-height: 120px; display: flex; flex-direction: column; }
#log { flex: 1; overflow: auto; font-family: ui-monospace, Menlo, Consolas, monospace;
       font-size: 12px; }
#log .step { border-left: 3px solid transparent; padding: 1px 4px; }
#log .more { color: #888; padding: 1px 4px; }
#log .step.current { border-left-color: var(--accent); background: #fff3e0; }
#log .step > b { color: #888; font-weight: normal; margin-right: 4px; }
#log .ev { white-space: pre-wrap; overflow-wrap: anywhere; }
#log .ev.k-mutation { color: #b71c1c; font-weight: 600; }
#log .ev.k-barrier, #log .ev.k-alloc-black { color: #6a1b9a; }
#log .ev.k-phase { color: #0d47a1; font-weight: 600; }
#log .ev.k-free { color: #777; }
#legend { border-top: 1px solid var(--line); background: var(--panel); padding: 4px 10px;
          display: flex; flex-wrap: wrap; gap: 2px 14px; font-size: 12px; }
#legend h2 { font-size: 12px; text-transform: uppercase; color: #666; margin: 0; width: 100%; }
#legend > span { white-space: nowrap; display: inline-flex; align-items: center; gap: 4px; }
#legend .sw { width: 22px; height: 12px; border: 1px solid #999; display: inline-block; }
#legend .ln { width: 34px; height: 0; border-top: 2px solid #333; display: inline-block; }
#memory { border-top: 1px solid var(--line); background: var(--panel); padding: 4px 10px; }
#memory summary { font-size: 12px; text-transform: uppercase; color: #666; cursor: pointer; }
#memwrap { max-height: 45vh; overflow: auto; }
/* the graph */
svg g.node.touched > .gc-shape, svg g.cluster.touched > .gc-shape {
  stroke: var(--accent); stroke-width: 4px; }
svg g.gone, svg g.edge.gone { display: none; }
svg .c-freed { opacity: .33; }
svg .c-absent { opacity: .1; }
svg g.c-freed > .gc-shape { stroke-dasharray: 4 3; }
svg g.hl polygon { stroke: var(--accent) !important; stroke-width: 3px; }
svg g.changed polygon:first-of-type { stroke: #d32f2f; stroke-width: 3px; }
svg g.edge.st-live > path { stroke: #333; stroke-dasharray: none; }
svg g.edge.st-live > polygon { stroke: #333; fill: #333; }
svg g.edge.st-field > path { stroke: #333; stroke-dasharray: none; }
svg g.edge.st-stale > path { stroke: #d32f2f; stroke-dasharray: 6 3; }
svg g.edge.st-stale > polygon { stroke: #d32f2f; fill: #d32f2f; }
svg g.edge.st-untraced > path { stroke: #9e9e9e; stroke-dasharray: 1 3; }
svg g.edge.st-untraced > polygon, svg g.edge.st-untraced > ellipse { stroke: #9e9e9e; }
svg g.edge.st-overflow > path { stroke: #1565c0; stroke-dasharray: none; }
svg g.edge.st-overflow > polygon { stroke: #1565c0; fill: #1565c0; }
"""

JS = r"""
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("gc-data").textContent);
  var S = D.steps;
  var OBJ = D.objects;              // label -> {nid, kind, noscan, members, start}
  var FILL = D.fills;               // colour -> [fill, text colour]
  var CFILL = D.cluster_fills;      // colour -> cluster fill
  var EV = D.events;                // [{s, k, t, o, b, cell, node}]
  var SNAPS = D.snaps;              // [{s, cells, texts, edges}]
  var svg = document.querySelector("#svgwrap svg");
  var $ = function (id) { return document.getElementById(id); };

  // -- the svg elements we touch ---------------------------------------------------
  function shapeOf(g) {
    if (!g) return null;
    for (var c = g.firstElementChild; c; c = c.nextElementSibling) {
      var n = c.localName;
      if (n === "polygon" || n === "path" || n === "ellipse") return c;
    }
    return null;
  }
  var nodeEl = {};                   // nid -> g
  Array.prototype.forEach.call(svg.querySelectorAll("g.node, g.cluster, g.edge"), function (g) {
    if (g.id) nodeEl[g.id] = g;
  });
  var labels = Object.keys(OBJ);
  labels.forEach(function (lab) {
    var o = OBJ[lab], g = o.nid ? nodeEl[o.nid] : null;
    o.g = g || null;
    o.shape = shapeOf(g);
    if (o.shape) o.shape.classList.add("gc-shape");
    if (g) {
      g.setAttribute("data-label", lab);
      var t = g.querySelector("title");
      if (t) t.textContent = lab + (o.name ? " (" + o.name + ")" : "");
    }
    o.mem = (o.members || []).map(function (id) { return nodeEl[id]; }).filter(Boolean);
  });
  // cells: id -> {g, bg polygon, text}
  var cellEl = {};
  Array.prototype.forEach.call(svg.querySelectorAll("g[id^='a_']"), function (g) {
    var a = g.querySelector("a");
    if (a) { a.removeAttribute("href"); a.removeAttribute("xlink:href");
             a.removeAttributeNS("http://www.w3.org/1999/xlink", "href"); }
    var polys = g.querySelectorAll("polygon");
    var text = g.querySelector("text");
    var bg = polys.length > 1 ? polys[0] : null;
    var box = polys[polys.length - 1];
    if (text && box) {
      var bb = box.getBBox();
      text.setAttribute("text-anchor", "middle");
      text.setAttribute("x", String(bb.x + bb.width / 2));
    }
    cellEl[g.id.slice(2)] = {g: g, bg: bg, box: box, text: text};
  });
  function setCellText(c, s) {
    if (!c.text) {
      if (!s) return;
      var bb = c.box.getBBox();
      c.text = document.createElementNS("http://www.w3.org/2000/svg", "text");
      c.text.setAttribute("text-anchor", "middle");
      c.text.setAttribute("x", String(bb.x + bb.width / 2));
      c.text.setAttribute("y", String(bb.y + bb.height - 6));
      c.text.setAttribute("font-family", "Helvetica,sans-Serif");
      c.text.setAttribute("font-size", "10.00");
      (c.box.parentNode).appendChild(c.text);
    }
    c.text.textContent = s || "\u00a0";
  }

  // -- replaying the events ----------------------------------------------------------
  // Seeking is cheap both ways: going forward applies only the events in between;
  // going back restores the nearest checkpoint at or before the target (the state
  // after every event of the steps before k * CP, saved the first time the replay
  // passed it) and applies at most CP steps' events. A checkpoint copies one colour
  // per object, so CP grows with the heap (a copy costs at most 4 events' work per
  // step). `applied` counts the events applied, for the tests.
  labels.forEach(function (lab, ix) { OBJ[lab].ix = ix; });
  var CP = Math.max(256, Math.ceil(labels.length / 4));
  var counts = {applied: 0, restored: 0};
  function fresh() {
    var col = labels.map(function (l) { return OBJ[l].start; });
    return {pos: -1, i: 0, col: col, grey: [], scanning: null, phase: "mark",
            dirty: [], all: true};
  }
  function set(st, lab, c) {
    var ix = OBJ[lab].ix;
    if (st.col[ix] !== c) { st.col[ix] = c; st.dirty.push(ix); }
  }
  function endScan(st) {
    if (st.scanning !== null) { set(st, st.scanning, "black"); st.scanning = null; }
  }
  function shadeTo(st, lab, black) {
    set(st, lab, black ? "black" : "grey");
    if (!black) st.grey.push(lab);
  }
  function unqueue(st, lab) {
    var i = st.grey.lastIndexOf(lab);
    if (i >= 0) st.grey.splice(i, 1);
  }
  function apply(st, e) {
    var o = e.o !== undefined && e.o !== null ? OBJ[e.o] : null;
    switch (e.k) {
      case "phase":
        st.phase = e.p;
        if (e.p === "mark termination") endScan(st);
        break;
      case "shade": shadeTo(st, e.o, !!e.b); break;
      case "barrier": shadeTo(st, e.o, !!(o && o.noscan)); break;
      case "alloc-black": set(st, e.o, "black"); break;
      case "scan":
        endScan(st);
        unqueue(st, e.o);
        if (o && o.kind === "array") { set(st, e.o, "grey"); st.scanning = e.o; }
        else set(st, e.o, "black");
        break;
      case "free": set(st, e.o, "freed"); unqueue(st, e.o); break;
    }
  }
  var checkpoints = [];                // k -> the state after the events of steps < k * CP
  function save(st) {
    checkpoints.push({i: st.i, col: st.col.slice(), grey: st.grey.slice(),
                      scanning: st.scanning, phase: st.phase});
  }
  function restore(k) {
    var c = checkpoints[k];
    counts.restored++;
    return {pos: k * CP - 1, i: c.i, col: c.col.slice(), grey: c.grey.slice(),
            scanning: c.scanning, phase: c.phase, dirty: [], all: true};
  }
  // the state after every event of steps <= pos
  function advance(st, pos) {
    while (st.i < EV.length && EV[st.i].s <= pos) {
      while (checkpoints.length * CP <= EV[st.i].s) save(st);
      apply(st, EV[st.i]);
      st.i++;
      counts.applied++;
    }
    st.pos = pos;
  }
  var state = fresh();
  save(state);
  function stateAt(pos) {
    if (pos < state.pos) {
      var k = Math.min(Math.floor((pos + 1) / CP), checkpoints.length - 1);
      state = restore(k);
    }
    advance(state, pos);
    return state;
  }
  // events by step, for the log and the highlights
  var byStep = [];
  for (var k = 0; k <= S; k++) byStep.push([]);
  EV.forEach(function (e) { byStep[Math.min(e.s, S)].push(e); });
  function snapAt(pos) {               // index of the last snapshot with s <= pos (or 0)
    var lo = 0, hi = SNAPS.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (SNAPS[mid].s <= pos) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  // -- drawing ----------------------------------------------------------------------------
  var shown = {};                       // label -> colour on screen
  var shownSnap = -1;
  var edgeStyle = {};                   // eid -> style shown
  var cellText = {};
  function paint(lab, c) {
    var o = OBJ[lab];
    if (!o.g) return;
    var g = o.g, isCluster = g.classList.contains("cluster");
    g.setAttribute("data-color", c);
    g.classList.remove("c-white", "c-grey", "c-black", "c-freed", "c-absent");
    g.classList.add("c-" + c);
    if (o.shape) {
      o.shape.style.fill = isCluster ? CFILL[c] : FILL[c][0];
    }
    var fg = (c === "black") ? "#ffffff" : "#000000";
    Array.prototype.forEach.call(g.querySelectorAll(":scope > text"), function (t) {
      t.style.fill = fg;
    });
    o.mem.forEach(function (m) {
      m.classList.remove("c-freed", "c-absent");
      if (c === "freed" || c === "absent") m.classList.add("c-" + c);
    });
  }
  function applySnap(j) {
    // cells, texts and edges of snapshot j: forward, only the diffs after the one
    // shown; back, the diffs from the first (what did not change is not redrawn)
    if (j === shownSnap) return;
    var cells = {}, texts = {}, edges = {};
    for (var i = j > shownSnap ? shownSnap + 1 : 0; i <= j; i++) {
      var s = SNAPS[i];
      Object.assign(cells, s.cells); Object.assign(texts, s.texts); Object.assign(edges, s.edges);
    }
    Object.keys(cells).forEach(function (cid) {
      var c = cellEl[cid], v = cells[cid];
      if (!c) return;
      var key = v[0] + "\u0000" + (v[1] || "");
      if (cellText[cid] === key) return;
      cellText[cid] = key;
      setCellText(c, v[0]);
      if (v[1] && c.bg) c.bg.setAttribute("fill", v[1]);
      if (v[2] !== undefined && c.g) c.g.setAttribute("data-title", v[2]);
    });
    Object.keys(texts).forEach(function (nid) {
      var g = nodeEl[nid];
      if (!g) return;
      var ts = g.querySelectorAll(":scope > text");
      texts[nid].forEach(function (s, k) { if (ts[k]) ts[k].textContent = s; });
    });
    Object.keys(edges).forEach(function (eid) {
      var g = nodeEl[eid], st = edges[eid];
      if (!g || edgeStyle[eid] === st) return;
      edgeStyle[eid] = st;
      g.setAttribute("class", "edge" + (st ? " st-" + st : " gone"));
    });
    shownSnap = j;
  }
  var marked = [];
  function highlight(pos) {
    marked.forEach(function (x) { x.el.classList.remove(x.cls); });
    marked = [];
    function mark(el, cls) { if (el) { el.classList.add(cls); marked.push({el: el, cls: cls}); } }
    byStep[pos].forEach(function (e) {
      if (e.cell && cellEl[e.cell]) mark(cellEl[e.cell].g, "hl");
      if (e.node) mark(nodeEl[e.node], "touched");
      else if (e.o && OBJ[e.o] && OBJ[e.o].g) mark(OBJ[e.o].g, "touched");
    });
    var sj = snapAt(pos);
    if (sj > 0 && SNAPS[sj].s === pos) {   // snapshot 0 is whole, the others diffs
      Object.keys(SNAPS[sj].cells).forEach(function (cid) {
        if (cellEl[cid]) mark(cellEl[cid].g, "changed");
      });
    }
  }

  // -- the side panel ------------------------------------------------------------------------
  // The log holds the groups of the last LOG_STEPS steps up to the current one (made
  // when shown), and a line counting the earlier ones: a page of any length keeps a
  // few hundred of them in the DOM, and a jump rebuilds at most that many.
  var LOG_STEPS = 400;
  var logEl = $("log"), groups = {}, logLo = 0, logHi = -1;
  var logMore = document.createElement("div");
  logMore.className = "more";
  logEl.appendChild(logMore);
  function makeGroup(pos) {
    var evs = byStep[pos];
    var div = document.createElement("div");
    div.className = "step";
    div.setAttribute("data-step", String(pos));
    var b = document.createElement("b");
    b.textContent = pos === 0 ? "start" : "step " + pos;
    div.appendChild(b);
    evs.forEach(function (e) {
      var d = document.createElement("div");
      d.className = "ev k-" + e.k;
      d.textContent = e.t;
      div.appendChild(d);
    });
    if (!evs.length) {
      var d = document.createElement("div");
      d.className = "ev none";
      d.textContent = "(no event)";
      div.appendChild(d);
    }
    return div;
  }
  function showLog(p) {                 // groups lo..p in the log, p current
    var lo = Math.max(0, p - LOG_STEPS + 1), i;
    if (lo > logHi || p < logLo) {      // nothing in common: start over
      for (i = logLo; i <= logHi; i++) logEl.removeChild(groups[i]);
      groups = {}; logLo = lo; logHi = lo - 1;
    }
    for (i = logLo; i < lo; i++) { logEl.removeChild(groups[i]); delete groups[i]; }
    for (i = p + 1; i <= logHi; i++) { logEl.removeChild(groups[i]); delete groups[i]; }
    logHi = Math.min(logHi, p);
    var before = logEl.children[1] || null;
    for (i = lo; i < Math.max(logLo, lo) && i <= p; i++) {
      groups[i] = makeGroup(i);
      logEl.insertBefore(groups[i], before);
    }
    for (i = Math.max(logHi + 1, lo); i <= p; i++) {
      groups[i] = makeGroup(i);
      logEl.appendChild(groups[i]);
    }
    logLo = lo; logHi = p;
    logMore.textContent = lo > 0 ? "… " + lo + " earlier steps (the log shows the last " +
      LOG_STEPS + ")" : "";
  }
  var ticks = $("ticks");
  byStep.forEach(function (evs, pos) {
    var muts = evs.filter(function (e) { return e.k === "mutation"; });
    if (!muts.length) return;
    var t = document.createElement("span");
    t.style.left = (S ? (100 * pos / S) : 0) + "%";
    var ops = muts.map(function (e) { return e.t; }).join("; ");
    t.setAttribute("title", "step " + pos + ": " + ops);
    t.addEventListener("click", function () { go(pos); });
    ticks.appendChild(t);
  });

  // the log follows the current step, and the picture what the step touched, once
  // per frame however fast the steps come
  var scrollPending = false;
  function scrollLog() {
    if (scrollPending) return;
    scrollPending = true;
    requestAnimationFrame(function () {
      scrollPending = false;
      var g = groups[pos];
      if (g) {
        var top = g.offsetTop - logEl.offsetTop, h = logEl.clientHeight;
        if (top < logEl.scrollTop || top + g.offsetHeight > logEl.scrollTop + h) {
          logEl.scrollTop = Math.max(0, top + g.offsetHeight - h + 4);
        }
      }
      if (!$("follow").checked || !marked.length) return;
      var wrap = $("svgwrap"), w = wrap.getBoundingClientRect();
      var r = marked[0].el.getBoundingClientRect();
      if (r.right < w.left || r.left > w.right || r.bottom < w.top || r.top > w.bottom ||
          r.top < w.top || r.bottom > w.bottom) {
        wrap.scrollTop += (r.top + r.height / 2) - (w.top + w.height / 2);
        wrap.scrollLeft += (r.left + r.width / 2) - (w.left + w.width / 2);
      }
    });
  }
  // the grey queue, top of the stack first: at most GREY_SHOWN items, updated in place
  var GREY_SHOWN = 100, greyItems = [];
  function showGrey(stack) {
    var ol = $("grey"), n = Math.min(stack.length, GREY_SHOWN);
    for (var k = 0; k < n; k++) {
      var lab = stack[stack.length - 1 - k];
      var text = lab + (OBJ[lab] && OBJ[lab].name ? " (" + OBJ[lab].name + ")" : "");
      if (k >= greyItems.length) {
        var li = document.createElement("li");
        ol.appendChild(li);
        greyItems.push(li);
      }
      if (greyItems[k].textContent !== text) greyItems[k].textContent = text;
    }
    while (greyItems.length > n) ol.removeChild(greyItems.pop());
    $("greymore").textContent = stack.length > n ? "… and " + (stack.length - n) + " more" : "";
    $("greyn").textContent = String(stack.length);
  }

  var slider = $("slider");
  slider.max = String(S);
  $("total").textContent = String(S);
  var pos = -1;
  function repaint(ix) {
    var lab = labels[ix], c = state.col[ix];
    if (shown[lab] !== c) { shown[lab] = c; paint(lab, c); }
  }
  function go(p) {
    p = Math.max(0, Math.min(S, p | 0));
    var st = stateAt(p);
    if (st.all) { for (var ix = 0; ix < labels.length; ix++) repaint(ix); }
    else st.dirty.forEach(repaint);
    st.all = false; st.dirty = [];
    applySnap(snapAt(p));
    highlight(p);
    if (pos >= 0 && groups[pos]) groups[pos].classList.remove("current");
    showLog(p);
    groups[p].classList.add("current");
    scrollLog();
    pos = p;
    slider.value = String(p);
    $("pos").textContent = String(p);
    $("phase").textContent = st.phase;
    document.body.setAttribute("data-phase", st.phase);
    document.body.setAttribute("data-step", String(p));
    showGrey(st.grey);
    $("scanning").textContent = st.scanning ? "scanning " + st.scanning + " slot by slot" : "";
    var muts = byStep[p].filter(function (e) { return e.k === "mutation"; });
    $("banner").textContent = muts.map(function (e) { return e.t; }).join("\n");
  }

  // -- controls ---------------------------------------------------------------------------------
  var timer = null;
  function play(on) {
    if (on === undefined) on = timer === null;
    if (timer !== null) { clearInterval(timer); timer = null; }
    if (on) {
      if (pos >= S) go(0);
      timer = setInterval(function () {
        go(pos + 1);
        if (pos >= S) play(false);   // stopped at the end, as the last step shows
      }, 1000 / Number($("speed").value));
    }
    $("play").textContent = timer !== null ? "pause" : "play";
    $("play").setAttribute("aria-pressed", timer !== null ? "true" : "false");
  }
  Array.prototype.forEach.call(document.querySelectorAll("#controls button"), function (b) {
    b.addEventListener("click", function () { b.blur(); });   // keys stay with the page
  });
  $("first").addEventListener("click", function () { play(false); go(0); });
  $("prev").addEventListener("click", function () { play(false); go(pos - 1); });
  $("play").addEventListener("click", function () { play(); });
  $("next").addEventListener("click", function () { play(false); go(pos + 1); });
  $("last").addEventListener("click", function () { play(false); go(S); });
  $("speed").addEventListener("change", function () { if (timer !== null) play(true); });
  slider.addEventListener("input", function () { play(false); go(Number(slider.value)); });
  $("fit").addEventListener("click", function () { $("svgwrap").classList.toggle("fit"); });
  document.addEventListener("keydown", function (e) {
    var tag = e.target && e.target.localName;
    if (tag === "select" || tag === "textarea" ||
        (tag === "input" && e.target.type !== "range" && e.target.type !== "checkbox")) return;
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var k = e.key;
    if (k === "ArrowRight") { play(false); go(pos + (e.shiftKey ? 10 : 1)); }
    else if (k === "ArrowLeft") { play(false); go(pos - (e.shiftKey ? 10 : 1)); }
    else if (k === " " || k === "Spacebar") { play(); }
    else if (k === "Home") { play(false); go(0); }
    else if (k === "End") { play(false); go(S); }
    else return;
    e.preventDefault();
  });
  window.gcPlayer = {go: function (p) { go(p); }, get pos() { return pos; }, steps: S,
                     counts: counts, checkpointSteps: CP};
  go(0);
  window.gcPlayer.readyMs = performance.now();   // since navigation started
  document.body.setAttribute("data-ready", "1");
})();
"""
