// The sales report chart: each person's win rate in the period, as horizontal bars.
// The data comes from the page (Django's json_script); the table below the chart carries the same figures.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("report-chart-data");
  const canvas = document.getElementById("report-chart");
  const figure = document.getElementById("report-chart-figure");
  if (!source || !canvas || !figure || typeof window.Chart === "undefined") return;

  const data = JSON.parse(source.textContent);
  const styles = getComputedStyle(document.documentElement);
  const color = (name, fallback) => styles.getPropertyValue(name).trim() || fallback;

  figure.hidden = false;
  // A bar's height whatever the number of people, so that a big team stays readable.
  figure.style.position = "relative";
  figure.style.height = `${Math.max(160, data.labels.length * 28 + 60)}px`;
  new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        {
          label: "Win rate",
          data: data.win_rate.map((value) => (value === null ? null : Number(value))),
          backgroundColor: color("--bs-success", "#198754"),
        },
      ],
    },
    options: {
      indexAxis: "y",
      maintainAspectRatio: false,
      scales: { x: { min: 0, max: 100, ticks: { callback: (value) => `${value} %` } } },
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: (item) => {
              const closed = data.closed[item.dataIndex];
              return `Win rate ${item.parsed.x} % of ${closed} closed deal${closed === 1 ? "" : "s"}`;
            },
          },
        },
      },
    },
  });
});
