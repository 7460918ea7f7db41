/*
 * The headline page's charts, drawn with the vendored Chart.js from the data the
 * page embeds (json_script "report-charts"). Each chart's bars, points and slices
 * open the rows that make them; each chart also has its figures as a table.
 */
(function () {
    "use strict";

    var data = document.getElementById("report-charts");
    if (!data || typeof Chart === "undefined") {
        return;
    }
    var COLOURS = [
        "#2e7d32", "#1565c0", "#ef6c00", "#6a1b9a", "#c62828",
        "#00838f", "#9e9d24", "#4e342e", "#ad1457", "#37474f",
    ];
    var yuan = new Intl.NumberFormat(document.documentElement.lang || undefined, {
        style: "currency", currency: "CNY",
    });

    function draw(spec) {
        var canvas = document.getElementById("chart-" + spec.name);
        if (!canvas || !spec.labels.length) {
            return;
        }
        var values = spec.yuan.map(Number);
        var doughnut = spec.kind === "doughnut";
        var valueAxis = spec.horizontal ? "x" : "y";
        var scales = {};
        if (!doughnut) {
            scales[valueAxis] = { beginAtZero: true };
        }
        var options = {
            maintainAspectRatio: false,
            scales: scales,
            animation: false,
            indexAxis: spec.horizontal ? "y" : "x",
            plugins: {
                legend: { display: doughnut },
                tooltip: {
                    callbacks: {
                        label: function (item) {
                            return yuan.format(values[item.dataIndex]) +
                                " · " + spec.tonnes[item.dataIndex] + " t";
                        },
                    },
                },
            },
            onClick: function (event, elements) {
                if (elements.length) {
                    window.location.href = spec.urls[elements[0].index];
                }
            },
            onHover: function (event, elements) {
                event.native.target.style.cursor = elements.length ? "pointer" : "default";
            },
        };
        new Chart(canvas, {
            type: spec.kind,
            data: {
                labels: spec.labels,
                datasets: [{
                    label: canvas.getAttribute("aria-label"),
                    data: values,
                    backgroundColor: doughnut ? COLOURS : COLOURS[0],
                    borderColor: doughnut ? "#fff" : COLOURS[0],
                    fill: false,
                    tension: 0.2,
                }],
            },
            options: options,
        });
    }

    JSON.parse(data.textContent).forEach(draw);
}());
