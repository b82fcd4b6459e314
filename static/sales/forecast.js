// The forecast chart: per close month, bars for won, commit and weighted pipeline, and the quota as a line.
// The data comes from the page (Django's json_script); the tables below the chart carry the same figures.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("forecast-chart-data");
  const canvas = document.getElementById("forecast-chart");
  const figure = document.getElementById("forecast-chart-figure");
  if (!source || !canvas || !figure || typeof window.Chart === "undefined") return;

  const data = JSON.parse(source.textContent);
  // Amounts arrive as decimal strings (exact in the tables); the chart only needs their size.
  const numbers = (values) => values.map((value) => (value === null ? null : Number(value)));
  const money = new Intl.NumberFormat(document.documentElement.lang || undefined, {
    style: "currency",
    currency: data.currency,
    maximumFractionDigits: 0,
  });
  const styles = getComputedStyle(document.documentElement);
  const color = (name, fallback) => styles.getPropertyValue(name).trim() || fallback;

  figure.hidden = false;
  new window.Chart(canvas, {
    data: {
      labels: data.labels,
      datasets: [
        { type: "bar", label: "Won", data: numbers(data.won), backgroundColor: color("--bs-success", "#198754") },
        { type: "bar", label: "Commit", data: numbers(data.commit), backgroundColor: color("--bs-primary", "#0d6efd") },
        {
          type: "bar",
          label: "Weighted pipeline",
          data: numbers(data.weighted),
          backgroundColor: color("--bs-info", "#0dcaf0"),
        },
        {
          type: "line",
          label: "Quota",
          data: numbers(data.quota),
          borderColor: color("--bs-danger", "#dc3545"),
          backgroundColor: color("--bs-danger", "#dc3545"),
          borderDash: [6, 4],
        },
      ],
    },
    options: {
      aspectRatio: 2.5,
      interaction: { mode: "index", intersect: false },
      scales: { y: { beginAtZero: true, ticks: { callback: (value) => money.format(value) } } },
      plugins: {
        tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${money.format(item.parsed.y)}` } },
      },
    },
  });
});
