/* Quick order: add rows to the grid, and show each row's product and live
   availability for the chosen delivery date (JSON from /canteen/availability/).
   The page works without it; this only helps. */
(function () {
  "use strict";

  var form = document.getElementById("quick_order_form");
  if (!form) {
    return;
  }
  var body = document.getElementById("order_lines_body");
  var template = document.getElementById("order_line_template");
  var date = form.querySelector("[name=delivery_date]");
  var total = form.querySelector("[name=lines-TOTAL_FORMS]");
  var most = parseInt(form.querySelector("[name=lines-MAX_NUM_FORMS]").value, 10);
  var timer = null;
  var latest = 0;

  function rows() {
    return Array.prototype.slice.call(body.querySelectorAll("tr.order-line"));
  }

  function skuOf(row) {
    return row.querySelector(".line-sku").value.trim();
  }

  function cell(row, name) {
    return row.querySelector(".line-" + name);
  }

  function show(row, info) {
    var available = cell(row, "available");
    ["title", "unit", "price"].forEach(function (name) {
      cell(row, name).textContent = "";
    });
    available.textContent = "";
    available.className = "line-available";
    if (!info) {
      return;
    }
    if (!info.known) {
      available.textContent = info.message;
      available.className = "line-available text-danger";
      return;
    }
    cell(row, "title").textContent = info.title;
    cell(row, "unit").textContent = info.unit_of_sale;
    cell(row, "price").textContent = info.price_display;
    available.textContent = info.message;
    available.dataset.units = info.units_available;
    var wanted = parseInt(row.querySelector(".line-units").value, 10) || 0;
    var state = "text-success";
    if (!info.orderable || info.units_available === 0) {
      state = "text-danger";
    } else if (wanted > info.units_available) {
      state = "table-warning";
      available.textContent += " (" + form.dataset.shortText + ")";
    }
    available.className = "line-available " + state;
  }

  function refresh() {
    var skus = rows().map(skuOf).filter(Boolean);
    if (!date.value || skus.length === 0) {
      rows().forEach(function (row) { show(row, null); });
      return;
    }
    var params = new URLSearchParams({ delivery_date: date.value });
    skus.filter(function (sku, i) { return skus.indexOf(sku) === i; })
      .forEach(function (sku) { params.append("sku", sku); });
    var mine = ++latest;
    rows().forEach(function (row) {
      if (skuOf(row)) {
        cell(row, "available").textContent = form.dataset.checkingText;
      }
    });
    fetch(form.dataset.availabilityUrl + "?" + params.toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (mine !== latest) {
          return; // an answer to an older question
        }
        var products = data.products || {};
        rows().forEach(function (row) { show(row, products[skuOf(row)]); });
      })
      .catch(function () {
        rows().forEach(function (row) { cell(row, "available").textContent = ""; });
      });
  }

  function soon() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 250);
  }

  function addRow() {
    var index = parseInt(total.value, 10);
    if (index >= most) {
      return;
    }
    body.insertAdjacentHTML(
      "beforeend", template.innerHTML.replace(/__prefix__/g, String(index))
    );
    total.value = String(index + 1);
    var added = rows()[rows().length - 1];
    cell(added, "number").textContent = String(index + 1);
    added.querySelector(".line-sku").focus();
  }

  body.addEventListener("input", function (event) {
    if (event.target.matches(".line-sku, .line-units")) {
      soon();
    }
  });
  date.addEventListener("change", soon);
  document.getElementById("add_line").addEventListener("click", addRow);
  refresh();
})();
