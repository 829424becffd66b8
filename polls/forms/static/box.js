// The question box's one script: keeps a follow-up code on this phone and fills it in.
// Everything works without it; the code never goes into an address the server sees
// (the follow-up link carries it after "#", which browsers do not send).
(function () {
  "use strict";
  var KEY = "polls_box_codes";
  function load() {
    try { return JSON.parse(window.localStorage.getItem(KEY) || "[]") || []; } catch (e) { return []; }
  }
  function save(list) {
    try { window.localStorage.setItem(KEY, JSON.stringify(list.slice(-10))); return true; } catch (e) { return false; }
  }
  var sent = document.getElementById("follow-code");
  if (sent) {
    var unit = sent.getAttribute("data-unit"), code = sent.getAttribute("data-code");
    var list = load().filter(function (k) { return k.code !== code; });
    list.push({ unit: unit, code: code });
    if (save(list)) { document.getElementById("kept-note").hidden = false; }
    return;
  }
  var form = document.getElementById("follow-form");
  if (!form) { return; }
  var field = document.getElementById("code");
  var here = form.getAttribute("data-unit");
  var fromLink = decodeURIComponent((window.location.hash || "").slice(1));
  if (/^[A-Za-z0-9-]{12,16}$/.test(fromLink)) {
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", window.location.pathname);
    }
    field.value = fromLink;
    form.submit();
    return;
  }
  var mine = load().filter(function (k) { return k.unit === here; });
  if (!mine.length) { return; }
  var box = document.getElementById("kept-codes");
  var ul = box.querySelector("ul");
  mine.forEach(function (k) {
    var li = document.createElement("li");
    var b = document.createElement("button");
    b.type = "button"; b.className = "btn quiet"; b.textContent = k.code;
    b.addEventListener("click", function () { field.value = k.code; form.submit(); });
    li.appendChild(b); ul.appendChild(li);
  });
  if (!field.value) { field.value = mine[mine.length - 1].code; }
  box.hidden = false;
  document.getElementById("forget").addEventListener("click", function () {
    save(load().filter(function (k) { return k.unit !== here; }));
    field.value = ""; box.hidden = true;
  });
})();
