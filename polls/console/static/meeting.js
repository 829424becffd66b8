// The meeting screen: show each state the server sends (text only), and let the keyboard
// (or a presentation clicker, which sends PageUp/PageDown) drive the meeting through the
// same action endpoint as the phone remote.
(function () {
  "use strict";
  var root = document.getElementById("meeting");
  if (!root) return;
  var current = { number: Number(root.getAttribute("data-number")) || 0,
                  open: root.getAttribute("data-open") === "1",
                  revealed: root.getAttribute("data-revealed") === "1" };
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }
  function put(id, text) { document.getElementById(id).textContent = text || ""; }
  function render(s) {
    current = { number: s.question_number, open: s.is_open, revealed: s.revealed };
    put("m-label", s.question_label);
    put("m-question", s.question_text);
    put("m-status", s.status_text);
    put("m-count", s.question_number ? s.count_text : "");
    put("m-scope", s.scope_text);
    put("m-waiting", s.waiting_text);
    put("m-message", s.message);
    root.classList.toggle("open", s.is_open);
    root.classList.toggle("revealed", s.revealed);
    var box = document.getElementById("m-result");
    box.textContent = "";
    if (!s.result) return;
    s.result.options.forEach(function (o) {
      var row = el("div", "opt");
      row.appendChild(el("span", "label", o.label));
      var bar = el("span", "track"), fill = el("i");
      fill.style.width = (o.fraction * 100).toFixed(1) + "%";
      bar.appendChild(fill);
      row.appendChild(bar);
      row.appendChild(el("b", "pct", o.percent_text));
      row.appendChild(el("span", "count", o.count_text));
      box.appendChild(row);
    });
    if (s.result.mean_text) box.appendChild(el("p", "meta", s.result.mean_text));
  }
  var token = root.querySelector("input[name=_csrf_token]");
  function act(action, number) {
    if (!token) return;
    var body = new URLSearchParams();
    body.set("_csrf_token", token.value);
    body.set("action", action);
    if (number) body.set("question", String(number));
    fetch(root.getAttribute("data-act"), {
      method: "POST", body: body, credentials: "same-origin", redirect: "manual"
    });
  }
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var key = e.key;
    if (key === "ArrowRight" || key === "PageDown" || key === "n") act("next");
    else if (key === "ArrowLeft" || key === "PageUp" || key === "p") act("previous");
    else if (key === " " || key === "o" || key === "c") {
      if (!current.number) act("next");
      else if (current.open && key !== "o") act("close");
      else if (!current.open && key !== "c") act("open", current.number);
    } else if (key === "r") act(current.revealed ? "hide" : "reveal");
    else if (key === "f" && document.documentElement.requestFullscreen) {
      if (document.fullscreenElement) document.exitFullscreen();
      else document.documentElement.requestFullscreen();
    } else return;
    e.preventDefault();
  });
  if (!window.EventSource) return;
  var source = new EventSource(root.getAttribute("data-events"));
  source.addEventListener("screen", function (e) { render(JSON.parse(e.data)); });
  source.onopen = function () { root.classList.add("connected"); };
  source.onerror = function () { root.classList.remove("connected"); };
})();
