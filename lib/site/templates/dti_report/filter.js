/* The index's filter box: hides the reports whose title lacks the typed words (accents and
   case ignored). Inline, no request; without script the box stays hidden and the list is whole. */
(function () {
  var form = document.getElementById("dti-filter"), box = document.getElementById("dti-filter-text");
  var items = document.querySelectorAll("#dti-reports li"), none = document.getElementById("dti-filter-none");
  function plain(s) { return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/gi, "d").toLowerCase(); }
  form.hidden = false;
  box.addEventListener("input", function () {
    var words = plain(box.value).split(/\s+/).filter(Boolean), shown = 0;
    items.forEach(function (li) {
      var text = plain(li.textContent), hit = words.every(function (w) { return text.indexOf(w) >= 0; });
      li.hidden = !hit; shown += hit ? 1 : 0;
    });
    none.hidden = shown > 0;
  });
})();
