// The founder's spend projection: monthly cost vs baseline as bars, credits left as a line,
// the first month paid out of pocket marked, and what AWS actually billed as a line when
// the founder granted billing access. Data comes from the json_script block
// #projection-chart-data (workloads/reports.py: _chart_data); Chart.js is vendored.
// Also the what-if card's small chart: month 1's cost against each lever's share, from
// #sensitivity-chart-data (workloads/reports.py: _sensitivity), when the projection has it.
(function () {
  "use strict";

  const COLORS = {
    credits: "#3fa36b",
    paid: "#2952cc",
    baseline: "#c3cad6",
    balance: "#b86e00",
    marker: "#b00020",
    actual: "#7a3db8",
    grid: "#eef1f5",
  };
  // One colour and dash per what-if lever, so the lines differ without colour too.
  const LEVER_STYLES = {
    escalation_sonnet: { color: "#2952cc", dash: [] },
    escalation_opus: { color: "#b00020", dash: [6, 4] },
    cache_hit_rate: { color: "#3fa36b", dash: [2, 3] },
  };

  const dollars = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
  const compactDollars = new Intl.NumberFormat("en-US", {
    style: "currency", currency: "USD", notation: "compact", maximumFractionDigits: 1,
  });

  // A dashed vertical line before the first month the founder pays, with a label.
  const firstPaidMonthMarker = {
    id: "firstPaidMonthMarker",
    afterDatasetsDraw(chart, _args, options) {
      if (options.index === null || options.index === undefined) return;
      const x = chart.scales.x;
      const area = chart.chartArea;
      const left = x.getPixelForValue(options.index) - x.width / chart.data.labels.length / 2;
      const ctx = chart.ctx;
      ctx.save();
      ctx.strokeStyle = COLORS.marker;
      ctx.lineWidth = 2;
      ctx.setLineDash([6, 4]);
      ctx.beginPath();
      ctx.moveTo(left, area.top);
      ctx.lineTo(left, area.bottom);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = COLORS.marker;
      ctx.font = "600 12px system-ui, sans-serif";
      // The long label where it fits on either side of the line, else the short one (a
      // phone); never outside the plot area.
      const fits = (w) => left + 6 + w <= area.right || left - 6 - w >= area.left;
      let label = options.label;
      if (!fits(ctx.measureText(label).width) && options.shortLabel) label = options.shortLabel;
      const width = ctx.measureText(label).width;
      const wanted = left + 6 + width > area.right ? left - 6 - width : left + 6;
      const textX = Math.max(area.left + 2, Math.min(wanted, area.right - width - 2));
      ctx.fillText(label, textX, area.top + 14);
      ctx.restore();
    },
  };

  function datasets(data, baselineLabel) {
    const bars = { type: "bar", stack: "you", borderRadius: 2, yAxisID: "y", order: 2 };
    const sets = [];
    if (data.hasCredits) {
      sets.push({ ...bars, label: "Paid by credits", data: data.creditsApplied,
                  backgroundColor: COLORS.credits });
      sets.push({ ...bars, label: "Out of pocket", data: data.outOfPocket,
                  backgroundColor: COLORS.paid });
    } else {
      sets.push({ ...bars, label: "Your cost on Bedrock", data: data.cost,
                  backgroundColor: COLORS.paid });
    }
    sets.push({ ...bars, stack: "baseline", label: baselineLabel, data: data.baseline,
                backgroundColor: COLORS.baseline });
    if (data.hasCredits) {
      sets.push({ type: "line", label: "Credits left", data: data.creditsRemaining,
                  yAxisID: "y1", order: 1, borderColor: COLORS.balance,
                  backgroundColor: COLORS.balance, borderWidth: 2, pointRadius: 2 });
    }
    if (data.hasActuals) {
      // What AWS billed (Cost Explorer), on the same axis as the projected bars.
      sets.push({ type: "line", label: "Actual spend", data: data.actual, yAxisID: "y",
                  stack: "actual", order: 0, borderColor: COLORS.actual,
                  backgroundColor: COLORS.actual, borderWidth: 2, pointRadius: 3,
                  spanGaps: false });
    }
    return sets;
  }

  // Below this width (a phone) the axes give the bars room: no axis titles (the caption
  // says what they are), fewer and smaller tick labels, a compact legend.
  const NARROW = 480;

  function fitToWidth(options, width) {
    const narrow = width < NARROW;
    const font = { size: narrow ? 10 : 12 };
    const { x, y, y1 } = options.scales;
    x.ticks.maxTicksLimit = narrow ? 6 : 24;
    y.ticks.maxTicksLimit = y1.ticks.maxTicksLimit = narrow ? 5 : 8;
    for (const scale of [x, y, y1]) {
      scale.title.display = !narrow;
      scale.ticks.font = font;
    }
    options.plugins.legend.labels.font = font;
    options.plugins.legend.labels.boxWidth = narrow ? 8 : 40;
  }

  function draw() {
    const canvas = document.getElementById("spend-chart");
    const source = document.getElementById("projection-chart-data");
    if (!canvas || !source || !window.Chart) return;
    const data = JSON.parse(source.textContent);
    const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    const money = (value) => compactDollars.format(value);
    window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    window.Chart.defaults.color = "#5b6576";

    const options = {
      maintainAspectRatio: false,
      // Chart.js updates the chart right after this callback.
      onResize: (resized, size) => fitToWidth(resized.options, size.width),
      animation: reduceMotion ? false : { duration: 400 },
      interaction: { mode: "index", intersect: false },
      scales: {
        x: { stacked: true, grid: { display: false },
             ticks: { callback: (_v, index) => index + 1, maxRotation: 0 },
             title: { display: true, text: "Month" } },
        y: { stacked: true, beginAtZero: true, grid: { color: COLORS.grid },
             ticks: { callback: money }, title: { display: true, text: "Per month" } },
        y1: { display: data.hasCredits, position: "right", beginAtZero: true,
              grid: { drawOnChartArea: false }, ticks: { callback: money },
              title: { display: true, text: "Credits left" } },
      },
      plugins: {
        legend: { position: "bottom", labels: {
          usePointStyle: true, boxHeight: 8, sort: (a, b) => a.datasetIndex - b.datasetIndex,
        } },
        tooltip: { callbacks: {
          label: (item) => (item.parsed.y === null ? null
            : `${item.dataset.label}: ${dollars.format(item.parsed.y)}`),
        } },
        firstPaidMonthMarker: {
          index: data.firstOutOfPocketIndex,
          label: `Credits run out: you pay from month ${data.firstOutOfPocketIndex + 1}`,
          shortLabel: `You pay from month ${data.firstOutOfPocketIndex + 1}`,
        },
      },
    };
    fitToWidth(options, canvas.parentElement.clientWidth);
    new window.Chart(canvas, {
      data: { labels: data.labels, datasets: datasets(data, canvas.dataset.baselineLabel) },
      plugins: [firstPaidMonthMarker],
      options,
    });
  }

  // x: the lever's share in percent (0-100), y: month 1's cost in dollars.
  function drawSensitivity() {
    const canvas = document.getElementById("sensitivity-chart");
    const source = document.getElementById("sensitivity-chart-data");
    if (!canvas || !source || !window.Chart) return;
    const data = JSON.parse(source.textContent);
    const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    const narrow = canvas.parentElement.clientWidth < NARROW;
    const font = { size: narrow ? 10 : 12 };
    const percent = (value) => `${value}%`;
    new window.Chart(canvas, {
      type: "line",
      data: {
        datasets: data.series.map((series) => {
          const style = LEVER_STYLES[series.name] || { color: COLORS.paid, dash: [] };
          return { label: series.label, data: series.points, borderColor: style.color,
                   backgroundColor: style.color, borderDash: style.dash, borderWidth: 2,
                   pointRadius: 2, tension: 0 };
        }),
      },
      options: {
        maintainAspectRatio: false,
        animation: reduceMotion ? false : { duration: 400 },
        interaction: { mode: "nearest", axis: "x", intersect: false },
        scales: {
          x: { type: "linear", min: 0, max: 100, grid: { color: COLORS.grid },
               ticks: { callback: percent, stepSize: 25, font },
               title: { display: !narrow, text: "Share" } },
          y: { beginAtZero: true, grid: { color: COLORS.grid },
               ticks: { callback: (value) => compactDollars.format(value), maxTicksLimit: 5,
                        font },
               title: { display: !narrow, text: `Month ${data.month} cost` } },
        },
        plugins: {
          legend: { position: "bottom", labels: { usePointStyle: true, boxHeight: 8, font } },
          tooltip: { callbacks: {
            title: (items) => (items.length ? `At ${items[0].parsed.x}%` : ""),
            label: (item) => `${item.dataset.label}: ${dollars.format(item.parsed.y)}`,
          } },
        },
      },
    });
  }

  function drawAll() {
    draw();
    drawSensitivity();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
