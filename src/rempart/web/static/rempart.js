// Rempart dashboard: the only script, written for this project (no library).
// On the timeline, clicking (or Enter or Space on) an event row or a chart marker shows
// the event's detail beside the list; the row and the marker are highlighted together.
// Everything is written with textContent: event text comes from attackers.
"use strict";

(function () {
  function fill(panel, name, value) {
    var el = panel.querySelector('[data-field="' + name + '"]');
    if (el) { el.textContent = value; }
  }

  function sameEvent(id) {
    return document.querySelectorAll('[data-event-id="' + CSS.escape(id) + '"]');
  }

  function highlight(id) {
    var selected = document.querySelectorAll(".selected");
    for (var i = 0; i < selected.length; i++) { selected[i].classList.remove("selected"); }
    var matches = sameEvent(id);
    for (var j = 0; j < matches.length; j++) { matches[j].classList.add("selected"); }
  }

  function localTime(id) {
    // the list shows the time in the campaign's zone; the API gives it in UTC
    var cell = document.querySelector('tr[data-event-id="' + CSS.escape(id) + '"] td.when');
    return cell ? cell.textContent : "";
  }

  function show(panel, el) {
    var id = el.getAttribute("data-event-id");
    var count = parseInt(el.getAttribute("data-count") || "1", 10);
    highlight(id);
    panel.hidden = false;
    var error = panel.querySelector('[data-field="error"]');
    var many = panel.querySelector('[data-field="count"]');
    error.hidden = true;
    many.hidden = !(count > 1);
    many.textContent = count > 1 ?
      "This marker stands for " + count + " events; shown: the worst, newest of them." : "";
    fetch("/api/events/" + encodeURIComponent(id), {credentials: "same-origin"})
      .then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.json();
      })
      .then(function (e) {
        var local = localTime(id);
        fill(panel, "time", local ? local + " (" + e.time + ")" : e.time);
        fill(panel, "kind", e.kind);
        fill(panel, "severity", e.severity);
        fill(panel, "source", e.source);
        fill(panel, "summary", e.summary);
        fill(panel, "targets", (e.targets || []).join(", ") || "—");
        fill(panel, "indicators", (e.indicators || []).join("\n") || "—");
        fill(panel, "details", (e.details || []).map(function (d) {
          return d.label + ": " + d.text;
        }).join("\n") || "—");
        panel.setAttribute("data-shown", id);
      })
      .catch(function (err) {
        error.textContent = "cannot load the event: " + err.message;
        error.hidden = false;
      });
  }

  function bind(panel, el) {
    el.addEventListener("click", function () { show(panel, el); });
    el.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" || ev.key === " ") {
        ev.preventDefault();
        show(panel, el);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var panel = document.getElementById("event-detail");
    if (!panel) { return; }
    var targets = document.querySelectorAll("tr[data-event-id], .chart [data-event-id]");
    for (var i = 0; i < targets.length; i++) { bind(panel, targets[i]); }
  });
})();
