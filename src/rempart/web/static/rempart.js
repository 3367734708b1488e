// Rempart dashboard: the only script, written for this project (no library).
// On the timeline, clicking (or Enter on) an event row shows its detail beside the list.
// Everything is written with textContent: event text comes from attackers.
"use strict";

(function () {
  function fill(panel, name, value) {
    var el = panel.querySelector('[data-field="' + name + '"]');
    if (el) { el.textContent = value; }
  }

  function show(panel, row) {
    var id = row.getAttribute("data-event-id");
    var selected = document.querySelectorAll("tr.selected");
    for (var i = 0; i < selected.length; i++) { selected[i].classList.remove("selected"); }
    row.classList.add("selected");
    panel.hidden = false;
    var error = panel.querySelector('[data-field="error"]');
    error.hidden = true;
    fetch("/api/events/" + encodeURIComponent(id), {credentials: "same-origin"})
      .then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.json();
      })
      .then(function (e) {
        fill(panel, "time", e.time);
        fill(panel, "kind", e.kind);
        fill(panel, "severity", e.severity);
        fill(panel, "source", e.source);
        fill(panel, "summary", e.summary);
        fill(panel, "targets", (e.targets || []).join(", ") || "—");
        fill(panel, "indicators", (e.indicators || []).join("\n") || "—");
        panel.setAttribute("data-shown", id);
      })
      .catch(function (err) {
        error.textContent = "cannot load the event: " + err.message;
        error.hidden = false;
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var panel = document.getElementById("event-detail");
    if (!panel) { return; }
    var rows = document.querySelectorAll("tr[data-event-id]");
    for (var i = 0; i < rows.length; i++) {
      rows[i].addEventListener("click", function () { show(panel, this); });
      rows[i].addEventListener("keydown", function (ev) {
        if (ev.key === "Enter") { show(panel, this); }
      });
    }
  });
})();
