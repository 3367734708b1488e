// Rempart dashboard: the only script, written for this project (no library).
// On the timeline, clicking (or Enter or Space on) an event row or a chart marker shows
// the event's detail beside the list; the row and the marker are highlighted together.
// A marker standing for several events lists them in the detail; each opens on a click.
// Everything is written with textContent: event text comes from attackers.
"use strict";

(function () {
  function fill(panel, name, value) {
    var el = panel.querySelector('[data-field="' + name + '"]');
    if (el) { el.textContent = value; }
  }

  function sameEvent(id) {
    // its row, and the marker(s) that open it or list it
    var quoted = '"' + CSS.escape(id) + '"';
    return document.querySelectorAll(
      "[data-event-id=" + quoted + "], .chart [data-event-ids~=" + quoted + "]");
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

  function shortLine(when, severity, kind, summary) {
    summary = summary || "";
    if (summary.length > 120) { summary = summary.slice(0, 119) + "…"; }
    return [when, severity, kind, summary].join(" · ");
  }

  function nameMember(button, id) {
    // a member of a marker, named as its row in the list: when · severity · kind · summary;
    // a member listed on another page of the list is named from the API
    var row = document.querySelector('tr[data-event-id="' + CSS.escape(id) + '"]');
    if (row) {
      var cells = Array.prototype.map.call(row.cells, function (c) {
        return c.textContent.trim();
      });
      button.textContent = shortLine(cells[0], cells[1], cells[2], cells[3]);
      return;
    }
    button.textContent = id;
    fetch("/api/events/" + encodeURIComponent(id), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (e) {
        if (e) { button.textContent = shortLine(e.time, e.severity, e.kind, e.summary); }
      })
      .catch(function () { /* the id stays: a click still opens the event */ });
  }

  function load(panel, id) {
    var error = panel.querySelector('[data-field="error"]');
    error.hidden = true;
    panel.removeAttribute("data-shown");
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

  function choose(panel, el, id) {
    // one event of a marker: shown, its row and the marker highlighted
    highlight(id);
    if (el) { el.classList.add("selected"); }
    var buttons = panel.querySelectorAll("[data-member]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute("aria-current",
        buttons[i].getAttribute("data-member") === id ? "true" : "false");
    }
    load(panel, id);
  }

  function members(panel, el) {
    // a marker standing for several events lists them (worst first); each can be opened
    var ids = (el.getAttribute("data-event-ids") || "").split(" ").filter(Boolean);
    var count = parseInt(el.getAttribute("data-count") || "1", 10);
    var box = panel.querySelector('[data-field="members"]');
    var list = box.querySelector("ol");
    var many = panel.querySelector('[data-field="count"]');
    list.textContent = "";
    box.hidden = ids.length < 2;
    many.hidden = !(count > 1);
    if (count <= 1) {
      many.textContent = "";
    } else if (ids.length < 2) {
      many.textContent = "This marker stands for " + count +
        " events; shown: the worst, newest of them.";
    } else {
      many.textContent = "This marker stands for " + count + " events" +
        (ids.length < count ? "; the worst " + ids.length + " are listed here, " +
          "all of them in the list of events:" : ", worst first:");
    }
    ids.forEach(function (id) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.setAttribute("data-member", id);
      nameMember(button, id);
      button.addEventListener("click", function () { choose(panel, el, id); });
      item.appendChild(button);
      list.appendChild(item);
    });
  }

  function show(panel, el) {
    var marker = el.tagName.toLowerCase() === "tr" ? null : el;
    panel.hidden = false;
    members(panel, el);  // a row is one event: no list
    choose(panel, marker, el.getAttribute("data-event-id"));
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
