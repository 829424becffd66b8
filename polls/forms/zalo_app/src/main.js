// The union's poll form inside Zalo. It reads the placement's code (`k`) from the launch
// link https://zalo.me/s/{mini app id}/?k={code}, asks our server for that placement's poll
// (GET /api/v1/forms/{code}: the server decides which poll the code serves), draws it with
// the web form's markup and stylesheet, and sends the answers through the one submission
// path (POST /api/v1/forms/{code}/responses) with `Authorization: zalo <access token>`, so a
// poll of one answer per account counts one per Zalo account. getAccessToken() asks the
// worker nothing: this app never asks Zalo for a name, a phone number or a place.
//
// Answers stay in nativeStorage (an outbox) until the server has them: sent again with the
// same submission id (never counted twice) when the network returns and at the next open.
//
// The form and the thank-you screen link to the unit's question box ("Hỏi công đoàn"), whose
// address the server gives with the form (`box_url`, the same for everyone). Zalo does not
// let a Mini App navigate away to a web page, so the link opens it with openWebview; outside
// Zalo (a browser, while testing) the link is followed as usual.
import { getAccessToken, getRouteParams, nativeStorage, onNetworkStatusChange, openWebview } from "zmp-sdk/apis";

const API = import.meta.env.VITE_POLLS_API.replace(/\/+$/, "");
const OUTBOX = "polls:outbox";
const main = document.getElementById("main");
const status = document.getElementById("send-status");
let texts = null;
let code = null;
let boxUrl = "";
let flushing = false;

function read(key, fallback) {
  try {
    const value = nativeStorage.getItem(key);
    return value ? JSON.parse(value) : fallback;
  } catch (e) {
    return fallback;
  }
}
function write(key, value) {
  try {
    nativeStorage.setItem(key, JSON.stringify(value));
  } catch (e) {
    // storage full or refused: the answers still go if the network is there
  }
}
function outbox() {
  const kept = read(OUTBOX, []);
  return Array.isArray(kept) ? kept : [];
}
function drop(submission) {
  write(OUTBOX, outbox().filter((entry) => entry.submission !== submission));
}
function draftKey(c) {
  return "polls:draft:" + c;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}
function say(text) {
  status.textContent = text || "";
  status.hidden = !text;
}
function language() {
  return (navigator.language || "vi").slice(0, 2);
}
function message(heading, ...lines) {
  main.replaceChildren(el("div", { class: "card", role: "status" }, el("h2", {}, heading), ...lines.filter(Boolean).map((line) => el("p", {}, line))), boxLink());
}
// "A question for the union? Ask it anonymously: Ask the union", as the web form's thank-you
// page says it; nothing when the server gave no box (an older server).
function boxLink() {
  if (!boxUrl || !texts || !texts.ask_union) return null;
  const link = el("a", { href: boxUrl, id: "box-link", rel: "noreferrer" }, texts.ask_union);
  link.addEventListener("click", async (event) => {
    event.preventDefault();
    try {
      await openWebview({ url: boxUrl, config: { style: "normal" } });
    } catch (e) {
      location.href = boxUrl; // not inside Zalo
    }
  });
  return el("p", { class: "note" }, texts.box_intro ? texts.box_intro + " " : null, link);
}

function legend(q) {
  return el("legend", {}, q.text, q.required ? " " : null, q.required ? el("span", { class: "req", title: texts.required }, "*") : null);
}
// The question's help text under it, as the web form shows it (templates/form/questions.html).
function help(q) {
  return q.help ? el("p", { class: "help", id: "q" + q.id + "-help" }, q.help) : null;
}
function described(q) {
  return q.help ? "q" + q.id + "-help" : null;
}
function fieldset(q, ...children) {
  return el("fieldset", { id: "q" + q.id, "aria-describedby": described(q) }, legend(q), help(q), ...children);
}
function choice(q, type, value, label) {
  const id = "q" + q.id + "-" + value;
  return el("label", { class: "choice", for: id }, el("input", { type, id, name: "q" + q.id, value: String(value) }), " ", el("span", {}, label));
}
// An option and, for the "other (please specify)" one, its text field: sent as "<id>.other",
// shown once the option is chosen (the stylesheet's `form.js .other`), and typing in it
// chooses it, as on the web form.
function option(q, type, o) {
  const box = choice(q, type, o.id, o.label);
  if (!o.other) return box;
  const field = el("input", { type: "text", class: "other-text", id: "q" + q.id + "-other", name: "q" + q.id + ".other", maxlength: "5000", "aria-label": o.label, "data-other-for": "q" + q.id + "-" + o.id });
  field.addEventListener("input", () => {
    const chosen = document.getElementById(field.getAttribute("data-other-for"));
    if (chosen && field.value.trim() && !chosen.checked) chosen.checked = true;
  });
  return el("div", { class: "other" }, box, field);
}
const KINDS = {
  single: (q) => fieldset(q, ...q.options.map((o) => option(q, "radio", o))),
  multi: (q) => fieldset(q, q.max_choices ? el("p", { class: "note" }, texts.choose_up_to.replace("%(n)s", q.max_choices)) : null, ...q.options.map((o) => option(q, "checkbox", o))),
  scale: (q) => {
    const steps = [];
    for (let v = q.min; v <= q.max; v += 1) steps.push(choice(q, "radio", v, String(v)));
    const ends = q.min_label || q.max_label ? el("p", { class: "ends" }, el("span", {}, q.min + " = " + q.min_label), el("span", {}, q.max + " = " + q.max_label)) : null;
    return fieldset(q, el("div", { class: "scale" }, ...steps), ends);
  },
  yes_no: (q) => fieldset(q, el("div", { class: "scale" }, choice(q, "radio", "yes", texts.yes), choice(q, "radio", "no", texts.no))),
  text: (q) => el("div", { id: "q" + q.id }, el("label", { for: "q" + q.id + "-t" }, el("strong", {}, q.text), q.required ? el("span", { class: "req", "aria-hidden": "true" }, " *") : null), help(q), el("textarea", { id: "q" + q.id + "-t", name: "q" + q.id, maxlength: "5000", rows: "4", "aria-describedby": described(q) })),
};
// an answer's field: q12, or q12.other, the text beside its "other" option
const ANSWER = /^q\d+(\.other)?$/;

function answersOf(form) {
  const out = {};
  for (const input of form.elements) {
    if (!ANSWER.test(input.name)) continue;
    const id = input.name.slice(1);
    const chosen = input.dataset.otherFor && document.getElementById(input.dataset.otherFor);
    if (chosen && !chosen.checked) continue; // hidden with its option: not an answer
    if (input.type === "checkbox") {
      out[id] = out[id] || [];
      if (input.checked) out[id].push(Number(input.value));
    } else if (input.type === "radio") {
      if (input.checked) out[id] = input.value;
    } else if (input.value.trim()) {
      out[id] = input.value;
    }
  }
  return out;
}
function restore(form, saved) {
  for (const input of form.elements) {
    const value = saved[input.name.slice(1)];
    if (!ANSWER.test(input.name) || value === undefined) continue;
    if (input.type === "checkbox") input.checked = value.indexOf(Number(input.value)) >= 0;
    else if (input.type === "radio") input.checked = input.value === String(value);
    else input.value = value;
  }
}

function showErrors(form, body) {
  for (const old of form.querySelectorAll("p.error")) old.remove();
  const errors = (body && body.errors) || {};
  for (const [id, text] of Object.entries(errors)) {
    const block = document.getElementById("q" + id);
    if (block) (block.querySelector(".help") || block.querySelector("legend, label")).after(el("p", { class: "error", id: "q" + id + "-err" }, text));
  }
  const summary = el("div", { class: "summary", role: "alert", id: "errors", tabindex: "-1" }, el("p", {}, el("strong", {}, (body && body.detail) || texts.fix_answers)));
  const before = form.querySelector("#errors");
  if (before) before.remove();
  form.prepend(summary);
  summary.focus();
}

// Sends one kept answer. "sent": the server has it (or it can never be taken: answered
// already, poll closed); "kept": not sent, still in the outbox; "refused": shown to the worker.
async function deliver(entry, form) {
  let response;
  try {
    const token = await getAccessToken();
    response = await fetch(API + "/api/v1/forms/" + encodeURIComponent(entry.code) + "/responses", {
      method: "POST",
      credentials: "omit",
      headers: { "Content-Type": "application/json", "Accept-Language": language(), Authorization: "zalo " + token },
      body: JSON.stringify({ answers: entry.answers, submission_id: entry.submission }),
    });
  } catch (e) {
    return { outcome: "kept" };
  }
  let body = null;
  try {
    body = await response.json();
  } catch (e) {
    body = null;
  }
  if (response.status === 200 || response.status === 201) {
    drop(entry.submission);
    return { outcome: "sent" };
  }
  if (response.status === 409 || response.status === 410 || response.status === 404) {
    drop(entry.submission); // answered already, closed or gone: sending again cannot help
    return { outcome: "refused", body };
  }
  if (response.status === 422 && form) {
    drop(entry.submission); // the worker corrects the answers and sends them anew
    return { outcome: "invalid", body };
  }
  if (response.status >= 500 && response.status !== 503) return { outcome: "kept" };
  return { outcome: "kept", body }; // 401 (token), 429, 503: kept, said, retried later
}

async function flush() {
  if (flushing) return;
  flushing = true;
  try {
    for (const entry of outbox()) {
      const result = await deliver(entry, null);
      if (!texts) continue;
      if (entry.code !== code) {
        if (result.outcome === "sent") say(texts.sent_kept);
        continue;
      }
      if (result.outcome === "sent") thanks();
      else if (result.outcome === "refused") message((result.body && result.body.detail) || "");
    }
  } finally {
    flushing = false;
  }
}

function thanks() {
  try {
    nativeStorage.removeItem(draftKey(code));
  } catch (e) {
    // nothing kept
  }
  message(texts.thanks, texts.received);
}

function draw(form_) {
  texts = form_.texts;
  boxUrl = form_.box_url || "";
  document.documentElement.lang = language() === "en" ? "en" : "vi";
  document.getElementById("unit").textContent = form_.unit_name;
  document.getElementById("title").textContent = form_.title;
  document.title = form_.title;
  if (form_.status !== "open") {
    message(texts.not_open);
    return;
  }
  const button = el("button", { type: "submit", class: "btn wide" }, texts.send);
  const form = el(
    "form",
    { novalidate: true, class: "js" },
    form_.description ? el("p", {}, form_.description) : null,
    el("p", { class: "note" }, texts.anonymity + " " + texts.results_rule),
    ...form_.questions.map((q) => el("div", { class: "card" }, (KINDS[q.kind] || KINDS.text)(q))),
    status,
    button,
    texts.open_until ? el("p", { class: "note" }, texts.open_until) : null,
  );
  main.replaceChildren(form, boxLink());
  say("");
  const pending = outbox().find((entry) => entry.code === code);
  restore(form, pending ? pending.answers : read(draftKey(code), {}));
  if (pending) say(texts.kept_offline);
  const keep = () => write(draftKey(code), answersOf(form));
  form.addEventListener("input", keep);
  form.addEventListener("change", keep);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (button.disabled) return;
    button.disabled = true;
    say(texts.sending);
    const kept = outbox().find((entry) => entry.code === code);
    const entry = { code, answers: answersOf(form), submission: kept ? kept.submission : Date.now().toString(36) + Math.random().toString(36).slice(2) };
    write(OUTBOX, [...outbox().filter((e) => e.code !== code), entry]);
    const result = await deliver(entry, form);
    button.disabled = false;
    if (result.outcome === "sent") thanks();
    else if (result.outcome === "refused") message((result.body && result.body.detail) || texts.fix_answers);
    else if (result.outcome === "invalid") {
      say("");
      showErrors(form, result.body);
    } else say((result.body && result.body.detail) || texts.kept_offline);
  });
}

// The poll as the server last described it is kept too, so a worker who opens the app
// without signal (underground, at the pithead) can still answer; it goes when the network does.
async function load() {
  let response;
  try {
    response = await fetch(API + "/api/v1/forms/" + encodeURIComponent(code), { credentials: "omit", headers: { "Accept-Language": language() } });
  } catch (e) {
    const kept = read("polls:form:" + code, null);
    if (kept) draw(kept);
    return;
  }
  const body = await response.json().catch(() => null);
  if (!response.ok || !body) {
    message((body && body.detail) || String(response.status));
    return;
  }
  write("polls:form:" + code, body);
  draw(body);
  flush();
}

function start() {
  const params = getRouteParams() || {};
  code = params.k || new URLSearchParams(location.search).get("k") || "-";
  onNetworkStatusChange((change) => {
    if (!change || !change.isConnected) return;
    if (texts) flush();
    else load();
  });
  load();
}

start();
