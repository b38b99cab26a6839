// Sortable tables, no dependency: click a header to sort by it (numbers by their data-sort value).
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("thead th").forEach(function (th, index) {
    th.addEventListener("click", function () {
      var numeric = th.dataset.type === "num";
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("thead th").forEach(function (other) { other.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[index], y = b.cells[index];
        var u = x.dataset.sort !== undefined ? x.dataset.sort : x.textContent.trim();
        var v = y.dataset.sort !== undefined ? y.dataset.sort : y.textContent.trim();
        var order = numeric ? parseFloat(u) - parseFloat(v) : u.localeCompare(v);
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
