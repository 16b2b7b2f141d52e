// spacy-xlproj review page. Plain JS, no dependencies. Every piece of data is written
// with textContent, never as HTML: a sentence holding <script> shows it as text.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const token = readToken();
  const session = sessionStorage.getItem("xlproj-session") || newSession();
  // The decisions this tab made, newest last, so that `u` can withdraw them in turn.
  const decided = JSON.parse(sessionStorage.getItem("xlproj-decided") || "[]");
  let labels = [];
  let teachers = [];
  let item = null; // the sentence shown
  let spans = []; // {start, end, label, status: pending|accepted|added|rejected, score, teachers}
  let cursor = 0;
  let anchor = null; // selection start (word index) or null
  let edits = []; // snapshots of `spans` before each edit, for undo
  let busy = false;
  let dragging = false;
  let keyStarted = null;
  window.reviewTimings = []; // ms from a key press to the page showing its result

  function readToken() {
    const m = /(?:^|[#&])token=([^&]+)/.exec(location.hash);
    if (m) sessionStorage.setItem("xlproj-token", decodeURIComponent(m[1]));
    return sessionStorage.getItem("xlproj-token") || "";
  }

  function newSession() {
    const bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    const id = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    sessionStorage.setItem("xlproj-session", id);
    return id;
  }

  function say(text) {
    $("message").textContent = text;
  }

  async function call(method, path, body) {
    const options = { method, headers: { "X-Review-Token": token } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(path, options);
    let data = null;
    try {
      data = await response.json();
    } catch (e) {
      data = { error: "the server answered " + response.status };
    }
    return { status: response.status, data };
  }

  function show(data) {
    labels = data.labels || labels;
    teachers = data.teachers || teachers;
    const p = data.progress;
    $("progress").max = Math.max(p.budget, 1);
    $("progress").value = Math.min(p.reviewed, p.budget);
    $("progress-text").textContent =
      p.reviewed + " / " + p.budget + " reviewed · " + p.skipped + " skipped · " + p.total + " sentences";
    item = data.item;
    edits = [];
    anchor = null;
    cursor = 0;
    if (item === null) {
      spans = [];
    } else {
      const last = item.last_reviewed;
      if (last && !(item.decision && item.decision.kind === "skip")) {
        spans = last.spans.map((s) => ({ start: s[0], end: s[1], label: s[2], status: "accepted",
          score: null, teachers: [] }));
      } else {
        spans = item.spans.map((s) => ({ start: s.start, end: s.end, label: s.label, status: "pending",
          score: s.score, teachers: s.teachers }));
      }
    }
    render();
  }

  function kept() {
    return spans.filter((s) => s.status !== "rejected").sort((a, b) => a.start - b.start);
  }

  function spanAt(i) {
    return kept().find((s) => s.start <= i && i < s.end) || null;
  }

  function selection() {
    if (anchor === null) return null;
    return [Math.min(anchor, cursor), Math.max(anchor, cursor) + 1];
  }

  function text(tag, content, cls) {
    const el = document.createElement(tag);
    el.textContent = content;
    if (cls) el.className = cls;
    return el;
  }

  function render() {
    const box = $("sentence");
    box.replaceChildren();
    $("source").replaceChildren();
    $("source").hidden = true;
    $("links").replaceChildren();
    $("spans").tBodies[0].replaceChildren();
    $("votes").tBodies[0].replaceChildren();
    $("votes-head").replaceChildren();
    $("labels").replaceChildren();
    if (item === null) {
      $("meta").textContent = "";
      box.appendChild(text("p", "Nothing left to review within the budget. Stop the server and run review-export.", "done"));
      finishTiming();
      return;
    }
    const state = item.decision ? item.decision.kind + " (version " + item.decision.version + ")" : "not reviewed";
    $("meta").textContent = "sentence " + (item.index + 1) + " · queue position " + (item.position + 1) +
      " · " + state + (item.missing.length ? " · " + item.missing.length + " words missing" : "") +
      (item.disagreement ? " · teachers disagree on " + item.disagreement + " words" : "");
    const missing = new Set(item.missing);
    const sel = selection();
    const words = item.words;
    const list = kept();
    let i = 0;
    while (i < words.length) {
      const span = list.find((s) => s.start === i);
      if (span) {
        const mark = document.createElement("mark");
        mark.className = "ent " + span.status;
        for (let j = span.start; j < span.end; j++) {
          mark.appendChild(word(j, missing, sel));
          if (j + 1 < span.end) mark.appendChild(document.createTextNode(" "));
        }
        mark.appendChild(text("span", span.label, "lbl"));
        box.appendChild(mark);
        i = span.end;
      } else {
        box.appendChild(word(i, missing, sel));
        i += 1;
      }
      box.appendChild(document.createTextNode(" "));
    }
    if (item.source) drawSource(item.source);
    labels.forEach((label, k) => {
      if (k >= 9) return;
      const entry = document.createElement("span");
      entry.appendChild(text("kbd", String(k + 1)));
      entry.appendChild(document.createTextNode(" " + label));
      $("labels").appendChild(entry);
      $("labels").appendChild(document.createTextNode(" "));
    });
    const current = spanAt(cursor);
    const body = $("spans").tBodies[0];
    spans.slice().sort((a, b) => a.start - b.start || a.end - b.end).forEach((s) => {
      const row = document.createElement("tr");
      row.className = s.status + (s === current ? " current" : "");
      row.appendChild(text("td", words.slice(s.start, s.end).join(" ")));
      row.appendChild(text("td", s.label));
      row.appendChild(text("td", s.status));
      row.appendChild(text("td", s.score === null || s.score === undefined ? "" : s.score.toFixed(2)));
      row.appendChild(text("td", (s.teachers || []).map((k) => teachers[k] || "#" + k).join(", ")));
      body.appendChild(row);
    });
    if (teachers.length && item.proposals.length) {
      const head = $("votes-head");
      head.appendChild(text("th", "teachers proposed"));
      head.appendChild(text("th", "label"));
      teachers.forEach((name) => head.appendChild(text("th", name)));
      head.appendChild(text("th", "best confidence"));
      const votes = $("votes").tBodies[0];
      item.proposals.forEach((p) => {
        const row = document.createElement("tr");
        row.appendChild(text("td", words.slice(p.start, p.end).join(" ")));
        row.appendChild(text("td", p.label));
        teachers.forEach((_, k) => {
          const yes = p.teachers.includes(k);
          row.appendChild(text("td", yes ? "✓" : "·", yes ? "yes" : ""));
        });
        row.appendChild(text("td", p.score === null ? "" : p.score.toFixed(2)));
        votes.appendChild(row);
      });
    }
    finishTiming();
  }

  function drawSource(source) {
    // The source sentence, its entities, and a line per alignment link to the target.
    const box = $("source");
    box.hidden = false;
    box.appendChild(text("span", "source", "tag"));
    const hot = new Set(source.links.filter((l) => l[1] === cursor).map((l) => l[0]));
    let i = 0;
    while (i < source.words.length) {
      const span = source.spans.find((s) => s[0] === i);
      const end = span ? span[1] : i + 1;
      const holder = span ? document.createElement("mark") : box;
      if (span) holder.className = "ent";
      for (let j = i; j < end; j++) {
        const el = text("span", source.words[j], "sw" + (hot.has(j) ? " linked" : ""));
        el.dataset.si = String(j);
        holder.appendChild(el);
        if (j + 1 < end) holder.appendChild(document.createTextNode(" "));
      }
      if (span) {
        holder.appendChild(text("span", span[2], "lbl"));
        box.appendChild(holder);
      }
      box.appendChild(document.createTextNode(" "));
      i = end;
    }
    const svg = $("links");
    const card = $("card").getBoundingClientRect();
    const ns = "http://www.w3.org/2000/svg";
    source.links.forEach(([si, ti]) => {
      const a = box.querySelector('[data-si="' + si + '"]');
      const b = $("sentence").querySelector('[data-i="' + ti + '"]');
      if (!a || !b) return;
      const ra = a.getBoundingClientRect();
      const rb = b.getBoundingClientRect();
      const line = document.createElementNS(ns, "line");
      line.setAttribute("x1", String(ra.left + ra.width / 2 - card.left));
      line.setAttribute("y1", String(ra.bottom - card.top));
      line.setAttribute("x2", String(rb.left + rb.width / 2 - card.left));
      line.setAttribute("y2", String(rb.top - card.top));
      if (ti === cursor) line.setAttribute("class", "hot");
      svg.appendChild(line);
    });
  }

  function word(j, missing, sel) {
    let cls = "w";
    if (missing.has(j)) cls += " missing";
    if (j === cursor) cls += " cursor";
    if (sel && sel[0] <= j && j < sel[1]) cls += " sel";
    const el = text("span", item.words[j], cls);
    el.dataset.i = String(j);
    return el;
  }

  function finishTiming() {
    if (keyStarted !== null) {
      window.reviewTimings.push(performance.now() - keyStarted);
      if (window.reviewTimings.length > 1000) window.reviewTimings.shift();
      keyStarted = null;
    }
  }

  function edit(change) {
    edits.push(spans.map((s) => Object.assign({}, s)));
    change();
    render();
  }

  function addSpan(start, end, label) {
    edit(() => {
      spans.forEach((s) => {
        if (s.status !== "rejected" && s.start < end && start < s.end) s.status = "rejected";
      });
      spans.push({ start, end, label, status: "added", score: null, teachers: [] });
      anchor = null;
    });
  }

  function labelKey(n) {
    const label = labels[n - 1];
    if (!label) return say("No label " + n + ".");
    const sel = selection();
    if (sel) return addSpan(sel[0], sel[1], label);
    const span = spanAt(cursor);
    if (span) {
      return edit(() => {
        span.label = label;
        if (span.status === "pending") span.status = "accepted";
      });
    }
    addSpan(cursor, cursor + 1, label);
  }

  async function submit(kind) {
    if (busy || item === null) return;
    let body = { key: item.key, replaces: item.version, kind, spans: [], outside: [], session };
    if (kind === "accept") {
      body.spans = kept().map((s) => [s.start, s.end, s.label]);
    } else if (kind === "partial") {
      const sure = kept().filter((s) => s.status !== "pending");
      const rejected = spans.filter((s) => s.status === "rejected");
      if (!sure.length && !rejected.length) return say("Decide a span first (y, x, a number), or accept the sentence.");
      body.spans = sure.map((s) => [s.start, s.end, s.label]);
      const covered = new Set();
      sure.forEach((s) => { for (let j = s.start; j < s.end; j++) covered.add(j); });
      rejected.forEach((s) => {
        for (let j = s.start; j < s.end; j++) if (!covered.has(j)) body.outside.push([j, j + 1]);
      });
    }
    await send(body);
  }

  async function send(body) {
    busy = true;
    try {
      const { status, data } = await call("POST", "/api/decide", body);
      if (status === 200) {
        if (body.kind !== "undo") {
          decided.push({ key: data.saved.key, version: data.saved.version });
          sessionStorage.setItem("xlproj-decided", JSON.stringify(decided));
          say("Saved: " + body.kind + ".");
        } else {
          say("Undone: the sentence is back for review.");
        }
        show(data);
      } else if (status === 409) {
        say("Another tab decided this sentence first; its decision is kept. Next sentence.");
        await next();
      } else {
        say("Not saved: " + (data.error || status));
      }
    } catch (e) {
      say("Not saved: the server did not answer (" + e + "). Is it still running?");
    } finally {
      busy = false;
    }
  }

  async function undo() {
    if (edits.length) {
      spans = edits.pop();
      anchor = null;
      render();
      return;
    }
    if (busy) return;
    const last = decided.pop();
    sessionStorage.setItem("xlproj-decided", JSON.stringify(decided));
    if (!last) return say("Nothing to undo.");
    await send({ key: last.key, replaces: last.version, kind: "undo", spans: [], outside: [], session });
  }

  async function next() {
    const { status, data } = await call("GET", "/api/next?session=" + encodeURIComponent(session));
    if (status !== 200) return say("Can't load: " + (data.error || status));
    show(data);
  }

  function move(delta, extend) {
    if (item === null || !item.words.length) return;
    if (extend && anchor === null) anchor = cursor;
    if (!extend) anchor = null;
    cursor = Math.max(0, Math.min(item.words.length - 1, cursor + delta));
    render();
  }

  function jump(delta) {
    const list = kept();
    if (!list.length) return;
    const starts = list.map((s) => s.start);
    const target = delta > 0 ? starts.find((s) => s > cursor) : starts.reverse().find((s) => s < cursor);
    cursor = target === undefined ? (delta > 0 ? list[0].start : list[list.length - 1].start) : target;
    anchor = null;
    render();
  }

  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey && e.key === "z") { e.preventDefault(); keyStarted = performance.now(); undo(); return; }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    keyStarted = performance.now();
    const span = item ? spanAt(cursor) : null;
    switch (e.key) {
      case "Enter": case "a": submit("accept"); break;
      case "p": submit("partial"); break;
      case "s": submit("skip"); break;
      case "u": undo(); break;
      case "ArrowLeft": move(-1, e.shiftKey); break;
      case "ArrowRight": move(1, e.shiftKey); break;
      case "Tab": jump(e.shiftKey ? -1 : 1); break;
      case "Escape": anchor = null; render(); break;
      case "x": case "Delete": case "Backspace":
        if (span) edit(() => { span.status = "rejected"; }); else say("No span at the cursor.");
        break;
      case "y":
        if (span) edit(() => { if (span.status === "pending") span.status = "accepted"; }); else say("No span at the cursor.");
        break;
      default:
        if (/^[1-9]$/.test(e.key)) labelKey(Number(e.key));
        else { keyStarted = null; return; }
    }
    e.preventDefault();
  });

  $("sentence").addEventListener("mousedown", (e) => {
    const i = e.target.dataset ? e.target.dataset.i : undefined;
    if (i === undefined) return;
    dragging = true;
    anchor = Number(i);
    cursor = Number(i);
    render();
  });
  $("sentence").addEventListener("mouseover", (e) => {
    const i = e.target.dataset ? e.target.dataset.i : undefined;
    if (!dragging || i === undefined) return;
    cursor = Number(i);
    render();
  });
  document.addEventListener("mouseup", () => {
    if (dragging && anchor === cursor) anchor = null; // a click moves the cursor only
    dragging = false;
    render();
  });

  if (!token) say("No token: open the URL the server printed (it ends in #token=…).");
  next();
})();
