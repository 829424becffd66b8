// The live view: replace the results with each snapshot the server sends (text only).
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root || !window.EventSource) return;
  var only = root.getAttribute("data-question");
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }
  function render(s) {
    document.getElementById("live-count").textContent = s.responses_text;
    document.getElementById("live-waiting").textContent = s.waiting_text || "";
    var box = document.getElementById("live-results");
    box.textContent = "";
    if (!s.visible) { box.appendChild(el("p", "waiting", s.message)); return; }
    s.questions.forEach(function (q) {
      if (only && String(q.number) !== only) return;
      var sec = el("section", "q");
      sec.appendChild(el("h2", "", q.number + ". " + q.text));
      q.options.forEach(function (o) {
        var row = el("div", "opt");
        row.appendChild(el("span", "label", o.label));
        var bar = el("span", "track"), fill = el("i");
        fill.style.width = (o.fraction * 100).toFixed(1) + "%";
        bar.appendChild(fill);
        row.appendChild(bar);
        row.appendChild(el("b", "pct", o.percent_text));
        row.appendChild(el("span", "count", o.count_text));
        sec.appendChild(row);
      });
      sec.appendChild(el("p", "meta", [q.answered_text, q.mean_text].filter(Boolean).join(" · ")));
      box.appendChild(sec);
    });
  }
  var source = new EventSource(root.getAttribute("data-events"));
  source.addEventListener("results", function (e) { render(JSON.parse(e.data)); });
  source.onopen = function () { root.classList.add("connected"); };
  source.onerror = function () { root.classList.remove("connected"); };
})();
