// Progressive enhancement for the console: a "copy" button beside each link field. Without
// JavaScript the buttons stay hidden and the field is selected and copied by hand.
(function () {
  "use strict";
  function copy(field) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(field.value);
    }
    field.focus();
    field.select();
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject(new Error("copy"));
  }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) return;
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      copy(field).then(function () {
        button.textContent = button.getAttribute("data-done") || label;
        setTimeout(function () { button.textContent = label; }, 2000);
      }, function () {
        field.focus();
        field.select();
      });
    });
  });
})();

// The poll editor: add, remove, move and copy a question in the page. Without JavaScript the
// same buttons submit the form and the server sends it back changed (nothing is saved); here
// they act at once, and the blocks are renumbered (q0., q1., ...) so the server reads the
// same form either way.
(function () {
  "use strict";
  var form = document.querySelector("form[data-editor]");
  var blank = document.getElementById("blank-question");
  if (!form || !blank || !("content" in blank)) return;
  var most = Number(form.getAttribute("data-max")) || 50;
  var title = form.getAttribute("data-question-title") || "{n}";
  var addRow = document.getElementById("add-row");
  var PREFIX = /^q\d+(?=[.-]|$)/;

  function blocks() { return form.querySelectorAll("section.qblock"); }
  function renamed(value, i) {
    return value.split(" ").map(function (token) { return token.replace(PREFIX, "q" + i); }).join(" ");
  }
  function renumber() {
    var all = blocks();
    Array.prototype.forEach.call(all, function (section, i) {
      [section].concat(Array.prototype.slice.call(section.querySelectorAll("*"))).forEach(function (el) {
        ["id", "name", "for", "aria-describedby", "aria-labelledby"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) el.setAttribute(attr, renamed(value, i));
        });
        var act = el.getAttribute("data-act");
        if (act && act !== "add") el.value = act + ":" + i;
      });
      section.querySelector("h3").textContent = title.replace("{n}", String(i + 1));
      section.querySelector("button[data-act=up]").disabled = i === 0;
      section.querySelector("button[data-act=down]").disabled = i === all.length - 1;
    });
    form.elements.blocks.value = String(all.length);
    Array.prototype.forEach.call(form.querySelectorAll("button[data-act=add], button[data-act=copy]"), function (button) {
      button.disabled = all.length >= most;
    });
  }
  function fresh() { return blank.content.firstElementChild.cloneNode(true); }
  function copyOf(section) {
    var copy = section.cloneNode(true);
    // a clone keeps typed text and ticks, not a select's choice; and not the old errors
    var from = section.querySelectorAll("select"), to = copy.querySelectorAll("select");
    Array.prototype.forEach.call(to, function (select, i) { select.value = from[i].value; });
    Array.prototype.forEach.call(copy.querySelectorAll(".error"), function (p) { p.remove(); });
    Array.prototype.forEach.call(copy.querySelectorAll("[aria-invalid]"), function (el) {
      el.removeAttribute("aria-invalid");
      el.removeAttribute("aria-describedby");
    });
    return copy;
  }
  function focus(section) {
    renumber();
    var field = section && section.querySelector("input[type=text]");
    if (field) field.focus();
  }
  form.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-act]") : null;
    if (!button || !form.contains(button)) return;
    event.preventDefault();
    var act = button.getAttribute("data-act");
    var section = button.closest("section.qblock");
    if (act === "add") {
      if (blocks().length >= most) return;
      var added = fresh();
      form.insertBefore(added, addRow);
      focus(added);
    } else if (act === "copy" && section) {
      if (blocks().length >= most) return;
      var copy = copyOf(section);
      section.parentNode.insertBefore(copy, section.nextSibling);
      focus(copy);
    } else if (act === "remove" && section) {
      var next = section.nextElementSibling && section.nextElementSibling.matches("section.qblock")
        ? section.nextElementSibling : null;
      section.remove();
      if (!blocks().length) { next = fresh(); form.insertBefore(next, addRow); }
      focus(next || blocks()[blocks().length - 1]);
    } else if (act === "up" && section) {
      var before = section.previousElementSibling;
      if (before && before.matches("section.qblock")) section.parentNode.insertBefore(section, before);
      renumber();
      button.focus();
    } else if (act === "down" && section) {
      var after = section.nextElementSibling;
      if (after && after.matches("section.qblock")) section.parentNode.insertBefore(after, section);
      renumber();
      button.focus();
    }
  });
  renumber();
})();
