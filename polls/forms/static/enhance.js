// The worker's form, enhanced: answers kept on the phone while typing, one send per tap,
// and a retry that never counts twice. Without this script the form still works as plain HTML.
// The moment he taps send, the answers (and the slip's code, on a poll of printed codes) are
// written to localStorage as "pending" with one submission id; they leave the phone only when
// the server has them (201, or 200 "replayed" for the same id). Until then they are sent again
// by themselves, always the same request: when the network comes back (online), when the
// page is shown again (pageshow, tab switched back), on a timer that backs off, and at the
// next opening of the same link. No service worker is needed (Zalo's and Facebook's Android
// WebViews have no Background Sync; iOS in-app browsers run no service workers).
// On /tg/ pages opened as a Telegram Mini App it sends Telegram's signed launch data, takes
// Telegram's theme and main button. Telegram's own script is not loaded (no third-party
// host on the form): a tiny stand-in reads the launch data Telegram puts in the address.
(function () {
  "use strict";
  // The server says this phone has answered the poll: answers still kept for it can never
  // count (a lost reply, a second tab), so they leave the phone instead of waiting forever.
  var answered = document.querySelector("[data-answered-poll]");
  if (answered) {
    try { window.localStorage.removeItem("polls:" + answered.getAttribute("data-answered-poll")); } catch (e) {}
    return;
  }
  var form = document.querySelector("form[data-code]");
  if (!form || !window.fetch || !window.JSON) return;
  var key = "polls:" + form.dataset.poll;
  var status = document.getElementById("send-status");
  var button = form.querySelector("button[type=submit]");
  var sending = false;
  var shared = form.dataset.policy === "code";
  var codeField = form.elements.code;
  var wait = 0, timer = null;
  var tg = form.dataset.channel && telegram();
  // an answer's field: q12, or q12.other, the text beside its "other (please specify)"
  var ANSWER = /^q\d+(\.other)?$/;
  // the "other" text shows once its option is chosen (CSS), and typing in it chooses it
  form.classList.add("js");
  Array.prototype.forEach.call(form.querySelectorAll("input[data-other-for]"), function (field) {
    field.addEventListener("input", function () {
      var option = document.getElementById(field.getAttribute("data-other-for"));
      if (option && field.value.trim() && !option.checked) option.checked = true;
    });
  });
  var main = tg && tg.MainButton;
  var store;
  try { store = window.localStorage; store.setItem(key + ":t", "1"); store.removeItem(key + ":t"); } catch (e) { store = null; }

  function load() { try { return JSON.parse(store.getItem(key)) || {}; } catch (e) { return {}; } }
  function save(state) { if (store) try { store.setItem(key, JSON.stringify(state)); } catch (e) {} }
  function answers() {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!ANSWER.test(el.name)) return;
      var id = el.name.slice(1);
      if (el.type === "checkbox") {
        out[id] = out[id] || [];
        if (el.checked) out[id].push(Number(el.value));
      } else if (el.type === "radio") {
        if (el.checked) out[id] = el.value;
      } else if (el.value.trim()) {
        out[id] = el.value;
      }
    });
    return out;
  }
  function restore(saved) {
    Array.prototype.forEach.call(form.elements, function (el) {
      var value = saved[el.name.slice(1)];
      if (!ANSWER.test(el.name) || value === undefined) return;
      if (el.type === "checkbox") el.checked = value.indexOf(Number(el.value)) >= 0;
      else if (el.type === "radio") el.checked = el.value === String(value);
      else el.value = value;
    });
  }
  function say(text) { status.textContent = text; status.hidden = !text; }
  function telegram() {
    var app = window.Telegram && window.Telegram.WebApp, hash = new URLSearchParams(location.hash.slice(1));
    function post(type) {
      var proxy = window.TelegramWebviewProxy;
      if (proxy) proxy.postEvent(type, "{}");
      else if (window.parent !== window) window.parent.postMessage(JSON.stringify({ eventType: type, eventData: {} }), "*");
    }
    if (!app && hash.get("tgWebAppData")) {
      try { app = { initData: hash.get("tgWebAppData"), themeParams: JSON.parse(hash.get("tgWebAppThemeParams") || "{}") }; } catch (e) { return null; }
      app.ready = function () { post("web_app_ready"); };
      app.expand = function () { post("web_app_expand"); };
    }
    if (!app || !app.initData) return null;
    var theme = app.themeParams || {};
    Object.keys(theme).forEach(function (k) { document.documentElement.style.setProperty("--tg-theme-" + k.replace(/_/g, "-"), theme[k]); });
    app.ready();
    if (app.expand) app.expand();
    return app;
  }
  function idle() { sending = false; button.disabled = false; if (main) main.hideProgress(); }

  var state = load();
  // a shared phone (printed codes) keeps no draft for the next person, only what was sent
  if (store && state.answers && !form.dataset.kept && (state.pending || !shared)) restore(state.answers);
  if (state.pending && codeField && state.code) codeField.value = state.code;
  function keep() {
    var saved = load();
    if (saved.pending || shared) return;
    save({ answers: answers(), submission: saved.submission });
  }
  form.addEventListener("input", keep);
  form.addEventListener("change", keep);
  // the code of a scanned slip is in the address (?c=): take it out of the history
  if (codeField && /[?&]c=/.test(location.search) && window.history && history.replaceState) {
    history.replaceState(null, "", location.pathname);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (sending) return;
    state = store ? load() : state;
    state.answers = answers();
    state.submission = state.submission || newId();
    state.code = codeField ? codeField.value : undefined;
    state.pending = true;
    save(state);
    send(null);
  });
  function newId() {
    var bytes = new Uint8Array(16);
    if (window.crypto && crypto.getRandomValues) crypto.getRandomValues(bytes);
    else for (var i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }
  // Kept answers go again by themselves; one request at a time per page, and the server's
  // submission id makes a second page or a lost reply count once.
  function retry() {
    if (sending) return;
    var saved = store ? load() : state;
    if (!saved.pending) return;
    state = saved;
    send(null);
  }
  function later() {
    clearTimeout(timer);
    wait = Math.min(wait ? wait * 2 : 5000, 300000);
    timer = setTimeout(retry, wait / 2 + Math.random() * wait / 2);
  }
  function kept() { idle(); say(form.dataset.msgOffline); later(); }
  function settled() { if (store) store.removeItem(key); clearTimeout(timer); }
  function unsent() {
    // the server refused these answers for good (a used code, a closed poll...): they stay
    // in the form to correct, no longer sent by themselves
    state.pending = false;
    if (shared) { if (store) store.removeItem(key); } else save(state);
    clearTimeout(timer);
  }
  window.addEventListener("online", retry);
  window.addEventListener("pageshow", retry);
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "visible") retry(); });
  // A 428 hands out the device token of a page this server served (and sets its cookie):
  // the same answers go once more with it, so a phone that keeps no cookies answers too.
  function send(device) {
    if (sending && !device) return;
    sending = true;
    button.disabled = true;
    if (main) main.showProgress();
    say(form.dataset.msgSending);
    var headers = { "Content-Type": "application/json", "Accept-Language": document.documentElement.lang };
    if (tg) headers.Authorization = "tma " + tg.initData;
    if (device) headers["X-Polls-Device"] = device;
    fetch("/api/v1/forms/" + form.dataset.code + "/responses", {
      method: "POST",
      credentials: "same-origin",
      headers: headers,
      body: JSON.stringify({ answers: state.answers, submission_id: state.submission, code: state.code || undefined })
    }).then(function (response) {
      if (response.status === 200 || response.status === 201) {
        return response.json().then(function () {
          settled();
          say(form.dataset.msgSent);
          window.location.href = "/p/" + form.dataset.code + "/thanks";
        });
      }
      if (response.status === 428 && !device) {
        return response.json().then(function (body) { send(body.device_token); });
      }
      if (response.status === 422) { unsent(); restore(state.answers); form.submit(); return; }
      if (response.status === 409 && shared) {
        return response.json().then(function (body) { unsent(); idle(); say(body.detail); if (codeField) codeField.focus(); });
      }
      if (response.status === 409 || response.status === 410) {
        settled();
        if (tg && response.status === 409) window.location.href = "/tg/" + form.dataset.code + "/answered";
        else window.location.reload();
        return;
      }
      if (response.status === 429 || response.status === 503) {
        return response.json().then(function (body) { idle(); say(body.detail); later(); });
      }
      if (response.status < 500) {
        return response.json().then(function (body) { unsent(); idle(); say(body.detail); });
      }
      throw new Error(String(response.status));
    }).catch(kept);
  }
  if (main) {
    button.style.display = "none";
    main.setText(button.textContent);
    main.onClick(function () { form.dispatchEvent(new Event("submit", { cancelable: true })); });
    main.show();
  }

  var errors = document.getElementById("errors");
  if (errors) errors.focus();
  // the next opening of the same link sends what is still kept
  if (state.pending) { say(form.dataset.msgOffline); retry(); }
})();
