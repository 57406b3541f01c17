/* holcstore admin: the chart of one or several series (uPlot).
 *
 * The page's configuration (JSON, #hostore-chart-config) names the series and the data URL.
 * The chart first shows the whole series (an envelope when it is long), then every zoom
 * (drag across the plot, or the From/to fields) fetches that window from the server, at the
 * store's resolution. What is drawn is kept in window.hostoreChart (data: [times, values of
 * each series], window, downsampled, fetches) for tests and curious users.
 */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("hostore-chart-config").textContent);
  var box = document.getElementById("hostore-chart");
  var status = document.getElementById("hostore-status");
  var startInput = document.getElementById("hostore-start");
  var endInput = document.getElementById("hostore-end");
  var COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
    "#7f7f7f", "#bcbd22", "#17becf"];
  var state = {
    data: null, labels: config.series.map(function (s) { return s.label; }),
    window: { start: null, end: null }, downsampled: false, fetches: 0, error: null, plot: null
  };
  window.hostoreChart = state;

  function dataUrl(start, end) {
    var params = new URLSearchParams();
    config.series.forEach(function (s) { params.append("s", s.key); });
    if (start !== null && start !== "") { params.set("start", String(start)); }
    if (end !== null && end !== "") { params.set("end", String(end)); }
    params.set("points", String(config.maxPoints));
    return config.dataUrl + "?" + params.toString();
  }

  function iso(seconds) {
    return new Date(Math.round(seconds * 1000)).toISOString();
  }

  function options() {
    return {
      width: Math.max(box.clientWidth, 600),
      height: 400,
      tzDate: config.tz ? function (ts) { return uPlot.tzDate(new Date(ts * 1000), config.tz); } : undefined,
      cursor: { drag: { x: true, y: false, setScale: false } },
      scales: { x: { time: true } },
      series: [{}].concat(config.series.map(function (s, i) {
        return { label: s.label, stroke: COLORS[i % COLORS.length], width: 1, spanGaps: false };
      })),
      hooks: {
        setSelect: [function (u) {
          if (u.select.width < 3) { return; }
          var lo = u.posToVal(u.select.left, "x");
          var hi = u.posToVal(u.select.left + u.select.width, "x");
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          startInput.value = iso(lo);
          endInput.value = iso(hi);
          load(lo, hi);
        }]
      }
    };
  }

  function draw(data) {
    if (state.plot === null) {
      state.plot = new uPlot(options(), data, box);
    } else {
      state.plot.setData(data, true);
    }
  }

  function load(start, end) {
    box.dataset.state = "loading";
    return fetch(dataUrl(start, end), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (answer) {
        var body = answer.body;
        if (!answer.ok) {
          state.error = body.error;
          status.textContent = body.error;
          box.dataset.state = "error";
          return;
        }
        var data = [body.t].concat(body.values);
        state.error = null;
        state.data = data;
        state.window = { start: start, end: end };
        state.downsampled = body.downsampled;
        state.fetches += 1;
        draw(data);
        status.textContent = body.t.length + " points" + (body.downsampled ? " (min/max per interval)" : "") +
          (config.resolution ? ", store resolution " + config.resolution : "");
        box.dataset.state = "ready";
      })
      .catch(function (err) {
        state.error = String(err);
        status.textContent = String(err);
        box.dataset.state = "error";
      });
  }

  document.getElementById("hostore-show").addEventListener("click", function () {
    load(startInput.value.trim() || null, endInput.value.trim() || null);
  });
  document.getElementById("hostore-reset").addEventListener("click", function () {
    startInput.value = "";
    endInput.value = "";
    load(null, null);
  });
  state.load = load;
  load(null, null);
})();
