// The worker's form, enhanced: answers kept on the phone while typing, one send per tap,
// and a retry that never counts twice. Without this script the form still works as plain HTML.
// On /tg/ pages opened as a Telegram Mini App it sends Telegram's signed launch data, takes
// Telegram's theme and main button. Telegram's own script is not loaded (no third-party
// host on the form): a tiny stand-in reads the launch data Telegram puts in the address.
(function () {
  "use strict";
  var form = document.querySelector("form[data-code]");
  if (!form || !window.fetch || !window.JSON) return;
  var key = "polls:" + form.dataset.poll;
  var status = document.getElementById("send-status");
  var button = form.querySelector("button[type=submit]");
  var sending = false;
  var tg = form.dataset.channel && telegram();
  var main = tg && tg.MainButton;
  var store;
  try { store = window.localStorage; store.setItem(key + ":t", "1"); store.removeItem(key + ":t"); } catch (e) { store = null; }

  function load() { try { return JSON.parse(store.getItem(key)) || {}; } catch (e) { return {}; } }
  function save(state) { if (store) try { store.setItem(key, JSON.stringify(state)); } catch (e) {} }
  function answers() {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!/^q\d+$/.test(el.name)) return;
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
      if (!/^q\d+$/.test(el.name) || value === undefined) return;
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
  if (store && state.answers && !form.dataset.kept) restore(state.answers);
  function keep() { save({ answers: answers(), submission: load().submission }); }
  form.addEventListener("input", keep);
  form.addEventListener("change", keep);

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (sending) return;
    sending = true;
    button.disabled = true;
    if (main) main.showProgress();
    say(form.dataset.msgSending);
    state = load();
    state.answers = answers();
    state.submission = state.submission || (Date.now().toString(36) + Math.random().toString(36).slice(2));
    save(state);
    send(null);
  });
  // A 428 hands out the device token of a page this server served (and sets its cookie):
  // the same answers go once more with it, so a phone that keeps no cookies answers too.
  function send(device) {
    var headers = { "Content-Type": "application/json", "Accept-Language": document.documentElement.lang };
    if (tg) headers.Authorization = "tma " + tg.initData;
    if (device) headers["X-Polls-Device"] = device;
    fetch("/api/v1/forms/" + form.dataset.code + "/responses", {
      method: "POST",
      credentials: "same-origin",
      headers: headers,
      body: JSON.stringify({ answers: state.answers, submission_id: state.submission })
    }).then(function (response) {
      if (response.status === 200 || response.status === 201) {
        return response.json().then(function () {
          if (store) store.removeItem(key);
          window.location.href = "/p/" + form.dataset.code + "/thanks";
        });
      }
      if (response.status === 428 && !device) {
        return response.json().then(function (body) { send(body.device_token); });
      }
      if (response.status === 422) { form.submit(); return; }
      if (response.status === 409 || response.status === 410) {
        if (store) store.removeItem(key);
        if (tg && response.status === 409) window.location.href = "/tg/" + form.dataset.code + "/answered";
        else window.location.reload();
        return;
      }
      if (response.status < 500 || response.status === 503) {
        return response.json().then(function (body) { idle(); say(body.detail); });
      }
      throw new Error(String(response.status));
    }).catch(function () {
      idle();
      say(form.dataset.msgOffline);
    });
  }
  if (main) {
    button.style.display = "none";
    main.setText(button.textContent);
    main.onClick(function () { form.dispatchEvent(new Event("submit", { cancelable: true })); });
    main.show();
  }

  var errors = document.getElementById("errors");
  if (errors) errors.focus();
})();
