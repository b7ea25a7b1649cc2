// Renders a stems report from the embedded STEMS_DATA (written by `stems report`). Our own code;
// plotly.js is inlined before it.
"use strict";
(function () {
  const data = window.STEMS_DATA;
  const rendered = [];
  const cfg = { responsive: true, displaylogo: false };

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function section(title, note) {
    const root = document.getElementById("content");
    root.appendChild(el("h2", {}, title));
    if (note) root.appendChild(el("p", { class: "note" }, note));
    return root;
  }
  function plot(id, traces, layout, tall) {
    const root = document.getElementById("content");
    const div = el("div", { id: id, class: tall ? "plot tall" : "plot" });
    root.appendChild(div);
    Plotly.newPlot(div, traces, Object.assign({ margin: { t: 40, r: 20 } }, layout), cfg);
    let points = 0;
    for (const t of traces) points += (t.x || t.values || []).length;
    rendered.push({ id: id, traces: traces.length, points: points });
  }
  function table(columns, rows, numericFrom) {
    const root = document.getElementById("content");
    const t = el("table");
    const head = el("tr");
    for (const c of columns) head.appendChild(el("th", {}, c));
    t.appendChild(head);
    for (const r of rows) {
      const tr = el("tr");
      r.forEach((v, i) => tr.appendChild(el("td", i >= numericFrom ? { class: "num" } : {}, v)));
      t.appendChild(tr);
    }
    root.appendChild(t);
  }
  const mJ = (pJ) => pJ / 1e9;

  // Colour: log10(state bits + 1) on a scale shared by every trace of a plot.
  const stateColour = (bits) => Math.log10(bits + 1);
  function colourRange(fronts) {
    const all = [].concat(...fronts.map((f) => f.map((p) => stateColour(p.objectives.state_bits))));
    const lo = Math.min(...all, 0), hi = Math.max(...all, 1);
    return [lo, hi > lo ? hi : lo + 1];
  }
  // Co-design fronts (objectives.area_mm2 present) are coloured by area instead.
  const hasArea = (front) => front.length > 0 && front[0].objectives.area_mm2 !== undefined;
  const hardwareText = (p) => p.hardware ? "<br>" + Object.entries(p.hardware)
    .map(([k, v]) => k + " = " + Number(v).toLocaleString("en-US")).join("<br>") : "";
  function frontTraces(front, name, showScale, range) {
    if (hasArea(front)) {
      const t = stateTraces(front, name, false, range);
      t.text = front.map((p, i) => "area " + p.objectives.area_mm2.toFixed(3) + " mm2<br>" +
        t.text[i] + hardwareText(p));
      t.marker.color = front.map((p) => p.objectives.area_mm2);
      t.marker.colorscale = "Cividis";
      t.marker.cmin = Math.min(...t.marker.color);
      t.marker.cmax = Math.max(...t.marker.color, t.marker.cmin + 1e-9);
      t.marker.showscale = showScale;
      t.marker.colorbar = showScale ? { title: "area (mm2)" } : undefined;
      return t;
    }
    return stateTraces(front, name, showScale, range);
  }
  function stateTraces(front, name, showScale, range) {
    return {
      type: "scatter", mode: "markers", name: name,
      x: front.map((p) => mJ(p.objectives.energy_pJ)),
      y: front.map((p) => p.objectives.latency_cycles / 1e6),
      text: front.map((p) =>
        "time " + p.schedule.time_schedule + "<br>depth " + p.schedule.depth_schedule +
        "<br>state " + p.schedule.state_schedule + "<br>state bits " +
        p.objectives.state_bits.toLocaleString("en-US") +
        (p.objectives.accuracy !== undefined ? "<br>accuracy " + p.objectives.accuracy : "") +
        "<br>" + p.genes),
      hovertemplate: "%{x:.4f} mJ, %{y:.3f} Mcycles<br>%{text}<extra>" + name + "</extra>",
      marker: {
        size: 11, color: front.map((p) => stateColour(p.objectives.state_bits)),
        colorscale: "Viridis", cmin: range[0], cmax: range[1],
        showscale: showScale, colorbar: showScale ? { title: "log10(state bits + 1)" } : undefined,
        line: { width: 1, color: "#333" },
      },
    };
  }

  function runReport(d) {
    const p = d.pareto;
    document.getElementById("title").textContent = "stems optimize: " + p.run;
    document.getElementById("meta").textContent =
      p.workload + " on " + p.hardware + " | " + p.method + ", seed " + p.seed + " | " +
      p.evaluations.toLocaleString("en-US") + " evaluations of " +
      Number(p.space_size).toLocaleString("en-US") + " genomes | " + p.front.length +
      " front points" + (p.interrupted ? " (interrupted)" : "");
    section("Pareto front", hasArea(p.front)
      ? "Energy against latency; colour: accelerator area (mm2, technology model). Hover a " +
        "point for its schedule and hardware."
      : "Energy against latency; colour: neuron-state bits kept on the " +
        "accelerator (log scale). Hover a point for its schedule.");
    plot("front", [frontTraces(p.front, "front", true, colourRange([p.front]))], {
      xaxis: { title: "energy (mJ)" }, yaxis: { title: "latency (Mcycles)" }, showlegend: false,
    });
    const c = d.chosen;
    if (!c) return;
    section("Lowest-energy point: energy breakdown",
      "time " + c.schedule.time_schedule + ", depth " + c.schedule.depth_schedule + ", state " +
      c.schedule.state_schedule + " | " + mJ(c.energy_pJ).toFixed(4) + " mJ, " +
      Math.round(c.latency_cycles).toLocaleString("en-US") + " cycles. Per operand and " +
      "component (MAC, on-chip memory levels, DRAM); scheduler transfers (fetches, write-backs, " +
      "evictions) are in the buckets table.");
    const byComponent = {};
    const operands = [];
    for (const b of c.breakdown) {
      if (!operands.includes(b.operand)) operands.push(b.operand);
      byComponent[b.component] = byComponent[b.component] || {};
      byComponent[b.component][b.operand] = (byComponent[b.component][b.operand] || 0) + b.energy_pJ;
    }
    plot("breakdown-operand", Object.entries(byComponent).map(([comp, v]) => ({
      type: "bar", name: comp, x: operands, y: operands.map((o) => (v[o] || 0) / 1e6),
    })), { barmode: "stack", yaxis: { title: "energy (uJ)" }, xaxis: { title: "operand" } });
    const layerIds = c.layers.map((l) => l.id);
    const layerNames = c.layers.map((l) => l.id + " " + l.name);
    const byOperand = {};
    for (const b of c.breakdown) {
      byOperand[b.operand] = byOperand[b.operand] || {};
      byOperand[b.operand][b.layer] = (byOperand[b.operand][b.layer] || 0) + b.energy_pJ;
    }
    plot("breakdown-layer", Object.entries(byOperand).map(([op, v]) => ({
      type: "bar", name: op, x: layerNames, y: layerIds.map((id) => (v[id] || 0) / 1e6),
    })), { barmode: "stack", yaxis: { title: "energy (uJ)" }, xaxis: { title: "layer" } }, true);
    table(["bucket", "energy uJ"], Object.entries(c.buckets).map(([k, v]) => [k, (v / 1e6).toFixed(3)]), 1);
    if (c.hardware) {  // co-design: the chosen point's accelerator, from its hardware genes
      const best = p.front.reduce((a, b) => (b.objectives.energy_pJ < a.objectives.energy_pJ ? b : a));
      section("Lowest-energy point: its hardware", "The template " + p.hardware + " with the " +
        "parameters the search chose (hw.* genes); area from the technology model.");
      const rows = Object.entries(best.hardware || {}).map(([k, v]) => [k, Number(v).toLocaleString("en-US")]);
      if (best.objectives.area_mm2 !== undefined) rows.push(["area_mm2", best.objectives.area_mm2.toFixed(4)]);
      table(["parameter", "value"], rows, 1);
    }

    section("Schedule timeline",
      c.nodes.length + " computation nodes on the cores and " + c.transfers.length +
      " transfers on the DRAM link (cycles).");
    const rows = {};
    for (const n of c.nodes) {
      const row = "core " + n.core;
      rows[row] = rows[row] || { base: [], x: [], text: [] };
      rows[row].base.push(n.start_cycle);
      rows[row].x.push(Math.max(n.end_cycle - n.start_cycle, 1));
      rows[row].text.push("layer " + n.layer + " t" + n.t + " x" + n.x);
    }
    for (const t of c.transfers) {
      const row = "DRAM link: " + t.kind;
      rows[row] = rows[row] || { base: [], x: [], text: [] };
      rows[row].base.push(t.start_cycle);
      rows[row].x.push(Math.max(t.end_cycle - t.start_cycle, 1));
      rows[row].text.push("layer " + t.layer + " " + t.operand + " " + t.bits.toLocaleString("en-US") + " bits");
    }
    plot("timeline", Object.entries(rows).map(([name, r]) => ({
      type: "bar", orientation: "h", name: name, y: r.x.map(() => name), x: r.x, base: r.base,
      text: r.text, hovertemplate: "%{text}<br>%{base:,.0f} + %{x:,.0f} cycles<extra></extra>",
      textposition: "none",
    })), { barmode: "overlay", xaxis: { title: "cycle" }, showlegend: false, margin: { l: 160, t: 20 } });

    section("On-chip memory occupancy", "Bits resident in the top on-chip memory over time " +
      "(peak " + c.peak_onchip_bits.toLocaleString("en-US") + " bits).");
    const tl = c.memory_timeline || [];
    plot("memory", [{
      type: "scatter", mode: "lines", line: { shape: "hv" }, name: "on-chip bits",
      x: tl.map((p) => p[0]), y: tl.map((p) => p[1]),
    }], { xaxis: { title: "cycle" }, yaxis: { title: "bits" } });
  }

  function campaignReport(d) {
    document.getElementById("title").textContent = "stems campaign: " + d.name;
    document.getElementById("meta").textContent = d.description + " | " + d.mode + ", " +
      d.results.rows.length + " runs";
    for (const t of d.tables) {
      section(t.title, "baseline / run: how many times less than the baseline (> 1: better).");
      table(t.columns, t.rows, d.axes.length);
    }
    for (const [i, p] of d.plots.entries()) {
      section(p.title, p.metric + " against " + p.x + (p.series ? ", one series per " + p.series : ""));
      const col = d.results.header.indexOf(p.metric);
      const xcol = d.results.header.indexOf(p.x);
      const scol = p.series ? d.results.header.indexOf(p.series) : -1;
      const others = d.axes.filter((a) => a !== p.x && a !== p.series);
      const panels = {};
      for (const row of d.results.rows) {
        if (row[d.results.header.indexOf("status")] !== "ok" || row[col] === "") continue;
        const panel = others.map((a) => row[d.results.header.indexOf(a)]).join(" / ");
        const series = scol >= 0 ? row[scol] : p.metric;
        panels[panel] = panels[panel] || {};
        panels[panel][series] = panels[panel][series] || { x: [], y: [] };
        panels[panel][series].x.push(row[xcol]);
        panels[panel][series].y.push(Number(row[col]) / (p.metric.endsWith("_pJ") ? 1e9 : 1));
      }
      Object.entries(panels).forEach(([panel, series], j) => {
        plot("sweep-" + i + "-" + j, Object.entries(series).map(([name, s]) => ({
          type: "bar", name: name, x: s.x, y: s.y,
        })), {
          title: { text: panel, font: { size: 13 } }, barmode: "group",
          xaxis: { title: p.x, type: "category" },
          yaxis: { title: p.metric.endsWith("_pJ") ? p.metric.slice(0, -3) + " (mJ)" : p.metric,
                   type: p.log_y ? "log" : "linear" },
        });
      });
    }
    if (d.fronts && d.fronts.length) {
      section("Pareto fronts", "One front per search run (energy vs latency; colour: state bits).");
      const range = colourRange(d.fronts.map((f) => f.front));
      plot("fronts", d.fronts.map((f, k) => {
        const t = frontTraces(f.front, f.run, k === 0, range);
        t.marker.symbol = k % 10;
        return t;
      }), { xaxis: { title: "energy (mJ)" }, yaxis: { title: "latency (Mcycles)" },
            legend: { orientation: "h", y: -0.2 } }, true);
    }
    section("All runs", "results.csv");
    const h = d.results.header;
    const keep = h.map((c, i) => i).filter((i) => h[i] !== "id" && h[i] !== "message");
    table(keep.map((i) => h[i]), d.results.rows.map((r) => keep.map((i) => r[i])), 1 + d.axes.length);
  }

  try {
    if (data.kind === "run") runReport(data); else campaignReport(data);
  } finally {
    window.STEMS_RENDERED = rendered;
  }
})();
