/* The export page's progress bar: polls the export's status JSON every 1.5 s
   until it is done (then shows the download button) or failed (the error).
   Every text comes from the server, already translated. */
(function () {
    "use strict";
    var box = document.getElementById("export_progress");
    if (!box || box.dataset.finished === "true") {
        return;
    }
    var url = box.dataset.statusUrl;
    var bar = document.getElementById("export_bar");
    var status = document.getElementById("export_status");
    var rows = document.getElementById("export_rows");
    var error = document.getElementById("export_error");
    var download = document.getElementById("export_download");
    var EVERY_MS = 1500;

    function show(state) {
        bar.style.width = state.percent + "%";
        bar.setAttribute("aria-valuenow", state.percent);
        bar.textContent = state.percent + "%";
        status.textContent = state.status_display;
        status.className = "export-status-" + state.status;
        rows.textContent = state.progress_text;
        if (state.status === "done") {
            bar.className = "progress-bar bg-success";
            download.href = state.download;
            download.hidden = false;
        } else if (state.status === "failed") {
            bar.className = "progress-bar bg-danger";
            error.textContent = state.error;
            error.hidden = false;
        }
    }

    function poll() {
        fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
            .then(function (response) {
                if (!response.ok) {
                    throw new Error(response.status);
                }
                return response.json();
            })
            .then(function (state) {
                show(state);
                if (!state.finished) {
                    window.setTimeout(poll, EVERY_MS);
                }
            })
            .catch(function () {
                // A network blip: try again, a little later.
                window.setTimeout(poll, EVERY_MS * 2);
            });
    }

    window.setTimeout(poll, EVERY_MS);
})();
