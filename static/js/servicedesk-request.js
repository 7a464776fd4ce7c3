/* Progressive enhancement of the new service request form: make the emergency notice
   stand out when an emergency category is chosen. */
(function () {
  var select = document.querySelector("select[name=category]"), note = document.getElementById("emergency-note");
  if (!select || !note) return;
  function update() {
    var opt = select.options[select.selectedIndex];
    note.classList.toggle("urgent", !!(opt && opt.dataset.emergency));
    if (opt && opt.dataset.emergency) note.setAttribute("role", "alert"); else note.setAttribute("role", "note");
  }
  select.addEventListener("change", update); update();
})();
